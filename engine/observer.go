package engine

import "time"

// EventKind says what happened in a run.
type EventKind int

// The kinds of events a run reports, in the order they can happen.
const (
	// EventRunStarted: the run directory exists and no task has started.
	EventRunStarted EventKind = iota + 1
	// EventTaskStarted: an attempt of a task started (Attempt counts from 1).
	EventTaskStarted
	// EventTaskRetrying: an attempt failed and another is scheduled after Delay.
	EventTaskRetrying
	// EventTaskFinished: a task reached its final status, including tasks
	// skipped or cancelled before they ever started (Attempt is then 0).
	EventTaskFinished
	// EventRunFinished: every task is final and the run record is written.
	EventRunFinished
)

// String returns a short name such as "task_finished".
func (k EventKind) String() string {
	switch k {
	case EventRunStarted:
		return "run_started"
	case EventTaskStarted:
		return "task_started"
	case EventTaskRetrying:
		return "task_retrying"
	case EventTaskFinished:
		return "task_finished"
	case EventRunFinished:
		return "run_finished"
	}
	return "unknown"
}

// Event is one thing that happened in a run. Strings in it are redacted.
type Event struct {
	Kind  EventKind
	Time  time.Time
	RunID string
	// TaskID and TaskType are empty for run events.
	TaskID   string
	TaskType string
	Attempt  int
	// Status is the task's status for task events, the run's for run events.
	Status Status
	// Error is the failed attempt's error (retrying), the task's final error
	// (finished), or the run's error summary (run finished).
	Error string
	// Reason is a skipped task's skip reason.
	Reason string
	// Duration is the task's duration (finished) or the run's (run finished).
	Duration time.Duration
	// Delay is the backoff before the next attempt (retrying).
	Delay           time.Duration
	RowsIn, RowsOut int64
	// Total is the number of tasks in the run (run started).
	Total int
}

// Observer receives the events of a run. Observe is called from the
// scheduler's loop, one event at a time and never concurrently: it must be
// fast and must not block, or it slows every task of the run. An observer
// that does slow work (network, terminal redraws) should hand events to its
// own goroutine.
type Observer interface {
	Observe(Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// MultiObserver sends every event to each observer in turn. Nil entries are
// ignored.
func MultiObserver(obs ...Observer) Observer {
	var out multiObserver
	for _, o := range obs {
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

type multiObserver []Observer

func (m multiObserver) Observe(e Event) {
	for _, o := range m {
		o.Observe(e)
	}
}
