package cputime

import (
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
