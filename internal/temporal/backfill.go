package temporal

import (
	"context"
	"errors"
	"fmt"
	"go.temporal.io/sdk/client"
	"maps"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/backfill"
)

const (
	// BackfillWorkflowName is the registered name of the workflow that runs
	// a backfill: one child run workflow per (date, version).
	BackfillWorkflowName = "hotpass.backfill"
	// extractActivityName verifies and extracts one archive on a worker.
	extractActivityName = "hotpass.backfill.extract"
	// extractTimeout bounds the extraction of one archive.
	extractTimeout = 30 * time.Minute
)

// BackfillID is the workflow id of the backfill recorded as run id.
func BackfillID(runID string) string { return "hotpass-backfill-" + runID }

// BackfillJob is one (date, version) of a backfill. Its paths must mean the
// same file on every worker (a shared mount), like the spec directory.
type BackfillJob struct {
	Date    string `json:"date"`
	Version string `json:"version"`
	// RunID is the child run's id; its workflow id is "hotpass-" + RunID.
	RunID      string `json:"run_id"`
	Archive    string `json:"archive"`
	RestoreDir string `json:"restore_dir"`
	OutputPath string `json:"output_path"`
}

// Key is the job's key in the backfill state file and in Done.
func (j BackfillJob) Key() string { return j.Date + "/" + j.Version }

// BackfillInput is the input of BackfillWorkflowName.
type BackfillInput struct {
	// ID is the backfill's own run id; every child is recorded under it.
	ID string `json:"id"`
	// Jobs run in this order.
	Jobs []BackfillJob `json:"jobs"`
	// Run is the template of every child's input: spec source, params,
	// task queue. The backfill sets the run id, date, the input_dir and
	// output_path params, the parent and started_by.
	Run RunInput `json:"run"`
	// Limit is how many children run at once; 0 runs them one after
	// another.
	Limit int `json:"limit,omitempty"`
	// Key, when set, makes Limit hold across the cluster: each child holds
	// a permit of this key's semaphore (see SemaphoreWorkflow) while it
	// runs, so concurrent backfills on the same key share the limit.
	Key string `json:"key,omitempty"`
	// FailFast stops starting children after the first failure; the jobs
	// left are backfill.StatusNotStarted.
	FailFast bool `json:"fail_fast,omitempty"`
	// Limits bound each archive's extraction.
	Limits archive.Limits `json:"limits"`
	// Done holds the keys of jobs that already succeeded for the same
	// archive; they are reported as skipped and not run again.
	Done map[string]string `json:"done,omitempty"`
}

// BackfillRun is how one job ended.
type BackfillRun struct {
	Key           string          `json:"key"`
	RunID         string          `json:"run_id,omitempty"`
	Status        backfill.Status `json:"status"`
	Error         string          `json:"error,omitempty"`
	ArchiveSHA256 string          `json:"archive_sha256,omitempty"`
	Records       int64           `json:"records,omitempty"`
	StartedAt     time.Time       `json:"started_at,omitzero"`
	EndedAt       time.Time       `json:"ended_at,omitzero"`
	RunStatus     engine.Status   `json:"run_status,omitempty"`
}

// BackfillResult is the backfill workflow's result, one row per job in
// input order.
type BackfillResult struct {
	Runs []BackfillRun `json:"runs"`
}

// ExtractInput is the input of the extract activity.
type ExtractInput struct {
	Archive    string         `json:"archive"`
	RestoreDir string         `json:"restore_dir"`
	Limits     archive.Limits `json:"limits"`
}

// Extract verifies and extracts one archive on the worker and returns its
// sha256. A bad archive is not retried: it will not get better.
func (a *Activities) Extract(ctx context.Context, in ExtractInput) (string, error) {
	arc, err := archive.Open(in.Archive)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeSpec, err)
	}
	defer arc.Close()
	if _, err := arc.Extract(ctx, in.RestoreDir, in.Limits); err != nil {
		if errors.Is(err, archive.ErrChecksum) {
			return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("extract %s: %v", in.Archive, err), ErrTypeSpec, err)
		}
		return "", fmt.Errorf("extract %s: %w", in.Archive, err)
	}
	activity.RecordHeartbeat(ctx)
	return arc.SHA256(), nil
}

