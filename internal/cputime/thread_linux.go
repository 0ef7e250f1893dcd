package cputime

import "time"

// rusageThread is RUSAGE_THREAD, which package syscall does not name.
const rusageThread = 1

// Thread returns the CPU time the calling OS thread has used; ok is false
// where the system cannot tell one thread's time. Lock the goroutine to
// its thread (runtime.LockOSThread) around what is measured.
func Thread() (time.Duration, bool) {
	ru, ok := usage(rusageThread)
	if !ok {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
