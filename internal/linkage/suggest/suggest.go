// Package suggest chooses blocking rules from the data, for
// `blocking_rules: auto` and `hotpass linkage suggest-blocking`.
//
// Candidate rules are built from the comparison columns: each column as it
// is and, by what its values look like, derived keys (prefix and soundex of
// names, the year of dates, the domain of emails), then conjunctions of two
// keys of different columns where each alone makes large blocks. Every
// candidate's comparison count is exact, from group sizes.
//
// Recall is estimated without labels. A broad pass pairs a seeded random
// sample of anchor records with every record sharing any candidate key
// with them (blocks larger than maxBroadBlock left out), scores those pairs
// with u from random pairs and m and λ by EM on the pass itself, and takes
// the pairs at or above the match threshold as likely matches. A rule's
// estimated recall is the share of likely matches it keeps. Rules are then
// chosen greedily, most likely matches added per comparison first, until
// the target recall is reached or the budget is spent.
//
// The estimate is wrong where the broad pass is: matches that share no
// candidate key (or only keys with very large blocks) are never seen, so
// recall is overstated for them; pairs the EM model scores wrongly count
// as matches or are missed.
package suggest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/compare"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Defaults for zero Options.
const (
	DefaultTargetRecall = 0.99
	DefaultBroadPairs   = 4_000_000
)

// maxBroadBlock bounds the blocks the broad pass expands: a record's
// partners under a key are paired with it only when they number at most
// this many, so a key such as a birth year does not swamp the pass.
const maxBroadBlock = 100

// Options tune Suggest.
type Options struct {
	// MaxComparisons is the budget: the chosen rules' comparison counts
	// summed stay within it. Default the settings' max_comparisons.
	MaxComparisons int64
	// TargetRecall stops the choice once the estimated recall reaches it;
	// default DefaultTargetRecall.
	TargetRecall float64
	// BroadPairs bounds the pairs the broad pass generates (before
	// duplicates are removed); default DefaultBroadPairs.
	BroadPairs int64
	// Seed picks the anchor records; default the settings' training seed.
	Seed uint64
	// Workers is the number of goroutines that score the broad pass;
	// default the Linker's.
	Workers int
}

// Choice is one chosen rule.
type Choice struct {
	Rule string `json:"rule"`
	// Comparisons is the rule's own count, from block sizes.
	Comparisons int64 `json:"comparisons"`
	// RecallAdded is the share of likely matches this rule adds to those
	// of the rules before it; Recall is the share all of them keep.
	RecallAdded float64 `json:"estimated_recall_added"`
	Recall      float64 `json:"estimated_recall"`
	// CumulativeComparisons sums the counts so far, an upper bound on the
	// distinct pairs the rules produce together.
	CumulativeComparisons int64 `json:"cumulative_comparisons"`
}

// Result is a suggestion and what it rests on.
type Result struct {
	Rules []Choice `json:"rules"`
	// EstimatedRecall and Comparisons are those of all chosen rules.
	EstimatedRecall float64 `json:"estimated_recall"`
	Comparisons     int64   `json:"comparisons"`
	TargetRecall    float64 `json:"target_recall"`
	MaxComparisons  int64   `json:"max_comparisons"`
	TargetReached   bool    `json:"target_reached"`
	// BudgetForTarget is the budget the same greedy choice needs to reach
	// the target recall; 0 when no rule set reaches it.
	BudgetForTarget int64 `json:"budget_for_target"`
	// Candidates is the number of candidate rules considered.
	Candidates int `json:"candidates"`
	// Anchors, BroadPairs and LikelyMatches describe the broad pass; Lambda
	// is the share of matches EM found among its pairs.
	Anchors       int     `json:"anchors"`
	BroadPairs    int64   `json:"broad_pairs"`
	LikelyMatches int     `json:"likely_matches"`
	BroadLambda   float64 `json:"broad_pass_lambda"`
	// Warnings are problems that did not stop the choice.
	Warnings []string `json:"warnings"`
}

