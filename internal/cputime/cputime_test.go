package cputime

import (
	"os/exec"
	"runtime"
	"testing"
)

// Work on the CPU shows up in Process; the clock only moves forward.
func TestProcessCountsWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("CPU time is not read on " + runtime.GOOS)
	}
	before := Process()
	x := uint64(1)
	for Process() == before {
		for range 1_000_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	if after := Process(); after < before {
		t.Errorf("CPU time went back from %s to %s (%d)", before, after, x)
	}
}

// A running process has resident memory, so its peak is positive wherever
// the system reports it (Linux, the BSDs and Darwin, in their own units).
func TestPeakRSS(t *testing.T) {
	t.Parallel()
	got, ok := PeakRSS()
	switch runtime.GOOS {
	case "linux", "darwin", "freebsd", "netbsd", "openbsd":
		if !ok || got < 1<<20 {
			t.Errorf("PeakRSS() = %d, %v; want at least 1 MiB", got, ok)
		}
	}
}

// Work on the calling thread shows up in Thread where it is read.
func TestThreadCountsWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, ok := Thread()
	if runtime.GOOS == "linux" && !ok {
		t.Fatal("Thread() is not read on linux")
	}
	if !ok {
		t.Skip("per-thread CPU time is not read on " + runtime.GOOS)
	}
	x := uint64(1)
	for {
		now, _ := Thread()
		if now != before {
			if now < before {
				t.Errorf("thread CPU time went back from %s to %s (%d)", before, now, x)
			}
			return
		}
		for range 1_000_000 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
}

// A child that allocates and touches 64 MiB peaks above it, and one that
// does nothing stays well below: the figure is the child's, in bytes.
func TestChildPeakRSS(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the test's child commands are Linux tools")
	}
	run := func(script string) int64 {
		t.Helper()
		cmd := exec.Command("sh", "-c", script)
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		got, ok := ChildPeakRSS(cmd.ProcessState)
		if !ok {
			t.Fatal("ChildPeakRSS not read on linux")
		}
		return got
	}
	small := run("true")
	big := run(`awk 'BEGIN { s = "x"; while (length(s) < 67108864) s = s s; exit length(s) < 67108864 }'`)
	if big < 64<<20 || small >= 32<<20 {
		t.Errorf("peak RSS of true = %d, of an awk holding a 64 MiB string = %d", small, big)
	}
	if _, ok := ChildPeakRSS(nil); ok {
		t.Error("ChildPeakRSS(nil) reported a value")
	}
}
