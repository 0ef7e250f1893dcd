package linkage

import (
	"context"
	"fmt"

	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/compare"
	"github.com/hotpass/hotpass/internal/linkage/matchrules"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// RuleMatchWeight is the match weight PredictRules gives a pair a match
// rule holds for: its probability rounds to exactly 1 in float64.
const RuleMatchWeight = 64

// RuleRejectWeight is the weight of a pair no rule holds for (probability
// below 1e-19), finite so that reports can draw it.
const RuleRejectWeight = -64

// PredictRules classifies the candidate pairs of the prediction blocking
// rules with the settings' deterministic rules instead of the model: the
// first rule that holds decides, a match rule with weight
// RuleMatchWeight (probability 1) and a review rule with the review
// threshold's weight (probability review_threshold), and the rule is
// recorded in ScoredPair.Fired. Pairs no rule holds for are rejects.
// Comparison vectors (KeepVectors) are computed for kept pairs only, so
// that artefacts show the same columns as a model's.
func (l *Linker) PredictRules(ctx context.Context, opts PredictOptions) (*Prediction, error) {
	m, err := matchrules.Compile(l.settings.Rules, l.settings.RuleComparisons(), l.recs)
	if err != nil {
		return nil, fmt.Errorf("linkage rules: %w", err)
	}
	b, pred, err := l.newPrediction()
	if err != nil {
		return nil, err
	}
	pred.FiredRules = m.Rules()
	// Each decision's weight must land in its class whatever the
	// thresholds: a match at or above matchW, a review in [reviewW, matchW).
	weights := map[matchrules.Decision]float64{matchrules.Match: max(RuleMatchWeight, pred.matchW), matchrules.Review: pred.reviewW}
	for r, name := range pred.FiredRules {
		if m.Decision(r) == matchrules.Review && !(pred.reviewW < pred.matchW) {
			return nil, fmt.Errorf("linkage rules: rule %q sends pairs to review, but there is no review band: set review_threshold below match_threshold", name)
		}
	}
	rejectW := min(RuleRejectWeight, pred.reviewW-1)
	// As in Predict, MinProbability 0 means the review threshold, which
	// rejects never reach.
	keepRejects := opts.MinProbability < 0 || opts.MinProbability > 0 && settings.MatchWeightThreshold(opts.MinProbability) <= rejectW
	nc := pred.Stride
	units := b.Units(l.workers)
	results := make([]unitResult, len(units))
	err = b.ScanCounting(ctx, l.workers, units, opts.Scanned, func(int) func(int, []blocking.Pair) {
		rw := m.NewWorker()
		var cw *compare.Worker
		if opts.KeepVectors {
			cw = l.engine.NewWorker()
		}
		vec := make([]uint8, nc)
		return func(u int, batch []blocking.Pair) {
			r := &results[u]
			for _, p := range batch {
				fired := rw.Fire(p.I, p.J)
				w := rejectW
				if fired >= 0 {
					w = weights[m.Decision(fired)]
					if m.Decision(fired) == matchrules.Match {
						r.matches++
					} else {
						r.reviews++
					}
				} else if !keepRejects {
					continue
				}
				r.pairs = append(r.pairs, ScoredPair{I: p.I, J: p.J, Rule: p.Rule, Weight: w, Fired: int32(fired + 1)})
				if cw != nil {
					cw.Vector(p.I, p.J, vec)
					r.vecs = append(r.vecs, vec...)
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
		l.oneToOne(pred)
	}
	l.log.Info("linkage: classified by rules", "rules", len(pred.FiredRules), "compared", pred.Compared, "matches", pred.Matches, "reviews", pred.Reviews)
	return pred, nil
}