// BackfillWorkflow runs every job of a backfill as a child RunWorkflow, in
// input order, at most Limit at once (across the cluster when Key is set).
// A failed child does not stop the others unless FailFast. Its state is
// Temporal's history: when the worker running it dies, another replays it,
// and children that already ended are not started again.
func BackfillWorkflow(ctx workflow.Context, in BackfillInput) (BackfillResult, error) {
	b := &backfillRun{in: in, res: BackfillResult{Runs: make([]BackfillRun, len(in.Jobs))}, grants: map[string]workflow.Channel{}}
	b.sem = workflow.NewSemaphore(ctx, int64(max(in.Limit, 1)))
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (BackfillResult, error) { return b.res, nil }); err != nil {
		return BackfillResult{}, err
	}
	if in.Key != "" {
		// One receiver hands each grant to the job waiting for it.
		workflow.Go(ctx, func(ctx workflow.Context) {
			c := workflow.GetSignalChannel(ctx, GrantSignal)
			for {
				var r PermitRequest
				if !c.Receive(ctx, &r) {
					return
				}
				if g, ok := b.grants[r.TaskID]; ok {
					g.Send(ctx, r)
				} else {
					b.releases.add(ctx, r)
				}
			}
		})
	}
	wg := workflow.NewWaitGroup(ctx)
	for i, j := range in.Jobs {
		b.res.Runs[i] = BackfillRun{Key: j.Key(), RunID: j.RunID, Status: backfill.StatusCancelled, Error: "not started"}
		if sum, ok := in.Done[j.Key()]; ok {
			b.res.Runs[i] = BackfillRun{Key: j.Key(), Status: backfill.StatusSkipped, ArchiveSHA256: sum}
			continue
		}
		if b.failed && in.FailFast {
			b.res.Runs[i].Status, b.res.Runs[i].Error = backfill.StatusNotStarted, backfill.NotStartedReason
			continue
		}
		// Waiting here, not in the job, starts jobs in input order.
		if err := b.sem.Acquire(ctx, 1); err != nil {
			break // cancelled
		}
		if b.failed && in.FailFast {
			b.sem.Release(1)
			b.res.Runs[i].Status, b.res.Runs[i].Error = backfill.StatusNotStarted, backfill.NotStartedReason
			continue
		}
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			defer b.sem.Release(1)
			b.res.Runs[i] = b.job(ctx, j)
			if b.res.Runs[i].Status == backfill.StatusFailed {
				b.failed = true
			}
		})
	}
	wg.Wait(ctx)
	b.releases.await(ctx)
	if ctx.Err() != nil {
		return b.res, temporal.NewCanceledError(b.res)
	}
	return b.res, nil
}

// backfillRun is the state of one BackfillWorkflow; only its coroutines
// touch it, one at a time.
type backfillRun struct {
	in       BackfillInput
	res      BackfillResult
	sem      workflow.Semaphore
	failed   bool
	grants   map[string]workflow.Channel
	releases permitReleases
}

