package linkage

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync/atomic"

	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/compare"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Class is the decision for a scored pair.
type Class uint8

// The classes, by match probability: Match at or above the match
// threshold, Review at or above the review threshold, Reject below.
const (
	Reject Class = iota
	Review
	Match
)

// String names the class.
func (c Class) String() string {
	switch c {
	case Match:
		return "match"
	case Review:
		return "review"
	}
	return "reject"
}

// ScoredPair is a compared record pair (record numbers, I < J).
type ScoredPair struct {
	I, J int32
	// Rule is the index of the blocking rule that produced the pair.
	Rule int32
	// Weight is the match weight, log2 of the posterior odds.
	Weight float64
	// Displaced marks a match pair one_to_one overruled: one of its
	// records has a stronger match in the other's input.
	Displaced bool
	// Fired is 1 + the index in Prediction.FiredRules of the
	// deterministic rule that classified the pair (PredictRules); 0 when
	// none did.
	Fired int32
}

// Probability returns the pair's match probability.
func (p ScoredPair) Probability() float64 { return model.Probability(p.Weight) }

// PredictOptions tune Predict.
type PredictOptions struct {
	// MinProbability is the probability below which scored pairs are
	// counted but not kept; default the review threshold. Keeping every
	// pair (MinProbability < 0) can take a lot of memory on large inputs.
	MinProbability float64
	// KeepVectors keeps each kept pair's comparison vector.
	KeepVectors bool
	// Scanned, when set, counts the candidate pairs scanned so far, out of
	// the prediction rules' UpperBound, for a progress display.
	Scanned *atomic.Int64
}

// Prediction holds the kept pairs of a prediction run, in an order that
// depends only on the data and the number of workers.
type Prediction struct {
	Pairs []ScoredPair
	// Vectors holds each kept pair's levels, Stride values per pair, when
	// PredictOptions.KeepVectors is set.
	Vectors []uint8
	Stride  int
	// Rules are the blocking rules, indexed by ScoredPair.Rule.
	Rules []string
	// FiredRules are the deterministic rules of PredictRules, indexed by
	// ScoredPair.Fired-1; nil when the model scored the pairs.
	FiredRules []string
	// Compared is the number of pairs scored; Matches and Reviews count
	// those in each class (kept or not).
	Compared, Matches, Reviews int64
	// Displaced counts the match pairs one_to_one overruled (see
	// ScoredPair.Displaced); they are counted as reviews when there is a
	// review band and as rejects otherwise.
	Displaced int64

	matchW, reviewW float64
}

// FiredRule returns the deterministic rule that classified kept pair k,
// or "" when none did (or the model scored it).
func (p *Prediction) FiredRule(k int) string {
	if f := p.Pairs[k].Fired; f > 0 {
		return p.FiredRules[f-1]
	}
	return ""
}

// Vector returns the levels of kept pair k (nil without KeepVectors).
func (p *Prediction) Vector(k int) []uint8 {
	if p.Vectors == nil {
		return nil
	}
	return p.Vectors[k*p.Stride : (k+1)*p.Stride]
}

// Class classifies kept pair k.
func (p *Prediction) Class(k int) Class {
	if p.Pairs[k].Displaced {
		if p.reviewW < p.matchW {
			return Review
		}
		return Reject
	}
	return p.classify(p.Pairs[k].Weight)
}

func (p *Prediction) classify(w float64) Class {
	switch {
	case w >= p.matchW:
		return Match
	case w >= p.reviewW:
		return Review
	}
	return Reject
}

// MatchPairs returns the record numbers of the kept pairs classified as
// matches.
func (p *Prediction) MatchPairs() [][2]int32 {
	var out [][2]int32
	for _, sp := range p.Pairs {
		if sp.Weight >= p.matchW && !sp.Displaced {
			out = append(out, [2]int32{sp.I, sp.J})
		}
	}
	return out
}

type unitResult struct {
	pairs                      []ScoredPair
	vecs                       []uint8
	compared, matches, reviews int64
}

