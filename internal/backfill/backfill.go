// Package backfill replays archived pipeline inputs for a range of logical
// dates and versions: for each (date, version) it finds the input archive,
// verifies and extracts it safely, runs the pipeline on it with that date,
// and records the outcome, so that re-running a backfill only does what is
// left. Runs go concurrently up to a limit that holds across processes
// through the state store's slot leases.
package backfill

import (
	"github.com/hotpass/hotpass/internal/telemetry"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/archive"
)

// Options say how to run a backfill.
type Options struct {
	// Pipeline runs each archive's pipeline. Required.
	Pipeline Pipeline
	// Store shares the concurrency limit with other processes; nil limits
	// runs in this process only (with a warning when the limit is not 0).
	Store store.Store
	// Force reruns (date, version) pairs that already succeeded for the
	// same archive.
	Force bool
	// Logger receives warnings and per-run logs; nil discards them.
	Logger *slog.Logger
	// Progress, when set, is called as runs start and end, from several
	// goroutines.
	Progress func(Event)

	// afterHash, when set, is called between hashing a job's archive and
	// extracting it: tests change the archive there.
	afterHash func(Job)
}

// ErrRestoreRoot is wrapped when the restore root cannot be written, which
// stops the backfill before any run.
var ErrRestoreRoot = errors.New("restore root not writable")

// Run does the jobs and returns the summary, which it also writes to
// <restore_root>/backfill-summary.json. Failed runs do not stop the others
// unless Config.FailFast, which starts no run after the first failure: the
// runs already going finish and the rest are StatusNotStarted. Either way
// the failures are in the summary (Summary.OK is false). The error is non-nil only
// when the backfill could not start — the restore root is not writable
// (ErrRestoreRoot), the state file is unreadable, the pipeline does not
// load — or the summary could not be written.
func Run(ctx context.Context, c *Config, jobs []Job, o Options) (*Summary, error) {
	if o.Pipeline == nil {
		return nil, errors.New("backfill: Options.Pipeline is required")
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := probeWritable(c.RestoreRoot); err != nil {
		return nil, err
	}
	state, err := OpenState(c.RestoreRoot)
	if err != nil {
		return nil, err
	}
	if err := o.Pipeline.Check(ctx, c.Pipeline); err != nil {
		return nil, fmt.Errorf("%s.pipeline: %w", BlockPath, err)
	}
	b := &backfill{cfg: c, opts: o, log: log, state: state, progress: o.Progress}
	workers := max(c.ConcurrencyLimit, 1)
	if c.ConcurrencyLimit > 0 {
		if o.Store != nil {
			b.slots = newSlots(o.Store, c.ConcurrencyKey, c.ConcurrencyLimit, log)
		} else {
			log.Warn("no state store; the concurrency limit holds in this process only", "key", c.ConcurrencyKey, "limit", c.ConcurrencyLimit)
		}
	}
	workers = min(workers, max(len(jobs), 1))
	sum := &Summary{StartedAt: time.Now().UTC(), Runs: make([]RunResult, len(jobs))}
	b.total = len(jobs)
	b.emit(Event{})
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				sum.Runs[i] = b.runOne(ctx, jobs[i])
			}
		})
	}
	i := 0
feed:
	for ; i < len(jobs); i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for ; i < len(jobs); i++ {
		sum.Runs[i] = b.result(jobs[i])
		sum.Runs[i].Status, sum.Runs[i].Error = StatusCancelled, "not started: the backfill was interrupted"
	}
	sum.Elapsed = time.Since(sum.StartedAt)
	sum.count()
	if err := sum.WriteJSON(c.RestoreRoot); err != nil {
		return sum, err
	}
	return sum, nil
}

// backfill is one Run in progress.
type backfill struct {
	cfg      *Config
	opts     Options
	log      *slog.Logger
	state    *State
	slots    *slots
	progress func(Event)
	// stopped is set by the first failed run under fail_fast.
	stopped atomic.Bool

	mu      sync.Mutex
	total   int
	counts  Event
	running int
}

