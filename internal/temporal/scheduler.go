package temporal

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/hotpass/hotpass/engine"
)

const (
	// DefaultHistoryLimit is where a run continues as new: well under
	// Temporal's 50,000-event hard limit and its 10,240-event warning, so a
	// 10,000-task DAG spreads over a few workflow runs.
	DefaultHistoryLimit = 8000
	// DefaultTasksPerRun is how many tasks a workflow run starts before it
	// continues as new. A task costs about six history events (more with a
	// cluster-wide key: signals and a local activity marker), so this keeps
	// a run's history near 10,000 events whatever the history length
	// reports.
	DefaultTasksPerRun = 1500
	// DefaultMaxConcurrency bounds the tasks of one run in flight when the
	// spec and the submitter set no concurrency.max. The local engine uses
	// the number of CPUs, which a workflow cannot read deterministically.
	DefaultMaxConcurrency = 16
	// ProgressQuery returns the run record so far.
	ProgressQuery = "progress"
	// ErrTypeRunFailed is the error type of a run that ended with failed
	// tasks; its details hold the engine.RunRecord.
	ErrTypeRunFailed = "HotpassRunFailed"
	// planTimeout bounds parsing and compiling a spec on a worker.
	planTimeout = 5 * time.Minute
	// defaultTaskTimeout is the start-to-close timeout of a task without
	// `timeout:`; heartbeats notice a dead worker long before it.
	defaultTaskTimeout = 24 * time.Hour
	// heartbeatTimeout is how long a task may go without heartbeat before
	// Temporal retries it elsewhere.
	heartbeatTimeout = 30 * time.Second
	// maxRetryInterval caps backoff, as the local engine does.
	maxRetryInterval = 10 * time.Minute
)

// RunWorkflow is the workflow registered as WorkflowName. It plans the spec
// on a worker, then runs every task as an activity in dependency order with
// the local engine's semantics: a task starts when its dependencies have
// succeeded, a failure skips what depends on it (or, with fail_fast,
// cancels running tasks and skips the rest), concurrency.max and the
// concurrency keys bound the tasks of the run in flight. It returns the
// run record; a failed run fails the workflow with an ErrTypeRunFailed
// error and a cancelled one with a canceled error, both carrying the record
// in their details.
func RunWorkflow(ctx workflow.Context, in RunInput) (RunResult, error) {
	s := &scheduler{in: in}
	if len(in.Carry) > 0 {
		var c Carry
		if err := in.Carry.unpack(&c); err != nil {
			return RunResult{}, temporal.NewNonRetryableApplicationError("run "+in.RunID+": carried state: "+err.Error(), ErrTypeSpec, nil)
		}
		s.plan, s.rec, s.outputs = c.Plan, c.Record, c.Outputs
	} else {
		if err := s.planRun(ctx); err != nil {
			return RunResult{}, err
		}
		s.reuse()
	}
	if err := workflow.SetQueryHandler(ctx, ProgressQuery, func() (RunResult, error) { return resultOf(s.rec) }); err != nil {
		return RunResult{}, err
	}
	return s.run(ctx)
}

// scheduler is the workflow's state; it only ever runs on the workflow's
// goroutine, so it needs no locks.
type scheduler struct {
	in      RunInput
	plan    PlanOutput
	rec     engine.RunRecord
	outputs map[string]Ref

	index      map[string]int
	acquiring  map[int]bool // holding run slots, waiting for a key permit
	dependents [][]int
	waiting    []int
	ready      []int
	keyUsed    map[string]int
	running    int
	left       int
	max        int

	runCtx    workflow.Context
	cancelRun workflow.CancelFunc
	sel       workflow.Selector
	stopping  bool
	cancelled bool
	draining  bool
	failedBy  string
	// startedHere counts the tasks this workflow run started.
	startedHere int
	releases    permitReleases
}

