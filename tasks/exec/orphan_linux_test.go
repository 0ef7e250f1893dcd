package exec_test

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// orphanEnv names the pid file a re-executed test binary runs its command
// with; see TestCommandDiesWithHotpass.
const orphanEnv = "HOTPASS_EXEC_ORPHAN_PIDFILE"

// TestCommandDiesWithHotpass kills -9 a process running an exec task: the
// command must not outlive it.
func TestCommandDiesWithHotpass(t *testing.T) {
	if pidfile := os.Getenv(orphanEnv); pidfile != "" {
		// The re-executed side: run a command that records its pid and
		// sleeps, until this process is killed.
		_, _, _ = run(t, context.Background(), filepath.Dir(pidfile), `command: "echo $$ > `+pidfile+`; exec sleep 60"`)
		return
	}
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	parent := osexec.Command(os.Args[0], "-test.run=^TestCommandDiesWithHotpass$")
	parent.Env = append(os.Environ(), orphanEnv+"="+pidfile)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = parent.Process.Kill(); _ = parent.Wait() }()
	var pid int
	deadline := time.Now().Add(30 * time.Second)
	for pid == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the command never wrote its pid")
		}
		time.Sleep(10 * time.Millisecond)
		if b, err := os.ReadFile(pidfile); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	waitGone(t, pid)
}
