package temporal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hotpass/hotpass/engine"
)

// pollInterval is how often Follow asks the workflow for progress.
const pollInterval = 500 * time.Millisecond

// WorkflowID is the id a run's workflow gets: one workflow per run id.
func WorkflowID(runID string) string { return "hotpass-" + runID }

// Submit starts the workflow of in on queue.
func Submit(ctx context.Context, c client.Client, queue string, in RunInput) (client.WorkflowRun, error) {
	if queue == "" {
		queue = DefaultTaskQueue
	}
	if in.SourceHash == "" {
		in.SourceHash = SourceHash(in.Source)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: WorkflowID(in.RunID), TaskQueue: queue}, WorkflowName, in)
	if err != nil {
		return nil, fmt.Errorf("start run %s on Temporal: %w", in.RunID, err)
	}
	return run, nil
}

// Follow reports the run's progress to obs as engine events until it
// ends, and returns its record. Cancelling ctx cancels the workflow and
// waits for it to stop. The error wraps engine.ErrRunFailed or
// engine.ErrRunCancelled as Plan.Run's does.
func Follow(ctx context.Context, c client.Client, run client.WorkflowRun, obs engine.Observer) (*engine.RunRecord, error) {
	if obs == nil {
		obs = engine.ObserverFunc(func(engine.Event) {})
	}
	done := make(chan error, 1)
	var res RunResult
	go func() { done <- run.Get(context.WithoutCancel(ctx), &res) }()
	var seen engine.RunRecord
	started := false
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	ctxDone := ctx.Done()
	for {
		select {
		case err := <-done:
			final, ferr := outcome(res, err)
			if final == nil {
				return nil, ferr
			}
			diff(obs, &seen, final, &started)
			obs.Observe(engine.Event{Kind: engine.EventRunFinished, Time: final.EndedAt, RunID: final.RunID,
				Status: final.Status, Error: final.Error, Duration: final.Duration})
			return final, ferr
		case <-ctxDone:
			ctxDone = nil
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dialTimeout)
			err := c.CancelWorkflow(cctx, run.GetID(), "")
			cancel()
			if err != nil {
				return nil, fmt.Errorf("cancel run on Temporal (workflow %s): %w", run.GetID(), err)
			}
		case <-tick.C:
			qctx, cancel := context.WithTimeout(ctx, dialTimeout)
			v, err := c.QueryWorkflow(qctx, run.GetID(), "", ProgressQuery)
			cancel()
			if err != nil {
				continue // not planned yet, or a worker is busy: ask again
			}
			var r RunResult
			if v.Get(&r) != nil {
				continue
			}
			if now, err := r.RunRecord(); err == nil && len(now.Tasks) > 0 {
				diff(obs, &seen, &now, &started)
			}
		}
	}
}

// outcome turns the workflow's result into a record and an error carrying
// the run's exit status.
func outcome(res RunResult, err error) (*engine.RunRecord, error) {
	rec, derr := Outcome(res, err)
	if derr != nil {
		return nil, derr
	}
	if err == nil {
		return &rec, nil
	}
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		if ae.Type() == ErrTypeRunFailed {
			return &rec, fmt.Errorf("%w: %s", engine.ErrRunFailed, rec.Error)
		}
		return nil, fmt.Errorf("%w: %s", engine.ErrRunFailed, ae.Message())
	}
	if temporal.IsCanceledError(err) {
		return &rec, engine.ErrRunCancelled
	}
	return nil, fmt.Errorf("%w: %w", engine.ErrRunFailed, err)
}

// Outcome returns the run record a finished RunWorkflow handed back: its
// result, or the details of its failed or cancelled error. The error is
// err itself when it carries no record (the run never planned).
func Outcome(res RunResult, err error) (engine.RunRecord, error) {
	if err == nil {
		return res.RunRecord()
	}
	if resultDetails(err, &res) {
		return res.RunRecord()
	}
	if temporal.IsCanceledError(err) {
		return engine.RunRecord{}, engine.ErrRunCancelled
	}
	return engine.RunRecord{}, err
}

// resultDetails reads the RunResult a failed or cancelled RunWorkflow put
// in its error's details into res, and reports whether there was one.
func resultDetails(err error, res *RunResult) bool {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.HasDetails() && ae.Details(res) == nil {
		return true
	}
	var ce *temporal.CanceledError
	return errors.As(err, &ce) && ce.HasDetails() && ce.Details(res) == nil
}

// diff emits the events that turn seen into now, and makes seen now.
func diff(obs engine.Observer, seen *engine.RunRecord, now *engine.RunRecord, started *bool) {
	if !*started {
		*started = true
		obs.Observe(engine.Event{Kind: engine.EventRunStarted, Time: now.StartedAt, RunID: now.RunID, Status: engine.StatusRunning, Total: len(now.Tasks)})
	}
	prev := map[string]engine.Status{}
	for _, t := range seen.Tasks {
		prev[t.ID] = t.Status
	}
	for _, t := range now.Tasks {
		p := prev[t.ID]
		if p == t.Status {
			continue
		}
		if t.Status == engine.StatusRunning || (t.Status.Terminal() && !t.StartedAt.IsZero() && p != engine.StatusRunning) {
			obs.Observe(engine.Event{Kind: engine.EventTaskStarted, Time: t.StartedAt, RunID: now.RunID, TaskID: t.ID, TaskType: t.Type, Attempt: 1, Status: engine.StatusRunning})
		}
		if t.Status.Terminal() {
			obs.Observe(engine.Event{Kind: engine.EventTaskFinished, Time: t.EndedAt, RunID: now.RunID, TaskID: t.ID, TaskType: t.Type,
				Attempt: t.Attempts, Status: t.Status, Error: t.Error, Reason: t.SkipReason, Duration: t.Duration, RowsIn: t.RowsIn, RowsOut: t.RowsOut})
		}
	}
	*seen = *now
	seen.Tasks = append([]engine.TaskRecord(nil), now.Tasks...)
}