// planRun runs the plan activity and sets up an empty record.
func (s *scheduler) planRun(ctx workflow.Context) error {
	if s.in.RunID == "" {
		if err := s.nameScheduledRun(ctx); err != nil {
			return err
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           s.in.TaskQueue,
		StartToCloseTimeout: planTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	if err := workflow.ExecuteActivity(actx, PlanActivityName, s.in).Get(ctx, &s.plan); err != nil {
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("run %s: plan spec %s: %s", s.in.RunID, s.in.SpecPath, cause(err)), ErrTypeSpec, nil)
	}
	if s.in.LoadSpec {
		// Pinned from here on: the tasks read the source the plan
		// activity kept, and a later edit of the file does not reach them.
		s.in.SourceHash, s.in.LoadSpec = s.plan.SourceHash, false
	}
	s.rec = engine.RunRecord{
		RunID: s.in.RunID, Pipeline: s.plan.Pipeline, SpecPath: s.in.SpecPath, SpecHash: s.plan.SpecHash,
		Only: s.in.Only, Status: engine.StatusRunning, StartedAt: workflow.Now(ctx).UTC(),
		Tasks: make([]engine.TaskRecord, len(s.plan.Tasks)),
	}
	for i, t := range s.plan.Tasks {
		s.rec.Tasks[i] = engine.TaskRecord{ID: t.ID, Type: t.Type, Status: engine.StatusPending}
	}
	s.outputs = map[string]Ref{}
	return nil
}

// nameScheduledRun gives a run started by a Temporal Schedule, whose
// input is the same for every fire, its own run id, run.date and run.ts.
// They are drawn once in a side effect so that a replay sees the same.
func (s *scheduler) nameScheduledRun(ctx workflow.Context) error {
	start := workflow.GetInfo(ctx).WorkflowStartTime.UTC()
	tz := s.in.Timezone
	var named struct{ RunID, Date string }
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			loc = time.UTC
		}
		return struct{ RunID, Date string }{engine.NewRunID(start), start.In(loc).Format(time.DateOnly)}
	}).Get(&named)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("name scheduled run: "+err.Error(), ErrTypeSpec, nil)
	}
	s.in.RunID = named.RunID
	if s.in.Date == "" {
		s.in.Date = named.Date
	}
	if s.in.TS.IsZero() {
		s.in.TS = start
	}
	return nil
}

func (s *scheduler) run(ctx workflow.Context) (RunResult, error) {
	// The spec was kept in the artifact store by the plan activity; task
	// activities and continued runs do not need it in their payloads.
	s.in.Source = nil
	s.in.Carry = nil
	perRun := s.in.TasksPerRun
	if perRun <= 0 {
		perRun = DefaultTasksPerRun
	}
	s.max = s.in.MaxConcurrency
	if s.max <= 0 {
		s.max = s.plan.Max
	}
	if s.max <= 0 {
		s.max = DefaultMaxConcurrency
	}
	n := len(s.plan.Tasks)
	s.dependents = make([][]int, n)
	s.waiting = make([]int, n)
	s.keyUsed = map[string]int{}
	s.acquiring = map[int]bool{}
	s.index = make(map[string]int, n)
	for i, t := range s.plan.Tasks {
		s.index[t.ID] = i
		for _, d := range t.Deps {
			s.dependents[d] = append(s.dependents[d], i)
			if s.rec.Tasks[d].Status != engine.StatusSucceeded {
				s.waiting[i]++
			}
		}
	}
	for i := range s.plan.Tasks {
		st := s.rec.Tasks[i].Status
		if !st.Terminal() {
			// A task running when the previous run continued as new was
			// drained first, so only pending tasks are left.
			s.rec.Tasks[i].Status = engine.StatusPending
			s.left++
			if s.waiting[i] == 0 {
				s.ready = append(s.ready, i)
			}
		}
	}
	s.runCtx, s.cancelRun = workflow.WithCancel(ctx)
	// Cancelling the workflow cancels s.runCtx and so every running
	// activity; done notices it on their outcomes. The selector never
	// waits on ctx.Done() itself: a closed channel would always be ready
	// and starve the futures.
	s.sel = workflow.NewSelector(ctx)
	s.sel.AddReceive(workflow.GetSignalChannel(ctx, GrantSignal), func(c workflow.ReceiveChannel, _ bool) {
		var r PermitRequest
		c.Receive(ctx, &r)
		s.granted(ctx, r)
	})
	limit := s.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	for s.left > 0 {
		if !s.draining && !s.stopping {
			info := workflow.GetInfo(ctx)
			if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit || s.startedHere >= perRun {
				s.draining = true
			}
		}
		if !s.draining {
			s.dispatch(ctx)
		}
		if s.running == 0 {
			if s.draining {
				return s.continueAsNew(ctx)
			}
			if s.left > 0 && len(s.ready) == 0 {
				// Cannot happen with an acyclic plan; failing beats hanging.
				return RunResult{}, temporal.NewNonRetryableApplicationError(
					fmt.Sprintf("run %s: %d tasks left but none can start", s.in.RunID, s.left), ErrTypeSpec, nil)
			}
			if s.left > 0 {
				continue
			}
			break
		}
		s.sel.Select(ctx)
	}
	return s.finish(ctx)
}

