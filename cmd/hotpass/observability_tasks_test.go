package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
)

// TestTaskTypesObservability runs the task types that report their own
// metrics (validate, enrich, linkage) in one observed run and checks each
// metric against what the run wrote, plus the linkage task's child spans.
func TestTaskTypesObservability(t *testing.T) {
	r := otlptest.NewHTTP(t)
	for k, v := range r.Env() {
		t.Setenv(k, v)
	}
	dir := t.TempDir()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	spec := fmt.Sprintf(`version: 1
name: observed-tasks
tasks:
  refine: {type: refine, with: {profile: aviation, input_dir: %q}}
  validate: {type: validate, with: {input: refine, profile: aviation, policy: warn}}
  enrich: {type: enrich, with: {input: validate, profile: aviation, output: out/ssot.xlsx}}
  orgs: {type: read, with: {path: %q}}
  check:
    type: validate
    with:
      input: orgs
      policy: warn
      expectations:
        - {expect: not_null, column: name}
        - {expect: not_null, column: email}
  people: {type: read, with: {path: %q, types: {unique_id: string, dob: string}}}
  dedupe: {type: linkage, with: {input: people, config: %q, output_dir: linked}}
`, abs("../../examples/aviation/data"), abs("testdata/dataquality/orgs.csv"),
		abs("../../testdata/linkage/fake_1000/fake_1000.csv"), abs("../../examples/linkage/fake_1000.yaml"))
	path := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cli(t, "run", "--no-progress", "--enable-observability", "--state-dir", filepath.Join(dir, "state"), path)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}

	t.Run("validation failures", func(t *testing.T) {
		// orgs.csv: one row without a name, two without an email.
		for col, want := range map[string]float64{"name": 1, "email": 2} {
			pts := r.Find("hotpass.validation.failures", map[string]any{
				"hotpass.column": col, "hotpass.expectation": "not_null(" + col + ")", "hotpass.pipeline": "observed-tasks",
			})
			if len(pts) != 1 || pts[0].Value != want || !pts[0].Monotonic {
				t.Errorf("failures of not_null(%s): %+v, want one counter point of %v", col, pts, want)
			}
		}
		// The aviation profile's expectations on the refined table: only
		// failing expectations are counted, each under its own column.
		n := 0
		for _, p := range r.Points("hotpass.validation.failures") {
			col, _ := p.Attrs["hotpass.column"].(string)
			exp, _ := p.Attrs["hotpass.expectation"].(string)
			if col == "" || !strings.Contains(exp, col) || p.Value <= 0 {
				t.Errorf("point %v = %v: want a positive count naming its expectation and column", p.Attrs, p.Value)
			}
			n++
		}
		if n < 3 {
			t.Errorf("%d validation failure series, want the two of check and at least one of validate", n)
		}
	})

	t.Run("enrichment coverage", func(t *testing.T) {
		ssot := readParquet(t, filepath.Join(dir, "out", "ssot.parquet"))
		for _, field := range []string{"website", "organization_type"} {
			want := filled(t, ssot, field)
			pts := r.Find("hotpass.enrichment.coverage", map[string]any{"hotpass.field": field})
			if len(pts) != 1 || pts[0].Kind != "gauge" || pts[0].Value != want {
				t.Errorf("coverage of %s: %+v, want one gauge point of %v (the written table's share of filled rows)", field, pts, want)
			}
		}
	})

	t.Run("linkage pairs", func(t *testing.T) {
		kept := readParquet(t, filepath.Join(dir, "linked", linkjob.MatchesFile))
		review := readParquet(t, filepath.Join(dir, "linked", linkjob.ReviewFile))
		class := kept.ColumnByName("classification")
		matches := 0
		for i := range kept.NumRows() {
			if class.Format(i) == "match" {
				matches++
			}
		}
		got := map[string]float64{}
		for _, p := range r.Points("hotpass.linkage.pairs") {
			c, _ := p.Attrs["hotpass.classification"].(string)
			got[c] += p.Value
		}
		// No blocking on fake_1000: every one of the 1000·999/2 pairs is
		// scored and lands in exactly one class.
		want := map[string]float64{"match": float64(matches), "review": float64(review.NumRows()),
			"reject": 499500 - float64(matches) - float64(review.NumRows())}
		if fmt.Sprint(got) != fmt.Sprint(want) || matches == 0 {
			t.Errorf("linkage pairs by classification = %v, want %v", got, want)
		}
	})

	t.Run("linkage spans", func(t *testing.T) {
		var task otlptest.Span
		for _, s := range r.SpansNamed("hotpass.task") {
			if s.Attrs()["hotpass.task.id"] == "dedupe" {
				task = s
			}
		}
		if task.Span == nil {
			t.Fatal("no hotpass.task span for dedupe")
		}
		for _, name := range []string{"linkage.train", "linkage.predict", "linkage.cluster"} {
			spans := r.SpansNamed(name)
			if len(spans) != 1 || spans[0].ParentIDHex() != task.SpanIDHex() || spans[0].TraceIDHex() != task.TraceIDHex() {
				t.Errorf("%s: %d spans, want one child of the dedupe task span", name, len(spans))
			}
		}
	})
}

// filled is the share of tb's rows with a non-empty value in col.
func filled(t *testing.T, tb *table.Table, col string) float64 {
	t.Helper()
	c := tb.ColumnByName(col)
	if c == nil {
		t.Fatalf("no column %q", col)
	}
	n := 0
	for i := range tb.NumRows() {
		if !c.IsNull(i) && strings.TrimSpace(c.Format(i)) != "" {
			n++
		}
	}
	return float64(n) / float64(tb.NumRows())
}
