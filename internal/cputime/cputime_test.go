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
