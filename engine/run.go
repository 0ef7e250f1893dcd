package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/retry"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/suggest"
)

// Errors returned by Run. The first two carry the exit status of the run's
// outcome (see exitcode); Run's error may carry another one, see Run.
var (
	// ErrRunFailed is wrapped by Run's error when a task failed.
	ErrRunFailed = exitcode.New(exitcode.Failed, "run failed")
	// ErrRunCancelled is wrapped by Run's error when ctx was cancelled.
	ErrRunCancelled = exitcode.New(exitcode.Cancelled, "run cancelled")
	// ErrUnknownTask is wrapped when RunOptions.Only names an unknown task.
	ErrUnknownTask = errors.New("unknown task")
)

const (
	// DefaultStateDir holds run directories when RunOptions.StateDir is empty.
	DefaultStateDir = runstate.DefaultHome
	// DefaultRetryDelay is the first backoff of a task with retries but no
	// retry_delay.
	DefaultRetryDelay = time.Second
	// maxRetryDelay caps exponential backoff.
	maxRetryDelay = 10 * time.Minute
	// defaultCancelGrace is how long Run waits for running tasks to return
	// once the run is cancelled.
	defaultCancelGrace = 10 * time.Second
	// recordInterval is the least time between two writes of run.json while
	// the run is going: often enough to follow a run, rare enough that a
	// 10,000-task run does not spend its time rewriting the file.
	recordInterval = 250 * time.Millisecond
)

// RunOptions tune one run of a plan.
type RunOptions struct {
	// RunID names the run and its directory; empty means NewRunID(now).
	RunID string
	// StateDir holds runs/<run-id>/; empty means DefaultStateDir.
	StateDir string
	// MaxConcurrency overrides the spec's concurrency.max when > 0.
	MaxConcurrency int
	// Only restricts the run to these tasks plus everything they depend on,
	// transitively. Unknown ids are an error wrapping ErrUnknownTask.
	Only []string
	// Params are recorded in the run record (string values redacted).
	Params map[string]any
	// Redactor masks secrets in everything the run writes to disk or hands
	// to observers: task logs, errors, params, attrs. Nil masks nothing.
	Redactor Redactor
	// Logger receives engine-level logs (run and task lifecycle); nil
	// discards them. Messages are redacted.
	Logger *slog.Logger
	// Observer receives the run's events; nil means none.
	Observer Observer
	// Clock returns the current time for the record's timestamps; nil means
	// time.Now. It is called from several goroutines. Backoff and timeouts
	// always use real time.
	Clock func() time.Time
	// CancelGrace bounds how long Run waits, after the run is cancelled, for
	// running tasks to return; tasks still running then are recorded as
	// cancelled and left behind. Zero means 10s.
	CancelGrace time.Duration
	// Resume makes the run reuse the unchanged, successful tasks of an
	// earlier run instead of running them (see Resume); nil runs everything.
	Resume *Resume
	// Slots, when set, makes every attempt also take slots shared with
	// other runs (see Slots); the run's own limits apply as well.
	Slots Slots
	// TraceID, when set, returns the id of the trace the run is recorded
	// in; it is called once the run has finished and stored in the record.
	TraceID func() string
	// MemoryBudget overrides the spec's concurrency.memory when > 0 (bytes);
	// < 0 turns the budget off. Zero keeps the spec's value, else
	// DefaultMemoryBudget.
	MemoryBudget int64
}

