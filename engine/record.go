package engine

import (
	"encoding/json"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/hotpass/hotpass/engine/status"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Status is the state of a task or of a whole run: the project's one
// status vocabulary (package status), which the state store shares, so a
// status is stored as the engine reports it.
type Status = status.Status

// Task and run statuses. A run is only ever running, succeeded, failed or
// cancelled. Status.Terminal reports whether a task in a status will not
// change any more.
const (
	StatusPending   = status.Pending
	StatusRunning   = status.Running
	StatusSucceeded = status.Succeeded
	StatusFailed    = status.Failed
	StatusSkipped   = status.Skipped
	StatusCancelled = status.Cancelled
)

// RunRecordFile is the name of the run record inside a run directory.
const RunRecordFile = runstate.RecordFile

// RunRecord is the record of one run, as kept in memory by the scheduler and
// written to <run dir>/run.json. Secrets are redacted in every string it holds.
type RunRecord struct {
	RunID    string `json:"run_id"`
	Pipeline string `json:"pipeline"`
	SpecPath string `json:"spec_path,omitempty"`
	// SpecHash is the hex SHA-256 of the spec file.
	SpecHash string         `json:"spec_hash,omitempty"`
	Params   map[string]any `json:"params,omitempty"`
	// Only lists the tasks asked for with RunOptions.Only; Tasks then holds
	// them and everything they depend on.
	Only      []string  `json:"only,omitempty"`
	Status    Status    `json:"status"`
	StartedAt time.Time `json:"started_at"`
	EndedAt   time.Time `json:"ended_at,omitzero"`
	// Duration is in nanoseconds in JSON.
	Duration time.Duration `json:"duration_ns,omitempty"`
	// Error summarises why the run did not succeed.
	Error string `json:"error,omitempty"`
	// TraceID identifies the run's trace when it was traced
	// (RunOptions.TraceID), so a user can jump from the record to the trace.
	TraceID string `json:"trace_id,omitempty"`
	// Tasks are in file order.
	Tasks []TaskRecord `json:"tasks"`
}

// TaskRecord is one task's entry in a RunRecord.
type TaskRecord struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status Status `json:"status"`
	// Attempts counts the attempts started, retries included.
	Attempts int `json:"attempts"`
	// StartedAt is when the first attempt started, EndedAt when the task
	// reached its final status; Duration (nanoseconds in JSON) spans both,
	// backoff between attempts included.
	StartedAt time.Time     `json:"started_at,omitzero"`
	EndedAt   time.Time     `json:"ended_at,omitzero"`
	Duration  time.Duration `json:"duration_ns,omitempty"`
	// Error is the last attempt's error for failed and cancelled tasks.
	Error string `json:"error,omitempty"`
	// SkipReason says why a skipped task never ran, e.g. "upstream failed: load".
	SkipReason string         `json:"skip_reason,omitempty"`
	RowsIn     int64          `json:"rows_in,omitempty"`
	RowsOut    int64          `json:"rows_out,omitempty"`
	Attrs      map[string]any `json:"attrs,omitempty"`
	// Log is the task's log file relative to the run directory; empty when
	// the task never started (skipped, or cancelled before it ran).
	Log string `json:"log,omitempty"`
}

// Task returns the record of the task with the given id, or nil.
func (r *RunRecord) Task(id string) *TaskRecord {
	for i := range r.Tasks {
		if r.Tasks[i].ID == id {
			return &r.Tasks[i]
		}
	}
	return nil
}

// Counts returns how many tasks are in each status.
func (r *RunRecord) Counts() map[Status]int {
	out := make(map[Status]int)
	for _, t := range r.Tasks {
		out[t.Status]++
	}
	return out
}

// ReadRunRecord reads a run.json file.
func ReadRunRecord(path string) (*RunRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read run record: %w", err)
	}
	var r RunRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("read run record %s: %w (the file is not a hotpass run record)", path, err)
	}
	return &r, nil
}

// recordWriter encodes and writes snapshots of the run record in the
// background, so that neither encoding a large record nor a slow disk
// (fsync) stalls the scheduler loop. It holds at most one pending snapshot;
// the loop keeps its record dirty until a snapshot is accepted, so the
// newest state always gets written eventually.
type recordWriter struct {
	path string
	ch   chan *RunRecord
	done chan struct{}
	cost atomic.Int64 // nanoseconds the last snapshot took to encode and write
	err  error        // first write error; read after done is closed
}

func newRecordWriter(path string) *recordWriter {
	w := &recordWriter{path: path, ch: make(chan *RunRecord, 1), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for rec := range w.ch {
			start := time.Now()
			err := writeRecord(w.path, rec, false)
			w.cost.Store(int64(time.Since(start)))
			if err != nil && w.err == nil {
				w.err = err
			}
		}
	}()
	return w
}

// idle reports whether a snapshot offered now would be taken at once. Only
// the loop sends, so a true answer stays true until it offers.
func (w *recordWriter) idle() bool { return len(w.ch) == 0 }

// lastCost is how long the previous snapshot took.
func (w *recordWriter) lastCost() time.Duration { return time.Duration(w.cost.Load()) }

// offer hands a snapshot to the writer; call it only when idle.
func (w *recordWriter) offer(rec *RunRecord) { w.ch <- rec }

// close waits for pending writes and returns the first error.
func (w *recordWriter) close() error {
	close(w.ch)
	<-w.done
	return w.err
}

// writeRecord encodes rec and writes it atomically. Snapshots are compact;
// the final record is indented for people reading it directly.
func writeRecord(path string, rec *RunRecord, indent bool) error {
	var data []byte
	var err error
	if indent {
		data, err = json.MarshalIndent(rec, "", "  ")
	} else {
		data, err = json.Marshal(rec)
	}
	if err != nil {
		return fmt.Errorf("encode run record: %w", err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'))
}
