package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runs ls reports each run's kept outputs, and runs prune --keep removes
// them from all but the latest runs (reporting first under --dry-run),
// leaving a failed run's outputs for --resume.
func TestRunsPruneKeep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("id,name\n1,a\n2,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("keep.yaml", "version: 1\nname: keep\ntasks:\n  load: {type: read, with: {path: in.csv}}\n")
	bad := write("keep-bad.yaml", "version: 1\nname: keep\ntasks:\n  load: {type: read, with: {path: in.csv}}\n  boom: {type: exec, needs: [load], with: {command: \"exit 3\"}}\n")
	for _, spec := range []string{bad, good, good, good} {
		cli(t, "run", "--no-progress", "--state-dir", state, spec)
	}
	type lsOut struct {
		Runs []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Kept   *int64 `json:"kept_bytes"`
		} `json:"runs"`
	}
	ls := func() lsOut {
		t.Helper()
		stdout, stderr, code := cli(t, "runs", "ls", "--format", "json", "--state-dir", state)
		if code != exitOK {
			t.Fatalf("ls: %d %s", code, stderr)
		}
		var out lsOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Runs) != 4 {
			t.Fatalf("ls lists %d runs, want 4", len(out.Runs))
		}
		return out
	}
	for _, r := range ls().Runs {
		if r.Kept == nil || *r.Kept <= 0 {
			t.Fatalf("run %s (%s) kept_bytes %v, want > 0", r.ID, r.Status, r.Kept)
		}
	}
	stdout, stderr, code := cli(t, "runs", "prune", "--keep", "1", "--dry-run", "--state-dir", state)
	if code != exitOK || strings.Count(stdout, "would remove ") != 3 || !strings.Contains(stdout, "would remove the kept outputs of 2 runs") {
		t.Fatalf("dry run: %d\n%s%s", code, stdout, stderr)
	}
	for _, r := range ls().Runs {
		if *r.Kept <= 0 {
			t.Fatalf("--dry-run removed the outputs of %s", r.ID)
		}
	}
	stdout, stderr, code = cli(t, "runs", "prune", "--keep", "1", "--state-dir", state)
	if code != exitOK || !strings.Contains(stdout, "removed the kept outputs of 2 runs") {
		t.Fatalf("prune: %d\n%s%s", code, stdout, stderr)
	}
	after := ls().Runs // newest first: good, good, good, bad
	for i, r := range after {
		wantKept := i == 0 || r.Status == "failed"
		if (*r.Kept > 0) != wantKept {
			t.Errorf("run %d (%s) keeps %d bytes, want kept=%v", i, r.Status, *r.Kept, wantKept)
		}
	}
	text, _, _ := cli(t, "runs", "ls", "--state-dir", state)
	if !strings.Contains(text, "KEPT") || !strings.Contains(text, " B\n") {
		t.Errorf("runs ls shows no kept size:\n%s", text)
	}
	if _, stderr, code := cli(t, "runs", "prune", "--keep", "0", "--state-dir", state); code != exitInvalid || !strings.Contains(stderr, "--keep must be at least 1") {
		t.Errorf("--keep 0: %d %s", code, stderr)
	}
	if _, stderr, code := cli(t, "runs", "prune", "--keep", "2", "--older-than", "3d", "--state-dir", state); code != exitInvalid || !strings.Contains(stderr, "not both") {
		t.Errorf("--keep with --older-than: %d %s", code, stderr)
	}
}
