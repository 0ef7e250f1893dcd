//go:build linux

package strsim

import (
	"syscall"
	"time"
)

// threadCPUTime returns the CPU time the calling OS thread has used. The
// benchmarks report it next to wall-clock time because the machines they
// run on are often shared, and CPU time is far less disturbed by other
// processes.
func threadCPUTime() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD, which package syscall does not name
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