// Run executes the plan and returns its record.
//
// Scheduling: a task starts when all its dependencies have succeeded. At
// most MaxConcurrency (else spec concurrency.max, else the number of CPUs)
// tasks run at once. A task with a concurrency_key first takes a slot of its
// key, and only then waits for a global slot, so a task blocked on its key
// never holds a global slot that an unrelated task could use. A key listed
// under concurrency.keys allows that many tasks at once; a key that is not
// listed allows one.
//
// Memory: outputs are held for the tasks that read them and let go when
// the last of those is final (or, for a kept output, while all of them wait
// to retry: a retry reloads it). Runnable tasks start depth first, so the
// readers of held outputs go before new producers. A task whose memory
// estimate (see run.need), added to the held outputs and the estimates of
// the running tasks, would exceed the memory budget waits like a task
// blocked on its key, holding no slot; a task larger than the whole budget
// runs alone.
//
// Failures: an attempt that fails (or times out) is retried task.Retries
// times after an exponential backoff with jitter, holding no slot while it
// waits. A task that still fails makes every task downstream of it
// skipped ("upstream failed: <id>"); independent tasks go on, unless the
// spec sets fail_fast, which cancels running tasks and skips the rest.
// Cancelling ctx cancels running tasks, marks the others cancelled and
// returns within RunOptions.CancelGrace.
//
// Records: <StateDir>/runs/<run-id>/run.json is written when the run starts,
// at most every 250 ms while it goes (less often when the record is huge),
// and when it ends. A task's log, logs/<task-id>.log, holds the engine's
// attempt lines and everything the task wrote to Env.Log and Env.Output; it
// is created only for tasks that write something or fail (see taskLog).
//
// Run returns a nil record only when the run could not start (bad options,
// unusable state directory). Otherwise the record is complete and the error
// wraps ErrRunFailed or ErrRunCancelled when the run did not succeed, or
// reports a failure to write the run record.
//
// The error's exit status (exitcode.Of) is that of ErrRunCancelled or
// ErrRunFailed, except when every failed task failed with an error that
// carries the same status: the run then carries it too. A run whose only
// failures are validations under a `fail` policy thus ends with
// exitcode.DataInvalid, and one where anything else failed as well with
// exitcode.Failed.
func (p *Plan) Run(ctx context.Context, opts RunOptions) (*RunRecord, error) {
	r, err := p.newRun(opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// taskState is the scheduler's view of one task; it is only touched by the
// loop goroutine.
type taskState struct {
	rec            int // index in run.rec.Tasks, -1 when not selected
	status         Status
	waiting        int // dependencies that have not succeeded yet
	openDependents int // selected dependents not final yet
	result         *Result
	attempt        int
	started        time.Time
	retryTimer     *time.Timer // set while waiting to retry
	exitCode       int         // exitcode.Of the error the task failed with
	size           int64       // memory estimate of the output (Sizer)
	need           int64       // memory estimate of the running attempt
	released       bool        // result dropped early; readers reload it
}

// attemptResult is what an attempt goroutine reports to the loop.
type attemptResult struct {
	idx     int
	attempt int
	res     *Result
	err     error
	ended   time.Time
	logged  bool // the task's log file exists
	reused  bool // the output was loaded from the resumed run
	size    int64
}

// fifo is a queue of node indexes.
type fifo struct {
	items []int
	head  int
}

func (q *fifo) push(i int) { q.items = append(q.items, i) }
func (q *fifo) len() int   { return len(q.items) - q.head }
func (q *fifo) pop() int {
	i := q.items[q.head]
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return i
}

// run is one execution of a plan. Its fields are owned by the loop goroutine
// except those documented otherwise.
type run struct {
	plan   *Plan
	opts   RunOptions
	red    Redactor
	log    *slog.Logger
	obs    Observer
	now    func() time.Time
	runDir string
	max    int
	grace  time.Duration
	// traceID reports the trace the run is recorded in (RunOptions.TraceID).
	traceID func() string

	sel []int // selected node indexes, file order
	st  []taskState
	rec RunRecord

	keyUsed map[string]int
	keyWait map[string]*fifo
	ready   readyQueue // holding their key slot, waiting for a global slot
	running int        // attempts in flight (global slots used)
	left    int        // selected tasks not final

	budget      int64 // memory budget in bytes; <= 0 means none
	held        int64 // memory of the outputs held for dependents
	runningNeed int64 // memory estimates of the running attempts
	alone       int   // a running task over the whole budget, or -1
	// reload lists, by node index, the dependencies whose released output
	// the next attempt must reload; set by the loop before it starts the
	// attempt and read by that attempt's goroutine.
	reload [][]int

	runCtx    context.Context // read by attempt goroutines
	cancelRun context.CancelFunc
	stopping  bool
	userStop  bool   // stopped by ctx, not by fail_fast
	failedBy  string // the task that triggered fail_fast
	abandoned bool

	done  chan attemptResult
	retry chan int
	quit  chan struct{} // closed when the loop ends
	group errgroup.Group

	writer    *recordWriter
	dirty     bool
	lastFlush time.Time

	resume *resumeState // nil unless RunOptions.Resume is set
}

// newRun checks options, selects tasks and creates the run directory.
func (p *Plan) newRun(opts RunOptions) (*run, error) {
	r := &run{plan: p, opts: opts, red: opts.Redactor, obs: opts.Observer, now: opts.Clock}
	if r.red == nil {
		r.red = noSecrets{}
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.log = opts.Logger
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	r.max = opts.MaxConcurrency
	if r.max <= 0 {
		r.max = p.spec.Concurrency.Max
	}
	if r.max <= 0 {
		r.max = runtime.NumCPU()
	}
	r.budget = opts.MemoryBudget
	if r.budget == 0 {
		r.budget = p.spec.Concurrency.Memory
	}
	if r.budget == 0 {
		r.budget = DefaultMemoryBudget()
	}
	r.alone = -1
	r.ready.depth = p.depths()
	r.reload = make([][]int, len(p.nodes))
	r.traceID = opts.TraceID
	r.grace = opts.CancelGrace
	if r.grace <= 0 {
		r.grace = defaultCancelGrace
	}
	if err := r.selectTasks(opts.Only); err != nil {
		return nil, err
	}
	runID := opts.RunID
	if runID == "" {
		runID = NewRunID(r.now())
	}
	if err := checkRunID(runID); err != nil {
		return nil, err
	}
	dir, err := runstate.New(opts.StateDir).MakeRun(runID)
	if err != nil {
		return nil, err
	}
	r.runDir = dir
	r.rec = RunRecord{
		RunID:    runID,
		Pipeline: p.spec.Name,
		SpecPath: p.spec.Path,
		SpecHash: p.spec.Hash,
		Params:   redactParams(r.red, opts.Params),
		Only:     append([]string(nil), opts.Only...),
		Status:   StatusRunning,
		Tasks:    make([]TaskRecord, 0, len(r.sel)),
	}
	for _, i := range r.sel {
		r.st[i].rec = len(r.rec.Tasks)
		t := p.nodes[i].task
		r.rec.Tasks = append(r.rec.Tasks, TaskRecord{ID: t.ID, Type: t.Type, Status: StatusPending})
	}
	if err := r.planReuse(); err != nil {
		return nil, err
	}
	return r, nil
}

// selectTasks marks the tasks to run: all of them, or those in only and
// their transitive dependencies.
func (r *run) selectTasks(only []string) error {
	p := r.plan
	r.st = make([]taskState, len(p.nodes))
	for i := range r.st {
		r.st[i] = taskState{rec: -1, status: StatusPending}
	}
	if len(only) == 0 {
		r.sel = make([]int, len(p.nodes))
		for i := range p.nodes {
			r.sel[i] = i
			r.st[i].rec = 0
		}
		return nil
	}
	var unknown []string
	stack := make([]int, 0, len(only))
	for _, id := range only {
		i, ok := p.index[id]
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		stack = append(stack, i)
	}
	if len(unknown) > 0 {
		return r.unknownOnly(unknown)
	}
	chosen := make([]bool, len(p.nodes))
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if chosen[i] {
			continue
		}
		chosen[i] = true
		stack = append(stack, p.nodes[i].deps...)
	}
	for i, c := range chosen {
		if c {
			r.sel = append(r.sel, i)
			r.st[i].rec = 0
		}
	}
	return nil
}

func (r *run) unknownOnly(unknown []string) error {
	ids := make([]string, len(r.plan.nodes))
	for i, n := range r.plan.nodes {
		ids[i] = n.task.ID
	}
	msgs := make([]string, len(unknown))
	for i, id := range unknown {
		msgs[i] = fmt.Sprintf("%q", id)
		if s := suggest.Closest(id, ids); s != "" {
			msgs[i] += fmt.Sprintf(" (did you mean %q?)", s)
		}
	}
	return fmt.Errorf("--only: %w %s in spec %s", ErrUnknownTask, strings.Join(msgs, ", "), r.plan.spec.Path)
}

// run is the scheduler's event loop.
func (r *run) run(ctx context.Context) (*RunRecord, error) {
	p := r.plan
	r.runCtx, r.cancelRun = context.WithCancel(ctx)
	defer r.cancelRun()
	r.done = make(chan attemptResult, r.max)
	r.retry = make(chan int)
	r.quit = make(chan struct{})
	r.keyUsed = make(map[string]int)
	r.keyWait = make(map[string]*fifo)

	start := r.now()
	r.rec.StartedAt = start
	recPath := runstate.RecordPath(r.runDir)
	if err := writeRecord(recPath, &r.rec, false); err != nil {
		return nil, err
	}
	r.writer = newRecordWriter(recPath)
	r.lastFlush = start
	r.log.Info("run started", "run_id", r.rec.RunID, "pipeline", r.rec.Pipeline, "tasks", len(r.sel), "dir", r.runDir, "max_concurrency", r.max, "memory_budget", r.budget)
	r.emit(Event{Kind: EventRunStarted, Time: start, Status: StatusRunning, Total: len(r.sel)})

	for _, i := range r.sel {
		n := p.nodes[i]
		st := &r.st[i]
		for _, d := range n.deps {
			if r.st[d].rec >= 0 {
				st.waiting++
			}
		}
		for _, d := range n.dependents {
			if r.st[d].rec >= 0 {
				st.openDependents++
			}
		}
	}
	r.left = len(r.sel)
	// Collect the roots before enqueueing any: a reused root finishes at
	// once and may make a later task runnable, which must not be enqueued
	// a second time by this loop.
	var roots []int
	for _, i := range r.sel {
		if r.st[i].waiting == 0 {
			roots = append(roots, i)
		}
	}
	for _, i := range roots {
		r.enqueue(i)
	}

	ticker := time.NewTicker(recordInterval / 5)
	defer ticker.Stop()
	ctxDone := ctx.Done()
	var graceC <-chan time.Time
	for r.left > 0 {
		r.dispatch()
		select {
		case res := <-r.done:
			r.finishAttempt(res)
		case i := <-r.retry:
			r.retryDue(i)
		case <-ctxDone:
			ctxDone = nil
			if !r.stopping {
				r.userStop = true
				r.stop()
			}
		case <-graceC:
			r.abandon()
		case now := <-ticker.C:
			r.flush(now)
		}
		if r.stopping && graceC == nil {
			// Covers both ctx cancellation and fail_fast.
			graceC = time.After(r.grace)
		}
	}
	// The last results can arrive together with the cancellation, and the
	// select above may take them first: a task cancelled by ctx still makes
	// this a cancelled run, never a succeeded one.
	if !r.stopping && ctx.Err() != nil && r.anyCancelled() {
		r.userStop = true
	}
	close(r.quit)
	if !r.abandoned {
		_ = r.group.Wait() // attempts report through r.done, never as errors
	}
	return r.finishRun(ctx, recPath)
}

// anyCancelled reports whether a selected task ended cancelled.
func (r *run) anyCancelled() bool {
	for _, i := range r.sel {
		if st := &r.st[i]; st.rec >= 0 && r.rec.Tasks[st.rec].Status == StatusCancelled {
			return true
		}
	}
	return false
}

// limitOf returns the limit of a concurrency key; undeclared keys allow one.
func (r *run) limitOf(key string) int {
	if n, ok := r.plan.spec.Concurrency.Keys[key]; ok && n > 0 {
		return n
	}
	return 1
}

// enqueue makes task i runnable: it takes a slot of its key if it has one,
// or waits for the key without holding anything.
func (r *run) enqueue(i int) {
	if r.tryReuse(i) {
		return
	}
	key := r.plan.nodes[i].task.ConcurrencyKey
	if key == "" {
		r.ready.push(i)
		return
	}
	if r.keyUsed[key] < r.limitOf(key) {
		r.keyUsed[key]++
		r.ready.push(i)
		return
	}
	q := r.keyWait[key]
	if q == nil {
		q = &fifo{}
		r.keyWait[key] = q
	}
	q.push(i)
}

// releaseKey frees a key slot and hands it to the next task waiting for it.
func (r *run) releaseKey(i int) {
	key := r.plan.nodes[i].task.ConcurrencyKey
	if key == "" {
		return
	}
	r.keyUsed[key]--
	if q := r.keyWait[key]; q != nil && q.len() > 0 && !r.stopping {
		r.keyUsed[key]++
		r.ready.push(q.pop())
	}
}

// dispatch starts ready tasks while global slots are free. Once the run's
// context is done nothing new starts, even before the loop has seen the
// cancellation: a task finishing at that moment must not let another in.
// A task that does not fit the memory budget stays in line, in its place,
// and the next one is tried.
func (r *run) dispatch() {
	var waiting []readyItem
	for !r.stopping && r.runCtx.Err() == nil && r.running < r.max && r.ready.len() > 0 {
		it := r.ready.popItem()
		need := r.need(it.idx)
		if !r.fits(it.idx, need) {
			waiting = append(waiting, it)
			continue
		}
		if r.budget > 0 && need > r.budget {
			r.alone = it.idx
			r.log.Warn("task needs more memory than the run's budget; running it alone",
				"task", r.plan.nodes[it.idx].task.ID, "need", need, "budget", r.budget)
		}
		r.st[it.idx].need = need
		r.runningNeed += need
		r.start(it.idx)
	}
	for _, it := range waiting {
		r.ready.pushItem(it)
	}
}

// start launches the next attempt of task i in its own goroutine.
func (r *run) start(i int) {
	n := r.plan.nodes[i]
	st := &r.st[i]
	now := r.now()
	st.attempt++
	st.status = StatusRunning
	tr := &r.rec.Tasks[st.rec]
	if st.attempt == 1 {
		st.started = now
		tr.StartedAt = now
	}
	tr.Status = StatusRunning
	tr.Attempts = st.attempt
	r.dirty = true
	inputs, toLoad := r.inputsOf(i)
	r.reload[i] = toLoad
	r.running++
	attempt := st.attempt
	r.emit(Event{Kind: EventTaskStarted, Time: now, TaskID: n.task.ID, TaskType: n.task.Type, Attempt: attempt, Status: StatusRunning})
	r.group.Go(func() error {
		res := r.attempt(i, n, attempt, inputs)
		select {
		case r.done <- res:
		case <-r.quit:
		}
		return nil
	})
}

// attempt runs one attempt of a task; it is the only code that runs outside
// the loop goroutine, and it touches nothing of the run but read-only fields.
func (r *run) attempt(i int, n *node, attempt int, inputs map[string]*Result) attemptResult {
	t := n.task
	out := attemptResult{idx: i, attempt: attempt}
	tl := newTaskLog(filepath.Join(r.runDir, logRelPath(t.ID)), r.red)
	engineLog := tl.logger(tl.engine).With("attempt", attempt)
	env := &Env{
		RunID:   r.rec.RunID,
		RunDir:  r.runDir,
		TaskID:  t.ID,
		Attempt: attempt,
		SpecDir: r.plan.spec.Dir,
		Log:     tl.logger(tl.records).With("attempt", attempt),
		Output:  tl.output,
		inputs:  inputs,
	}
	engineLog.Info("attempt started", "task", t.ID, "type", t.Type)
	began := time.Now()
	ctx := r.runCtx
	if t.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.Timeout)
		defer cancel()
	}
	out.res, out.reused, out.err = r.runOrReuse(ctx, i, n, env, engineLog)
	if out.err != nil && t.Timeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) && r.runCtx.Err() == nil {
		out.err = &TimeoutError{After: t.Timeout}
	}
	took := time.Since(began)
	if out.err == nil {
		out.size = sizeOf(out.res)
	}
	if out.err != nil {
		// Failures are rare and worth a file even for a task that printed
		// nothing: it keeps every attempt's error, where run.json keeps
		// only the last.
		tl.forceFile()
		engineLog.Error("attempt failed", "error", out.err.Error(), "duration", took)
	} else {
		var in, outRows int64
		if out.res != nil {
			in, outRows = out.res.RowsIn, out.res.RowsOut
		}
		engineLog.Info("attempt succeeded", "duration", took, "rows_in", in, "rows_out", outRows)
	}
	logged, err := tl.close()
	if err != nil {
		r.log.Warn("task log incomplete", "task", t.ID, "error", r.red.String(err.Error()))
	}
	out.logged = logged
	out.ended = r.now()
	return out
}