// RuleTexts returns the chosen rules in the blocking rule syntax.
func (r *Result) RuleTexts() []string {
	out := make([]string, len(r.Rules))
	for k, c := range r.Rules {
		out[k] = c.Rule
	}
	return out
}

// BudgetError says that no useful rule fits the budget.
type BudgetError struct {
	Budget int64
	// Cheapest is the cheapest rule that keeps any likely match, with its
	// count; Needed is the budget that reaches the target recall.
	Cheapest      string
	CheapestCount int64
	Needed        int64
	Target        float64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("a budget of %d comparisons is smaller than the cheapest rule that finds any likely match (%s: %d comparisons): raise --max-comparisons (max_comparisons) to at least %d, or to %d to reach estimated recall %.3g",
		e.Budget, e.Cheapest, e.CheapestCount, e.CheapestCount, e.Needed, e.Target)
}

// candidate is one candidate rule with every record's block code.
type candidate struct {
	text  string
	cols  []string
	codes []int32
	card  int
	count int64
	// agree marks the likely matches the rule keeps.
	agree []uint64
}

// Suggest chooses blocking rules for l's comparisons and records. It does
// not change l's parameters.
func Suggest(ctx context.Context, l *linkage.Linker, opts Options) (*Result, error) {
	s := l.Settings()
	if opts.MaxComparisons == 0 {
		opts.MaxComparisons = s.MaxComparisons
	}
	if opts.TargetRecall == 0 {
		opts.TargetRecall = DefaultTargetRecall
	}
	if opts.BroadPairs == 0 {
		opts.BroadPairs = DefaultBroadPairs
	}
	if opts.Seed == 0 {
		opts.Seed = uint64(s.Training.Seed)
	}
	if opts.TargetRecall <= 0 || opts.TargetRecall > 1 {
		return nil, fmt.Errorf("suggest blocking: target recall %g must be in (0, 1]", opts.TargetRecall)
	}
	if opts.MaxComparisons <= 0 {
		return nil, fmt.Errorf("suggest blocking: budget %d must be a positive number of comparisons", opts.MaxComparisons)
	}
	res := &Result{TargetRecall: opts.TargetRecall, MaxComparisons: opts.MaxComparisons, Warnings: []string{}}
	if opts.TargetRecall == 1 {
		res.Warnings = append(res.Warnings, "target recall 1: every likely match of the broad pass must be kept, which usually takes the broadest rules; matches the pass cannot see are still missed, so 1 is not a guarantee")
	}
	g := &generator{l: l, recs: l.Records(), linkOnly: s.LinkType == settings.LinkOnly}
	cands, warn, err := g.candidates(&s)
	res.Warnings = append(res.Warnings, warn...)
	if err != nil {
		return nil, err
	}
	res.Candidates = len(cands)
	pairs, anchors := g.broadPass(cands, opts)
	res.Anchors, res.BroadPairs = anchors, int64(len(pairs))
	if len(pairs) == 0 {
		return nil, errors.New("suggest blocking: no two records share any candidate key, so there is nothing to estimate recall from; check that the comparison columns hold values")
	}
	likely, lambda, err := g.likelyMatches(ctx, pairs, opts)
	if err != nil {
		return nil, err
	}
	res.LikelyMatches, res.BroadLambda = len(likely), lambda
	for _, c := range cands {
		c.agree = make([]uint64, (len(likely)+63)/64)
		for k, p := range likely {
			if a := c.codes[p[0]]; a >= 0 && a == c.codes[p[1]] {
				c.agree[k/64] |= 1 << (k % 64)
			}
		}
		c.codes = nil // only the agreement is needed from here on
	}
	return choose(res, cands, len(likely), opts)
}

