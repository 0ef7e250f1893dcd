package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/runstate"
)

// temporalRunWithLogs records run "r1" as a workers' run would: executed by
// a Temporal workflow, with tasks load and clean whose logs are in the
// artifact store only. It returns the state dir and the store's URL.
func temporalRunWithLogs(t *testing.T, logs map[string]string) (state, url string) {
	t.Helper()
	ctx := context.Background()
	state = t.TempDir()
	url = "file://" + t.TempDir()
	st, err := store.OpenSQLite(ctx, filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateRun(ctx, store.Run{ID: "r1", Pipeline: "p", Status: store.RunSucceeded, WorkflowID: "hotpass-r1"}); err != nil {
		t.Fatal(err)
	}
	tasks := []store.TaskRun{
		{RunID: "r1", TaskID: "load", Type: "noop", Status: engine.StatusSucceeded},
		{RunID: "r1", TaskID: "clean", Type: "noop", Status: engine.StatusSucceeded},
	}
	if err := st.RecordTasks(ctx, tasks); err != nil {
		t.Fatal(err)
	}
	arts, err := artifacts.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer arts.Close()
	for task, text := range logs {
		if err := arts.PutLog(ctx, "r1", task, strings.NewReader(text)); err != nil {
			t.Fatal(err)
		}
	}
	return state, url
}

func TestRunsLogsOfTemporalRunFromArtifactStore(t *testing.T) {
	t.Parallel()
	logs := map[string]string{"load": "read 3 rows from crm.csv\n", "clean": "dropped 1 duplicate\n"}
	tests := []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"every task", nil, []string{"==> load <==\n" + logs["load"], "==> clean <==\n" + logs["clean"]}, nil},
		{"task as argument", []string{"clean"}, []string{logs["clean"]}, []string{logs["load"], "==>"}},
		{"task as flag", []string{"--task", "load"}, []string{logs["load"]}, []string{logs["clean"]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			state, url := temporalRunWithLogs(t, logs)
			args := append([]string{"runs", "logs", "r1"}, tt.args...)
			stdout, stderr, code := cli(t, append(args, "--state-dir", state, "--artifacts", url)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(stdout, w) {
					t.Errorf("stdout has %q:\n%s", w, stdout)
				}
			}
		})
	}
}

// TestRunsLogsPrefersLocalLogs: a worker's own machine has the log files in
// its run directory; those are printed without asking the store.
func TestRunsLogsPrefersLocalLogs(t *testing.T) {
	t.Parallel()
	state, url := temporalRunWithLogs(t, map[string]string{"load": "from the store\n"})
	dir := runstate.New(state).Run("r1")
	path := filepath.Join(dir, runstate.TaskLog("load"))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("from this machine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cli(t, "runs", "logs", "r1", "load", "--state-dir", state, "--artifacts", url)
	if code != exitOK || stdout != "from this machine\n" {
		t.Fatalf("exit %d, stdout %q, want the local log\n%s", code, stdout, stderr)
	}
}

func TestRunsLogsOfTemporalRunWithoutStore(t *testing.T) {
	t.Parallel()
	state, _ := temporalRunWithLogs(t, map[string]string{"load": "x\n"})
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"no store named", nil, []string{"ran on Temporal", "hotpass-r1", "--artifacts", artifacts.EnvURL}},
		{"store missing", []string{"--artifacts", "file://" + filepath.Join(state, "nope")}, []string{filepath.Join(state, "nope")}},
		{"task twice", []string{"load", "--task", "clean"}, []string{`task "load" given twice`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"runs", "logs", "r1"}, tc.args...)
			_, stderr, code := cli(t, append(args, "--state-dir", state)...)
			if code != exitInvalid {
				t.Fatalf("exit %d, want %d\n%s", code, exitInvalid, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