// safeRun runs a task, turning a panic into an error so that one broken task
// cannot take the whole run down.
func safeRun(ctx context.Context, t Task, env *Env, logger *slog.Logger) (res *Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			logger.Error("task panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			res, err = nil, fmt.Errorf("task panicked: %v", v)
		}
	}()
	return t.Run(ctx, env)
}

// finishAttempt applies an attempt's outcome.
func (r *run) finishAttempt(a attemptResult) {
	i := a.idx
	st := &r.st[i]
	if st.status != StatusRunning || st.attempt != a.attempt {
		return // the task was given up on (abandon) while this attempt ran
	}
	r.running--
	r.runningNeed -= st.need
	st.need = 0
	if r.alone == i {
		r.alone = -1
	}
	r.releaseKey(i)
	n := r.plan.nodes[i]
	tr := &r.rec.Tasks[st.rec]
	if a.logged {
		tr.Log = logRelPath(n.task.ID)
	}
	if a.res != nil {
		tr.RowsIn, tr.RowsOut = a.res.RowsIn, a.res.RowsOut
		tr.Attrs = redactAttrs(r.red, a.res.Attrs)
	}
	if a.reused && a.err == nil {
		r.markReused(i, tr)
	}
	r.dirty = true
	switch {
	case a.err == nil:
		tr.Error = ""
		if st.openDependents > 0 {
			r.hold(i, a.res, a.size)
		}
		r.final(i, StatusSucceeded, "", "", a.ended)
		r.releaseDependents(i)
	case r.runCtx.Err() != nil:
		r.final(i, StatusCancelled, r.red.String(a.err.Error()), "", a.ended)
	case a.attempt <= n.task.Retries:
		msg := r.red.String(a.err.Error())
		tr.Error = msg
		delay := backoff(n.task.RetryDelay, a.attempt)
		r.log.Info("task retrying", "task", n.task.ID, "attempt", a.attempt, "error", msg, "delay", delay)
		r.emit(Event{Kind: EventTaskRetrying, Time: a.ended, TaskID: n.task.ID, TaskType: n.task.Type,
			Attempt: a.attempt, Status: StatusRunning, Error: msg, Delay: delay})
		st.retryTimer = time.AfterFunc(delay, func() {
			select {
			case r.retry <- i:
			case <-r.quit:
			}
		})
		r.releaseWhileRetrying(i)
	default:
		st.exitCode = exitcode.Of(a.err)
		msg := r.red.String(a.err.Error())
		r.log.Warn("task failed", "task", n.task.ID, "attempts", a.attempt, "error", msg)
		r.final(i, StatusFailed, msg, "", a.ended)
		r.skipDownstream(i)
		if r.plan.spec.FailFast && !r.stopping {
			r.failedBy = n.task.ID
			r.stop()
		}
	}
}