// job runs one job: permit, extraction, child run.
func (b *backfillRun) job(ctx workflow.Context, j BackfillJob) BackfillRun {
	r := BackfillRun{Key: j.Key(), RunID: j.RunID, StartedAt: workflow.Now(ctx).UTC()}
	end := func(st backfill.Status, msg string) BackfillRun {
		r.Status, r.Error, r.EndedAt = st, msg, workflow.Now(ctx).UTC()
		if ctx.Err() != nil && st != backfill.StatusSucceeded {
			r.Status = backfill.StatusCancelled
		}
		return r
	}
	if b.in.Key != "" {
		p, err := b.acquire(ctx, j)
		if err != nil {
			return end(backfill.StatusCancelled, "waiting for a concurrency permit: "+cause(err))
		}
		defer b.releases.add(ctx, p)
		r.StartedAt = workflow.Now(ctx).UTC()
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue: b.in.Run.TaskQueue, StartToCloseTimeout: extractTimeout, HeartbeatTimeout: extractTimeout,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	if err := workflow.ExecuteActivity(actx, extractActivityName, ExtractInput{Archive: j.Archive, RestoreDir: j.RestoreDir, Limits: b.in.Limits}).
		Get(ctx, &r.ArchiveSHA256); err != nil {
		return end(backfill.StatusFailed, "extract: "+cause(err))
	}
	in := b.in.Run
	in.RunID, in.Date, in.TS = j.RunID, j.Date, workflow.Now(ctx).UTC()
	in.ParentID, in.StartedBy = b.in.ID, store.StartedBackfill
	in.ParamsJSON = maps.Clone(in.ParamsJSON)
	if in.ParamsJSON == nil {
		in.ParamsJSON = map[string]any{}
	}
	in.ParamsJSON[backfill.ParamInputDir], in.ParamsJSON[backfill.ParamOutputPath] = j.RestoreDir, j.OutputPath
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: WorkflowID(j.RunID),
		TaskQueue:  b.in.Run.TaskQueue,
		// The child id is the backfill's id, date and version. A backfill
		// started again under the same id (its workflow reset or re-run
		// after a crash of everything) must not redo a child that
		// succeeded, but must redo one that failed, was cancelled or
		// terminated: exactly what AllowDuplicateFailedOnly does.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		// Cancelling the backfill cancels its runs, which then record
		// themselves cancelled rather than vanish.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
	})
	var out RunResult
	err := workflow.ExecuteChildWorkflow(cctx, WorkflowName, in).Get(ctx, &out)
	if err != nil && temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		// Only a succeeded (or still running) child keeps its id taken.
		return end(backfill.StatusSkipped, "")
	}
	rec, rerr := Outcome(out, err)
	r.RunStatus, r.Records = rec.Status, backfill.Records(&rec)
	switch {
	case err == nil && rerr == nil:
		return end(backfill.StatusSucceeded, "")
	case rec.Status == engine.StatusCancelled || temporal.IsCanceledError(err):
		return end(backfill.StatusCancelled, "interrupted")
	case err == nil:
		return end(backfill.StatusFailed, fmt.Sprintf("run %s: %v", j.RunID, rerr))
	}
	return end(backfill.StatusFailed, failedRun(j.RunID, rec, err))
}

// acquire asks the key's semaphore for a permit for j and waits for it.
func (b *backfillRun) acquire(ctx workflow.Context, j BackfillJob) (PermitRequest, error) {
	p := PermitRequest{Key: b.in.Key, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, TaskID: j.Key(), Limit: max(b.in.Limit, 1)}
	g := workflow.NewChannel(ctx)
	b.grants[p.TaskID] = g
	defer delete(b.grants, p.TaskID)
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: dialTimeout, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	if err := workflow.ExecuteLocalActivity(lctx, acquireActivityName, p).Get(ctx, nil); err != nil {
		return p, err
	}
	var got PermitRequest
	g.Receive(ctx, &got)
	if ctx.Err() != nil {
		// Withdraw the request; a grant on its way is handed back by the
		// receiver.
		b.releases.add(ctx, p)
		return p, ctx.Err()
	}
	return p, nil
}

// failedRun explains a failed child: its first failed task, else the
// workflow's error.
func failedRun(runID string, rec engine.RunRecord, err error) string {
	for _, t := range rec.Tasks {
		if t.Status == engine.StatusFailed {
			return fmt.Sprintf("run %s: task %s failed: %s", runID, t.ID, t.Error)
		}
	}
	return fmt.Sprintf("run %s: %s", runID, cause(err))
}

// RunBackfill starts the backfill workflow (id BackfillID(in.ID)) and waits
// for its result. Cancelling ctx cancels the workflow and waits for it to
// stop, so its runs record themselves cancelled; the partial result comes
// back with an error wrapping engine.ErrRunCancelled.
func RunBackfill(ctx context.Context, c client.Client, queue string, in BackfillInput) (BackfillResult, error) {
	if queue == "" {
		queue = DefaultTaskQueue
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: BackfillID(in.ID), TaskQueue: queue}, BackfillWorkflowName, in)
	if err != nil {
		return BackfillResult{}, fmt.Errorf("start backfill %s on Temporal: %w", in.ID, err)
	}
	done := make(chan error, 1)
	var res BackfillResult
	go func() { done <- run.Get(context.WithoutCancel(ctx), &res) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dialTimeout)
		cerr := c.CancelWorkflow(cctx, run.GetID(), run.GetRunID())
		cancel()
		if cerr != nil {
			return res, fmt.Errorf("%w: cancel backfill %s: %w", engine.ErrRunCancelled, in.ID, cerr)
		}
		err = <-done
	}
	var ce *temporal.CanceledError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &ce):
		if ce.HasDetails() {
			_ = ce.Details(&res)
		}
		return res, fmt.Errorf("backfill %s: %w", in.ID, engine.ErrRunCancelled)
	}
	return res, fmt.Errorf("backfill %s on Temporal: %w", in.ID, err)
}