// keyLimit is the number of tasks of a key one run lets run at once; as in
// the local engine, a key without a limit allows one.
func (s *scheduler) keyLimit(key string) int {
	if n, ok := s.plan.Keys[key]; ok && n > 0 {
		return n
	}
	return 1
}

// dispatch starts ready tasks while the run has room, in file order among
// those whose key has room.
func (s *scheduler) dispatch(ctx workflow.Context) {
	kept := s.ready[:0]
	for k, i := range s.ready {
		if s.running >= s.max || s.stopping {
			kept = append(kept, s.ready[k:]...)
			break
		}
		key := s.plan.Tasks[i].Key
		if key != "" && s.keyUsed[key] >= s.keyLimit(key) {
			kept = append(kept, i)
			continue
		}
		s.running++
		if key != "" {
			s.keyUsed[key]++
			if !s.in.LocalKeysOnly {
				s.acquire(ctx, i)
				continue
			}
		}
		s.start(ctx, i)
	}
	s.ready = kept
}

// permit is task i's request for a permit of its key.
func (s *scheduler) permit(ctx workflow.Context, i int) PermitRequest {
	key := s.plan.Tasks[i].Key
	return PermitRequest{Key: key, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, TaskID: s.plan.Tasks[i].ID, Limit: s.keyLimit(key)}
}

