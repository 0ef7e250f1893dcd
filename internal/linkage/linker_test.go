package linkage

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/blocking"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

func peopleTable(t *testing.T, rows ...[]any) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "unique_id", Type: table.String},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "city", Type: table.String},
		table.Field{Name: "nothing", Type: table.String},
	), len(rows))
	for _, r := range rows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func simpleSettings() settings.Settings {
	return settings.Settings{
		ProbabilityTwoRandomRecordsMatch: 0.01,
		Comparisons: []settings.Comparison{
			{Column: "name", Levels: []settings.Level{{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.JaroWinkler, Threshold: 0.8}, {Type: settings.Else}}},
			{Column: "city", Levels: []settings.Level{{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.Else}}},
		},
		BlockingRules: []string{"city", "name"},
		Training:      settings.Training{BlockingRules: []string{"city", "name"}, Seed: 3},
	}
}

var people = [][]any{
	{"1", "anna", "paris", nil}, {"2", "anna", "paris", nil}, {"3", "ana", "paris", nil},
	{"4", "bob", "rome", nil}, {"5", "bob", "rome", nil}, {"6", "rob", "oslo", nil}, {"7", nil, nil, nil},
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	good := peopleTable(t, people...)
	for _, tc := range []struct {
		name   string
		edit   func(*settings.Settings)
		inputs []records.Input
		want   string
	}{
		{"missing id column", func(s *settings.Settings) { s.UniqueIDColumn = "id" }, nil, `no unique id column "id"`},
		{"duplicate ids", nil, []records.Input{{Name: "crm", Table: peopleTable(t, []any{"1", "a", "b", nil}, []any{"2", "a", "b", nil}, []any{"1", "c", "d", nil})}},
			`input "crm" rows 1 and 3, column "unique_id": duplicate unique id "1"`},
		{"empty id", nil, []records.Input{{Name: "crm", Table: peopleTable(t, []any{nil, "a", "b", nil})}}, `row 1, column "unique_id": the unique id is empty`},
		{"comparison on a missing column", func(s *settings.Settings) { s.Comparisons[1].Column = "town" }, nil, `comparisons[1] (town) levels[0] (null): input "people" has no column "town"`},
		{"blocking on a missing column", func(s *settings.Settings) { s.BlockingRules = []string{"town"} }, nil, `no column "town"`},
		{"thresholds out of order", func(s *settings.Settings) { s.MatchThreshold, s.ReviewThreshold = 0.7, 0.9 }, nil, "review_threshold 0.9 is above match_threshold 0.7"},
		{"link type needs two inputs", func(s *settings.Settings) { s.LinkType = settings.LinkOnly }, nil, "link_only needs two or more input tables"},
	} {
		s := simpleSettings()
		if tc.edit != nil {
			tc.edit(&s)
		}
		inputs := tc.inputs
		if inputs == nil {
			inputs = []records.Input{{Name: "people", Table: good}}
		}
		l, err := New(s, inputs, Options{Logger: discardLogger()})
		if err == nil {
			_, err = l.Predict(context.Background(), PredictOptions{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	t.Parallel()
	s := simpleSettings()
	s.Comparisons = append(s.Comparisons, settings.Comparison{Column: "nothing", Levels: []settings.Level{{Type: settings.Null}, {Type: settings.Exact}, {Type: settings.Else}}})
	s.Training.BlockingRules = []string{"city", "nothing"}
	s.Training.MaxIterations = 1
	s.Training.ConvergenceTolerance = 1e-15
	l := mustLinker(t, s, records.Input{Name: "people", Table: peopleTable(t, people...)})
	if w := strings.Join(l.Warnings(), "\n"); !strings.Contains(w, `column "nothing" is null in every record`) {
		t.Errorf("warnings %q: want the all-null column", w)
	}
	st, err := l.BlockingStats([]string{"city", "nothing", "name + city"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []blocking.RuleCount{{Rule: "city", Comparisons: 4}, {Rule: "nothing"}, {Rule: "name + city", Comparisons: 2}}; !slices.Equal(st, want) {
		t.Errorf("blocking stats %v, want %v", st, want)
	}
	res, err := l.Train(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(res.Warnings, "\n")
	for _, want := range []string{
		`training rule "nothing": no pairs`,
		`training rule "city": EM did not converge in 1 iterations`,
		`comparison "city": no training rule could estimate its m`,
		`comparison "nothing": no sampled pair had values on both sides`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("training warnings %q: want %q", all, want)
		}
	}
	if res.Rules[0].Converged || res.Rules[0].Iterations != 1 {
		t.Errorf("rule result %+v: want a reported non-convergence", res.Rules[0])
	}
}

func TestCapRefusesBeforeGenerating(t *testing.T) {
	t.Parallel()
	const n = 50_000 // one block of n records: 1,249,975,000 pairs
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "unique_id", Type: table.String},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "city", Type: table.String},
	), n)
	for i := 0; i < n; i++ {
		if err := b.AppendRow(strconv.Itoa(i), "n"+strconv.Itoa(i), "same"); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	s := simpleSettings()
	s.BlockingRules = []string{"name", "city"}
	l := mustLinker(t, s, records.Input{Name: "big", Table: tb})
	_, err = l.Predict(context.Background(), PredictOptions{})
	var ce *blocking.CapError
	if !errors.As(err, &ce) || ce.Rule != "city" || ce.Count != 1_249_975_000 ||
		!strings.Contains(err.Error(), `blocking rule "city" yields 1249975000 comparisons, over the cap of 1000000000`) {
		t.Errorf("got %v, want the cap error naming rule city and its count", err)
	}
	if _, err := l.Train(context.Background()); !errors.As(err, &ce) {
		t.Errorf("training on rule city: got %v, want the cap error", err)
	}
}

// TestPredictDeterministicAndRoundTrip checks that the worker count does
// not change results and that a saved model predicts the same.
func TestPredictDeterministicAndRoundTrip(t *testing.T) {
	t.Parallel()
	tb := readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
	s := loadSettings(t, examples+"fake_1000.yaml")
	// Blocking and a smaller u sample keep this fast under the race
	// detector; several rules exercise the exclusion of repeated pairs.
	s.BlockingRules = []string{"surname", "dob", "first_name + city"}
	s.Training.MaxPairs = 20_000
	var preds []*Prediction
	var trained model.Params
	for _, workers := range []int{1, 2, 5} {
		l, err := New(s, []records.Input{{Name: "f", Table: tb}}, Options{Workers: workers, Logger: discardLogger()})
		if err != nil {
			t.Fatal(err)
		}
		res, pred := trainPredict(t, l)
		if workers == 1 {
			trained = res.Params
		} else if !paramsEqual(res.Params, trained) {
			t.Fatalf("%d workers trained different parameters", workers)
		}
		preds = append(preds, sortedPairs(pred))
		if workers == 2 {
			path := t.TempDir() + "/model.json"
			if err := l.Model().Save(path); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			again, err := NewFromModel(m, []records.Input{{Name: "f", Table: tb}}, Options{Logger: discardLogger()})
			if err != nil {
				t.Fatal(err)
			}
			p2, err := again.Predict(context.Background(), PredictOptions{})
			if err != nil {
				t.Fatal(err)
			}
			preds = append(preds, sortedPairs(p2))
		}
	}
	for k := 1; k < len(preds); k++ {
		if !slices.Equal(preds[k].Pairs, preds[0].Pairs) || preds[k].Compared != preds[0].Compared {
			t.Fatalf("prediction %d differs from the first (%d vs %d pairs)", k, len(preds[k].Pairs), len(preds[0].Pairs))
		}
	}
}

func paramsEqual(a, b model.Params) bool {
	if a.Lambda != b.Lambda {
		return false
	}
	for c := range a.Comparisons {
		if !slices.Equal(a.Comparisons[c].Levels, b.Comparisons[c].Levels) {
			return false
		}
	}
	return true
}

func sortedPairs(p *Prediction) *Prediction {
	slices.SortFunc(p.Pairs, func(x, y ScoredPair) int {
		if x.I != y.I {
			return int(x.I - y.I)
		}
		return int(x.J - y.J)
	})
	return p
}

func TestClusterWithClericalLabels(t *testing.T) {
	t.Parallel()
	s := simpleSettings()
	s.MatchThreshold, s.ReviewThreshold = 0.5, 0.5
	// Untrained start: name exact m 0.9 u 0.05, city exact m 0.9 u 0.1.
	s.Comparisons[0].Levels[1].MProbability, s.Comparisons[0].Levels[1].UProbability = p(0.9), p(0.05)
	s.Comparisons[1].Levels[1].MProbability, s.Comparisons[1].Levels[1].UProbability = p(0.9), p(0.1)
	l := mustLinker(t, s, records.Input{Name: "people", Table: peopleTable(t, people...)})
	pred, err := l.Predict(context.Background(), PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := l.Cluster(pred, cluster.Constraints{})
	if err != nil {
		t.Fatal(err)
	}
	id := func(s string) int32 {
		i, ok := l.Lookup("people", s)
		if !ok {
			t.Fatalf("no record %s", s)
		}
		return i
	}
	if plain.Labels[id("1")] != plain.Labels[id("2")] || plain.Labels[id("4")] != plain.Labels[id("5")] {
		t.Fatalf("labels %v: want anna/anna and bob/bob together", plain.Labels)
	}
	cons := cluster.Constraints{CannotLink: [][2]int32{{id("1"), id("2")}}, MustLink: [][2]int32{{id("6"), id("7")}}}
	res, err := l.Cluster(pred, cons)
	if err != nil {
		t.Fatal(err)
	}
	if res.Labels[id("1")] == res.Labels[id("2")] || res.Labels[id("6")] != res.Labels[id("7")] {
		t.Errorf("labels %v: constraints not applied", res.Labels)
	}
	if _, ok := l.Lookup("people", "nope"); ok {
		t.Error("lookup of an unknown id succeeded")
	}
}
