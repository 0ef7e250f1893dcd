package quality

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func f(v float64) *float64 { return &v }

func sample(t *testing.T) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "score", Type: table.Float64},
		table.Field{Name: "province", Type: table.String},
	), 5)
	rows := [][]any{
		{"Eagle", "a@x.com", 0.9, "Gauteng"},
		{"Falcon", "not-an-email", 0.4, "gauteng"},
		{"Eagle", nil, 1.5, "Mars"},
		{nil, "b@y.org", 0.0, nil},
		{"Kestrel", "c@z.net", 0.6, "Limpopo"},
	}
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

func TestEvaluate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e      Expectation
		failed int
		passed bool
	}{
		{Expectation{Expect: NotNull, Column: "name"}, 1, false},
		{Expectation{Expect: NotNull, Column: "name", Mostly: f(0.8)}, 1, true},
		{Expectation{Expect: Unique, Column: "name"}, 1, false},
		{Expectation{Expect: Regex, Column: "email", Pattern: `^[^@]+@[^@]+\.[a-z]+$`}, 1, false},
		{Expectation{Expect: InSet, Column: "province", Values: []string{"Gauteng", "Limpopo"}}, 2, false},
		{Expectation{Expect: InSet, Column: "province", Values: []string{"Gauteng", "Limpopo"}, IgnoreCase: true, Mostly: f(0.8)}, 1, true},
		{Expectation{Expect: Between, Column: "score", Min: f(0), Max: f(1)}, 1, false},
		{Expectation{Expect: Between, Column: "score", Min: f(0.5)}, 2, false},
		{Expectation{Expect: MaxLength, Column: "name", Max: f(5)}, 2, false},
		{Expectation{Expect: NotNull, Column: "missing"}, 5, false},
	}
	tb := sample(t)
	for _, tc := range tests {
		ev := Evaluate(tb, []Expectation{tc.e})
		r := ev.Report.Results[0]
		if r.Failed != tc.failed || r.Passed != tc.passed {
			t.Errorf("%s: failed %d passed %v (%s); want %d %v", tc.e.Label(), r.Failed, r.Passed, r.Error, tc.failed, tc.passed)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		e    Expectation
		want string
	}{
		{Expectation{Expect: "nope", Column: "x"}, "unknown kind"},
		{Expectation{Expect: NotNull}, "column"},
		{Expectation{Expect: Regex, Column: "x", Pattern: "("}, "pattern"},
		{Expectation{Expect: InSet, Column: "x"}, "values"},
		{Expectation{Expect: Between, Column: "x"}, "min/max"},
		{Expectation{Expect: Between, Column: "x", Min: f(2), Max: f(1)}, "greater than max"},
		{Expectation{Expect: MaxLength, Column: "x"}, "max"},
		{Expectation{Expect: NotNull, Column: "x", Mostly: f(1.5)}, "mostly"},
	}
	for _, tc := range tests {
		probs := tc.e.Check()
		if len(probs) == 0 || !strings.Contains(strings.Join(probs, "; "), tc.want) {
			t.Errorf("Check(%+v) = %q, want one mentioning %q", tc.e, probs, tc.want)
		}
	}
	if p := (&Expectation{Expect: NotNull, Column: "x"}).Check(); len(p) != 0 {
		t.Errorf("valid expectation: %q", p)
	}
}

func TestDropAndReasons(t *testing.T) {
	t.Parallel()
	tb := sample(t)
	ev := Evaluate(tb, []Expectation{{Expect: NotNull, Column: "name"}, {Expect: Between, Column: "score", Min: f(0), Max: f(1)}})
	if ev.Report.InvalidRows != 2 || ev.Report.Passed {
		t.Fatalf("invalid rows %d passed %v", ev.Report.InvalidRows, ev.Report.Passed)
	}
	kept, rejects, err := Drop(tb, ev)
	if err != nil {
		t.Fatal(err)
	}
	if kept.NumRows() != 3 || rejects.NumRows() != 2 {
		t.Fatalf("kept %d rejected %d", kept.NumRows(), rejects.NumRows())
	}
	reasons := rejects.ColumnByName("reject_reason")
	if reasons.Format(0) != "between(score)" || reasons.Format(1) != "not_null(name)" {
		t.Errorf("reasons %q, %q", reasons.Format(0), reasons.Format(1))
	}
}

func TestReportFiles(t *testing.T) {
	t.Parallel()
	ev := Evaluate(sample(t), []Expectation{{Expect: NotNull, Column: "name", Where: "p.yaml:3:5"}, {Expect: Unique, Column: "name"}})
	ev.Report.Title = "Test <&>"
	dir := t.TempDir()
	js, hp := filepath.Join(dir, "r", "q.json"), filepath.Join(dir, "r", "q.html")
	if err := ev.Report.WriteFiles(js, hp); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Rows != 5 || len(back.Results) != 2 || len(back.Completeness) != 4 {
		t.Fatalf("json report %+v %v", back, err)
	}
	h, err := os.ReadFile(hp)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "not_null(name)", "p.yaml:3:5", "Test &lt;&amp;&gt;", "Completeness per column"} {
		if !bytes.Contains(h, []byte(want)) {
			t.Errorf("html lacks %q", want)
		}
	}
	// Self-contained: nothing is fetched.
	for _, bad := range []string{"<script", "<link", "src=", "http://", "https://", "@import"} {
		if bytes.Contains(bytes.ReplaceAll(h, []byte(`xmlns="http://www.w3.org/2000/svg"`), nil), []byte(bad)) {
			t.Errorf("html contains %q", bad)
		}
	}
}

// Completeness counts blanks as missing, and with a predicate the values
// it names too.
func TestColumnCompletenessFunc(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "status", Type: table.String}), 4)
	for _, v := range []string{"Active", "unknown", " ", ""} {
		if v == "" {
			b.Column(0).AppendNull()
			continue
		}
		b.Column(0).AppendString(v)
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		empty func(string) bool
		want  int
	}{
		{"blanks only", nil, 2},
		{"placeholders too", func(s string) bool { return s == "unknown" }, 1},
	} {
		got := ColumnCompletenessFunc(tb, c.empty)
		if got[0].NonNull != c.want {
			t.Errorf("%s: %d filled, want %d", c.name, got[0].NonNull, c.want)
		}
	}
}

// EvaluateFunc's report counts the values empty names as missing;
// Evaluate only blanks.
func TestEvaluateFuncCompleteness(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "status", Type: table.String}), 3)
	for _, v := range []string{"Active", "Pending Review", "Unknown"} {
		b.Column(0).AppendString(v)
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	exps := []Expectation{{Expect: "not_null", Column: "status"}}
	if got := Evaluate(tb, exps).Report.Completeness[0].NonNull; got != 3 {
		t.Errorf("Evaluate: %d filled, want 3", got)
	}
	custom := func(s string) bool { return s == "Pending Review" || s == "Unknown" }
	if got := EvaluateFunc(tb, exps, custom).Report.Completeness[0].NonNull; got != 1 {
		t.Errorf("EvaluateFunc: %d filled, want 1", got)
	}
}