// acquire asks the key's semaphore for a permit for task i; the task
// starts when GrantSignal arrives.
func (s *scheduler) acquire(ctx workflow.Context, i int) {
	s.acquiring[i] = true
	lctx := workflow.WithLocalActivityOptions(s.runCtx, workflow.LocalActivityOptions{
		StartToCloseTimeout: dialTimeout,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	f := workflow.ExecuteLocalActivity(lctx, acquireActivityName, s.permit(ctx, i))
	s.sel.AddFuture(f, func(f workflow.Future) {
		if err := f.Get(ctx, nil); err != nil && s.acquiring[i] {
			delete(s.acquiring, i)
			s.done(ctx, i, TaskOutput{}, err)
		}
	})
}

// granted starts the task a permit was granted to, or hands back a permit
// the run no longer wants.
func (s *scheduler) granted(ctx workflow.Context, r PermitRequest) {
	i, ok := s.index[r.TaskID]
	if !ok || !s.acquiring[i] || s.stopping {
		s.release(ctx, r)
		return
	}
	delete(s.acquiring, i)
	s.start(ctx, i)
}

// release gives a permit back, or withdraws a request.
func (s *scheduler) release(ctx workflow.Context, r PermitRequest) { s.releases.add(ctx, r) }

// awaitReleases waits until every release signal was delivered.
func (s *scheduler) awaitReleases(ctx workflow.Context) { s.releases.await(ctx) }

// start schedules task i's activity.
func (s *scheduler) start(ctx workflow.Context, i int) {
	t := s.plan.Tasks[i]
	tr := &s.rec.Tasks[i]
	tr.Status = engine.StatusRunning
	tr.StartedAt = workflow.Now(ctx).UTC()
	s.startedHere++
	in := TaskInput{Run: s.in, TaskID: t.ID}
	for _, d := range t.Deps {
		if ref, ok := s.outputs[s.plan.Tasks[d].ID]; ok {
			if in.Inputs == nil {
				in.Inputs = map[string]Ref{}
			}
			in.Inputs[s.plan.Tasks[d].ID] = ref
		}
	}
	actx := workflow.WithActivityOptions(s.runCtx, activityOptions(s.in.TaskQueue, t))
	f := workflow.ExecuteActivity(actx, TaskActivityName, in)
	s.sel.AddFuture(f, func(f workflow.Future) {
		var out TaskOutput
		err := f.Get(ctx, &out)
		s.done(ctx, i, out, err)
	})
}

// lostAttempts is how many attempts of a task may be lost with their
// worker (killed, partitioned) on top of the task's own retries: the
// activity ends a task whose retries are spent as non-retryable itself, so
// these attempts only ever serve a task whose worker disappeared.
const lostAttempts = 2

// activityOptions maps a task's retries, backoff and timeout onto
// Temporal's: MaximumAttempts counts the first attempt, backoff doubles
// from retry_delay up to maxRetryInterval, and a spec error is never
// retried.
func activityOptions(queue string, t TaskInfo) workflow.ActivityOptions {
	delay := t.RetryDelay
	if delay <= 0 {
		delay = engine.DefaultRetryDelay
	}
	timeout := defaultTaskTimeout
	if t.Timeout > 0 {
		// The activity enforces the task's own timeout and reports it as
		// the task's error; Temporal's is the backstop for a stuck worker.
		timeout = t.Timeout + time.Minute
	}
	return workflow.ActivityOptions{
		TaskQueue:           queue,
		ActivityID:          t.ID,
		StartToCloseTimeout: timeout,
		HeartbeatTimeout:    heartbeatTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        delay,
			BackoffCoefficient:     2,
			MaximumInterval:        max(delay, maxRetryInterval),
			MaximumAttempts:        int32(t.Retries + 1 + lostAttempts),
			NonRetryableErrorTypes: []string{ErrTypeSpec},
		},
	}
}

// done applies the outcome of task i's activity.
func (s *scheduler) done(ctx workflow.Context, i int, out TaskOutput, err error) {
	s.running--
	if key := s.plan.Tasks[i].Key; key != "" {
		s.keyUsed[key]--
		if !s.in.LocalKeysOnly {
			s.release(ctx, s.permit(ctx, i))
		}
	}
	now := workflow.Now(ctx).UTC()
	if ctx.Err() != nil && !s.cancelled {
		s.cancelled = true
		s.stop(ctx, now, engine.StatusCancelled, "")
	}
	tr := &s.rec.Tasks[i]
	tr.Attempts = max(out.Attempt, attempts(err, s.plan.Tasks[i].Retries))
	switch {
	case err == nil:
		tr.RowsIn, tr.RowsOut, tr.Attrs = out.RowsIn, out.RowsOut, out.Attrs
		if out.Log {
			tr.Log = engine.TaskLogPath("", tr.ID)
		}
		if out.Output != nil {
			s.outputs[tr.ID] = *out.Output
		}
		s.final(i, engine.StatusSucceeded, "", "", now)
		for _, d := range s.dependents[i] {
			s.waiting[d]--
			if s.waiting[d] == 0 && s.rec.Tasks[d].Status == engine.StatusPending && !s.stopping {
				s.ready = append(s.ready, d)
			}
		}
	case temporal.IsCanceledError(err):
		s.final(i, engine.StatusCancelled, "cancelled", "", now)
	default:
		s.final(i, engine.StatusFailed, cause(err), "", now)
		if s.stopping {
			return
		}
		if s.plan.FailFast {
			s.failedBy = tr.ID
			s.stop(ctx, now, engine.StatusSkipped, "fail_fast: "+tr.ID+" failed")
			return
		}
		s.skipDownstream(i, now)
	}
}

// attempts is how many attempts a task took. Temporal reports it for
// failures only through the retry state: a retryable failure that ends
// the task used them all.
func attempts(err error, retries int) int {
	if err == nil {
		return 1
	}
	// A task's own error carries how many attempts failed that way.
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.HasDetails() {
		var n int
		if app.Details(&n) == nil && n > 0 {
			return n
		}
	}
	var ae *temporal.ActivityError
	if errors.As(err, &ae) && ae.RetryState() == enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED {
		return retries + 1 + lostAttempts
	}
	return 1
}

func (s *scheduler) final(i int, st engine.Status, errMsg, reason string, now time.Time) {
	tr := &s.rec.Tasks[i]
	tr.Status, tr.Error, tr.SkipReason, tr.EndedAt = st, errMsg, reason, now
	if !tr.StartedAt.IsZero() {
		tr.Duration = now.Sub(tr.StartedAt)
	}
	s.left--
}

// skipDownstream skips every pending task that depends, transitively, on
// task i.
func (s *scheduler) skipDownstream(i int, now time.Time) {
	reason := "upstream failed: " + s.plan.Tasks[i].ID
	stack := append([]int(nil), s.dependents[i]...)
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s.rec.Tasks[d].Status != engine.StatusPending {
			continue
		}
		s.final(d, engine.StatusSkipped, "", reason, now)
		stack = append(stack, s.dependents[d]...)
	}
	s.dropFinished()
}

