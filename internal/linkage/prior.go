package linkage

import (
	"context"
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Where λ came from (PriorCheck.Source).
const (
	PriorGiven         = "given"
	PriorDeterministic = "deterministic_rules"
	PriorEM            = "em"
)

// disagreement is the factor by which two estimates of λ may differ before
// training warns.
const disagreement = 3

// PriorCheck records where λ came from and the estimates it was checked
// against. Zero bounds were not computed.
type PriorCheck struct {
	// Source is given, deterministic_rules or em.
	Source string `json:"source"`
	// Deterministic is λ from training.deterministic_rules and recall, with
	// each rule's own pair count (from block sizes).
	Deterministic      float64     `json:"deterministic,omitempty"`
	DeterministicRules []RulePairs `json:"deterministic_rules,omitempty"`
	// EM is λ by EM over the prediction blocking rules' pairs (prior: em).
	EM float64 `json:"em,omitempty"`
	// EMLowerBound is the most matches any one training rule's EM run
	// found, over all pairs: the matches in one block are a lower bound on
	// all matches. EMBoundRule names that rule.
	EMLowerBound float64 `json:"em_lower_bound,omitempty"`
	EMBoundRule  string  `json:"em_lower_bound_rule,omitempty"`
	// OneToOneBound is, for link_only, the largest λ with every record
	// matched at most once per other input: Σ min(n_a, n_b) / Σ n_a·n_b.
	OneToOneBound float64 `json:"one_to_one_bound,omitempty"`
	// Warnings name the suspect rule when estimates disagree by more than
	// three times.
	Warnings []string `json:"warnings,omitempty"`
}

// RulePairs is a rule with the pairs its blocks hold.
type RulePairs struct {
	Rule  string `json:"rule"`
	Pairs int64  `json:"pairs"`
}

// deterministicPrior estimates λ from the deterministic rules when it is
// not given, installing it unless prior: em will replace it (then it is
// kept for the cross-check only).
func (l *Linker) deterministicPrior(ctx context.Context, res *TrainingResult) error {
	pc := &res.Prior
	if l.settings.ProbabilityTwoRandomRecordsMatch != 0 || (l.settings.Prior == settings.PriorEM && len(l.settings.Training.DeterministicRules) == 0) {
		return nil
	}
	lambda, pairs, warn, err := l.EstimateLambda(ctx)
	if err != nil {
		return err
	}
	stats, err := l.BlockingStats(l.settings.Training.DeterministicRules)
	if err != nil {
		return err
	}
	for _, rc := range stats {
		pc.DeterministicRules = append(pc.DeterministicRules, RulePairs{Rule: rc.Rule, Pairs: rc.Comparisons})
	}
	pc.Deterministic = lambda
	res.DeterministicPairs = pairs
	res.Warnings = append(res.Warnings, warn...)
	if l.settings.Prior != settings.PriorEM {
		pc.Source = PriorDeterministic
		res.LambdaEstimated = true
		l.params.Lambda = lambda
	}
	return nil
}

// checkPrior runs prior: em and compares λ with the EM lower bound and,
// for link_only, the one-to-one bound, warning when they disagree by more
// than three times.
func (l *Linker) checkPrior(ctx context.Context, res *TrainingResult) error {
	pc := &res.Prior
	total := float64(l.TotalPairs())
	for _, r := range res.Rules {
		if r.Collapsed || r.Pairs == 0 {
			continue
		}
		if lb := r.Lambda * float64(r.Pairs) / total; lb > pc.EMLowerBound {
			pc.EMLowerBound, pc.EMBoundRule = lb, r.Rule
		}
	}
	if l.settings.LinkType == settings.LinkOnly {
		var num, den float64
		for a := 0; a < l.recs.NumInputs(); a++ {
			for b := a + 1; b < l.recs.NumInputs(); b++ {
				na, nb := float64(l.recs.InputLen(a)), float64(l.recs.InputLen(b))
				num += min(na, nb)
				den += na * nb
			}
		}
		if den > 0 {
			pc.OneToOneBound = num / den
		}
	}
	if l.settings.Prior == settings.PriorEM {
		lambda, err := l.emPrior(ctx)
		if err != nil {
			return err
		}
		pc.Source, pc.EM = PriorEM, lambda
		res.LambdaEstimated = true
		l.params.Lambda = lambda
	}
	lambda := l.params.Lambda
	what := map[string]string{
		PriorGiven:         "probability_two_random_records_match",
		PriorDeterministic: "training.deterministic_rules " + pc.rules(),
		PriorEM:            "prior: em over blocking_rules",
	}[pc.Source]
	if pc.EMLowerBound > disagreement*lambda {
		pc.Warnings = append(pc.Warnings, fmt.Sprintf("λ %.3g (%s) is more than %d× below what EM finds inside training rule %q alone (λ ≥ %.3g): suspect %s — it misses most matches; raise training.recall, use a rule the matches satisfy, or set prior: em",
			lambda, pc.Source, disagreement, pc.EMBoundRule, pc.EMLowerBound, what))
	}
	if pc.OneToOneBound > 0 && lambda > disagreement*pc.OneToOneBound {
		pc.Warnings = append(pc.Warnings, fmt.Sprintf("λ %.3g (%s) is more than %d× the one-to-one bound %.3g (each record matched at most once per other input): suspect %s — its pairs are not all matches",
			lambda, pc.Source, disagreement, pc.OneToOneBound, what))
	}
	if pc.Source == PriorEM && pc.Deterministic > 0 && (pc.Deterministic*disagreement < lambda || pc.Deterministic > disagreement*lambda) {
		pc.Warnings = append(pc.Warnings, fmt.Sprintf("λ from training.deterministic_rules %s (%.3g) differs more than %d× from prior: em (%.3g): suspect the deterministic rules or training.recall",
			pc.rules(), pc.Deterministic, disagreement, lambda))
	}
	res.Warnings = append(res.Warnings, pc.Warnings...)
	return nil
}

func (pc *PriorCheck) rules() string {
	parts := make([]string, len(pc.DeterministicRules))
	for k, r := range pc.DeterministicRules {
		parts[k] = fmt.Sprintf("%q (%d pairs)", r.Rule, r.Pairs)
	}
	return strings.Join(parts, ", ")
}

// emPrior estimates λ by EM over the pairs of the prediction blocking
// rules with m and u fixed: the share of matches among them times their
// number, over all pairs. Matches the blocking misses are not counted, so
// this is λ as prediction sees it.
func (l *Linker) emPrior(ctx context.Context) (float64, error) {
	b, err := l.blocker(l.settings.BlockingRules)
	if err != nil {
		return 0, fmt.Errorf("prior: em: %w", err)
	}
	if err := b.CheckCap(l.settings.MaxComparisons); err != nil {
		return 0, fmt.Errorf("prior: em: %w", err)
	}
	pat, err := l.patterns(ctx, b)
	if err != nil {
		return 0, err
	}
	n := pat.Total()
	if n == 0 {
		return 0, fmt.Errorf("prior: em: the blocking rules (%s) pair no records; loosen them or set probability_two_random_records_match", b)
	}
	start := l.params.Clone()
	// Blocked pairs hold far more matches than random ones: start there.
	start.Lambda = 0.01
	tr := l.settings.Training
	lambda, _ := model.EstimateLambda(pat, start, l.TFWeights(), max(tr.MaxIterations, 100), tr.ConvergenceTolerance)
	global := lambda * n / float64(l.TotalPairs())
	l.log.Info("linkage: prior by EM", "pairs", int64(n), "block_lambda", lambda, "lambda", global)
	if global*float64(l.TotalPairs()) < 1 {
		return 0, fmt.Errorf("prior: em: EM finds no match among the %d blocked pairs (λ collapsed to %.3g); check the comparisons or set probability_two_random_records_match", int64(n), lambda)
	}
	return min(global, 0.99), nil
}
