package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine/store"
)

// TestRunsCancel cancels a run that another hotpass process is running, as
// an operator would from a second shell, and checks that the run stops as
// cancelled with its task's processes gone.
func TestRunsCancel(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := hotpassBinary(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	pidFile := filepath.Join(dir, "sleep.pid")
	spec := filepath.Join(dir, "slow.yaml")
	src := "version: 1\nname: slow\ntasks:\n  wait:\n    type: exec\n    with: {command: \"sleep 300 & echo $! > " + pidFile + "; wait\"}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	run := exec.Command(bin, "run", "--no-progress", "--state-dir", state, "--run-id", "victim", spec)
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = run.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- run.Wait() }()

	pid := waitPID(t, pidFile, 60*time.Second)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })

	stdout, stderr, code := cli(t, "runs", "cancel", "victim", "--wait", "30s", "--state-dir", state)
	if code != exitOK || stdout != "run victim cancelled\n" {
		t.Errorf("runs cancel: exit %d\n%s%s", code, stdout, stderr)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitCancelled {
			t.Errorf("the cancelled `hotpass run` ended with %v, want exit status %d", err, exitCancelled)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("`hotpass run` still runs after its run was cancelled")
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !strings.Contains(string(b), ") Z ") {
		t.Errorf("the task's child process %d outlived the cancelled run", pid)
	}

	// The same run again, a finished run, a queued one and an unknown id.
	st, err := store.OpenSQLite(context.Background(), filepath.Join(state, storeFile), store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []store.Run{{ID: "done", Pipeline: "slow", Status: store.RunSucceeded}, {ID: "queued", Pipeline: "slow"}} {
		if _, err := st.CreateRun(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	_ = st.Close()
	tests := []struct {
		id     string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"victim", nil, exitOK, "run victim cancelled\n", ""},
		{"queued", []string{"--format", "json"}, exitOK, `"status": "cancelled"`, ""},
		{"done", nil, exitInvalid, "", "run done already succeeded; there is nothing to cancel"},
		{"nope", nil, exitInvalid, "", `run id "nope": no such run`},
		{"victim", []string{"--wait", "-1s"}, exitInvalid, "", "--wait must not be negative"},
	}
	for _, tt := range tests {
		args := append([]string{"runs", "cancel", tt.id, "--state-dir", state}, tt.args...)
		stdout, stderr, code := cli(t, args...)
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("hotpass %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, tt.code, stdout, stderr)
		}
	}
}

// waitPID waits up to wait for a task to write its child's pid and a
// newline to pidFile, and returns the pid.
func waitPID(t *testing.T, pidFile string, wait time.Duration) int {
	t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the task never started its child process")
		}
	}
}
