// Package history records runs in the state store while they happen: the
// run's status transitions, its heartbeat, and every task's transitions.
//
// A Recorder is an engine.Observer. The engine calls Observe from its
// scheduling loop, so Observe only updates memory; a goroutine writes the
// changed task runs to the store in batches, as fast as the store takes
// them, so that many transitions coalesce into one transaction when the
// store is the bottleneck.
package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
)

const (
	// HeartbeatInterval is how often a running run tells the store that its
	// process is alive.
	HeartbeatInterval = 10 * time.Second
	// StaleAfter is how long a run on another host may go without a
	// heartbeat before MarkCrashed declares it crashed: several missed
	// heartbeats, so that a slow store does not kill live runs.
	StaleAfter = 6 * HeartbeatInterval
	// CancelPollInterval is how often a running run asks the store whether
	// someone (`hotpass runs cancel`, the API) wants it stopped: one indexed
	// read, often enough that a cancel takes effect within a few seconds.
	CancelPollInterval = time.Second
	// retryingStatus is recorded for a task waiting to retry after a
	// failed attempt; the engine itself reports it as running.
	retryingStatus = "retrying"
)

// MarkCrashed marks the runs whose process died as crashed. Every command
// that reads or resumes runs calls it first, so a run killed with SIGKILL
// or lost with its machine never shows as running for ever.
func MarkCrashed(ctx context.Context, st store.Store) error {
	if _, err := st.MarkCrashed(ctx, StaleAfter); err != nil {
		return fmt.Errorf("mark crashed runs: %w", err)
	}
	return nil
}

// Task names a task of the run, so that the whole run is visible in the
// store (as pending) before any task starts.
type Task struct {
	ID   string
	Type string
	// DefinitionHash is stored with every transition of the task, so that
	// a later run can resume from this one.
	DefinitionHash string
}

// Options configure a Recorder.
type Options struct {
	// RunID is the run to record; it must exist in the store.
	RunID string
	// Tasks are the run's tasks in file order.
	Tasks []Task
	// TraceID is stored with the run when not empty.
	TraceID string
	// Heartbeat overrides HeartbeatInterval when > 0.
	Heartbeat time.Duration
	// OnCancel is called once when the store holds a cancel request for
	// the run; it should cancel the run's context. With OnCancel nil, or a
	// Store that is no CancelReader, nothing is polled.
	OnCancel func()
	// CancelPoll overrides CancelPollInterval when > 0.
	CancelPoll time.Duration
	// Logger receives store errors; nil discards them. A store that fails
	// does not stop the run: its history lags, and Finish, which writes
	// every task again, reports the error if the store still fails then.
	Logger *slog.Logger
}

