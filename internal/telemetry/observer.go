package telemetry

import (
	"cmp"
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/redact"
)

// Span names.
const (
	SpanRun  = "hotpass.run"
	SpanTask = "hotpass.task"
)

// RunOption adjusts a RunObserver.
type RunOption func(*RunObserver)

// Masking masks red's secrets in the string attributes of the metrics
// tasks record through the observer's context (a column named by a secret
// must not reach a collector). Engine events arrive already masked.
func Masking(red *redact.Redactor) RunOption {
	return func(o *RunObserver) { o.red = red }
}

// ChildOf makes the run span a child of parent, in parent's trace.
func ChildOf(parent trace.SpanContext) RunOption {
	return func(o *RunObserver) { o.parent = parent }
}

// LinkedTo starts the run in a trace of its own whose root span links to
// each of spans: the shape for backfill child runs, which would otherwise
// make one enormous trace of the parent run.
func LinkedTo(spans ...trace.SpanContext) RunOption {
	return func(o *RunObserver) {
		for _, sc := range spans {
			if sc.IsValid() {
				o.links = append(o.links, trace.Link{SpanContext: sc})
			}
		}
	}
}

// Queueing of task events between Observe and the recording goroutine.
const (
	// wakeBatch is how many queued events wake the recording goroutine:
	// waking it for every event would cost the scheduler about as much as
	// recording the event itself.
	wakeBatch = 256
	// maxLinger bounds how long a queued event waits when fewer than
	// wakeBatch arrive, so that the spans of a slow run are exported about
	// as soon as their tasks end.
	maxLinger = 50 * time.Millisecond
	// maxQueued is the queue length at which Observe records the queued
	// events itself rather than let the queue grow while the recording
	// goroutine cannot keep up.
	maxQueued = 8192
)

// RunObserver is an engine.Observer that records a run as traces and
// metrics:
//
//   - a hotpass.run span from run started to run finished, with the
//     pipeline, run id, status and task counts;
//   - a hotpass.task child span per attempt, with task id, type, attempt,
//     status, rows in and out, and the error (span status Error) of failed
//     attempts; tasks that never started (skipped, cancelled) get a
//     zero-length span carrying the reason;
//   - the run and task metrics (see the Metric* names).
//
// Spans take their start and end times from the events, so they match the
// run record. Observe is called on the scheduler's goroutine: it starts
// and ends the run span itself but only queues task events, which a
// goroutine of the observer turns into spans and metrics while the
// scheduler goes on. When Observe returns from the run-finished event,
// every span of the run has ended. An attempt's span is started when the
// attempt ends, with all its attributes at once, unless TaskContext needs
// it earlier; either way it starts at the attempt's start time.
//
// The other methods may be called from any goroutine, during or after the
// run. A RunObserver follows one run at a time; a new run-started event
// starts a new run span.
type RunObserver struct {
	tel          *Telemetry
	pipeline     string
	pipelineAttr attribute.KeyValue
	parent       trace.SpanContext
	links        []trace.Link
	off          bool // a no-op Telemetry: nothing to record
	red          *redact.Redactor

	// mu guards the run span as other goroutines see it.
	mu     sync.Mutex
	runID  string
	run    trace.Span
	runCtx context.Context

	// qmu guards the task events not yet recorded. rec is nil outside a
	// run; events are then recorded as they arrive.
	qmu   sync.Mutex
	queue []engine.Event
	rec   *recorder

	// rmu serialises recording and guards the fields below. It is taken
	// before qmu and mu.
	rmu     sync.Mutex
	spare   []engine.Event // the queue's other buffer
	tasks   map[string]attempt
	counts  map[engine.Status]int
	byType  map[typeStatus]metric.RecordOption
	retryBy map[string]metric.AddOption
	attrs   []attribute.KeyValue // scratch; the SDK copies attributes
}

type typeStatus struct {
	typ    string
	status engine.Status
}

// attempt is a task's running attempt.
type attempt struct {
	start   time.Time
	typ     string
	attempt int
	span    trace.Span // nil until TaskContext needs it
}

