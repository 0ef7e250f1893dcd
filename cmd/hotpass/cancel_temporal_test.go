package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestRunsCancelOnTemporal cancels a run executing on a worker through
// Temporal: the worker stops the sleeping task and records the run
// cancelled, and the submitting `hotpass run` ends as cancelled. Asked
// with an address where no Temporal listens, the command says so (exit
// 2) and leaves the run alone.
func TestRunsCancelOnTemporal(t *testing.T) {
	t.Parallel()
	addr := temporaltest.Start(t)
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	conn := startTemporalWorker(t, addr, state, filepath.Join(dir, "artifacts"), "cancel-cli")
	pidFile := filepath.Join(dir, "sleep.pid")
	spec := filepath.Join(dir, "slow.yaml")
	src := "version: 1\nname: slow\ntasks:\n  wait:\n    type: exec\n    with: {command: \"sleep 300 & echo $! > " + pidFile + "; wait\"}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	exited := make(chan int, 1)
	var runOut, runErr bytes.Buffer
	go func() {
		args := append([]string{"--state-dir", state, "run", spec, "--engine", "temporal", "--no-progress", "--run-id", "victim"}, conn...)
		exited <- execute(context.Background(), args, &runOut, &runErr)
	}()
	pid := waitPID(t, pidFile, 90*time.Second)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })

	stdout, stderr, code := cli(t, "runs", "cancel", "victim", "--wait", "0", "--state-dir", state, "--temporal-address", "127.0.0.1:1")
	if code != exitInvalid || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("runs cancel with no Temporal there: exit %d, want %d and the address named\n%s%s", code, exitInvalid, stdout, stderr)
	}

	stdout, stderr, code = cli(t, append([]string{"runs", "cancel", "victim", "--wait", "60s", "--state-dir", state}, conn...)...)
	if code != exitOK || stdout != "run victim cancelled\n" {
		t.Errorf("runs cancel: exit %d, want 0 and the run cancelled\n%s%s", code, stdout, stderr)
	}
	select {
	case code := <-exited:
		if code != exitCancelled {
			t.Errorf("the submitting `hotpass run` ended with exit %d, want %d\n%s%s", code, exitCancelled, runOut.String(), runErr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("`hotpass run --engine temporal` still follows the run after it was cancelled")
	}
	stdout, stderr, code = cli(t, "runs", "show", "victim", "--format", "json", "--state-dir", state)
	if code != exitOK {
		t.Fatalf("runs show: exit %d\n%s", code, stderr)
	}
	var shown struct {
		Status     string `json:"status"`
		WorkflowID string `json:"workflow_id"`
	}
	if err := json.Unmarshal([]byte(stdout), &shown); err != nil {
		t.Fatalf("runs show --format json: %v\n%s", err, stdout)
	}
	if shown.Status != "cancelled" || shown.WorkflowID == "" {
		t.Errorf("run recorded %q with workflow %q, want cancelled with its workflow id", shown.Status, shown.WorkflowID)
	}
	// The worker learns of the cancellation at the activity's next
	// heartbeat, so its process group may go a little after the record.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the task's child process %d outlived the cancelled run", pid)
			break
		}
	}
}