// Recorder writes a run's history to the store. Use New, then Start before
// the run, Observe (as the run's observer) during it, and Finish after.
type Recorder struct {
	st    Store
	opts  Options
	log   *slog.Logger
	hash  map[string]string
	types map[string]string

	mu    sync.Mutex
	tasks map[string]*store.TaskRun // latest state of every task seen
	dirty []string                  // task ids changed since the last write, first change first
	isDir map[string]bool           // membership of dirty

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Store is what a Recorder writes through: the run-history part of
// store.Store, so that a program embedding Hotpass can bring its own.
type Store interface {
	UpdateRun(ctx context.Context, id string, u store.RunUpdate) (store.Run, error)
	RecordTasks(ctx context.Context, ts []store.TaskRun) error
	Heartbeat(ctx context.Context, runID string) error
}

// CancelReader is the optional part of a Store that knows whether someone
// asked a run to stop (`hotpass runs cancel`, the API). A Store without it
// (an embedder's own) runs its runs to the end or until their context ends.
type CancelReader interface {
	CancelRequested(ctx context.Context, runID string) (bool, error)
}

// New returns a recorder for o.RunID.
func New(st Store, o Options) *Recorder {
	r := &Recorder{
		st: st, opts: o, log: o.Logger,
		hash:  make(map[string]string, len(o.Tasks)),
		types: make(map[string]string, len(o.Tasks)),
		tasks: make(map[string]*store.TaskRun, len(o.Tasks)),
		isDir: make(map[string]bool),
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.opts.Heartbeat <= 0 {
		r.opts.Heartbeat = HeartbeatInterval
	}
	if r.opts.CancelPoll <= 0 {
		r.opts.CancelPoll = CancelPollInterval
	}
	for _, t := range o.Tasks {
		r.hash[t.ID] = t.DefinitionHash
		r.types[t.ID] = t.Type
	}
	return r
}

// Start marks the run running (with this process's pid and host, so that
// MarkCrashed can tell when it dies), records its tasks as pending, and
// starts the writer and the heartbeat. The goroutines stop in Finish.
func (r *Recorder) Start(ctx context.Context) error {
	host, _ := os.Hostname()
	if _, err := r.st.UpdateRun(ctx, r.opts.RunID, store.RunUpdate{
		Status: store.RunRunning, PID: os.Getpid(), Hostname: host, TraceID: r.opts.TraceID,
	}); err != nil {
		return fmt.Errorf("record start of run %s: %w", r.opts.RunID, err)
	}
	pending := make([]store.TaskRun, len(r.opts.Tasks))
	for i, t := range r.opts.Tasks {
		pending[i] = store.TaskRun{RunID: r.opts.RunID, TaskID: t.ID, Type: t.Type,
			Status: string(engine.StatusPending), DefinitionHash: t.DefinitionHash}
	}
	if len(pending) > 0 {
		if err := r.st.RecordTasks(ctx, pending); err != nil {
			return fmt.Errorf("record tasks of run %s: %w", r.opts.RunID, err)
		}
	}
	go r.loop(context.WithoutCancel(ctx))
	return nil
}

// Observe applies a task event to the recorder's memory and wakes the
// writer. It never waits for the store.
func (r *Recorder) Observe(e engine.Event) {
	if e.TaskID == "" {
		return
	}
	r.mu.Lock()
	t := r.tasks[e.TaskID]
	if t == nil {
		typ := e.TaskType
		if typ == "" {
			typ = r.types[e.TaskID]
		}
		t = &store.TaskRun{RunID: r.opts.RunID, TaskID: e.TaskID, Type: typ, DefinitionHash: r.hash[e.TaskID]}
		r.tasks[e.TaskID] = t
	}
	switch e.Kind {
	case engine.EventTaskStarted:
		t.Status = string(engine.StatusRunning)
		t.Attempts = e.Attempt
		t.Error = ""
		if t.StartedAt.IsZero() {
			t.StartedAt = e.Time
		}
	case engine.EventTaskRetrying:
		t.Status = retryingStatus
		t.Attempts = e.Attempt
		t.Error = e.Error
	case engine.EventTaskFinished:
		t.Status = string(e.Status)
		if e.Attempt > 0 || t.Attempts == 0 {
			t.Attempts = e.Attempt
		}
		t.EndedAt = e.Time
		t.Error = e.Error
		if e.Reason != "" {
			t.Error = e.Reason
		}
		t.RowsIn, t.RowsOut = e.RowsIn, e.RowsOut
	default:
		r.mu.Unlock()
		return
	}
	if !r.isDir[e.TaskID] {
		r.isDir[e.TaskID] = true
		r.dirty = append(r.dirty, e.TaskID)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// loop writes batches and heartbeats until Finish stops it.
func (r *Recorder) loop(ctx context.Context) {
	defer close(r.done)
	hb := time.NewTicker(r.opts.Heartbeat)
	defer hb.Stop()
	var poll <-chan time.Time
	cancels, canPoll := r.st.(CancelReader)
	if r.opts.OnCancel != nil && canPoll {
		t := time.NewTicker(r.opts.CancelPoll)
		defer t.Stop()
		poll = t.C
	}
	for {
		select {
		case <-r.wake:
			r.flush(ctx)
		case <-hb.C:
			if err := r.st.Heartbeat(ctx, r.opts.RunID); err != nil {
				r.log.Warn("run heartbeat not recorded", "run_id", r.opts.RunID, "error", err)
			}
		case <-poll:
			ok, err := cancels.CancelRequested(ctx, r.opts.RunID)
			if err != nil {
				r.log.Warn("cancel request not read", "run_id", r.opts.RunID, "error", err)
				continue
			}
			if ok {
				r.log.Info("run cancelled by request", "run_id", r.opts.RunID)
				r.opts.OnCancel()
				poll = nil // asked once; the run is stopping
			}
		case <-r.stop:
			r.flush(ctx)
			return
		}
	}
}

// flush writes every task changed since the last flush in one batch.
func (r *Recorder) flush(ctx context.Context) {
	r.mu.Lock()
	if len(r.dirty) == 0 {
		r.mu.Unlock()
		return
	}
	batch := make([]store.TaskRun, len(r.dirty))
	for i, id := range r.dirty {
		batch[i] = *r.tasks[id]
		delete(r.isDir, id)
	}
	r.dirty = r.dirty[:0]
	r.mu.Unlock()
	if err := r.st.RecordTasks(ctx, batch); err != nil {
		r.log.Warn("task history not recorded", "run_id", r.opts.RunID, "tasks", len(batch), "error", err)
	}
}

// Finish stops the writer, records every task as the run record has it
// (attributes, output location and rows included) and moves the run to its
// final status. rec may be nil when the run could not start; runErr then
// says why and the run is recorded as failed.
func (r *Recorder) Finish(ctx context.Context, rec *engine.RunRecord, runErr error) error {
	close(r.stop)
	<-r.done
	var errs []error
	if rec != nil {
		batch := make([]store.TaskRun, 0, len(rec.Tasks))
		for i := range rec.Tasks {
			tr, err := r.taskRun(&rec.Tasks[i])
			if err != nil {
				errs = append(errs, err)
				continue
			}
			batch = append(batch, tr)
		}
		if len(batch) > 0 {
			if err := r.st.RecordTasks(ctx, batch); err != nil {
				errs = append(errs, fmt.Errorf("record tasks of run %s: %w", r.opts.RunID, err))
			}
		}
	}
	u := store.RunUpdate{Status: store.RunFailed}
	switch {
	case rec != nil:
		u.Status, u.Error = runStatus(rec.Status), rec.Error
		u.EndedAt = rec.EndedAt
		u.TraceID = rec.TraceID
	case runErr != nil:
		u.Error = runErr.Error()
	}
	if _, err := r.st.UpdateRun(ctx, r.opts.RunID, u); err != nil {
		errs = append(errs, fmt.Errorf("record end of run %s: %w", r.opts.RunID, err))
	}
	return errors.Join(errs...)
}

// taskRun converts a task's final record.
func (r *Recorder) taskRun(t *engine.TaskRecord) (store.TaskRun, error) {
	tr := store.TaskRun{
		RunID: r.opts.RunID, TaskID: t.ID, Type: t.Type, Status: string(t.Status), Attempts: t.Attempts,
		StartedAt: t.StartedAt, EndedAt: t.EndedAt, Error: t.Error, DefinitionHash: r.hash[t.ID],
		RowsIn: t.RowsIn, RowsOut: t.RowsOut,
	}
	if t.SkipReason != "" && tr.Error == "" {
		tr.Error = t.SkipReason
	}
	if out, ok := t.Attrs[engine.OutputAttr].(string); ok {
		tr.Output = out
	}
	if len(t.Attrs) > 0 {
		data, err := json.Marshal(t.Attrs)
		if err != nil {
			return tr, fmt.Errorf("encode attrs of task %s in run %s: %w", t.ID, r.opts.RunID, err)
		}
		tr.Attrs = data
	}
	return tr, nil
}

// runStatus maps an engine run status to the store's.
func runStatus(s engine.Status) store.RunStatus {
	switch s {
	case engine.StatusSucceeded:
		return store.RunSucceeded
	case engine.StatusCancelled:
		return store.RunCancelled
	}
	return store.RunFailed
}
