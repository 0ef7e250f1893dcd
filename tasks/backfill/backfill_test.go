package backfill_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/specs"
	_ "github.com/hotpass/hotpass/tasks/backfill"
	_ "github.com/hotpass/hotpass/tasks/read"
	"github.com/hotpass/hotpass/tasks/tasktest"
	_ "github.com/hotpass/hotpass/tasks/write"
)

const pipeline = `version: 1
name: replay
params:
  input_dir: {type: string}
  output_path: {type: string}
tasks:
  load:
    type: read
    with: {path: "{{ params.input_dir }}/orgs.csv"}
  publish:
    type: write
    with: {input: load, path: "{{ params.output_path }}"}
`

// setup writes the child pipeline and archives for the given dates.
func setup(t *testing.T, dates ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pipeline.yaml"), []byte(pipeline), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range dates {
		in := filepath.Join(t.TempDir(), "in")
		if err := os.MkdirAll(in, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, "orgs.csv"), []byte("id,name\n1,a\n2,b\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		name := "hotpass-inputs-" + strings.ReplaceAll(d, "-", "") + "-v1.zip"
		if _, err := archive.Create(in, filepath.Join(dir, "archives", name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, dir, spec string) (*engine.RunRecord, error) {
	t.Helper()
	plan, err := tasktest.Plan(t, dir, spec)
	if err != nil {
		return nil, err
	}
	return plan.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, "state")})
}

const block = `      archive_root: archives
      restore_root: restore
      pipeline: {spec: pipeline.yaml}
      concurrency_limit: 0
      windows: [{start_date: 2024-01-01, end_date: 2024-01-02, versions: [1]}]
`

