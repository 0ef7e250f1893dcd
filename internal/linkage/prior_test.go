package linkage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

// transactions makes a link_only test set of bank transactions: n on each
// side, every left one with exactly one partner on the right that books it
// one to three days later (dates are never equal across the sides), with
// the same amount and a memo with the odd typo. Amounts repeat, so a few
// unrelated pairs share amount and date.
func transactions(t *testing.T, n int, seed uint64) ([]records.Input, evaluate.Truth) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	vendors := make([]string, 150)
	for k := range vendors {
		vendors[k] = fmt.Sprintf("%s %s", []string{"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne", "tyrell", "cyberdyne"}[k%10],
			[]string{"ltd", "plc", "stores", "energy", "water", "telecom", "insurance", "rent", "fuel", "books", "travel", "foods", "garage", "clinic", "bank"}[k/10])
	}
	schema := table.MustSchema(
		table.Field{Name: "unique_id", Type: table.String}, table.Field{Name: "amount", Type: table.String},
		table.Field{Name: "date", Type: table.String}, table.Field{Name: "memo", Type: table.String})
	left, right := table.NewBuilder(schema, n), table.NewBuilder(schema, n)
	var ent []string
	var src []uint16
	typo := func(s string) string {
		if rng.IntN(3) > 0 || len(s) < 4 {
			return s
		}
		k := 1 + rng.IntN(len(s)-2)
		return s[:k] + s[k+1:]
	}
	for i := 0; i < n; i++ {
		amount := fmt.Sprintf("%d.%02d", 5+rng.IntN(60), 5*rng.IntN(20))
		day := rng.IntN(120)
		memo := fmt.Sprintf("%s %06d", vendors[rng.IntN(len(vendors))], rng.IntN(1_000_000))
		date := func(d int) string { return fmt.Sprintf("2024-%02d-%02d", 1+d/30, 1+d%28) }
		if err := left.AppendRow(fmt.Sprintf("l%d", i), amount, date(day), memo); err != nil {
			t.Fatal(err)
		}
		if err := right.AppendRow(fmt.Sprintf("r%d", i), amount, date(day+1+rng.IntN(3)), typo(strings.ToUpper(memo))); err != nil {
			t.Fatal(err)
		}
		ent = append(ent, fmt.Sprint(i))
		src = append(src, 0)
	}
	for i := 0; i < n; i++ {
		ent = append(ent, fmt.Sprint(i))
		src = append(src, 1)
	}
	a, err := left.Build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := right.Build()
	if err != nil {
		t.Fatal(err)
	}
	return []records.Input{{Name: "ledger", Table: a}, {Name: "bank", Table: b}}, evaluate.Truth{Entity: ent, Source: src, CrossOnly: true}
}

const transactionSettings = `
link_type: link_only
comparisons:
  - column: amount
    levels: [{type: null}, {type: exact}, {type: abs_diff, threshold: 1}, {type: else}]
  - column: date
    levels: [{type: null}, {type: exact}, {type: date_diff, threshold: 3}, {type: date_diff, threshold: 10}, {type: else}]
  - column: memo
    lowercase: true
    levels: [{type: null}, {type: exact}, {type: jaro_winkler, threshold: 0.95}, {type: jaro_winkler, threshold: 0.8}, {type: else}]
blocking_rules:
  - amount
  - prefix(lower(memo), 6)
training:
  seed: 5
  deterministic_rules:
    - amount + date
  blocking_rules:
    - amount
    - prefix(lower(memo), 6)
match_threshold: 0.9
`

// TestPriorCrossCheck trains on transactions with a deterministic rule the
// matches never satisfy: the cross-check must warn and name the rule, and
// prior: em must recover the recall the poor λ loses.
func TestPriorCrossCheck(t *testing.T) {
	if raceEnabled {
		t.Skip("a full training run; run go test without -race")
	}
	t.Parallel()
	inputs, truth := transactions(t, 1500, 11)
	run := func(prior settings.Prior) (*TrainingResult, evaluate.Scores) {
		s, err := settings.Parse([]byte(transactionSettings + "prior: " + string(prior) + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		res, pred := trainPredict(t, mustLinker(t, s, inputs...))
		sc, err := evaluate.Pairs(pred.MatchPairs(), truth)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("prior %s: λ %.3g (source %s, EM lower bound %.3g from %q, one-to-one bound %.3g); %v",
			prior, res.Lambda, res.Prior.Source, res.Prior.EMLowerBound, res.Prior.EMBoundRule, res.Prior.OneToOneBound, sc)
		return res, sc
	}
	det, detScores := run(settings.PriorDeterministic)
	if det.Prior.Source != PriorDeterministic {
		t.Errorf("prior source %q, want %q", det.Prior.Source, PriorDeterministic)
	}
	warned := false
	for _, w := range det.Prior.Warnings {
		warned = warned || (strings.Contains(w, "suspect") && strings.Contains(w, `"amount + date"`))
	}
	if !warned {
		t.Errorf("no cross-check warning naming the deterministic rule; warnings: %q", det.Warnings)
	}
	em, emScores := run(settings.PriorEM)
	if em.Prior.Source != PriorEM || em.Prior.EM != em.Lambda {
		t.Errorf("prior: em recorded source %q with λ %g, installed λ %g", em.Prior.Source, em.Prior.EM, em.Lambda)
	}
	for _, w := range em.Prior.Warnings {
		if strings.Contains(w, "below what EM finds") {
			t.Errorf("prior: em still below the EM lower bound: %s", w)
		}
	}
	if emScores.Recall < 0.95 || emScores.Recall < detScores.Recall+0.1 {
		t.Errorf("prior: em recall %.3f, want at least 0.95 and 0.1 above the deterministic prior's %.3f", emScores.Recall, detScores.Recall)
	}
	if emScores.Precision < 0.9 {
		t.Errorf("prior: em precision %.3f, want at least 0.9", emScores.Precision)
	}
}

// TestCollapsedEMRun adds a training rule whose pairs are all non-matches
// (partners never share a date): its EM run must be reported as collapsed
// and leave the trained m exactly as training without it does.
func TestCollapsedEMRun(t *testing.T) {
	t.Parallel()
	inputs, _ := transactions(t, 400, 3)
	train := func(rules ...string) *TrainingResult {
		s, err := settings.Parse([]byte(transactionSettings + "probability_two_random_records_match: 0.002\n"))
		if err != nil {
			t.Fatal(err)
		}
		s.Training.DeterministicRules = nil
		s.Training.BlockingRules = rules
		res, err := mustLinker(t, s, inputs...).Train(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	with := train("prefix(lower(memo), 6)", "date")
	without := train("prefix(lower(memo), 6)")
	var date RuleTraining
	for _, r := range with.Rules {
		if r.Rule == "date" {
			date = r
		}
	}
	if !date.Collapsed || date.Pairs == 0 {
		t.Fatalf("date run %+v, want a collapsed run with pairs", date)
	}
	if !slices.ContainsFunc(with.Warnings, func(w string) bool { return strings.Contains(w, `"date": EM collapsed`) }) {
		t.Errorf("no warning about the collapsed run: %q", with.Warnings)
	}
	if !reflect.DeepEqual(with.Params.Comparisons, without.Params.Comparisons) {
		t.Errorf("the collapsed run changed the trained m:\nwith    %+v\nwithout %+v", with.Params.Comparisons, without.Params.Comparisons)
	}
}
