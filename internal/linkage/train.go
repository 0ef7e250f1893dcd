package linkage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/compare"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// TrainingResult reports what training estimated and what went wrong
// without stopping it.
type TrainingResult struct {
	// Lambda is the prior used; LambdaEstimated says it came from the
	// deterministic rules, which found DeterministicPairs pairs.
	Lambda             float64
	LambdaEstimated    bool
	DeterministicPairs int64
	// USampledPairs is the number of random pairs u was estimated from;
	// UExcludedPairs the sampled pairs left out because a deterministic
	// rule finds them (training.u_exclude_deterministic).
	USampledPairs  int64
	UExcludedPairs int64
	// Rules reports each EM run.
	Rules []RuleTraining
	// Params are the trained parameters (also installed in the Linker).
	Params model.Params
	// Prior says where λ came from and how it compares with what EM found.
	Prior PriorCheck
	// Warnings lists non-converged EM runs, levels never observed and
	// comparisons no rule could train.
	Warnings []string
}

// RuleTraining is one EM run, on the pairs of one training rule.
type RuleTraining struct {
	Rule  string
	Pairs int64
	// Inactive names the comparisons left out because the rule blocks on
	// one of their columns.
	Inactive   []string
	Iterations int
	Converged  bool
	MaxChange  float64
	// Lambda is the share of matches EM found among the rule's pairs.
	Lambda float64
	// Collapsed says EM found less than one match among at least 100 pairs
	// (λ driven towards 0); such a run's m is not averaged in.
	Collapsed bool
}

// Train estimates the parameters as Splink does: λ from the deterministic
// rules and recall (unless given), u from random pairs (leaving out the
// deterministic rules' pairs with training.u_exclude_deterministic), then
// m by EM on the pairs of each training rule, averaging each comparison's
// m over the rules that do not block on its columns and flooring it at
// training.min_m_probability.
func (l *Linker) Train(ctx context.Context) (*TrainingResult, error) {
	res := &TrainingResult{Prior: PriorCheck{Source: PriorGiven}}
	if err := l.deterministicPrior(ctx, res); err != nil {
		return nil, err
	}
	var exclude pairSet
	if l.settings.Training.UExcludeDeterministic {
		var err error
		if exclude, err = l.deterministicPairs(ctx); err != nil {
			return nil, err
		}
	}
	n, excluded, warn, err := l.estimateU(ctx, exclude)
	if err != nil {
		return nil, err
	}
	res.USampledPairs, res.UExcludedPairs = n, excluded
	res.Warnings = append(res.Warnings, warn...)
	runs, warn, err := l.EstimateM(ctx, l.settings.Training.BlockingRules)
	if err != nil {
		return nil, err
	}
	res.Rules = runs
	res.Warnings = append(res.Warnings, warn...)
	if err := l.checkPrior(ctx, res); err != nil {
		return nil, err
	}
	res.Lambda = l.params.Lambda
	res.Params = l.params.Clone()
	for _, w := range res.Warnings {
		l.log.Warn("linkage training: " + w)
	}
	return res, nil
}

// EstimateLambda sets λ as Splink's estimate_probability_two_random_records_match
// does: the pairs the deterministic rules find, divided by the recall, over
// all possible pairs. It returns λ and the pair count without installing λ.
func (l *Linker) EstimateLambda(ctx context.Context) (lambda float64, pairs int64, warnings []string, err error) {
	rules := l.settings.Training.DeterministicRules
	if len(rules) == 0 {
		return 0, 0, nil, fmt.Errorf("estimate λ: training.deterministic_rules is empty; set probability_two_random_records_match or list rules whose pairs are almost all matches")
	}
	b, err := l.blocker(rules)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("estimate λ: %w", err)
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return 0, 0, nil, fmt.Errorf("estimate λ: %w", err)
	}
	pairs, err = b.Count(ctx, l.workers)
	if err != nil {
		return 0, 0, nil, err
	}
	if pairs == 0 {
		return 0, 0, nil, fmt.Errorf("estimate λ: the deterministic rules (%s) match no pair of records; loosen them or set probability_two_random_records_match", b)
	}
	total := l.TotalPairs()
	lambda = float64(pairs) / l.settings.Training.Recall / float64(total)
	if lambda >= 1 {
		warnings = append(warnings, fmt.Sprintf("deterministic rules match %d of %d pairs at recall %g: λ capped at 0.99", pairs, total, l.settings.Training.Recall))
		lambda = 0.99
	}
	return lambda, pairs, warnings, nil
}