// retryDue puts a task whose backoff has elapsed back in line.
func (r *run) retryDue(i int) {
	st := &r.st[i]
	if st.retryTimer == nil || r.stopping {
		return
	}
	st.retryTimer = nil
	r.enqueue(i)
}

// backoff is the wait before attempt+1: base doubled per attempt, capped,
// then scaled by a random factor in [0.5, 1.5) so that tasks failing
// together do not retry in lockstep.
func backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		base = DefaultRetryDelay
	}
	return retry.Backoff{Base: base, Cap: maxRetryDelay, Jitter: retry.Spread}.Delay(attempt)
}

// final records that task i reached a final status.
func (r *run) final(i int, status Status, errMsg, reason string, at time.Time) {
	st := &r.st[i]
	st.status = status
	st.retryTimer = nil
	tr := &r.rec.Tasks[st.rec]
	tr.Status = status
	tr.Error = errMsg
	tr.SkipReason = reason
	if !st.started.IsZero() {
		tr.EndedAt = at
		tr.Duration = at.Sub(st.started)
	}
	r.left--
	r.dirty = true
	n := r.plan.nodes[i]
	// Dependencies hand their output to dependents only; once the last
	// dependent is final nothing can read it any more.
	for _, d := range n.deps {
		ds := &r.st[d]
		if ds.rec < 0 {
			continue
		}
		ds.openDependents--
		if ds.openDependents == 0 {
			r.drop(d, false)
		}
	}
	if st.openDependents == 0 {
		r.drop(i, false)
	}
	r.emit(Event{Kind: EventTaskFinished, Time: at, TaskID: n.task.ID, TaskType: n.task.Type, Attempt: st.attempt,
		Status: status, Error: errMsg, Reason: reason, Duration: tr.Duration, RowsIn: tr.RowsIn, RowsOut: tr.RowsOut})
}

