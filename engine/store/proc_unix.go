//go:build unix

package store

import (
	"errors"
	"syscall"
	"time"
)

// probeProcess reports whether pid still runs the process that started a
// run at startedAt. kill(pid, 0) tells whether the pid exists; where the
// platform exposes process start times (Linux), a process younger than the
// run is a reused pid.
func probeProcess(pid int, startedAt time.Time) procState {
	if pid <= 0 {
		return procUnknown
	}
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return procGone
	}
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return procUnknown
	}
	// EPERM: the pid exists but belongs to another user.
	start, zombie, ok := processStart(pid)
	switch {
	case !ok:
		return procAlive
	case zombie:
		return procGone
	case !startedAt.IsZero() && start.After(startedAt.Add(pidReuseSlack)):
		return procReused
	}
	return procAlive
}