// uChunk is the number of sampled pairs per deterministic sampling chunk:
// chunk k always draws from the generator seeded with (seed, k), so the
// sample does not depend on the number of workers.
const uChunk = 1 << 16

// pairSet holds record pairs (i < j) as i<<32 | j.
type pairSet map[uint64]struct{}

func pairKey(i, j int32) uint64 { return uint64(uint32(i))<<32 | uint64(uint32(j)) }

// deterministicPairs collects the pairs the deterministic rules find.
func (l *Linker) deterministicPairs(ctx context.Context) (pairSet, error) {
	b, err := l.blocker(l.settings.Training.DeterministicRules)
	if err != nil {
		return nil, fmt.Errorf("estimate u: deterministic rules: %w", err)
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return nil, fmt.Errorf("estimate u: deterministic rules: %w", err)
	}
	sets := make([]pairSet, l.workers)
	err = b.Scan(ctx, l.workers, b.Units(l.workers), func(w int) func(int, []blocking.Pair) {
		set := pairSet{}
		sets[w] = set
		return func(_ int, batch []blocking.Pair) {
			for _, p := range batch {
				set[pairKey(min(p.I, p.J), max(p.I, p.J))] = struct{}{}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	all := pairSet{}
	for _, s := range sets {
		for k := range s {
			all[k] = struct{}{}
		}
	}
	return all, nil
}

// EstimateU estimates every level's u as its share among max_pairs record
// pairs drawn at random (seeded), most of which do not match, and installs
// it. When the link type allows fewer pairs than max_pairs, all are used.
// Levels never observed get u = 1/(2·observed) and a warning.
func (l *Linker) EstimateU(ctx context.Context) (int64, []string, error) {
	n, _, warnings, err := l.estimateU(ctx, nil)
	return n, warnings, err
}

// estimateU is EstimateU leaving out the sampled pairs in exclude, which
// it counts.
func (l *Linker) estimateU(ctx context.Context, exclude pairSet) (sampled, excluded int64, warnings []string, err error) {
	nc := l.engine.NumComparisons()
	total := l.TotalPairs()
	if total == 0 {
		return 0, 0, nil, fmt.Errorf("estimate u: the inputs hold no pair of records to compare")
	}
	want := min(l.settings.Training.MaxPairs, total)
	exhaustive := want == total
	chunks := int((want + uChunk - 1) / uChunk)
	counts := make([][][]float64, chunks)
	skipped := make([]int64, chunks)
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	sampler := l.newSampler()
	for w := 0; w < l.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := l.engine.NewWorker()
			for ctx.Err() == nil {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= int64(chunks) {
					return
				}
				lo := k * uChunk
				hi := min(lo+uChunk, want)
				cnt := make([][]float64, nc)
				for c := range cnt {
					cnt[c] = make([]float64, l.engine.NumLevels(c))
				}
				rng := rand.New(rand.NewPCG(uint64(l.settings.Training.Seed), uint64(k)))
				var i, j int32
				if exhaustive {
					i, j = sampler.nth(lo)
				}
				for p := lo; p < hi; p++ {
					if !exhaustive {
						i, j = sampler.draw(rng)
					} else if p > lo {
						i, j = sampler.following(p, i, j)
					}
					if exclude != nil {
						if _, ok := exclude[pairKey(i, j)]; ok {
							skipped[k]++
							continue
						}
					}
					for c := 0; c < nc; c++ {
						cnt[c][wk.Level(c, i, j)]++
					}
				}
				counts[k] = cnt
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, 0, nil, err
	}
	for _, n := range skipped {
		excluded += n
	}
	for c := 0; c < nc; c++ {
		levels := l.params.Comparisons[c].Levels
		tot := make([]float64, len(levels))
		var nonNull float64
		for _, cnt := range counts {
			for lv, v := range cnt[c] {
				tot[lv] += v
				if !levels[lv].Null {
					nonNull += v
				}
			}
		}
		if nonNull == 0 {
			warnings = append(warnings, fmt.Sprintf("comparison %q: no sampled pair had values on both sides; u keeps its starting values", l.engine.Name(c)))
			continue
		}
		for lv := range levels {
			if levels[lv].Null {
				continue
			}
			if tot[lv] == 0 {
				levels[lv].U = 1 / (2 * nonNull)
				warnings = append(warnings, fmt.Sprintf("comparison %q level %q: not seen in %d random pairs; u set to %.3g (raise training.max_pairs for a better estimate)", l.engine.Name(c), levels[lv].Label, want-excluded, levels[lv].U))
				continue
			}
			levels[lv].U = tot[lv] / nonNull
		}
	}
	return want - excluded, excluded, warnings, nil
}

// sampler draws record pairs uniformly from the pairs the link type allows.
type sampler struct {
	n        int64
	linkOnly bool
	// For link_only: input offsets and sizes, and the cumulative weight
	// (pair count) of each input pair (a, b), a < b.
	off, size []int64
	pairs     [][2]int
	cum       []int64
}

func (l *Linker) newSampler() *sampler {
	s := &sampler{n: int64(l.recs.Len()), linkOnly: l.settings.LinkType == settings.LinkOnly}
	if !s.linkOnly {
		return s
	}
	k := l.recs.NumInputs()
	for a := 0; a < k; a++ {
		s.off = append(s.off, int64(l.recs.Offset(a)))
		s.size = append(s.size, int64(l.recs.InputLen(a)))
	}
	var acc int64
	for a := 0; a < k; a++ {
		for b := a + 1; b < k; b++ {
			if w := s.size[a] * s.size[b]; w > 0 {
				acc += w
				s.pairs = append(s.pairs, [2]int{a, b})
				s.cum = append(s.cum, acc)
			}
		}
	}
	return s
}

// draw returns a uniformly random allowed pair.
func (s *sampler) draw(rng *rand.Rand) (int32, int32) {
	if !s.linkOnly {
		i := rng.Int64N(s.n)
		j := rng.Int64N(s.n - 1)
		if j >= i {
			j++
		}
		return int32(min(i, j)), int32(max(i, j))
	}
	r := rng.Int64N(s.cum[len(s.cum)-1])
	k, _ := slices.BinarySearch(s.cum, r+1)
	a, b := s.pairs[k][0], s.pairs[k][1]
	return int32(s.off[a] + rng.Int64N(s.size[a])), int32(s.off[b] + rng.Int64N(s.size[b]))
}

// following returns allowed pair number p given pair p-1, (i, j).
func (s *sampler) following(p int64, i, j int32) (int32, int32) {
	if s.linkOnly {
		return s.nth(p)
	}
	if int64(j)+1 < s.n {
		return i, j + 1
	}
	return i + 1, i + 2
}

// nth returns allowed pair number p in a fixed enumeration, for exhaustive
// estimation on small inputs.
func (s *sampler) nth(p int64) (int32, int32) {
	if !s.linkOnly {
		// Row i holds pairs (i, i+1..n-1); find it by walking, which is
		// fine once per chunk of the small inputs this path serves.
		i := int64(0)
		for p >= s.n-1-i {
			p -= s.n - 1 - i
			i++
		}
		return int32(i), int32(i + 1 + p)
	}
	k, _ := slices.BinarySearch(s.cum, p+1)
	if k > 0 {
		p -= s.cum[k-1]
	}
	a, b := s.pairs[k][0], s.pairs[k][1]
	return int32(s.off[a] + p/s.size[b]), int32(s.off[b] + p%s.size[b])
}

// EstimateM runs EM on the pairs of each rule and installs the average m
// (and, with training.estimate_u, u) of every comparison over the rules
// that could estimate it, m floored at training.min_m_probability. Comparisons reading a column a rule blocks on
// are inactive in that rule's run, as in Splink.
func (l *Linker) EstimateM(ctx context.Context, rules []string) ([]RuleTraining, []string, error) {
	var warnings []string
	if len(rules) == 0 {
		return nil, []string{"training.blocking_rules is empty: m keeps its starting values"}, nil
	}
	nc := l.engine.NumComparisons()
	sumM := make([][]float64, nc)
	sumU := make([][]float64, nc)
	runs := make([]int, nc)
	for c := range sumM {
		sumM[c] = make([]float64, l.engine.NumLevels(c))
		sumU[c] = make([]float64, l.engine.NumLevels(c))
	}
	var out []RuleTraining
	for _, text := range rules {
		r, err := rule.Parse(text)
		if err != nil {
			return nil, nil, err
		}
		rt, res, err := l.emRun(ctx, r)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, rt)
		if rt.Pairs == 0 {
			warnings = append(warnings, fmt.Sprintf("training rule %q: no pairs; it estimates nothing", rt.Rule))
			continue
		}
		if rt.Collapsed {
			warnings = append(warnings, fmt.Sprintf("training rule %q: EM collapsed (λ %.3g, %.2g matches among %d pairs); its m is not averaged in: the rule's pairs hold almost no matches, or the starting m and u describe them badly",
				rt.Rule, rt.Lambda, rt.Lambda*float64(rt.Pairs), rt.Pairs))
			continue
		}
		if !rt.Converged {
			warnings = append(warnings, fmt.Sprintf("training rule %q: EM did not converge in %d iterations (last change %.3g, tolerance %g); raise training.max_iterations or check the comparisons",
				rt.Rule, rt.Iterations, rt.MaxChange, l.settings.Training.ConvergenceTolerance))
		}
		for c := 0; c < nc; c++ {
			if slices.Contains(rt.Inactive, l.engine.Name(c)) {
				continue
			}
			runs[c]++
			for lv, lp := range res.Params.Comparisons[c].Levels {
				sumM[c][lv] += lp.M
				sumU[c][lv] += lp.U
			}
		}
	}
	for c := 0; c < nc; c++ {
		if runs[c] == 0 {
			warnings = append(warnings, fmt.Sprintf("comparison %q: no training rule could estimate its m (each blocks on one of its columns, or found no pairs); it keeps its starting values", l.engine.Name(c)))
			continue
		}
		levels := l.params.Comparisons[c].Levels
		for lv := range levels {
			if levels[lv].Null {
				continue
			}
			levels[lv].M = sumM[c][lv] / float64(runs[c])
			if l.settings.Training.EstimateU {
				levels[lv].U = sumU[c][lv] / float64(runs[c])
			}
		}
	}
	l.params.FloorM(l.settings.Training.MinMProbability)
	return out, warnings, nil
}

// minCollapsePairs is the fewest pairs on which an EM run that finds less
// than one match counts as collapsed: on a handful of pairs finding none
// is no sign of a fault.
const minCollapsePairs = 100

func (l *Linker) emRun(ctx context.Context, r rule.Rule) (RuleTraining, model.EMResult, error) {
	rt := RuleTraining{Rule: r.String()}
	b, err := blocking.New(l.recs, l.settings.LinkType, []rule.Rule{r}, l.blockCols)
	if err != nil {
		return rt, model.EMResult{}, fmt.Errorf("training rule %q: %w", rt.Rule, err)
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return rt, model.EMResult{}, fmt.Errorf("training: %w", err)
	}
	nc := l.engine.NumComparisons()
	inactive := make([]bool, nc)
	ruleCols := r.Columns()
	for c := 0; c < nc; c++ {
		for _, col := range l.engine.Columns(c) {
			if slices.Contains(ruleCols, col) {
				inactive[c] = true
			}
		}
		if inactive[c] {
			rt.Inactive = append(rt.Inactive, l.engine.Name(c))
		}
	}
	pat, err := l.patterns(ctx, b)
	if err != nil {
		return rt, model.EMResult{}, err
	}
	rt.Pairs = int64(pat.Total())
	if rt.Pairs == 0 {
		return rt, model.EMResult{}, nil
	}
	tr := l.settings.Training
	res := model.EM(pat, l.params, model.EMConfig{
		MaxIterations: tr.MaxIterations, Tolerance: tr.ConvergenceTolerance,
		FixU: !tr.EstimateU, Inactive: inactive, TFWeight: l.TFWeights(),
	})
	rt.Iterations, rt.Converged, rt.MaxChange, rt.Lambda = res.Iterations, res.Converged, res.MaxChange, res.Params.Lambda
	rt.Collapsed = rt.Pairs >= minCollapsePairs && rt.Lambda*float64(rt.Pairs) < 1
	l.log.Info("linkage: EM run", "rule", rt.Rule, "pairs", rt.Pairs, "iterations", rt.Iterations, "converged", rt.Converged)
	return rt, res, nil
}

// Patterns compares every pair the rules produce and counts the distinct
// comparison vectors, which is all EM needs.
func (l *Linker) Patterns(ctx context.Context, rules []string) (*model.Patterns, error) {
	b, err := l.blocker(rules)
	if err != nil {
		return nil, err
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return nil, err
	}
	return l.patterns(ctx, b)
}

// TFWeights returns the term-frequency weight of every level for EM
// (model.EMConfig.TFWeight), or nil when EM is to ignore term frequencies
// or no level is adjusted.
func (l *Linker) TFWeights() [][]float64 {
	if l.settings.Training.EstimateWithoutTermFrequencies {
		return nil
	}
	var out [][]float64
	adjusted := false
	for c := 0; c < l.engine.NumComparisons(); c++ {
		row := make([]float64, l.engine.NumLevels(c))
		for lv := range row {
			if tf := l.engine.TF(c, lv); tf != nil {
				row[lv] = tf.Weight
				adjusted = true
			}
		}
		out = append(out, row)
	}
	if !adjusted {
		return nil
	}
	return out
}

func (l *Linker) patterns(ctx context.Context, b *blocking.Blocker) (*model.Patterns, error) {
	nc := l.engine.NumComparisons()
	withTF := l.TFWeights() != nil
	if withTF {
		l.buildTF()
	}
	counters := make([]*model.Counter, l.workers)
	err := b.Scan(ctx, l.workers, b.Units(l.workers), func(w int) func(int, []blocking.Pair) {
		wk := l.engine.NewWorker()
		cnt := model.NewCounter(nc, withTF)
		counters[w] = cnt
		var vec [compare.MaxComparisons]uint8
		var tfv [compare.MaxComparisons]float64
		return func(_ int, batch []blocking.Pair) {
			for _, p := range batch {
				wk.Vector(p.I, p.J, vec[:nc])
				if !withTF {
					cnt.Add(vec[:nc])
					continue
				}
				for c := 0; c < nc; c++ {
					tfv[c] = 0
					if tf := l.engine.TF(c, int(vec[c])); tf != nil {
						tfv[c] = max(tf.LogTF[p.I], tf.LogTF[p.J], tf.LogMinTF)
					}
				}
				cnt.AddTF(vec[:nc], tfv[:nc])
			}
		}
	})
	if err != nil {
		return nil, err
	}
	all := counters[0]
	for _, c := range counters[1:] {
		all.Merge(c)
	}
	return all.Patterns(), nil
}