// skipDownstream skips every task that depends, transitively, on failed task i.
func (r *run) skipDownstream(i int) {
	reason := "upstream failed: " + r.plan.nodes[i].task.ID
	now := r.now()
	stack := append([]int(nil), r.plan.nodes[i].dependents...)
	for len(stack) > 0 {
		d := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if r.st[d].rec < 0 || r.st[d].status != StatusPending {
			continue
		}
		r.final(d, StatusSkipped, "", reason, now)
		stack = append(stack, r.plan.nodes[d].dependents...)
	}
}

// stop cancels the run: running attempts see their context cancelled and
// report back; everything not running becomes final now.
func (r *run) stop() {
	r.stopping = true
	r.cancelRun()
	now := r.now()
	status, reason := StatusCancelled, ""
	if !r.userStop {
		status, reason = StatusSkipped, fmt.Sprintf("fail_fast: %s failed", r.failedBy)
	}
	for _, i := range r.sel {
		st := &r.st[i]
		switch {
		case st.retryTimer != nil:
			st.retryTimer.Stop()
			r.final(i, StatusCancelled, r.rec.Tasks[st.rec].Error, "", now)
		case st.status == StatusPending:
			r.final(i, status, "", reason, now)
		}
	}
	r.ready.clear()
	clear(r.keyWait)
}

