//go:build unix

package store

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestProbeProcess(t *testing.T) {
	t.Parallel()
	if got := probeProcess(os.Getpid(), time.Now()); got != procAlive {
		t.Errorf("this process: %v, want alive", got)
	}
	dead := startSleeper(t)
	if err := dead.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = dead.Wait()
	if got := probeProcess(dead.Process.Pid, time.Now().Add(-time.Minute)); got != procGone {
		t.Errorf("killed and reaped child: %v, want gone", got)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// A killed child that nobody reaped still answers kill(pid, 0).
	zombie := startSleeper(t)
	if err := zombie.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, z, ok := processStart(zombie.Process.Pid); ok && z {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("killed child never became a zombie")
		}
		time.Sleep(time.Millisecond)
	}
	if got := probeProcess(zombie.Process.Pid, time.Now().Add(-time.Minute)); got != procGone {
		t.Errorf("zombie child: %v, want gone", got)
	}
	live := startSleeper(t)
	if got := probeProcess(live.Process.Pid, time.Now()); got != procAlive {
		t.Errorf("live child, run started now: %v, want alive", got)
	}
	if got := probeProcess(live.Process.Pid, time.Now().Add(-time.Hour)); got != procReused {
		t.Errorf("live child, run started an hour ago: %v, want reused", got)
	}
}