// choose picks rules greedily: the most likely matches added per
// comparison first, within the budget, until the target is reached.
func choose(res *Result, cands []*candidate, m int, opts Options) (*Result, error) {
	picks, reached := greedy(cands, m, opts.TargetRecall, opts.MaxComparisons)
	all, reachable := greedy(cands, m, opts.TargetRecall, -1)
	best := all[len(all)-1]
	if reachable {
		res.BudgetForTarget = best.CumulativeComparisons
	} else {
		// Likely matches that share no candidate key (possible when the
		// broad pass is every pair) cap what any rule set can keep.
		res.Warnings = append(res.Warnings, fmt.Sprintf("%.1f%% of the likely matches share no candidate key, so no rule set reaches estimated recall %g; the most any reaches is %.3f, with %d comparisons",
			100*(1-best.Recall), opts.TargetRecall, best.Recall, best.CumulativeComparisons))
	}
	if len(picks) == 0 {
		cheap := slices.MinFunc(usefulOnly(cands), func(a, b *candidate) int { return cmp.Compare(a.count, b.count) })
		return nil, &BudgetError{Budget: opts.MaxComparisons, Cheapest: cheap.text, CheapestCount: cheap.count, Needed: best.CumulativeComparisons, Target: min(opts.TargetRecall, best.Recall)}
	}
	res.Rules = picks
	last := picks[len(picks)-1]
	res.EstimatedRecall, res.Comparisons, res.TargetReached = last.Recall, last.CumulativeComparisons, reached
	if !reached && reachable {
		res.Warnings = append(res.Warnings, fmt.Sprintf("estimated recall %.3f is below the target %g within the budget of %d comparisons; a budget of %d reaches it",
			last.Recall, opts.TargetRecall, opts.MaxComparisons, res.BudgetForTarget))
	}
	return res, nil
}

