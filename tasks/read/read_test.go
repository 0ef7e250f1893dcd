package read_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/specs"
	_ "github.com/hotpass/hotpass/tasks/builtin"
	"github.com/hotpass/hotpass/tasks/tasktest"
)

// runSpec writes src as a spec in dir and runs it, returning the record.
func runSpec(t *testing.T, dir, src string, env map[string]string) (*engine.RunRecord, error) {
	t.Helper()
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	plan, err := tasktest.Compile(t, dir, src, tasktest.Options{File: "pipeline.yaml", LookupEnv: lookup})
	if err != nil {
		return nil, err
	}
	return plan.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
}

// output reads the table a task kept in the run directory.
func output(t *testing.T, dir string, rec *engine.RunRecord, task string) *table.Table {
	t.Helper()
	r, err := parquetio.Open(filepath.Join(dir, ".hotpass", "runs", rec.RunID, task+".parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

const sample = `{"id": 1, "name": "Aero Academy", "score": 0.5, "active": true, "founded": "1999-04-01"}
{"id": 2, "name": "Blue Sky, \"Cape\"", "score": null, "active": false, "founded": null}
{"id": 3, "name": null, "score": 2.25, "active": null, "founded": "2021-12-31"}
`

// TestFormatsRoundTrip writes one table in every file format through write
// tasks, reads each back through read tasks, and compares with the original:
// values, types, nulls and column order.
func TestFormatsRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	src := `version: 1
name: roundtrip
tasks:
  src: {type: read, with: {path: in.jsonl, types: {founded: date}}}
`
	for _, f := range []string{"csv", "xlsx", "parquet", "jsonl"} {
		src += "  w_" + f + ": {type: write, with: {input: src, path: out/data." + f + "}}\n"
		extra := ""
		if f == "csv" || f == "xlsx" {
			extra = ", types: {founded: date}"
		}
		src += "  r_" + f + ": {type: read, needs: [w_" + f + "], with: {path: out/data." + f + extra + "}}\n"
	}
	rec, err := runSpec(t, dir, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusSucceeded {
		for _, tr := range rec.Tasks {
			t.Logf("%s: %s %s", tr.ID, tr.Status, tr.Error)
		}
		t.Fatalf("run %s", rec.Status)
	}
	// A Parquet write of a kept table is a copy of the kept file.
	if got := rec.Task("w_parquet").Attrs["copied_from"]; got != "src.parquet" {
		t.Errorf("w_parquet copied_from = %v, want src.parquet", got)
	}
	want := output(t, dir, rec, "src")
	if got := want.Schema().Names(); strings.Join(got, ",") != "id,name,score,active,founded" {
		t.Fatalf("source columns = %v", got)
	}
	for _, f := range []string{"csv", "xlsx", "parquet", "jsonl"} {
		got := output(t, dir, rec, "r_"+f)
		if !got.Equal(want) {
			t.Errorf("%s round trip differs:\n%s", f, got.Diff(want))
		}
	}
}

func TestGlobReadAddsSourceFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "a_contacts.csv"), []byte("name,phone\nAero,0115550101\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "data", "b_contacts.csv"), []byte("name,email\nBlue,x@y.example\nCape,z@w.example\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "data", "other.csv"), []byte("name\nignored\n"), 0o644)
	rec, err := runSpec(t, dir, "version: 1\nname: glob\ndatasources:\n  contacts: {type: csv, path: \"data/*contacts*.csv\"}\ntasks:\n  all: {type: read, with: {source: contacts}}\n", nil)
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %v %+v", err, rec)
	}
	got := output(t, dir, rec, "all")
	if names := strings.Join(got.Schema().Names(), ","); names != "name,phone,_source_file,email" {
		t.Errorf("columns = %s", names)
	}
	if got.NumRows() != 3 {
		t.Fatalf("rows = %d, want 3", got.NumRows())
	}
	if v := got.ColumnByName("_source_file").Format(2); v != filepath.Join("data", "b_contacts.csv") {
		t.Errorf("_source_file = %q", v)
	}
	// The phone keeps its leading zero: inference leaves it a string.
	if v := got.ColumnByName("phone").Format(0); v != "0115550101" {
		t.Errorf("phone = %q", v)
	}
}

