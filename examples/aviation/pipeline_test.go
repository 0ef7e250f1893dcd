package aviation_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
	"github.com/hotpass/hotpass/tasks"

	_ "github.com/hotpass/hotpass/tasks/enrich"
	_ "github.com/hotpass/hotpass/tasks/refine"
	_ "github.com/hotpass/hotpass/tasks/validate"
)

// copyTree copies the example (spec, data, lookups) into a temporary
// directory so that the run writes its dist/ there, not into the repository.
func copyTree(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, rel := range []string{"pipeline.yaml", "data", "lookups"} {
		err := filepath.Walk(rel, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			target := filepath.Join(dst, p)
			if fi.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func run(t *testing.T, dir string, params map[string]string) *engine.RunRecord {
	t.Helper()
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	spec, _, err := l.Load(filepath.Join(dir, "pipeline.yaml"), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{ParamFlags: params})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := prep.Plan.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil && rec == nil {
		t.Fatal(err)
	}
	return rec
}

// The example pipeline runs on the bundled workbooks and publishes the
// SSOT workbook, its Parquet copy and the quality report.
func TestExamplePipeline(t *testing.T) {
	t.Parallel()
	dir := copyTree(t)
	rec := run(t, dir, nil)
	for _, tr := range rec.Tasks {
		if tr.Status != engine.StatusSucceeded {
			t.Fatalf("task %s: %s: %s", tr.ID, tr.Status, tr.Error)
		}
	}
	out := filepath.Join(dir, "dist", "aviation", "refined.xlsx")
	sheets, err := xlsxio.Sheets(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(sheets, ",") != "Data,Summary" {
		t.Fatalf("sheets %v, want Data, Summary", sheets)
	}
	data, _, err := xlsxio.ReadFile(out, xlsxio.ReadOptions{Sheet: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := parquetio.Open(filepath.Join(dir, "dist", "aviation", "refined.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pq, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if data.NumRows() != pq.NumRows() || data.NumRows() < 200 {
		t.Fatalf("workbook has %d rows, parquet %d; want the same, at least 200", data.NumRows(), pq.NumRows())
	}
	for _, col := range []string{"provenance_source", "provenance_confidence", "selection_provenance"} {
		if data.ColumnByName(col) == nil {
			t.Errorf("Data sheet lacks %s", col)
		}
	}
	// The lookup filled the status of an organisation that had none.
	names, status := data.ColumnByName("organization_name"), data.ColumnByName("status")
	found := false
	for i := 0; i < data.NumRows(); i++ {
		if names.Format(i) == "Airborne Pilot Academy CC" {
			found = found || status.Format(i) == "Pending renewal"
		}
	}
	if !found {
		t.Error("lookup did not fill the status of Airborne Pilot Academy CC")
	}
	for _, f := range []string{"quality-report.json", "quality-report.html"} {
		if _, err := os.Stat(filepath.Join(dir, "dist", "aviation", f)); err != nil {
			t.Error(err)
		}
	}
	cov, ok := rec.Task("enrich").Attrs["coverage"].(map[string]any)
	if !ok || cov["website"] == nil {
		t.Fatalf("enrich attrs lack website coverage: %v", rec.Task("enrich").Attrs)
	}
}

// Under policy fail the pipeline stops at validate with an error that
// wraps quality.ErrExpectationsFailed, and enrich is skipped.
func TestExamplePipelineFailPolicy(t *testing.T) {
	t.Parallel()
	dir := copyTree(t)
	// A stricter expectation than the data meets: every organisation has
	// an email.
	spec := filepath.Join(dir, "pipeline.yaml")
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(b), "      title: Aviation SSOT\n",
		"      title: Aviation SSOT\n      expectations:\n        - {expect: not_null, column: contact_primary_email}\n", 1)
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := run(t, dir, map[string]string{"policy": "fail"})
	v := rec.Task("validate")
	if v.Status != engine.StatusFailed || !strings.Contains(v.Error, quality.ErrExpectationsFailed.Error()) {
		t.Fatalf("validate: %s %q; want failed with %q", v.Status, v.Error, quality.ErrExpectationsFailed)
	}
	if e := rec.Task("enrich"); e.Status != engine.StatusSkipped {
		t.Fatalf("enrich is %s, want skipped", e.Status)
	}
}
