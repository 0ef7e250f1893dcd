//go:build unix && !linux

package cputime

import "time"

// Thread returns false: this system does not report one thread's CPU time.
func Thread() (time.Duration, bool) { return 0, false }