// emit updates the counts with e's run and reports them.
func (b *backfill) emit(e Event) {
	if b.progress == nil {
		return
	}
	b.mu.Lock()
	switch {
	case e.Started != nil:
		b.running++
	case e.Finished != nil:
		b.counts.Done++
		switch e.Finished.Status {
		case StatusSucceeded:
			b.counts.Succeeded++
		case StatusFailed:
			b.counts.Failed++
		case StatusSkipped:
			b.counts.Skipped++
		case StatusNotStarted:
			b.counts.NotStarted++
		}
		if e.Finished.Missing {
			b.counts.Missing++
		}
	}
	out := b.counts
	out.Started, out.Finished, out.Total, out.Running = e.Started, e.Finished, b.total, b.running
	b.mu.Unlock()
	b.progress(out)
}

func (b *backfill) result(j Job) RunResult { return Row(j) }

// runOne does one job and never panics the pool: every outcome is a row.
func (b *backfill) runOne(ctx context.Context, j Job) RunResult {
	r := b.result(j)
	start := time.Now()
	if ctx.Err() != nil {
		r.Status, r.Error = StatusCancelled, "not started: the backfill was interrupted"
		b.emit(Event{Finished: &r})
		return r
	}
	if b.stopped.Load() {
		r.Status, r.Error = StatusNotStarted, NotStartedReason
		b.emit(Event{Finished: &r})
		return r
	}
	b.emit(Event{Started: &j})
	b.do(ctx, j, &r)
	r.Duration = time.Since(start)
	if r.Status == StatusFailed && b.cfg.FailFast && b.stopped.CompareAndSwap(false, true) {
		b.log.Info("a run failed and fail_fast is set; starting no more runs", "date", r.Date, "version", r.Version)
	}
	telemetry.FromContext(ctx).Metrics().RecordBackfillRun(ctx, string(r.Status))
	b.mu.Lock()
	b.running--
	b.mu.Unlock()
	b.emit(Event{Finished: &r})
	log := b.log.With("date", r.Date, "version", r.Version, "status", r.Status)
	if r.Error != "" {
		log = log.With("error", r.Error)
	}
	log.Info("backfill run ended", "records", r.Records, "duration", r.Duration)
	return r
}

// do fills in r: locate, check state, take a slot, extract, run, record.
func (b *backfill) do(ctx context.Context, j Job, r *RunResult) {
	if _, err := os.Stat(j.Archive); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.Status, r.Error = StatusFailed, fmt.Sprintf("archive %s: %v", j.Archive, err)
			return
		}
		b.cfg.MarkMissing(r)
		return
	}
	// The archive is hashed and extracted from one open file: were it
	// opened twice, a file put at its path in between would be run under
	// the first one's hash, and a later run of the first one skipped.
	arc, err := archive.Open(j.Archive)
	if err != nil {
		r.Status, r.Error = StatusFailed, err.Error()
		return
	}
	defer arc.Close()
	sum := arc.SHA256()
	r.ArchiveSHA256 = sum
	if b.opts.afterHash != nil {
		b.opts.afterHash(j)
	}
	if prev, ok := b.state.Get(j.Key()); ok && !b.opts.Force && prev.Status == StatusSucceeded && prev.ArchiveSHA256 == sum {
		r.Status, r.RunID = StatusSkipped, prev.RunID
		return
	}
	release, err := b.slots.acquire(ctx)
	if err != nil {
		r.Status, r.Error = StatusCancelled, "interrupted while waiting for a concurrency slot"
		return
	}
	defer release()
	if b.stopped.Load() {
		// A run failed while this one waited for its slot.
		r.Status, r.Error, r.ArchiveSHA256 = StatusNotStarted, NotStartedReason, ""
		return
	}
	b.execute(ctx, j, arc, r)
	if r.Status == StatusCancelled {
		return // not recorded: a re-run does it again
	}
	err = b.state.Put(j.Key(), Entry{
		Date: r.Date, Version: r.Version, Archive: j.Archive, ArchiveSHA256: sum, Status: r.Status,
		RunID: r.RunID, Records: r.Records, FinishedAt: time.Now().UTC(), Error: r.Error,
	})
	if err != nil && r.Status == StatusSucceeded {
		// Without the entry a re-run would not know this run is done; say
		// so rather than report a success that will not be remembered.
		r.Status, r.Error = StatusFailed, fmt.Sprintf("the run succeeded but its state was not saved: %v", err)
	}
}

