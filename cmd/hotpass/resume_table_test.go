package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunResumeReloadsTables resumes a run whose read task succeeded and
// whose downstream write failed: the read is not run again, its kept table is
// loaded from the earlier run and written by the rerun write task.
func TestRunResumeReloadsTables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	spec := filepath.Join(dir, "spec.yaml")
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("name,n\nAero,1\nBlue,2\n"), 0o644)
	os.WriteFile(spec, []byte(`version: 1
name: tables
tasks:
  load: {type: read, with: {path: in.csv}}
  gate: {type: exec, needs: [load], with: {command: "test -f marker"}}
  save: {type: write, needs: [gate], with: {input: load, path: out.jsonl}}
`), 0o644)
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "t1", spec); code != exitFailed {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	// The input changes on disk; a reused read must not see it.
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("name,n\nchanged,9\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644)
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "--run-id", "t2", "--resume", "t1", spec); code != exitOK {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	trs := taskRuns(t, state, "t2")
	if reusedFrom(trs["load"]) != "t1" || trs["load"].Attempts != 0 {
		t.Errorf("load was not reused: %+v", trs["load"])
	}
	out, err := os.ReadFile(filepath.Join(dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"Aero"`) || strings.Contains(string(out), "changed") {
		t.Errorf("written output does not come from the reused table:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(state, "runs", "t2", "load.parquet")); err != nil {
		t.Errorf("the reused table is not kept in the new run: %v", err)
	}
}