// abandon gives up on attempts that ignored cancellation for the grace
// period, so that Run returns in bounded time.
func (r *run) abandon() {
	r.abandoned = true
	now := r.now()
	msg := "did not stop within " + FormatDuration(r.grace) + " of cancellation"
	for _, i := range r.sel {
		if st := &r.st[i]; st.status == StatusRunning && st.retryTimer == nil {
			r.running--
			r.runningNeed -= st.need
			st.need = 0
			r.log.Warn("task abandoned", "task", r.plan.nodes[i].task.ID, "error", msg)
			r.final(i, StatusCancelled, msg, "", now)
		}
	}
}

// flush hands a snapshot of the record to the background writer when it
// changed and the writer is free. Snapshots are spaced by at least ten
// times what the last one cost, so that writing a huge record never takes
// more than a tenth of a core.
func (r *run) flush(now time.Time) {
	if !r.dirty || !r.writer.idle() || now.Sub(r.lastFlush) < max(recordInterval, 10*r.writer.lastCost()) {
		return
	}
	snap := r.rec
	// Task records are values, so copying the slice decouples the snapshot
	// from the loop's later updates; their Attrs maps are never modified
	// once set.
	snap.Tasks = append([]TaskRecord(nil), r.rec.Tasks...)
	r.writer.offer(&snap)
	r.dirty = false
	r.lastFlush = now
}

