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
	state := t.TempDir()
	if _, stderr, code := cli(t, "run", "--no-progress", "--state-dir", state, "testdata/good/failing.yaml"); code != exitFailed {
		t.Fatalf("run failing: %d %s", code, stderr)
	}
	id := lastRunID(t, state)
	runDir := filepath.Join(state, "runs", id)
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
