// Package status is the one vocabulary of run and task states, shared by
// the engine (engine.Status) and the state store (store.RunStatus), so that
// a status the engine reports is stored as is and read back unchanged.
//
// The values are stored in databases and run records: they never change.
package status

// Status is the state of a task or of a whole run.
type Status string

// The statuses. A run the engine executes is only ever running, succeeded,
// failed or cancelled; the store adds pending (queued), crashed and, for a
// task waiting to retry, retrying. Skipped is for tasks only.
const (
	Pending   Status = "pending"
	Running   Status = "running"
	Succeeded Status = "succeeded"
	Failed    Status = "failed"
	Skipped   Status = "skipped"
	Cancelled Status = "cancelled"
	// Crashed is set by the store for a running run whose process died
	// without recording an outcome; never by the run itself.
	Crashed Status = "crashed"
	// Retrying is recorded for a task waiting to retry after a failed
	// attempt; the engine itself reports such a task as running.
	Retrying Status = "retrying"
)

// runTransitions lists, for each status a run may have, the statuses it may
// move to. Failed, cancelled and crashed runs may start again so that a run
// can be resumed under its own id; a succeeded run is final.
var runTransitions = map[Status][]Status{
	Pending:   {Pending, Running, Failed, Cancelled, Crashed},
	Running:   {Running, Succeeded, Failed, Cancelled, Crashed},
	Failed:    {Pending, Running},
	Cancelled: {Pending, Running},
	Crashed:   {Pending, Running},
	Succeeded: nil,
}

// Terminal reports whether a task or run in status s will not change any
// more by itself (a finished run may still be resumed).
func (s Status) Terminal() bool {
	switch s {
	case Succeeded, Failed, Skipped, Cancelled, Crashed:
		return true
	}
	return false
}

// Valid reports whether s is one of the statuses a run may have: pending,
// running, succeeded, failed, cancelled or crashed.
func (s Status) Valid() bool {
	_, ok := runTransitions[s]
	return ok
}

// CanBecome reports whether a run in status s may move to status to.
func (s Status) CanBecome(to Status) bool {
	for _, t := range runTransitions[s] {
		if t == to {
			return true
		}
	}
	return false
}
