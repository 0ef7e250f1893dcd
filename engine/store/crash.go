package store

import (
	"fmt"
	"time"
)

// procState is what can be learnt cheaply about a process on this host.
type procState int

const (
	// procUnknown: this platform cannot tell; fall back to heartbeats.
	procUnknown procState = iota
	// procAlive: a process with the pid exists and may be the run's.
	procAlive
	// procGone: no process has the pid (or only a zombie does).
	procGone
	// procReused: the pid belongs to a process started after the run.
	procReused
)

// pidReuseSlack absorbs the rounding of process start times (boot time is
// known to the second) so that a live process is never taken for a reused
// pid; a pid reused within this slack goes unnoticed.
const pidReuseSlack = 2 * time.Second

// crashReason decides whether running run r has crashed, and why. host is
// this machine's hostname and now the store's clock.
func crashReason(r Run, host string, now time.Time, staleAfter time.Duration, probe func(pid int, startedAt time.Time) procState) (string, bool) {
	if r.Status != RunRunning || r.WorkflowID != "" {
		// Temporal retries a dead worker's tasks elsewhere: such a run
		// has not crashed.
		return "", false
	}
	if r.PID > 0 && r.Hostname != "" && r.Hostname == host {
		switch probe(r.PID, r.StartedAt) {
		case procAlive:
			return "", false
		case procGone:
			return fmt.Sprintf("crashed: process %d on host %s is gone", r.PID, host), true
		case procReused:
			return fmt.Sprintf("crashed: process %d on host %s is gone (the pid now belongs to a newer process)", r.PID, host), true
		}
	}
	last := r.HeartbeatAt
	if last.IsZero() {
		last = r.StartedAt
	}
	if last.IsZero() {
		last = r.CreatedAt
	}
	if now.Sub(last) <= staleAfter {
		return "", false
	}
	who := "its process"
	if r.Hostname != "" {
		who = fmt.Sprintf("process %d on host %s", r.PID, r.Hostname)
	}
	return fmt.Sprintf("crashed: no heartbeat from %s since %s (stale after %s)",
		who, last.Format(time.RFC3339), staleAfter), true
}

// checkStaleAfter rejects a MarkCrashed window that would mark every run.
func checkStaleAfter(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: staleAfter %s is not positive", ErrInvalid, d)
	}
	return nil
}
