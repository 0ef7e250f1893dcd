package runner_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/runner"
)

// alive reports whether pid is a live process (a zombie counts as dead).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestCancelRequestStopsRunAndKillsProcesses(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to see whether the task's process is gone")
	}
	st, l, dir := setup(t)
	pidFile := filepath.Join(dir, "sleep.pid")
	spec := write(t, filepath.Join(dir, "slow.yaml"), `version: 1
name: slow
tasks:
  wait:
    type: exec
    with: {command: "sleep 300 & echo $! > `+pidFile+`; wait"}
`)
	type result struct {
		rec *engine.RunRecord
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec, err := runner.Run(context.Background(), runner.Options{
			Store: st, Loader: l, StateDir: filepath.Join(dir, "state"), Source: runner.File(spec), RunID: "slow1",
		})
		done <- result{rec, err}
	}()

	// Wait for the task's child process, then ask the store, as another
	// process would, to cancel the run.
	var pid int
	for deadline := time.Now().Add(30 * time.Second); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the task never started its child process")
		}
		b, err := os.ReadFile(pidFile)
		if err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	r, err := st.RequestCancel(context.Background(), "slow1")
	if err != nil {
		t.Fatalf("request cancel: %v", err)
	}
	if r.Status != store.RunRunning {
		t.Fatalf("run status when asked to cancel = %s, want running", r.Status)
	}

	var res result
	select {
	case res = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the run did not stop after a cancel request")
	}
	if !errors.Is(res.err, engine.ErrRunCancelled) {
		t.Errorf("run error = %v, want engine.ErrRunCancelled", res.err)
	}
	if got, err := st.GetRun(context.Background(), "slow1"); err != nil || got.Status != store.RunCancelled {
		t.Errorf("stored run = %+v, %v; want cancelled", got.Status, err)
	}
	if alive(pid) {
		t.Errorf("the task's child process %d still runs after the run was cancelled", pid)
	}
}