// TestSheetByPosition checks that `sheet:` takes a 1-based position written
// as a YAML integer, as a quoted number, or through a datasource, and that
// each reads the same sheet as its name does.
func TestSheetByPosition(t *testing.T) {
	t.Parallel()
	workbook, err := filepath.Abs(filepath.Join("..", "..", "testdata", "xlsx", "Contact Database.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := fmt.Sprintf(`version: 1
name: sheets
datasources:
  contacts: {type: xlsx, path: %q, sheet: 2}
tasks:
  by_name: {type: read, with: {path: %[1]q, sheet: Company_Contacts}}
  by_int: {type: read, with: {path: %[1]q, sheet: 2}}
  by_quoted: {type: read, with: {path: %[1]q, sheet: "2"}}
  by_source: {type: read, with: {source: contacts}}
  first: {type: read, with: {path: %[1]q, sheet: 1}}
`, workbook)
	rec, err := runSpec(t, dir, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusSucceeded {
		for _, tr := range rec.Tasks {
			t.Logf("%s: %s %s", tr.ID, tr.Status, tr.Error)
		}
		t.Fatalf("run %s", rec.Status)
	}
	want := output(t, dir, rec, "by_name")
	for _, task := range []string{"by_int", "by_quoted", "by_source"} {
		if got := output(t, dir, rec, task); !got.Equal(want) {
			t.Errorf("%s differs from the sheet read by name:\n%s", task, got.Diff(want))
		}
	}
	if output(t, dir, rec, "first").Equal(want) {
		t.Errorf("sheet: 1 read the same table as sheet: 2")
	}
}

func TestSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want, hint string
		line, col             int
	}{
		{"unknown datasource", "version: 1\nname: x\ndatasources:\n  contacts: {type: csv, path: c.csv}\ntasks:\n  a: {type: read, with: {source: contact}}\n",
			`unknown datasource "contact"`, `did you mean "contacts"?`, 6, 34},
		{"option for another format", "version: 1\nname: x\ntasks:\n  a: {type: read, with: {path: c.csv, sheet: Cleaned}}\n",
			"sheet: does not apply to csv", "xlsx", 4, 46},
		{"unknown extension", "version: 1\nname: x\ntasks:\n  a: {type: read, with: {path: c.dat}}\n",
			"cannot tell the format", "", 4, 25},
		{"upsert without key", "version: 1\nname: x\ndatasources:\n  db: {type: postgres, dsn: 'postgres://x@y/z', table: t, mode: upsert}\ntasks:\n  a: {type: read, with: {path: c.csv}}\n  b: {type: write, with: {input: a, sink: db}}\n",
			"mode upsert needs key", "", 4, 3},
		{"datasource type typo", "version: 1\nname: x\ndatasources:\n  db: {type: postgress, dsn: x}\ntasks:\n  a: {type: noop}\n",
			`unknown datasource type "postgress"`, `did you mean "postgres"?`, 4, 14},
		{"datasource option typo", "version: 1\nname: x\ndatasources:\n  db: {type: csv, pth: x.csv}\ntasks:\n  a: {type: noop}\n",
			`unknown key "pth"`, `did you mean "path"?`, 4, 19},
		{"sheet position zero", "version: 1\nname: x\ntasks:\n  a: {type: read, with: {path: c.xlsx, sheet: 0}}\n",
			"with.sheet must be at least 1, got 0", "", 4, 47},
		{"sheet neither name nor position", "version: 1\nname: x\ndatasources:\n  c: {type: xlsx, path: c.xlsx, sheet: 1.5}\ntasks:\n  a: {type: read, with: {source: c}}\n",
			"sheet must be integer or string", "", 4, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := runSpec(t, t.TempDir(), tt.src, nil)
			if !errors.Is(err, specs.ErrInvalid) {
				t.Fatalf("error = %v, want an invalid-spec error", err)
			}
			d := specs.AsDiagnostics(err)[0]
			if !strings.Contains(d.Message, tt.want) || !strings.Contains(d.Hint, tt.hint) {
				t.Errorf("diagnostic = %q (hint %q), want %q (hint %q)", d.Message, d.Hint, tt.want, tt.hint)
			}
			if d.Pos.Line != tt.line || d.Pos.Col != tt.col {
				t.Errorf("position = %d:%d, want %d:%d", d.Pos.Line, d.Pos.Col, tt.line, tt.col)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("a,b\n1,2\n3\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "exists.csv"), []byte("x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "conv.csv"), []byte("name,founded\nAero,1999\nBlue,19x9\n"), 0o644)
	rec, err := runSpec(t, dir, `version: 1
name: errs
tasks:
  missing: {type: read, with: {path: nope.csv}}
  bad_row: {type: read, with: {path: in.csv}}
  skip_row: {type: read, with: {path: in.csv, on_bad_row: skip}}
  no_overwrite: {type: write, with: {input: skip_row, path: exists.csv, overwrite: false}}
  conversion: {type: read, with: {path: conv.csv, types: {founded: int64}}}
  refused:
    type: read
    retries: 2
    retry_delay: 10ms
    with: {dsn: "postgres://app:hunter2secret@127.0.0.1:1/crm?connect_timeout=2", query: "select 1", format: postgres}
`, nil)
	if err == nil || rec == nil {
		t.Fatalf("run error = %v", err)
	}
	wantErr := map[string]string{
		"missing":      "nope.csv: no such file or directory",
		"bad_row":      "in.csv:3",
		"no_overwrite": "already exists and overwrite is false",
		"conversion":   `column "founded"`,
		"refused":      "127.0.0.1:1",
	}
	for id, want := range wantErr {
		if tr := rec.Task(id); tr.Status != engine.StatusFailed || !strings.Contains(tr.Error, want) {
			t.Errorf("task %s: %s %q, want failed with %q", id, tr.Status, tr.Error, want)
		}
	}
	if tr := rec.Task("skip_row"); tr.Status != engine.StatusSucceeded || tr.RowsOut != 1 {
		t.Errorf("skip_row: %s, %d rows", tr.Status, tr.RowsOut)
	}
	if tr := rec.Task("conversion"); !strings.Contains(tr.Error, `"19x9"`) || !strings.Contains(tr.Error, "conv.csv:3") {
		t.Errorf("conversion error should name the line, column and value: %q", tr.Error)
	}
	// Connection refused is retried per the task's policy, and the password
	// never shows.
	if tr := rec.Task("refused"); tr.Attempts != 3 || strings.Contains(tr.Error, "hunter2secret") {
		t.Errorf("refused: %d attempts, error %q", tr.Attempts, tr.Error)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "exists.csv")); string(data) != "x\n" {
		t.Errorf("overwrite: false replaced the file")
	}
}

// TestPostgresSinkAndSource writes a table to PostgreSQL through a sink
// datasource (append, then upsert) and reads it back with a query.
func TestPostgresSinkAndSource(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "v1.csv"), []byte("id,name\n1,Aero\n2,Blue\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "v2.csv"), []byte("id,name\n2,Blue Sky\n3,Cape\n"), 0o644)
	src := `version: 1
name: pg
datasources:
  crm: {type: postgres, dsn: "{{ env_var('TEST_DSN') }}", table: orgs}
tasks:
  v1: {type: read, with: {path: v1.csv}}
  load: {type: write, with: {input: v1, sink: crm, key: [id]}}
  v2: {type: read, with: {path: v2.csv}}
  merge: {type: write, needs: [load], with: {input: v2, sink: crm, mode: upsert, key: [id]}}
  back: {type: read, needs: [merge], with: {source: crm, query: "select id, name from orgs order by id"}}
`
	rec, err := runSpec(t, dir, src, map[string]string{"TEST_DSN": url})
	if err != nil {
		for _, tr := range rec.Tasks {
			t.Logf("%s: %s %s", tr.ID, tr.Status, tr.Error)
		}
		t.Fatal(err)
	}
	got := output(t, dir, rec, "back")
	var rows []string
	for i := 0; i < got.NumRows(); i++ {
		rows = append(rows, got.Column(0).Format(i)+"="+got.Column(1).Format(i))
	}
	if strings.Join(rows, ",") != "1=Aero,2=Blue Sky,3=Cape" {
		t.Errorf("rows after upsert = %v", rows)
	}
}

// TestWriteOverwriteFalseConcurrentTasks runs tasks that write one path at
// the same time with overwrite: false, through both ways a write takes: a
// byte copy of the kept Parquet file and an encode to CSV. In each group
// exactly one may succeed.
func TestWriteOverwriteFalseConcurrentTasks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.jsonl"), []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("version: 1\nname: race\ntasks:\n  load: {type: read, with: {path: in.jsonl}}\n")
	const writers = 6
	for i := range writers {
		fmt.Fprintf(&b, "  pq%d: {type: write, with: {input: load, path: out/same.parquet, overwrite: false}}\n", i)
		fmt.Fprintf(&b, "  csv%d: {type: write, with: {input: load, path: out/same.csv, overwrite: false}}\n", i)
	}
	rec, _ := runSpec(t, dir, b.String(), nil)
	if rec == nil {
		t.Fatal("no run record")
	}
	for _, group := range []string{"pq", "csv"} {
		ok := 0
		for i := range writers {
			tr := rec.Task(fmt.Sprintf("%s%d", group, i))
			switch {
			case tr.Status == engine.StatusSucceeded:
				ok++
			case !strings.Contains(tr.Error, "already exists and overwrite is false"):
				t.Errorf("%s%d: %s %q, want the overwrite refusal", group, i, tr.Status, tr.Error)
			}
		}
		if ok != 1 {
			t.Errorf("%d %s writers succeeded, want exactly 1", ok, group)
		}
	}
}