// Predict scores every pair the prediction blocking rules produce, in
// parallel. It refuses, before generating any pair, rules that would exceed
// max_comparisons.
func (l *Linker) Predict(ctx context.Context, opts PredictOptions) (*Prediction, error) {
	b, pred, err := l.newPrediction()
	if err != nil {
		return nil, err
	}
	w := l.params.Weights()
	nc := l.engine.NumComparisons()
	tfs := make([][]*compare.TFAdjustment, nc)
	for c := range tfs {
		tfs[c] = make([]*compare.TFAdjustment, l.engine.NumLevels(c))
		for lv := range tfs[c] {
			tfs[c][lv] = l.engine.TF(c, lv)
		}
	}
	minP := opts.MinProbability
	if minP == 0 {
		minP = l.settings.ReviewThreshold
	}
	keepW := settings.MatchWeightThreshold(minP)
	if minP < 0 {
		keepW = math.Inf(-1)
	}
	// Pairs whose weight cannot reach the lower of the keep and review
	// thresholds are abandoned as soon as that is certain: comparisons run
	// cheapest first, and after each one the best the remaining ones could
	// add is known. Class counts stay exact because such pairs are rejects.
	plan := l.scoringPlan(w, tfs)
	pruneW := min(keepW, pred.reviewW)
	units := b.Units(l.workers)
	results := make([]unitResult, len(units))
	err = b.ScanCounting(ctx, l.workers, units, opts.Scanned, func(int) func(int, []blocking.Pair) {
		wk := l.engine.NewWorker()
		var vec [compare.MaxComparisons]uint8
		var rest [compare.MaxComparisons + 1]float64
		lastI := int32(-1)
		return func(u int, batch []blocking.Pair) {
			r := &results[u]
		pairs:
			for _, p := range batch {
				// Pairs come grouped by their first record, and the
				// bounds depend on it alone.
				if p.I != lastI {
					plan.bounds(p.I, rest[:nc+1])
					lastI = p.I
				}
				s := w.Prior
				for k, c := range plan.order {
					lv := wk.Level(c, p.I, p.J)
					vec[c] = lv
					s += w.BF[c][lv]
					if tf := tfs[c][lv]; tf != nil {
						s += tf.Weight * (w.LogU[c][lv] - max(tf.LogTF[p.I], tf.LogTF[p.J], tf.LogMinTF))
					}
					if s+rest[k+1] < pruneW {
						continue pairs
					}
				}
				if s >= pred.reviewW {
					if s >= pred.matchW {
						r.matches++
					} else {
						r.reviews++
					}
				}
				if s >= keepW {
					r.pairs = append(r.pairs, ScoredPair{I: p.I, J: p.J, Rule: p.Rule, Weight: s})
					if opts.KeepVectors {
						r.vecs = append(r.vecs, vec[:nc]...)
					}
				}
			}
			r.compared += int64(len(batch))
		}
	})
	if err != nil {
		return nil, err
	}
	pred.collect(results, opts.KeepVectors)
	if l.settings.OneToOne {
		if keepW > pred.matchW {
			return nil, fmt.Errorf("one_to_one needs every match pair: predict with min_probability at or below match_threshold")
		}
		l.oneToOne(pred)
	}
	l.log.Info("linkage: predicted", "displaced", pred.Displaced, "compared", pred.Compared, "matches", pred.Matches, "reviews", pred.Reviews)
	return pred, nil
}

// newPrediction prepares prediction over the pairs of the prediction
// blocking rules, refusing rules over max_comparisons before any pair is
// generated, and builds the term-frequency tables scoring and artefacts
// read.
func (l *Linker) newPrediction() (*blocking.Blocker, *Prediction, error) {
	b, err := l.blocker(l.settings.BlockingRules)
	if err != nil {
		return nil, nil, err
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return nil, nil, err
	}
	l.buildTF()
	return b, &Prediction{
		Stride: l.engine.NumComparisons(), Rules: b.RuleNames(),
		matchW:  settings.MatchWeightThreshold(l.settings.MatchThreshold),
		reviewW: settings.MatchWeightThreshold(l.settings.ReviewThreshold),
	}, nil
}

// collect joins the workers' results in unit order, so the order depends
// only on the data and the number of workers.
func (p *Prediction) collect(results []unitResult, vectors bool) {
	var kept int
	for _, r := range results {
		kept += len(r.pairs)
	}
	p.Pairs = make([]ScoredPair, 0, kept)
	if vectors {
		p.Vectors = make([]uint8, 0, kept*p.Stride)
	}
	for _, r := range results {
		p.Pairs = append(p.Pairs, r.pairs...)
		p.Vectors = append(p.Vectors, r.vecs...)
		p.Compared += r.compared
		p.Matches += r.matches
		p.Reviews += r.reviews
	}
}