func TestBackfillThenPublish(t *testing.T) {
	t.Parallel()
	dir := setup(t, "2024-01-01", "2024-01-02")
	rec, err := run(t, dir, "version: 1\nname: bf\ntasks:\n  replay:\n    type: backfill\n    with:\n"+block+
		"  publish:\n    type: write\n    with: {input: replay, path: summary.csv}\n")
	if err != nil {
		t.Fatalf("run: %v (%+v)", err, rec)
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "date,version,archive,status,records,duration_ms,error" ||
		!strings.HasPrefix(lines[1], "2024-01-01,1,") || !strings.Contains(lines[1], ",succeeded,2,") {
		t.Errorf("summary table:\n%s", data)
	}
	if r := rec.Task("replay"); r.RowsOut != 2 || r.Attrs["records"] != int64(4) {
		t.Errorf("task record: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "runs", "backfill-2024-01-02-1", "run.json")); err != nil {
		t.Errorf("child run record: %v", err)
	}
}

func TestBackfillFailureSkipsPublish(t *testing.T) {
	t.Parallel()
	dir := setup(t, "2024-01-01") // 2024-01-02 is missing and on_missing defaults to fail
	rec, err := run(t, dir, "version: 1\nname: bf\ntasks:\n  replay:\n    type: backfill\n    with:\n"+block+
		"  publish:\n    type: write\n    with: {input: replay, path: summary.csv}\n")
	if !errors.Is(err, engine.ErrRunFailed) {
		t.Fatalf("err = %v, want ErrRunFailed", err)
	}
	r := rec.Task("replay")
	if r.Status != engine.StatusFailed || !strings.Contains(r.Error, "2024-01-02 1 (failed: archive not found") {
		t.Errorf("replay: %s %s", r.Status, r.Error)
	}
	if p := rec.Task("publish"); p.Status != engine.StatusSkipped {
		t.Errorf("publish: %s", p.Status)
	}
}

func TestBackfillConfigFile(t *testing.T) {
	t.Parallel()
	dir := setup(t, "2024-01-01", "2024-01-02")
	cfg := `{"version": 1, "name": "prod", "orchestrator": {"backfill": {"archive_root": "archives", "restore_root": "restore",
  "pipeline": {"spec": "pipeline.yaml"}, "concurrency_limit": 0,
  "windows": [{"start_date": "2024-01-01", "end_date": "2024-01-02", "versions": ["1"]}]}}}`
	if err := os.WriteFile(filepath.Join(dir, "prod.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := run(t, dir, "version: 1\nname: bf\ntasks:\n  replay:\n    type: backfill\n    with: {config: prod.json}\n")
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if r := rec.Task("replay"); r.RowsOut != 2 {
		t.Errorf("replay: %+v", r)
	}
}

func TestBackfillOptionErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct{ with, want string }{
		"config with options": {"{config: prod.json, windows: []}", `task "replay": with.config: cannot be combined with windows`},
		"unknown option":      {"{archive_rot: x}", `did you mean "archive_root"?`},
		"bad date":            {"{windows: [{start_date: 2024-01-01, end_date: 2023-12-31}]}", `with.windows[0].end_date: end date 2023-12-31 is before start date 2024-01-01`},
		"force not bool":      {"{force: maybe}", `force`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, err := run(t, dir, "version: 1\nname: bf\ntasks:\n  replay:\n    type: backfill\n    with: "+tc.with+"\n")
			if !errors.Is(err, specs.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want an invalid-spec error containing %q", err, tc.want)
			}
		})
	}
}

// TestBackfillFailFast runs three dates whose middle archive is missing,
// with fail_fast inline, from a config file, or next to config: overriding
// the file's either way.
func TestBackfillFailFast(t *testing.T) {
	t.Parallel()
	const (
		stopped = "2 of 3 backfill runs did not succeed: 2024-01-02 1 (failed: archive not found"
		all     = "1 of 3 backfill runs did not succeed: 2024-01-02 1 (failed: archive not found"
	)
	window := `windows: [{start_date: 2024-01-01, end_date: 2024-01-03, versions: [1]}]`
	cases := []struct {
		name, with   string
		fileFailFast bool
		wantStopped  bool
	}{
		{name: "inline", with: "{archive_root: archives, restore_root: restore, pipeline: {spec: pipeline.yaml}, concurrency_limit: 0, fail_fast: true, " + window + "}", wantStopped: true},
		{name: "inline off", with: "{archive_root: archives, restore_root: restore, pipeline: {spec: pipeline.yaml}, concurrency_limit: 0, " + window + "}"},
		{name: "config file", with: "{config: prod.yaml}", fileFailFast: true, wantStopped: true},
		{name: "task turns the file's off", with: "{config: prod.yaml, fail_fast: false}", fileFailFast: true},
		{name: "task turns it on over the file", with: "{config: prod.yaml, fail_fast: true}", wantStopped: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := setup(t, "2024-01-01", "2024-01-03")
			cfg := "version: 1\nname: prod\norchestrator:\n  backfill: {archive_root: archives, restore_root: restore, pipeline: {spec: pipeline.yaml}, concurrency_limit: 0, " + window
			if tc.fileFailFast {
				cfg += ", fail_fast: true"
			}
			if err := os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte(cfg+"}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := run(t, dir, "version: 1\nname: bf\ntasks:\n  replay:\n    type: backfill\n    with: "+tc.with+"\n")
			if !errors.Is(err, engine.ErrRunFailed) {
				t.Fatalf("err = %v, want ErrRunFailed", err)
			}
			r := rec.Task("replay")
			want, child := all, error(nil)
			if tc.wantStopped {
				want, child = stopped, os.ErrNotExist
			}
			if !strings.HasPrefix(r.Error, want) || strings.Contains(r.Error, "not started after the first failure (fail_fast)") != tc.wantStopped {
				t.Errorf("replay error %q, want it to start %q and to mention the run not started: %v", r.Error, want, tc.wantStopped)
			}
			// The third date's child run exists only when it was started.
			if _, err := os.Stat(filepath.Join(dir, "state", "runs", "backfill-2024-01-03-1", "run.json")); !errors.Is(err, child) {
				t.Errorf("third date's run record: %v, want %v", err, child)
			}
			data, err := os.ReadFile(filepath.Join(dir, "restore", "backfill-summary.json"))
			if err != nil || strings.Contains(string(data), `"status": "not_started"`) != tc.wantStopped {
				t.Errorf("summary file (%v), want a run not_started: %v\n%s", err, tc.wantStopped, data)
			}
		})
	}
}
