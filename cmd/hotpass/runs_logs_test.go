package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planted is the content of files a path in TASK or run.json could reach:
// it must never be printed.
const planted = "PLANTED-OUTSIDE-THE-LOGS"

// A TASK that is no task id is refused before any file is read, and a
// log path in run.json that leaves the run directory is not followed.
func TestRunsLogsRefusesPathsAsTasks(t *testing.T) {
	t.Parallel()
	state, id, runDir := failedRun(t)
	outside := filepath.Join(t.TempDir(), "outside.log")
	for _, p := range []string{outside, filepath.Join(state, "runs", "x.log"), filepath.Join(runDir, "x.log"),
		filepath.Join(runDir, "logs", "a", "b.log"), filepath.Join(state, "secret.log")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(planted+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
	}{
		{"parent", []string{id, "../x"}},
		{"absolute", []string{id, "/etc/passwd"}},
		{"absolute planted", []string{id, strings.TrimSuffix(outside, ".log")}},
		{"nested", []string{id, "a/b"}},
		{"backslash", []string{id, `..\x`}},
		{"dot dot", []string{id, ".."}},
		{"empty", []string{id, ""}},
		{"empty flag", []string{id, "--task", ""}},
		{"parent flag", []string{id, "--task", "../x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"runs", "logs", "--state-dir", state}, tc.args...)
			stdout, stderr, code := cli(t, args...)
			if code != exitInvalid {
				t.Errorf("exit %d, want %d\n%s%s", code, exitInvalid, stdout, stderr)
			}
			if stdout != "" {
				t.Errorf("printed logs for a refused TASK:\n%s", stdout)
			}
			if !strings.Contains(stderr, "is not a task id") || !strings.Contains(stderr, "runs show") {
				t.Errorf("error does not say what is wrong and what to do:\n%s", stderr)
			}
		})
	}

	// run.json names each task's log; a tampered one must not lead the
	// command out of the run directory.
	for _, bad := range []string{"../../secret.log", outside} {
		setRecordedLog(t, runDir, "boom", bad)
		stdout, stderr, code := cli(t, "runs", "logs", "--state-dir", state, id, "boom")
		if code != exitOK || strings.Contains(stdout, planted) || !strings.Contains(stdout, "about to fail") {
			t.Errorf("recorded log %q: exit %d, want boom's own log and nothing planted\n%s%s", bad, code, stdout, stderr)
		}
	}
}

// failedRun runs testdata/good/failing.yaml into a new state directory
// and returns it, the run's id and its run directory.
func failedRun(t *testing.T) (state, id, runDir string) {
	t.Helper()
	state = t.TempDir()
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/failing.yaml"); code != exitFailed {
		t.Fatalf("run failing: %d %s", code, stderr)
	}
	id = lastRunID(t, state)
	return state, id, filepath.Join(state, "runs", id)
}

// setRecordedLog rewrites the log path run.json records for task.
func setRecordedLog(t *testing.T, runDir, task, log string) {
	t.Helper()
	path := filepath.Join(runDir, "run.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tr := range rec["tasks"].([]any) {
		if m := tr.(map[string]any); m["id"] == task {
			m["log"], found = log, true
		}
	}
	if !found {
		t.Fatalf("run.json has no task %s", task)
	}
	if data, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A symlink inside the run directory that leads out of it is not read
// through, whether it is where the engine writes the log or where run.json
// says the log is; one that stays inside the run directory is followed.
func TestRunsLogsRefusesSymlinksOutOfTheRunDirectory(t *testing.T) {
	t.Parallel()
	state, id, runDir := failedRun(t)
	outside := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(outside, []byte(planted+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(runDir, "logs", "boom.log")
	kept := filepath.Join(runDir, "kept.log")
	if err := os.Rename(log, kept); err != nil {
		t.Fatal(err)
	}
	link := func(target, name string) {
		t.Helper()
		_ = os.Remove(name)
		if err := os.Symlink(target, name); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}

	// Where the engine writes boom's log, and where run.json says it is.
	link(outside, log)
	stdout, stderr, code := cli(t, "runs", "logs", "--state-dir", state, id, "boom")
	if code == exitOK || strings.Contains(stdout, planted) || !strings.Contains(stderr, log) || !strings.Contains(stderr, "symlink") {
		t.Errorf("log symlinked out of the run directory: exit %d, want an error naming %s and no planted line\n%s%s", code, log, stdout, stderr)
	}
	setRecordedLog(t, runDir, "boom", "logs/x.log")
	link(outside, filepath.Join(runDir, "logs", "x.log"))
	stdout, stderr, code = cli(t, "runs", "logs", "--state-dir", state, id)
	if code == exitOK || strings.Contains(stdout, planted) || !strings.Contains(stderr, "x.log") {
		t.Errorf("recorded log symlinked out of the run directory: exit %d, want an error and no planted line\n%s%s", code, stdout, stderr)
	}

	// A directory on the way that is a link out of the run directory is
	// refused as well.
	logsOut := t.TempDir()
	if err := os.WriteFile(filepath.Join(logsOut, "x.log"), []byte(planted+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(runDir, "logs")); err != nil {
		t.Fatal(err)
	}
	link(logsOut, filepath.Join(runDir, "logs"))
	if stdout, stderr, code := cli(t, "runs", "logs", "--state-dir", state, id, "boom"); code == exitOK || strings.Contains(stdout, planted) {
		t.Errorf("logs directory symlinked out of the run directory: exit %d\n%s%s", code, stdout, stderr)
	}

	// A link that stays inside the run directory is read.
	if err := os.Remove(filepath.Join(runDir, "logs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(runDir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	link("../kept.log", filepath.Join(runDir, "logs", "x.log"))
	stdout, stderr, code = cli(t, "runs", "logs", "--state-dir", state, id, "boom")
	if code != exitOK || !strings.Contains(stdout, "about to fail") {
		t.Errorf("log linked inside the run directory: exit %d, want boom's log\n%s%s", code, stdout, stderr)
	}
}