// stop cancels running tasks and finishes every pending one with st.
func (s *scheduler) stop(ctx workflow.Context, now time.Time, st engine.Status, reason string) {
	s.stopping = true
	s.cancelRun()
	// Tasks still waiting for a permit never started: withdraw their
	// requests and free their slots.
	for _, i := range slices.Sorted(maps.Keys(s.acquiring)) {
		delete(s.acquiring, i)
		s.running--
		s.keyUsed[s.plan.Tasks[i].Key]--
		s.release(ctx, s.permit(ctx, i))
		s.rec.Tasks[i].Status = engine.StatusPending
	}
	for i := range s.rec.Tasks {
		if s.rec.Tasks[i].Status == engine.StatusPending {
			s.final(i, st, "", reason, now)
		}
	}
	s.ready = nil
}

// dropFinished removes tasks that were finished while ready.
func (s *scheduler) dropFinished() {
	kept := s.ready[:0]
	for _, i := range s.ready {
		if s.rec.Tasks[i].Status == engine.StatusPending {
			kept = append(kept, i)
		}
	}
	s.ready = kept
}

// continueAsNew hands the state to a fresh workflow run.
func (s *scheduler) continueAsNew(ctx workflow.Context) (RunResult, error) {
	s.awaitReleases(ctx)
	next := s.in
	carry, err := pack(Carry{Plan: s.plan, Record: s.rec, Outputs: s.outputs})
	if err != nil {
		return RunResult{}, err
	}
	next.Carry = carry
	return RunResult{}, workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// finish completes the record and turns its outcome into the workflow's.
func (s *scheduler) finish(ctx workflow.Context) (RunResult, error) {
	s.awaitReleases(ctx)
	now := workflow.Now(ctx).UTC()
	s.rec.EndedAt = now
	s.rec.Duration = now.Sub(s.rec.StartedAt)
	var failed []string
	for _, t := range s.rec.Tasks {
		if t.Status == engine.StatusFailed {
			failed = append(failed, t.ID)
		}
	}
	switch {
	case s.cancelled:
		s.rec.Status = engine.StatusCancelled
		s.rec.Error = "run cancelled"
	case len(failed) > 0:
		s.rec.Status = engine.StatusFailed
		s.rec.Error = "failed: " + strings.Join(failed, ", ")
		if s.failedBy != "" {
			s.rec.Error += " (fail_fast stopped the run)"
		}
	default:
		s.rec.Status = engine.StatusSucceeded
	}
	res, err := resultOf(s.rec)
	if err != nil {
		return RunResult{}, err
	}
	if res.Outputs, err = pack(s.outputs); err != nil {
		return RunResult{}, err
	}
	// Recorded even for a cancelled run, hence the disconnected context;
	// a history that cannot be written does not change the run's outcome.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	fctx := workflow.WithActivityOptions(dctx, workflow.ActivityOptions{
		TaskQueue: s.in.TaskQueue, StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5},
	})
	if err := workflow.ExecuteActivity(fctx, finishActivityName, FinishInput{RunID: s.rec.RunID, Result: res}).Get(dctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("run history not finished", "run_id", s.rec.RunID, "error", err.Error())
	}
	switch s.rec.Status {
	case engine.StatusCancelled:
		return res, temporal.NewCanceledError(res)
	case engine.StatusFailed:
		return res, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("run %s %s", s.rec.RunID, s.rec.Error), ErrTypeRunFailed, nil, res)
	}
	return res, nil
}

// cause is the innermost message of a workflow-side error: the task's
// own error rather than Temporal's "activity error" wrapping.
func cause(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timed out (" + te.TimeoutType().String() + ")"
	}
	return err.Error()
}
