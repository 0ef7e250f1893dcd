package linkjob

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/hotpass/hotpass/internal/labelstudio"
	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkreport"
)

// defaultReportSample is the number of pairs the report explains.
const defaultReportSample = 12

func writeReport(path string, cfg Config, v *pairView, meta *Metadata) error {
	s := v.l.Settings()
	r := &linkreport.Report{
		Title: cfg.Title, LinkType: string(s.LinkType), Lambda: v.params.Lambda,
		MatchThreshold: s.MatchThreshold, ReviewThreshold: s.ReviewThreshold,
		Weights: linkreport.NewHistogram(1), Masker: cfg.ReportMasker,
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	r.GeneratedAt = now().UTC().Truncate(time.Second)
	r.PriorSource, r.Displaced = "model file", meta.Pairs.Displaced
	if meta.Training != nil {
		r.PriorSource, r.PriorWarnings = meta.Training.Prior.Source, meta.Training.Prior.Warnings
	}
	ci := meta.Clusters
	r.Clusters = &linkreport.Clusters{Count: ci.Count, Sparse: ci.Sparse, SparseDensity: ci.SparseDensity, Split: ci.Split}
	for _, q := range ci.Weakest {
		r.Clusters.Weakest = append(r.Clusters.Weakest, linkreport.ClusterQuality{ID: strconv.Itoa(int(q.Cluster)), Size: q.Size, Edges: q.Edges,
			Density: q.Density, WeakestEdge: q.Weakest})
	}
	for _, in := range meta.Inputs {
		r.Inputs = append(r.Inputs, linkreport.Input{Name: in.Name, Records: int64(in.Records)})
	}
	for _, b := range meta.Blocking {
		r.Rules = append(r.Rules, linkreport.Rule{Rule: b.Rule, Pairs: b.Compared, Matches: b.Matches, Reviews: b.Reviews})
	}
	for _, p := range v.pred.Pairs {
		r.Weights.Add(p.Weight)
	}
	if meta.Model.Source == ModelRules {
		// Nothing was trained, so the starting m and u would only mislead.
		r.PriorSource = "no model: the linkage rules classified the pairs (fired_rules in " + MetadataFile + ")"
	} else {
		for _, cp := range v.params.Comparisons {
			c := linkreport.Comparison{Name: cp.Name}
			for _, lp := range cp.Levels {
				c.Levels = append(c.Levels, linkreport.Level{Label: lp.Label, Null: lp.Null, M: lp.M, U: lp.U})
			}
			r.Comparisons = append(r.Comparisons, c)
		}
	}
	n := cfg.ReportSample
	if n <= 0 {
		n = defaultReportSample
	}
	for _, k := range v.sample(n) {
		r.Pairs = append(r.Pairs, v.explain(k))
	}
	return linkreport.Write(path, r)
}

// sample picks up to n kept pairs to explain: the strongest matches, the
// pairs nearest each threshold (where explanations help most) and the
// strongest rejects kept, a few of each, in a deterministic order.
func (v *pairView) sample(n int) []int {
	order := v.sortedPairs()
	byClass := map[linkage.Class][]int{}
	for _, k := range order {
		c := v.class(k)
		byClass[c] = append(byClass[c], k)
	}
	s := v.l.Settings()
	matchW := linkreport.WeightOf(s.MatchThreshold)
	reviewW := linkreport.WeightOf(s.ReviewThreshold)
	near := func(ks []int, w float64) []int {
		out := append([]int(nil), ks...)
		sortByDistance(out, func(k int) float64 { return math.Abs(v.pred.Pairs[k].Weight - w) })
		return out
	}
	per := max(1, n/4)
	var out []int
	seen := map[int]bool{}
	take := func(ks []int, m int) {
		for _, k := range ks {
			if m == 0 || len(out) == n {
				return
			}
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
				m--
			}
		}
	}
	strongest := append([]int(nil), byClass[linkage.Match]...)
	sortByDistance(strongest, func(k int) float64 { return -v.pred.Pairs[k].Weight })
	take(strongest, per)
	take(near(byClass[linkage.Match], matchW), per)
	take(near(byClass[linkage.Review], reviewW), per)
	take(near(byClass[linkage.Reject], reviewW), per)
	take(order, n)
	return out
}

// sortByDistance orders ks by key, ascending; the sort is stable, so
// equal keys keep record order.
func sortByDistance(ks []int, key func(int) float64) {
	d := make(map[int]float64, len(ks))
	for _, k := range ks {
		d[k] = key(k)
	}
	slices.SortStableFunc(ks, func(a, b int) int { return cmp.Compare(d[a], d[b]) })
}

// explain breaks kept pair k's weight down for a waterfall chart.
func (v *pairView) explain(k int) linkreport.Explanation {
	p := v.pred.Pairs[k]
	vec := v.pred.Vector(k)
	left := linkreport.Record{Source: v.recs.InputName(v.recs.Source(int(p.I))), ID: v.recs.ID(int(p.I))}
	right := linkreport.Record{Source: v.recs.InputName(v.recs.Source(int(p.J))), ID: v.recs.ID(int(p.J))}
	for _, col := range v.columns {
		a, _ := v.value(col, p.I)
		b, _ := v.value(col, p.J)
		left.Fields = append(left.Fields, linkreport.Field{Name: col, Value: a})
		right.Fields = append(right.Fields, linkreport.Field{Name: col, Value: b})
	}
	e := linkreport.Explanation{
		PairID: labelstudio.PairID(labelstudio.RecordRef{Source: left.Source, ID: left.ID}, labelstudio.RecordRef{Source: right.Source, ID: right.ID}),
		Left:   left, Right: right, Prior: v.weights.Prior, Weight: p.Weight, Probability: p.Probability(),
	}
	for c, name := range v.names {
		lv := vec[c]
		e.Steps = append(e.Steps, linkreport.Step{Comparison: name, Level: v.levelLabel(c, lv),
			Weight: v.weights.BF[c][lv], TF: v.tf(c, lv, p.I, p.J)})
	}
	return e
}
