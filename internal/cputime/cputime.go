//go:build unix

// Package cputime reads what the process has used of the machine: its CPU
// time, the calling thread's CPU time and its peak resident memory.
// Benchmarks report CPU time next to wall time because on a shared machine
// wall time mostly measures the neighbours. It is the project's one caller
// of getrusage(2).
package cputime

import (
	"os"
	"syscall"
	"time"
)

// Process returns the user plus system CPU time of the whole process (all
// threads) so far, or 0 when the system does not say.
func Process() time.Duration {
	ru, ok := usage(syscall.RUSAGE_SELF)
	if !ok {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// PeakRSS returns the process's peak resident set size in bytes; ok is
// false when the system does not say.
func PeakRSS() (bytes int64, ok bool) {
	ru, ok := usage(syscall.RUSAGE_SELF)
	if !ok {
		return 0, false
	}
	return int64(ru.Maxrss) * maxrssUnit, true
}

// ChildPeakRSS returns the peak resident set size, in bytes, of a child
// process that has been waited for; ok is false when the system does not
// say.
func ChildPeakRSS(ps *os.ProcessState) (bytes int64, ok bool) {
	if ps == nil {
		return 0, false
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, false
	}
	return int64(ru.Maxrss) * maxrssUnit, true
}

func usage(who int) (syscall.Rusage, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return ru, false
	}
	return ru, true
}
