//go:build !unix

package cputime

import (
	"os"
	"time"
)

// Process returns 0: this system's CPU time is not read.
func Process() time.Duration { return 0 }

// PeakRSS returns false: this system's memory use is not read.
func PeakRSS() (bytes int64, ok bool) { return 0, false }

// Thread returns false: this system's per-thread CPU time is not read.
func Thread() (time.Duration, bool) { return 0, false }

// ChildPeakRSS returns false: this system's memory use is not read.
func ChildPeakRSS(*os.ProcessState) (bytes int64, ok bool) { return 0, false }