func usefulOnly(cands []*candidate) []*candidate {
	var out []*candidate
	for _, c := range cands {
		for _, w := range c.agree {
			if w != 0 {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// greedy returns the rules chosen within budget (negative: none) and
// whether they reach target.
func greedy(cands []*candidate, m int, target float64, budget int64) ([]Choice, bool) {
	covered := make([]uint64, (m+63)/64)
	used := make([]bool, len(cands))
	var out []Choice
	var have int
	var spent int64
	for float64(have) < target*float64(m) {
		best, bestGain := -1, 0
		for k, c := range cands {
			if used[k] || (budget >= 0 && spent+c.count > budget) {
				continue
			}
			gain := 0
			for w, a := range c.agree {
				gain += bits.OnesCount64(a &^ covered[w])
			}
			if gain == 0 {
				continue
			}
			if best < 0 || better(gain, c, bestGain, cands[best]) {
				best, bestGain = k, gain
			}
		}
		if best < 0 {
			break
		}
		c := cands[best]
		used[best] = true
		for w, a := range c.agree {
			covered[w] |= a
		}
		have += bestGain
		spent += c.count
		out = append(out, Choice{Rule: c.text, Comparisons: c.count, RecallAdded: float64(bestGain) / float64(m),
			Recall: float64(have) / float64(m), CumulativeComparisons: spent})
	}
	return out, float64(have) >= target*float64(m)
}

// better orders candidates by likely matches added per comparison, then by
// fewer comparisons and the rule text, so the choice is deterministic.
func better(ga int, a *candidate, gb int, b *candidate) bool {
	// ga/(a.count+1) > gb/(b.count+1), compared without division.
	l, r := float64(ga)*float64(b.count+1), float64(gb)*float64(a.count+1)
	if l != r {
		return l > r
	}
	if a.count != b.count {
		return a.count < b.count
	}
	return a.text < b.text
}

type generator struct {
	l        *linkage.Linker
	recs     *records.Set
	linkOnly bool
}

func (g *generator) sources() []uint16 { return g.l.Records().Sources() }

// candidates builds the single-key and two-key candidate rules.
func (g *generator) candidates(s *settings.Settings) ([]*candidate, []string, error) {
	n := g.recs.Len()
	var warnings []string
	var singles []*candidate
	for _, col := range comparisonColumns(s) {
		vals, present, err := g.l.Records().Strings(col.name)
		if err != nil {
			return nil, nil, fmt.Errorf("suggest blocking: %w", err)
		}
		keys := keysFor(col, vals, present)
		if keys == nil {
			warnings = append(warnings, fmt.Sprintf("column %q is null in every record: no candidate rule uses it", col.name))
			continue
		}
		for _, k := range keys {
			codes, card, err := g.l.BlockColumns().KeyCodes(k)
			if err != nil {
				return nil, nil, fmt.Errorf("suggest blocking: key %s: %w", k, err)
			}
			c := &candidate{text: k.String(), cols: []string{col.name}, codes: codes, card: card}
			c.count = g.count(c.codes, c.card)
			if c.count > 0 {
				singles = append(singles, c)
			}
		}
	}
	if len(singles) == 0 {
		return nil, warnings, errors.New("suggest blocking: no comparison column has two records with the same value, so no blocking rule can pair any records; check the input columns")
	}
	cands := append([]*candidate(nil), singles...)
	// Conjunctions only help where both keys make large blocks: a key
	// whose blocks are already small is a rule on its own.
	coarse := int64(n)
	for a := 0; a < len(singles); a++ {
		for b := a + 1; b < len(singles); b++ {
			x, y := singles[a], singles[b]
			if x.cols[0] == y.cols[0] || x.count <= coarse || y.count <= coarse {
				continue
			}
			c := g.conjoin(x, y)
			if c.count > 0 && c.count < min(x.count, y.count) {
				cands = append(cands, c)
			}
		}
	}
	return cands, warnings, nil
}

// count returns the pairs the link type allows among records sharing a
// code: k(k−1)/2 per block, or for link_only the pairs across inputs.
func (g *generator) count(codes []int32, card int) int64 {
	if !g.linkOnly {
		size := make([]int64, card)
		for _, c := range codes {
			if c >= 0 {
				size[c]++
			}
		}
		var t int64
		for _, k := range size {
			t += k * (k - 1) / 2
		}
		return t
	}
	src := g.sources()
	ns := g.l.Records().NumInputs()
	size := make([]int64, card*(ns+1))
	for i, c := range codes {
		if c >= 0 {
			size[int(c)*(ns+1)]++
			size[int(c)*(ns+1)+1+int(src[i])]++
		}
	}
	var t int64
	for c := 0; c < card; c++ {
		row := size[c*(ns+1) : (c+1)*(ns+1)]
		same := int64(0)
		for _, k := range row[1:] {
			same += k * k
		}
		t += (row[0]*row[0] - same) / 2
	}
	return t
}

// groups sorts records by code (counting sort, nulls left out): block b is
// order[starts[b]:starts[b+1]].
func groups(codes []int32, card int) (order, starts []int32) {
	starts = make([]int32, card+1)
	for _, c := range codes {
		if c >= 0 {
			starts[c+1]++
		}
	}
	for k := 0; k < card; k++ {
		starts[k+1] += starts[k]
	}
	order = make([]int32, starts[card])
	next := append([]int32(nil), starts[:card]...)
	for i, c := range codes {
		if c >= 0 {
			order[next[c]] = int32(i)
			next[c]++
		}
	}
	return order, starts
}

// conjoin codes the rule x + y: inside each block of x, records are told
// apart by their y code through a scratch array, so no map is needed.
func (g *generator) conjoin(x, y *candidate) *candidate {
	c := &candidate{text: x.text + " + " + y.text, cols: []string{x.cols[0], y.cols[0]}, codes: make([]int32, len(x.codes))}
	for i := range c.codes {
		c.codes[i] = -1
	}
	order, starts := groups(x.codes, x.card)
	scratch := make([]int32, y.card)
	for i := range scratch {
		scratch[i] = -1
	}
	var touched []int32
	next := int32(0)
	for b := 0; b < x.card; b++ {
		block := order[starts[b]:starts[b+1]]
		if len(block) < 2 {
			continue // a record alone in x's block pairs with nothing
		}
		touched = touched[:0]
		for _, r := range block {
			v := y.codes[r]
			if v < 0 {
				continue
			}
			if scratch[v] < 0 {
				scratch[v] = next
				next++
				touched = append(touched, v)
			}
			c.codes[r] = scratch[v]
		}
		for _, v := range touched {
			scratch[v] = -1
		}
	}
	c.card = int(next)
	c.count = g.count(c.codes, c.card)
	return c
}

// broadPass returns the distinct record pairs (i < j) of the broad pass
// and the number of anchors: all allowed pairs when there are few enough,
// otherwise each anchor with every record sharing a candidate key with it
// in a block of at most maxBroadBlock records.
func (g *generator) broadPass(cands []*candidate, opts Options) ([][2]int32, int) {
	n := g.recs.Len()
	src := g.sources()
	if total := g.l.TotalPairs(); total <= opts.BroadPairs {
		out := make([][2]int32, 0, total)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if !g.linkOnly || src[i] != src[j] {
					out = append(out, [2]int32{int32(i), int32(j)})
				}
			}
		}
		return out, n
	}
	// Anchors: enough that the pass stays near BroadPairs. A record takes
	// part in 2·count/n pairs of a rule on average. Block sizes come from
	// the codes alone, so only one candidate's record order is held at a
	// time.
	var perAnchor float64
	for _, c := range cands {
		size := make([]int32, c.card)
		for _, code := range c.codes {
			if code >= 0 {
				size[code]++
			}
		}
		var small int64
		for _, sz := range size {
			if sz <= maxBroadBlock {
				small += int64(sz) * int64(sz-1) / 2
			}
		}
		perAnchor += 2 * float64(small) / float64(n)
	}
	anchors := n
	if perAnchor > 0 {
		anchors = int(min(float64(n), max(float64(min(n, 500)), float64(opts.BroadPairs)/perAnchor)))
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	perm := rng.Perm(n)[:anchors]
	rank := make([]int32, n)
	for i := range rank {
		rank[i] = -1
	}
	for r, a := range perm {
		rank[a] = int32(r)
	}
	keys := make([]uint64, 0, int(min(float64(opts.BroadPairs), perAnchor*float64(anchors))*1.1))
	for _, c := range cands {
		order, starts := groups(c.codes, c.card)
		for _, a := range perm {
			code := c.codes[a]
			if code < 0 {
				continue
			}
			block := order[starts[code]:starts[code+1]]
			if len(block) > maxBroadBlock {
				continue
			}
			for _, j := range block {
				// A pair of two anchors is taken from the earlier one.
				if int(j) == a || (g.linkOnly && src[j] == src[a]) || (rank[j] >= 0 && rank[j] < rank[a]) {
					continue
				}
				keys = append(keys, uint64(min(uint32(a), uint32(j)))<<32|uint64(max(uint32(a), uint32(j))))
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	out := make([][2]int32, len(keys))
	for k, key := range keys {
		out[k] = [2]int32{int32(key >> 32), int32(uint32(key))}
	}
	return out, anchors
}

// likelyMatches scores the broad pass: u from random pairs, m and λ by EM
// on the pass itself, and returns the pairs at or above the match
// threshold with the share of matches EM found.
func (g *generator) likelyMatches(ctx context.Context, pairs [][2]int32, opts Options) ([][2]int32, float64, error) {
	l := g.l
	s := l.Settings()
	saved := l.Params()
	if _, _, err := l.EstimateU(ctx); err != nil {
		return nil, 0, fmt.Errorf("suggest blocking: %w", err)
	}
	start := l.Params()
	if err := l.SetParams(saved); err != nil {
		return nil, 0, err
	}
	eng := l.Engine()
	nc := eng.NumComparisons()
	vecs := make([]uint8, len(pairs)*nc)
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	counters := make([]*model.Counter, workers)
	var wg sync.WaitGroup
	chunk := (len(pairs) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		counters[w] = model.NewCounter(nc, false)
		lo, hi := min(w*chunk, len(pairs)), min((w+1)*chunk, len(pairs))
		wg.Add(1)
		go func(cnt *model.Counter, wk *compare.Worker) {
			defer wg.Done()
			for k := lo; k < hi && ctx.Err() == nil; k++ {
				v := vecs[k*nc : (k+1)*nc]
				wk.Vector(pairs[k][0], pairs[k][1], v)
				cnt.Add(v)
			}
		}(counters[w], eng.NewWorker())
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	for _, c := range counters[1:] {
		counters[0].Merge(c)
	}
	// The pass holds far more matches than random pairs do; start λ there.
	start.Lambda = 0.01
	em := model.EM(counters[0].Patterns(), start, model.EMConfig{
		MaxIterations: s.Training.MaxIterations, Tolerance: s.Training.ConvergenceTolerance,
	})
	w := em.Params.Weights()
	threshold := settings.MatchWeightThreshold(s.MatchThreshold)
	var out [][2]int32
	for k, p := range pairs {
		score := w.Prior
		for c, lv := range vecs[k*nc : (k+1)*nc] {
			score += w.BF[c][lv]
		}
		if score >= threshold {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, em.Params.Lambda, fmt.Errorf("suggest blocking: the broad pass (%d pairs) holds no pair the model scores at or above match_threshold %g (EM found a match share of %.3g), so recall cannot be estimated; check the comparisons, or write blocking_rules by hand",
			len(pairs), s.MatchThreshold, em.Params.Lambda)
	}
	return out, em.Params.Lambda, nil
}

// column is a comparison column and how its comparisons normalise it.
type column struct {
	name  string
	lower bool
}

// comparisonColumns lists the distinct columns the comparisons read, in
// order of first use.
func comparisonColumns(s *settings.Settings) []column {
	var out []column
	seen := map[string]bool{}
	add := func(name string, lower bool) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, column{name: name, lower: lower})
		}
	}
	for _, c := range s.Comparisons {
		add(c.Column, c.Lowercase)
		for _, lv := range c.Levels {
			add(lv.Column, c.Lowercase)
		}
	}
	return out
}

// keysFor returns the candidate keys of a column by what a sample of its
// values looks like, or nil when every value is null.
func keysFor(col column, vals []string, present []bool) []rule.Key {
	var sample []string
	for i, v := range vals {
		if present[i] && strings.TrimSpace(v) != "" {
			sample = append(sample, v)
			if len(sample) == 2000 {
				break
			}
		}
	}
	if len(sample) == 0 {
		return nil
	}
	var email, date, name int
	for _, v := range sample {
		if strings.Contains(v, "@") {
			email++
		}
		if _, ok := rule.ParseDate(v); ok {
			date++
		}
		if isName(v) {
			name++
		}
	}
	base := rule.Key{Column: col.name}
	if col.lower {
		base.Steps = []rule.Step{{Func: rule.FuncLower}}
	}
	with := func(steps ...rule.Step) rule.Key {
		return rule.Key{Column: base.Column, Steps: append(slices.Clone(base.Steps), steps...)}
	}
	most := func(k int) bool { return 5*k >= 4*len(sample) }
	switch {
	case 2*email >= len(sample):
		return []rule.Key{base, with(rule.Step{Func: rule.FuncEmailDomain})}
	case most(date):
		return []rule.Key{base, with(rule.Step{Func: rule.FuncYear})}
	case most(name):
		return []rule.Key{base, with(rule.Step{Func: rule.FuncPrefix, N: 3}), with(rule.Step{Func: rule.FuncSoundex})}
	}
	return []rule.Key{base}
}

// isName reports whether v is written in letters (with spaces, hyphens and
// apostrophes), as names and places are.
func isName(v string) bool {
	letters := 0
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r > 0x7f:
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '.':
		default:
			return false
		}
	}
	return letters > 0
}
