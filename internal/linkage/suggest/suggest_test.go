package suggest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

// withNullColumn returns fake_1000 with an extra column that is null in
// every record.
func withNullColumn(t *testing.T) dataset {
	d := fake1000(t)
	in := d.inputs[0].Table
	cb := table.NewColumnBuilder(table.String, in.NumRows())
	for r := 0; r < in.NumRows(); r++ {
		cb.AppendNull()
	}
	tb, err := in.WithColumn("middle_name", cb.Build())
	if err != nil {
		t.Fatal(err)
	}
	d.inputs = []records.Input{{Name: "fake_1000", Table: tb}}
	return d
}

func nullComparison(column string) settings.Comparison {
	return settings.Comparison{Column: column, Levels: []settings.Level{{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.Else}}}
}

func suggestOn(t *testing.T, s settings.Settings, d dataset, opts Options) (*Result, error) {
	t.Helper()
	s.BlockingRules = settings.RuleList{settings.AutoBlocking}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	l, err := linkage.New(s, d.inputs, linkage.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return Suggest(context.Background(), l, opts)
}

func TestSuggestAllNullColumn(t *testing.T) {
	t.Parallel()
	d := withNullColumn(t)
	s := loadSettings(t, "fake_1000.yaml")
	s.Comparisons = append(s.Comparisons, nullComparison("middle_name"))
	res, err := suggestOn(t, s, d, Options{TargetRecall: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, `column "middle_name" is null in every record`) }) {
		t.Errorf("no warning about the all-null column: %q", res.Warnings)
	}
	for _, c := range res.Rules {
		if strings.Contains(c.Rule, "middle_name") {
			t.Errorf("rule %q uses the all-null column", c.Rule)
		}
	}
	if !res.TargetReached || len(res.Rules) == 0 {
		t.Errorf("the other columns should still reach the target: %+v", res)
	}

	// With only the null column to compare there is nothing to block on.
	s.Comparisons = []settings.Comparison{nullComparison("middle_name")}
	s.Training.DeterministicRules, s.Training.BlockingRules = nil, nil
	s.ProbabilityTwoRandomRecordsMatch = 0.01
	_, err = suggestOn(t, s, d, Options{})
	if err == nil || !strings.Contains(err.Error(), "no comparison column has two records with the same value") {
		t.Errorf("error %v, want one saying no column can pair records", err)
	}
}

func TestSuggestBudgetTooSmall(t *testing.T) {
	t.Parallel()
	d := fake1000(t)
	s := loadSettings(t, "fake_1000.yaml")
	_, err := suggestOn(t, s, d, Options{MaxComparisons: 50, TargetRecall: 0.9})
	var be *BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a *BudgetError", err)
	}
	if be.CheapestCount <= 50 || be.Needed < be.CheapestCount || be.Cheapest == "" {
		t.Errorf("budget error %+v: the cheapest useful rule must exceed the budget and the budget for the target must cover it", be)
	}
	for _, want := range []string{"smaller than the cheapest rule", be.Cheapest, "raise --max-comparisons"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The suggested budget is enough.
	res, err := suggestOn(t, s, d, Options{MaxComparisons: be.Needed, TargetRecall: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TargetReached || res.Comparisons > be.Needed {
		t.Errorf("with the suggested budget %d: reached %v with %d comparisons", be.Needed, res.TargetReached, res.Comparisons)
	}
	// A budget between the cheapest rule and the target stops short and
	// says what would reach it.
	res, err = suggestOn(t, s, d, Options{MaxComparisons: be.CheapestCount, TargetRecall: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	if res.TargetReached || res.Comparisons > be.CheapestCount || !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "below the target") }) {
		t.Errorf("budget %d: %+v, want a short choice with a warning", be.CheapestCount, res)
	}
}

func TestSuggestTargetRecall(t *testing.T) {
	t.Parallel()
	d := fake1000(t)
	s := loadSettings(t, "fake_1000.yaml")
	res, err := suggestOn(t, s, d, Options{TargetRecall: 1})
	if err != nil {
		t.Fatal(err)
	}
	// fake_1000 is small enough for the broad pass to be every pair, so
	// some likely matches share no candidate key: 1 cannot be reached, and
	// the choice says so and keeps the most any rule set keeps.
	if res.TargetReached || res.BudgetForTarget != 0 || res.EstimatedRecall < 0.95 || res.EstimatedRecall >= 1 {
		t.Errorf("target 1: reached %v, estimated recall %g, %d comparisons (budget for target %d)", res.TargetReached, res.EstimatedRecall, res.Comparisons, res.BudgetForTarget)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "share no candidate key") }) {
		t.Errorf("no warning that some likely matches share no key: %q", res.Warnings)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "not a guarantee") }) {
		t.Errorf("no warning that recall 1 is only an estimate: %q", res.Warnings)
	}
	lower, err := suggestOn(t, s, d, Options{TargetRecall: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if !lower.TargetReached || lower.Comparisons >= res.Comparisons || lower.EstimatedRecall < 0.8 {
		t.Errorf("target 0.8: %d comparisons at recall %g, want fewer than target 1's %d", lower.Comparisons, lower.EstimatedRecall, res.Comparisons)
	}
	for _, bad := range []float64{-0.5, 1.5} {
		if _, err := suggestOn(t, s, d, Options{TargetRecall: bad}); err == nil || !strings.Contains(err.Error(), "must be in (0, 1]") {
			t.Errorf("target %g: error %v", bad, err)
		}
	}
}
