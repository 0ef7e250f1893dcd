package telemetry_test

import (
	"maps"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/telemetry"
)

// getenv turns maps into a Getenv function; later maps win.
func getenv(ms ...map[string]string) func(string) string {
	all := map[string]string{}
	for _, m := range ms {
		maps.Copy(all, m)
	}
	return func(k string) string { return all[k] }
}

// at is a fixed instant plus an offset, so span times can be asserted
// exactly.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// sampleRun is the event sequence of a small failing run, as the engine
// emits it: load fails once and succeeds on retry, refine succeeds, link
// fails, publish is skipped because of link.
func sampleRun() []engine.Event {
	const run = "20250314T092653-ab12"
	return []engine.Event{
		{Kind: engine.EventRunStarted, Time: at(0), RunID: run, Status: engine.StatusRunning, Total: 4},
		{Kind: engine.EventTaskStarted, Time: at(1), RunID: run, TaskID: "load", TaskType: "read", Attempt: 1, Status: engine.StatusRunning},
		{Kind: engine.EventTaskRetrying, Time: at(10), RunID: run, TaskID: "load", TaskType: "read", Attempt: 1, Status: engine.StatusRunning,
			Error: "read crm: connection reset", Delay: 200 * time.Millisecond},
		{Kind: engine.EventTaskStarted, Time: at(210), RunID: run, TaskID: "load", TaskType: "read", Attempt: 2, Status: engine.StatusRunning},
		{Kind: engine.EventTaskFinished, Time: at(250), RunID: run, TaskID: "load", TaskType: "read", Attempt: 2, Status: engine.StatusSucceeded,
			Duration: 249 * time.Millisecond, RowsOut: 100},
		{Kind: engine.EventTaskStarted, Time: at(251), RunID: run, TaskID: "refine", TaskType: "refine", Attempt: 1, Status: engine.StatusRunning},
		{Kind: engine.EventTaskFinished, Time: at(300), RunID: run, TaskID: "refine", TaskType: "refine", Attempt: 1, Status: engine.StatusSucceeded,
			Duration: 49 * time.Millisecond, RowsIn: 100, RowsOut: 90},
		{Kind: engine.EventTaskStarted, Time: at(301), RunID: run, TaskID: "link", TaskType: "linkage", Attempt: 1, Status: engine.StatusRunning},
		{Kind: engine.EventTaskFinished, Time: at(400), RunID: run, TaskID: "link", TaskType: "linkage", Attempt: 1, Status: engine.StatusFailed,
			Duration: 99 * time.Millisecond, RowsIn: 90, Error: "linkage: no blocking rule matched"},
		{Kind: engine.EventTaskFinished, Time: at(400), RunID: run, TaskID: "publish", TaskType: "write", Status: engine.StatusSkipped,
			Reason: "upstream failed: link"},
		{Kind: engine.EventRunFinished, Time: at(401), RunID: run, Status: engine.StatusFailed, Error: "1 task failed: link",
			Duration: 401 * time.Millisecond, Total: 4},
	}
}

func feed(o engine.Observer, events []engine.Event) {
	for _, e := range events {
		o.Observe(e)
	}
}

// feedUntil sends events up to and including the first for which stop is
// true and returns the rest.
func feedUntil(o *telemetry.RunObserver, events []engine.Event, stop func(engine.Event) bool) []engine.Event {
	for i, e := range events {
		o.Observe(e)
		if stop(e) {
			return events[i+1:]
		}
	}
	return nil
}