// execute extracts the archive and runs the pipeline on it.
func (b *backfill) execute(ctx context.Context, j Job, arc *archive.Archive, r *RunResult) {
	fail := func(err error) {
		if ctx.Err() != nil {
			r.Status, r.Error = StatusCancelled, "interrupted: "+err.Error()
			return
		}
		r.Status, r.Error = StatusFailed, err.Error()
	}
	if _, err := arc.Extract(ctx, j.RestoreDir, b.cfg.Limits); err != nil {
		fail(fmt.Errorf("extract: %w", err))
		return
	}
	if err := os.MkdirAll(filepath.Dir(j.OutputPath), 0o755); err != nil {
		fail(err)
		return
	}
	params := maps.Clone(b.cfg.Parameters)
	if params == nil {
		params = map[string]any{}
	}
	params[ParamInputDir], params[ParamOutputPath] = j.RestoreDir, j.OutputPath
	rec, err := b.opts.Pipeline.Run(ctx, Request{
		Pipeline: b.cfg.Pipeline, InputDir: j.RestoreDir, Date: j.DateString(), RunID: j.RunID, Params: params,
	})
	if rec == nil {
		if err == nil {
			err = errors.New("the pipeline produced no run record")
		}
		fail(fmt.Errorf("pipeline: %w", err))
		return
	}
	r.RunID, r.Records = rec.RunID, Records(rec)
	switch rec.Status {
	case engine.StatusSucceeded:
		r.Status = StatusSucceeded
	case engine.StatusCancelled:
		r.Status, r.Error = StatusCancelled, "interrupted"
	default:
		r.Status, r.Error = StatusFailed, runError(rec, err)
	}
}

// runError explains a failed run: its error and the first failed task's.
func runError(rec *engine.RunRecord, err error) string {
	for _, t := range rec.Tasks {
		if t.Status == engine.StatusFailed {
			return fmt.Sprintf("run %s: task %s failed: %s", rec.RunID, t.ID, t.Error)
		}
	}
	if rec.Error != "" {
		return fmt.Sprintf("run %s: %s", rec.RunID, rec.Error)
	}
	if err != nil {
		return fmt.Sprintf("run %s: %v", rec.RunID, err)
	}
	return fmt.Sprintf("run %s %s", rec.RunID, rec.Status)
}

// probeWritable creates the restore root and a file in it, so that a root
// that cannot be written stops the backfill before any run.
func probeWritable(root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRestoreRoot, root, err)
	}
	f, err := os.CreateTemp(root, ".probe-*")
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRestoreRoot, root, err)
	}
	name := f.Name()
	_ = f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRestoreRoot, root, err)
	}
	return nil
}

// Planned is what a dry run reports for a job.
type Planned struct {
	Job
	// Exists says whether the archive is there; Done that it already
	// succeeded for this very archive (so a run would skip it).
	Exists, Done bool
}

// Action is what a real run would do with a planned job.
type Action string

// The actions of a dry run.
const (
	// ActionRun: the archive is there and the job runs.
	ActionRun Action = "run"
	// ActionSkip: the job already succeeded for this archive.
	ActionSkip Action = "skip"
	// ActionMissing: the archive is not there; Config.OnMissing decides.
	ActionMissing Action = "missing"
)

// Action tells what a real run would do with p; force reruns jobs that
// already succeeded.
func (p Planned) Action(force bool) Action {
	switch {
	case !p.Exists:
		return ActionMissing
	case p.Done && !force:
		return ActionSkip
	}
	return ActionRun
}

// Inspect reports, without changing anything, which archives exist and
// which runs are already done.
func Inspect(c *Config, jobs []Job) ([]Planned, error) {
	s := &State{path: filepath.Join(c.RestoreRoot, StateFile)}
	runs, err := s.read()
	if err != nil {
		return nil, err
	}
	out := make([]Planned, len(jobs))
	for i, j := range jobs {
		out[i].Job = j
		if _, err := os.Stat(j.Archive); err != nil {
			continue
		}
		out[i].Exists = true
		if prev, ok := runs[j.Key()]; ok && prev.Status == StatusSucceeded {
			sum, err := archive.FileSHA256(j.Archive)
			out[i].Done = err == nil && sum == prev.ArchiveSHA256
		}
	}
	return out, nil
}