// finishRun settles the run's status and writes the final record.
func (r *run) finishRun(ctx context.Context, recPath string) (*RunRecord, error) {
	end := r.now()
	r.rec.EndedAt = end
	r.rec.Duration = end.Sub(r.rec.StartedAt)
	var failed []string
	for _, t := range r.rec.Tasks {
		if t.Status == StatusFailed {
			failed = append(failed, t.ID)
		}
	}
	var runErr error
	switch {
	case r.userStop:
		r.rec.Status = StatusCancelled
		r.rec.Error = "cancelled: " + r.red.String(context.Cause(ctx).Error())
		runErr = fmt.Errorf("%w: %s", ErrRunCancelled, r.rec.Error)
	case len(failed) > 0:
		r.rec.Status = StatusFailed
		r.rec.Error = failedSummary(failed)
		if r.failedBy != "" {
			r.rec.Error += " (fail_fast stopped the run)"
		}
		runErr = fmt.Errorf("%w: %s", ErrRunFailed, r.rec.Error)
		if code := r.failedExitCode(); code != exitcode.Failed {
			runErr = exitcode.Wrap(code, runErr)
		}
	default:
		r.rec.Status = StatusSucceeded
	}
	if r.traceID != nil {
		r.rec.TraceID = r.traceID()
	}
	if err := r.writer.close(); err != nil {
		// The final write below supersedes the snapshots; only log.
		r.log.Warn("run record snapshot not written", "error", err)
	}
	werr := writeRecord(recPath, &r.rec, true)
	if werr == nil {
		r.applyRetention()
	}
	r.log.Info("run finished", "run_id", r.rec.RunID, "status", r.rec.Status, "duration", r.rec.Duration)
	r.emit(Event{Kind: EventRunFinished, Time: end, Status: r.rec.Status, Error: r.rec.Error, Duration: r.rec.Duration, Total: len(r.sel)})
	rec := r.rec
	return &rec, errors.Join(runErr, werr)
}