// plan is the order comparisons are scored in and what bounds the weight
// the rest of a pair's comparisons could add.
type plan struct {
	order []int
	// best[k] is the largest weight comparison order[k] adds at a level
	// without a term-frequency adjustment.
	best []float64
	// tf lists, per position, the adjusted levels: their weight is bounded
	// per pair by the first record's own term frequency.
	tf [][]tfBound
}

type tfBound struct {
	adj  *compare.TFAdjustment
	base float64 // BF + Weight·log2 u
}

// scoringPlan orders comparisons by cost (exact, date and numeric levels
// first, edit distances and token sets next, Jaro-Winkler last).
func (l *Linker) scoringPlan(w model.Weights, tfs [][]*compare.TFAdjustment) *plan {
	nc := l.engine.NumComparisons()
	p := &plan{order: make([]int, nc), best: make([]float64, nc), tf: make([][]tfBound, nc)}
	for c := range p.order {
		p.order[c] = c
	}
	slices.SortStableFunc(p.order, func(a, b int) int { return l.engine.Cost(a) - l.engine.Cost(b) })
	for k, c := range p.order {
		p.best[k] = math.Inf(-1)
		for lv, bf := range w.BF[c] {
			if tf := tfs[c][lv]; tf != nil {
				p.tf[k] = append(p.tf[k], tfBound{adj: tf, base: bf + tf.Weight*w.LogU[c][lv]})
				continue
			}
			p.best[k] = max(p.best[k], bf)
		}
	}
	return p
}

// bounds fills rest[k] with the largest weight comparisons order[k:] could
// add for a pair whose first record is i (rest[len(order)] = 0). An
// adjusted level holds only when both values are equal, so its term
// frequency is record i's, floored as in scoring.
func (p *plan) bounds(i int32, rest []float64) {
	n := len(p.order)
	rest[n] = 0
	for k := n - 1; k >= 0; k-- {
		b := p.best[k]
		for _, t := range p.tf[k] {
			b = max(b, t.base-t.adj.Weight*max(t.adj.LogTF[i], t.adj.LogMinTF))
		}
		rest[k] = rest[k+1] + b
	}
}

// Score returns the match weight of records i and j under the current
// parameters, with their comparison vector; for reports and tests.
func (l *Linker) Score(i, j int32) (float64, []uint8) {
	l.buildTF()
	w := l.params.Weights()
	nc := l.engine.NumComparisons()
	vec := make([]uint8, nc)
	l.engine.NewWorker().Vector(i, j, vec)
	s := w.Prior
	for c, lv := range vec {
		s += w.BF[c][lv]
		if tf := l.engine.TF(c, int(lv)); tf != nil {
			s += tf.Weight * (w.LogU[c][lv] - max(tf.LogTF[i], tf.LogTF[j], tf.LogMinTF))
		}
	}
	return s, vec
}

// Cluster groups the records into entities from the prediction's match
// pairs (probability ≥ match_threshold) and the constraints, measures each
// cluster's density and weakest edge and, with cluster_split, splits the
// sparse ones. Only kept
// pairs are seen, so MinProbability must not exceed the match threshold.
func (l *Linker) Cluster(pred *Prediction, cons cluster.Constraints) (*cluster.Result, error) {
	edges := make([]cluster.Edge, 0, pred.Matches)
	for _, p := range pred.Pairs {
		if p.Weight >= pred.matchW && !p.Displaced {
			edges = append(edges, cluster.Edge{A: p.I, B: p.J, Probability: p.Probability()})
		}
	}
	if int64(len(edges)) < pred.Matches {
		return nil, fmt.Errorf("cluster: the prediction kept %d of its %d match pairs; predict with min_probability at or below match_threshold", len(edges), pred.Matches)
	}
	// The edges are already filtered in weight space; a probability
	// recomputed from a weight at the threshold may round just below it.
	res, err := cluster.Cluster(l.recs.Len(), edges, 0, cons)
	if err != nil {
		return nil, err
	}
	var sources []uint16
	if l.settings.LinkType == settings.LinkOnly {
		sources = l.recs.Sources()
	}
	res.Quality = cluster.Qualities(res, edges, 0, sources)
	if cs := l.settings.ClusterSplit; cs != nil {
		split, n := cluster.Split(res, edges, res.Quality, cs.Threshold, cs.MaxDensity, cons.MustLink)
		split.Quality = cluster.Qualities(split, edges, 0, sources)
		split.Split = n
		l.log.Info("linkage: split sparse clusters", "split", n, "threshold", cs.Threshold, "max_density", cs.MaxDensity)
		res = split
	}
	return res, nil
}
