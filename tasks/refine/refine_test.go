package refine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/read"
	_ "github.com/hotpass/hotpass/tasks/refine"
)

func load(t testing.TB, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return tasktest.Plan(t, dir, src)
}

// An upstream table is refined with the profile's default synonyms, and
// output writes the workbook and its Parquet copy.
func TestRefineInputsAndOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := "Company,Email,Phone,Province\nEagle Aviation,jo@eagle.co.za; info@eagle.co.za,0821234567,kzn\nEagle Aviation (Pty) Ltd,,011 555 0101,\n"
	if err := os.WriteFile(filepath.Join(dir, "crm.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, `version: 1
name: r
tasks:
  crm:
    type: read
    with: {path: crm.csv, types: {Phone: string}}
  refine:
    type: refine
    with: {profile: aviation, inputs: [crm], output: out/ssot.xlsx}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	r := rec.Task("refine")
	if r.Status != engine.StatusSucceeded {
		t.Fatalf("refine: %s %s", r.Status, r.Error)
	}
	if r.RowsOut != 1 || r.Attrs["organisations"] != 1 {
		t.Errorf("rows out %d attrs %v; want the two rows merged into one", r.RowsOut, r.Attrs)
	}
	for _, f := range []string{"out/ssot.xlsx", "out/ssot.parquet"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ with, want string }{
		{"{profile: nope, input_dir: data}", `with.profile: unknown profile "nope"`},
		{"{profile: aviation, input_dir: data, output: out.csv}", `with.output: "out.csv" is not an .xlsx path`},
		{"{profile: bad.yaml, input_dir: data}", "bad.yaml:2:1: error: unknown key \"colour\""},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("name: b\ncolour: red\nsources: [{name: s, files: [x], sheets: [{sheet: S}]}]\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := load(t, dir, "version: 1\nname: r\ntasks:\n  refine:\n    type: refine\n    with: "+tc.with+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.with, err, tc.want)
		}
	}
}