// failedExitCode is the exit status the failed tasks agree on, or
// exitcode.Failed when they do not.
func (r *run) failedExitCode() int {
	code := 0
	for i := range r.st {
		st := &r.st[i]
		if st.rec < 0 || st.status != StatusFailed {
			continue
		}
		c := st.exitCode
		if c == exitcode.OK {
			c = exitcode.Failed
		}
		if code != 0 && code != c {
			return exitcode.Failed
		}
		code = c
	}
	if code == 0 {
		return exitcode.Failed
	}
	return code
}

func failedSummary(ids []string) string {
	const show = 5
	noun := "task"
	if len(ids) > 1 {
		noun = "tasks"
	}
	list := ids
	more := ""
	if len(ids) > show {
		list, more = ids[:show], fmt.Sprintf(" and %d more", len(ids)-show)
	}
	return fmt.Sprintf("%d %s failed: %s%s", len(ids), noun, strings.Join(list, ", "), more)
}

func (r *run) emit(e Event) {
	if r.obs == nil {
		return
	}
	e.RunID = r.rec.RunID
	r.obs.Observe(e)
}

// MaskParams returns params as run records hold them: every string
// masked with red, at any depth and in keys, so that what other records
// store (the run history's params) matches run.json.
func MaskParams(red Redactor, params map[string]any) map[string]any { return redactParams(red, params) }

// redactParams copies params with every string masked, keys included (a
// task may key its attributes by a column name that came from a secret).
// Values of other kinds are kept as they are: a secret is always a string.
func redactParams(red Redactor, params map[string]any) map[string]any {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string]any, len(params))
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mk := red.String(k)
		// Two keys masked alike stay two entries.
		for n := 2; ; n++ {
			if _, taken := out[mk]; !taken {
				break
			}
			mk = fmt.Sprintf("%s (%d)", red.String(k), n)
		}
		out[mk] = redactValue(red, params[k])
	}
	return out
}

func redactAttrs(red Redactor, attrs map[string]any) map[string]any {
	if len(attrs) == 0 {
		return nil
	}
	if red.Empty() {
		return attrs
	}
	return redactParams(red, attrs)
}

func redactValue(red Redactor, v any) any {
	switch x := v.(type) {
	case string:
		return red.String(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = red.String(s)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(red, e)
		}
		return out
	case map[string]any:
		return redactParams(red, x)
	case json.Number:
		return x
	case error:
		return red.String(x.Error())
	case fmt.Stringer:
		return red.String(x.String())
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Pointer:
		// Any other composite (map[string]int, a struct) is recorded as
		// JSON: mask it in that form, numbers kept exact.
		return redactJSON(red, v)
	}
	return v
}

// redactJSON masks v in the form its record takes: decoded from JSON into
// maps, lists, strings and exact numbers, then redacted. A value that does
// not encode is recorded as its masked text.
func redactJSON(red Redactor, v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return red.String(fmt.Sprint(v))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return red.String(string(data))
	}
	return redactValue(red, generic)
}
