//go:build unix

// Package cputime reads the CPU time the process has used, which
// benchmarks report next to wall time: on a shared machine wall time
// mostly measures the neighbours.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the user plus system CPU time of the whole process (all
// threads) so far, or 0 when the system does not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