// recorder is the goroutine recording queued events during a run.
type recorder struct {
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// NewRunObserver returns an observer recording runs of pipeline through t
// (nil means no-op).
func NewRunObserver(t *Telemetry, pipeline string, opts ...RunOption) *RunObserver {
	o := &RunObserver{
		tel:          t.orNoop(),
		off:          t.orNoop() == noopTelemetry,
		pipeline:     pipeline,
		pipelineAttr: attribute.String(AttrPipeline, pipeline),
		runCtx:       context.Background(),
		tasks:        map[string]attempt{},
		counts:       map[engine.Status]int{},
		byType:       map[typeStatus]metric.RecordOption{},
		retryBy:      map[string]metric.AddOption{},
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// ChildRunObserver returns an observer for a run started from within
// another one (a backfill's child runs): it records through the Telemetry
// in ctx and its run span starts a new trace linked to the span active in
// ctx (see TaskContext).
func ChildRunObserver(ctx context.Context, pipeline string, opts ...RunOption) *RunObserver {
	opts = append([]RunOption{LinkedTo(trace.SpanContextFromContext(ctx))}, opts...)
	return NewRunObserver(FromContext(ctx), pipeline, opts...)
}

// Observe implements engine.Observer.
func (o *RunObserver) Observe(e engine.Event) {
	if o.off {
		return
	}
	switch e.Kind {
	case engine.EventRunStarted:
		o.stopRecorder()
		o.rmu.Lock()
		o.runStarted(e)
		o.rmu.Unlock()
		o.startRecorder()
		return
	case engine.EventRunFinished:
		o.stopRecorder()
		o.rmu.Lock()
		o.runFinished(e)
		o.rmu.Unlock()
		return
	}
	o.qmu.Lock()
	rec := o.rec
	if rec == nil {
		o.qmu.Unlock()
		o.rmu.Lock()
		o.record(&e)
		o.rmu.Unlock()
		return
	}
	o.queue = append(o.queue, e)
	n := len(o.queue)
	o.qmu.Unlock()
	switch {
	case n >= maxQueued:
		o.drain()
	case n == wakeBatch:
		select {
		case rec.wake <- struct{}{}:
		default: // already due to wake
		}
	}
}

// startRecorder starts the goroutine recording queued events.
func (o *RunObserver) startRecorder() {
	rec := &recorder{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	o.qmu.Lock()
	o.rec = rec
	o.qmu.Unlock()
	go func() {
		defer close(rec.done)
		tick := time.NewTicker(maxLinger)
		defer tick.Stop()
		for {
			select {
			case <-rec.wake:
			case <-tick.C:
			case <-rec.stop:
				return
			}
			o.drain()
		}
	}()
}

// stopRecorder stops the recording goroutine, if any, and records what it
// left in the queue.
func (o *RunObserver) stopRecorder() {
	o.qmu.Lock()
	rec := o.rec
	o.rec = nil
	o.qmu.Unlock()
	if rec == nil {
		return
	}
	close(rec.stop)
	<-rec.done
	o.drain()
}

// drain records the queued events.
func (o *RunObserver) drain() {
	o.rmu.Lock()
	defer o.rmu.Unlock()
	o.drainLocked()
}

// drainLocked records the queued events; rmu is held.
func (o *RunObserver) drainLocked() {
	o.qmu.Lock()
	q := o.queue
	o.queue = o.spare[:0]
	o.qmu.Unlock()
	for i := range q {
		o.record(&q[i])
	}
	clear(q) // drop the events' strings
	o.spare = q
}

// record turns one task event into spans and metrics; rmu is held.
func (o *RunObserver) record(e *engine.Event) {
	switch e.Kind {
	case engine.EventTaskStarted:
		o.taskStarted(e)
	case engine.EventTaskRetrying:
		o.taskRetrying(e)
	case engine.EventTaskFinished:
		o.taskFinished(e)
	}
}

func (o *RunObserver) runStarted(e engine.Event) {
	ctx := context.Background()
	if o.parent.IsValid() {
		ctx = trace.ContextWithSpanContext(ctx, o.parent)
	}
	opts := []trace.SpanStartOption{
		trace.WithTimestamp(e.Time),
		trace.WithAttributes(o.pipelineAttr, attribute.String(AttrRunID, e.RunID), attribute.Int(AttrTasksTotal, e.Total)),
	}
	if len(o.links) > 0 {
		opts = append(opts, trace.WithLinks(o.links...))
	}
	if !o.parent.IsValid() {
		opts = append(opts, trace.WithNewRoot())
	}
	runCtx, run := o.tel.tracer.Start(ctx, SpanRun, opts...)
	o.mu.Lock()
	o.runCtx, o.run, o.runID = runCtx, run, e.RunID
	o.mu.Unlock()
	clear(o.tasks)
	clear(o.counts)
}

func (o *RunObserver) taskStarted(e *engine.Event) {
	if old, ok := o.tasks[e.TaskID]; ok {
		// A new attempt before the old one ended: end the old one here.
		o.attemptSpan(e.TaskID, old, nil).End(trace.WithTimestamp(e.Time))
	}
	o.tasks[e.TaskID] = attempt{start: e.Time, typ: e.TaskType, attempt: e.Attempt}
}

// attemptSpan returns the span of task id's attempt a with attrs added:
// the live span if TaskContext started one, else a span started now at
// the attempt's start time with every attribute at once, which costs the
// SDK much less than adding attributes to a live span.
func (o *RunObserver) attemptSpan(id string, a attempt, attrs []attribute.KeyValue) trace.Span {
	if a.span != nil {
		if len(attrs) > 0 {
			a.span.SetAttributes(attrs...)
		}
		return a.span
	}
	all := append(o.attrs[:0],
		attribute.String(AttrTaskID, id),
		attribute.String(AttrTaskType, a.typ),
		attribute.Int(AttrAttempt, a.attempt))
	all = append(all, attrs...)
	o.attrs = all
	_, span := o.tel.tracer.Start(o.runCtx, SpanTask, trace.WithTimestamp(a.start), trace.WithAttributes(all...))
	return span
}

// endingSpan returns the span of the attempt e ends, with attrs added,
// and forgets the attempt; a task that never started gets a zero-length
// span.
func (o *RunObserver) endingSpan(e *engine.Event, attrs []attribute.KeyValue) trace.Span {
	a, ok := o.tasks[e.TaskID]
	if ok {
		delete(o.tasks, e.TaskID)
	} else {
		a = attempt{start: e.Time, typ: e.TaskType, attempt: e.Attempt}
	}
	return o.attemptSpan(e.TaskID, a, attrs)
}

func (o *RunObserver) taskRetrying(e *engine.Event) {
	span := o.endingSpan(e, []attribute.KeyValue{
		attribute.String(AttrStatus, "retrying"), attribute.Float64(AttrRetryDelay, e.Delay.Seconds()),
	})
	if span.IsRecording() {
		recordError(span, e)
	}
	span.End(trace.WithTimestamp(e.Time))
	opt, ok := o.retryBy[e.TaskType]
	if !ok {
		opt = metric.WithAttributeSet(attribute.NewSet(o.pipelineAttr, attribute.String(AttrTaskType, e.TaskType)))
		o.retryBy[e.TaskType] = opt
	}
	o.tel.metrics.taskRetries.Add(context.Background(), 1, opt)
}

func (o *RunObserver) taskFinished(e *engine.Event) {
	var buf [4]attribute.KeyValue
	attrs := append(buf[:0], attribute.String(AttrStatus, string(e.Status)))
	if e.Attempt > 0 {
		attrs = append(attrs, attribute.Int64(AttrRowsIn, e.RowsIn), attribute.Int64(AttrRowsOut, e.RowsOut))
	}
	if e.Reason != "" {
		attrs = append(attrs, attribute.String(AttrSkipReason, e.Reason))
	}
	span := o.endingSpan(e, attrs)
	if span.IsRecording() {
		switch e.Status {
		case engine.StatusSucceeded:
			span.SetStatus(codes.Ok, "")
		case engine.StatusFailed, engine.StatusCancelled:
			recordError(span, e)
		}
	}
	span.End(trace.WithTimestamp(e.Time))
	o.counts[e.Status]++

	ctx := context.Background()
	if e.Attempt > 0 {
		key := typeStatus{e.TaskType, e.Status}
		opt, ok := o.byType[key]
		if !ok {
			set := []attribute.KeyValue{o.pipelineAttr, attribute.String(AttrTaskType, e.TaskType), attribute.String(AttrStatus, string(e.Status))}
			if et := errorType(e.Status); et != "" {
				set = append(set, attribute.String(AttrErrorType, et))
			}
			opt = metric.WithAttributeSet(attribute.NewSet(set...))
			o.byType[key] = opt
		}
		o.tel.metrics.taskDuration.Record(ctx, e.Duration.Seconds(), opt)
	}
	if e.RowsOut > 0 {
		opt := metric.WithAttributeSet(attribute.NewSet(o.pipelineAttr,
			attribute.String(AttrTaskID, e.TaskID), attribute.String(AttrTaskType, e.TaskType)))
		o.tel.metrics.records.Add(ctx, e.RowsOut, opt)
		o.tel.metrics.recordsDeprecated.Add(ctx, e.RowsOut, opt)
	}
}

// errorType is the error.type of a final status, "" for one that is not
// an error. A retried attempt failed, whatever the task's status says.
func errorType(s engine.Status) string {
	switch s {
	case engine.StatusFailed, engine.StatusRunning:
		return ErrorTypeFailed
	case engine.StatusCancelled:
		return ErrorTypeCancelled
	}
	return ""
}

// recordError marks span failed with the event's error, stamped with the
// event's time rather than the time it is recorded.
func recordError(span trace.Span, e *engine.Event) {
	msg := e.Error
	if msg == "" {
		msg = string(e.Status)
	}
	span.SetAttributes(attribute.String(AttrErrorType, cmp.Or(errorType(e.Status), ErrorTypeFailed)))
	span.AddEvent("exception", trace.WithTimestamp(e.Time), trace.WithAttributes(
		attribute.String("exception.type", "hotpass."+string(e.Status)),
		attribute.String("exception.message", msg),
	))
	span.SetStatus(codes.Error, msg)
}

func (o *RunObserver) runFinished(e engine.Event) {
	for id, a := range o.tasks {
		// Only a run that gave up on tasks still running gets here.
		o.attemptSpan(id, a, []attribute.KeyValue{attribute.String(AttrStatus, string(engine.StatusCancelled))}).
			End(trace.WithTimestamp(e.Time))
		delete(o.tasks, id)
	}
	o.mu.Lock()
	run := o.run
	o.mu.Unlock()
	if run == nil {
		return
	}
	if run.IsRecording() {
		run.SetAttributes(attribute.String(AttrStatus, string(e.Status)))
		for _, s := range []engine.Status{engine.StatusSucceeded, engine.StatusFailed, engine.StatusSkipped, engine.StatusCancelled} {
			run.SetAttributes(attribute.Int("hotpass.run.tasks_"+string(s), o.counts[s]))
		}
		if e.Status == engine.StatusSucceeded {
			run.SetStatus(codes.Ok, "")
		} else {
			recordError(run, &e)
		}
	}
	run.End(trace.WithTimestamp(e.Time))
	attrs := []attribute.KeyValue{o.pipelineAttr, attribute.String(AttrStatus, string(e.Status))}
	if et := errorType(e.Status); et != "" && e.Status != engine.StatusRunning {
		attrs = append(attrs, attribute.String(AttrErrorType, et))
	}
	o.tel.metrics.pipelineDuration.Record(context.Background(), e.Duration.Seconds(), metric.WithAttributes(attrs...))
}

// SpanContext returns the run span's context: invalid before the run
// starts or when telemetry is off.
func (o *RunObserver) SpanContext() trace.SpanContext {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.run == nil {
		return trace.SpanContext{}
	}
	return o.run.SpanContext()
}

// TraceID returns the run's trace id in hex, for the end-of-run summary
// and the run history; "" when telemetry is off or the run has not
// started.
func (o *RunObserver) TraceID() string {
	if sc := o.SpanContext(); sc.HasTraceID() {
		return sc.TraceID().String()
	}
	return ""
}

// RunID returns the id of the run last started.
func (o *RunObserver) RunID() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.runID
}

// RunContext returns ctx with the run span active, so spans started from
// it are children of the run.
func (o *RunObserver) RunContext(ctx context.Context) context.Context {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.run == nil {
		return ctx
	}
	return trace.ContextWithSpan(ctx, o.run)
}

// TaskContext returns ctx with the span of taskID's running attempt
// active, or the run span when the task is not running, so a task's own
// spans (linkage train/predict/cluster) nest under its attempt. It first
// records the queued events, so it sees an attempt whose start event was
// emitted before the call, and starts that attempt's span if it has none
// yet.
func (o *RunObserver) TaskContext(ctx context.Context, taskID string) context.Context {
	var span trace.Span
	if !o.off {
		o.rmu.Lock()
		o.drainLocked()
		if a, ok := o.tasks[taskID]; ok {
			if a.span == nil {
				a.span = o.attemptSpan(taskID, a, nil)
				o.tasks[taskID] = a
			}
			span = a.span
		}
		o.rmu.Unlock()
	}
	if span == nil {
		o.mu.Lock()
		span = o.run
		o.mu.Unlock()
	}
	if span == nil {
		return ctx
	}
	return trace.ContextWithSpan(ctx, span)
}
