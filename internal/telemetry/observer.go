package telemetry

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/hotpass/hotpass/engine"
)

// Span names.
const (
	SpanRun  = "hotpass.run"
	SpanTask = "hotpass.task"
)

// RunOption adjusts a RunObserver.
type RunOption func(*RunObserver)

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
// run record. Observe is called on the scheduler's goroutine and only
// starts and ends spans and records metrics, which queue work for the
// exporters' goroutines. The other methods may be called from any
// goroutine, during or after the run.
//
// A RunObserver follows one run at a time; a new run-started event starts
// a new run span.
type RunObserver struct {
	tel          *Telemetry
	pipeline     string
	pipelineAttr attribute.KeyValue
	parent       trace.SpanContext
	links        []trace.Link
	off          bool // a no-op Telemetry: nothing to record

	mu      sync.Mutex
	runID   string
	run     trace.Span
	runCtx  context.Context
	tasks   map[string]trace.Span // the running attempt of each task
	counts  map[engine.Status]int
	byType  map[typeStatus]metric.MeasurementOption
	retryBy map[string]metric.MeasurementOption
}

type typeStatus struct {
	typ    string
	status engine.Status
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
		tasks:        map[string]trace.Span{},
		counts:       map[engine.Status]int{},
		byType:       map[typeStatus]metric.MeasurementOption{},
		retryBy:      map[string]metric.MeasurementOption{},
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
	o.mu.Lock()
	defer o.mu.Unlock()
	switch e.Kind {
	case engine.EventRunStarted:
		o.runStarted(e)
	case engine.EventTaskStarted:
		o.taskStarted(e)
	case engine.EventTaskRetrying:
		o.taskRetrying(e)
	case engine.EventTaskFinished:
		o.taskFinished(e)
	case engine.EventRunFinished:
		o.runFinished(e)
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
	o.runCtx, o.run = o.tel.tracer.Start(ctx, SpanRun, opts...)
	o.runID = e.RunID
	clear(o.tasks)
	clear(o.counts)
}

func (o *RunObserver) taskStarted(e engine.Event) {
	if old := o.tasks[e.TaskID]; old != nil {
		old.End(trace.WithTimestamp(e.Time))
	}
	_, span := o.tel.tracer.Start(o.runCtx, SpanTask, trace.WithTimestamp(e.Time), trace.WithAttributes(
		attribute.String(AttrTaskID, e.TaskID),
		attribute.String(AttrTaskType, e.TaskType),
		attribute.Int(AttrAttempt, e.Attempt),
	))
	o.tasks[e.TaskID] = span
}

// attemptSpan returns the span of the task's running attempt, or a new
// zero-length one for a task that never started.
func (o *RunObserver) attemptSpan(e engine.Event) trace.Span {
	if span := o.tasks[e.TaskID]; span != nil {
		delete(o.tasks, e.TaskID)
		return span
	}
	_, span := o.tel.tracer.Start(o.runCtx, SpanTask, trace.WithTimestamp(e.Time), trace.WithAttributes(
		attribute.String(AttrTaskID, e.TaskID),
		attribute.String(AttrTaskType, e.TaskType),
		attribute.Int(AttrAttempt, e.Attempt),
	))
	return span
}

func (o *RunObserver) taskRetrying(e engine.Event) {
	span := o.attemptSpan(e)
	if span.IsRecording() {
		span.SetAttributes(attribute.String(AttrStatus, "retrying"), attribute.Float64(AttrRetryDelay, e.Delay.Seconds()))
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

func (o *RunObserver) taskFinished(e engine.Event) {
	span := o.attemptSpan(e)
	if span.IsRecording() {
		// One SetAttributes call: each call re-deduplicates the span's
		// attributes, and this runs once per task.
		attrs := make([]attribute.KeyValue, 1, 4)
		attrs[0] = attribute.String(AttrStatus, string(e.Status))
		if e.Attempt > 0 {
			attrs = append(attrs, attribute.Int64(AttrRowsIn, e.RowsIn), attribute.Int64(AttrRowsOut, e.RowsOut))
		}
		if e.Reason != "" {
			attrs = append(attrs, attribute.String(AttrSkipReason, e.Reason))
		}
		span.SetAttributes(attrs...)
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
			opt = metric.WithAttributeSet(attribute.NewSet(o.pipelineAttr,
				attribute.String(AttrTaskType, e.TaskType), attribute.String(AttrStatus, string(e.Status))))
			o.byType[key] = opt
		}
		o.tel.metrics.taskDuration.Record(ctx, e.Duration.Seconds(), opt)
	}
	if e.RowsOut > 0 {
		o.tel.metrics.records.Add(ctx, e.RowsOut, metric.WithAttributes(o.pipelineAttr,
			attribute.String(AttrTaskID, e.TaskID), attribute.String(AttrTaskType, e.TaskType)))
	}
}

// recordError marks span failed with the event's error, stamped with the
// event's time rather than the time Observe happens to run.
func recordError(span trace.Span, e engine.Event) {
	msg := e.Error
	if msg == "" {
		msg = string(e.Status)
	}
	span.AddEvent("exception", trace.WithTimestamp(e.Time), trace.WithAttributes(
		attribute.String("exception.type", "hotpass."+string(e.Status)),
		attribute.String("exception.message", msg),
	))
	span.SetStatus(codes.Error, msg)
}

func (o *RunObserver) runFinished(e engine.Event) {
	for id, span := range o.tasks {
		// Only a run that gave up on tasks still running gets here.
		span.SetAttributes(attribute.String(AttrStatus, string(engine.StatusCancelled)))
		span.End(trace.WithTimestamp(e.Time))
		delete(o.tasks, id)
	}
	if o.run == nil {
		return
	}
	if o.run.IsRecording() {
		o.run.SetAttributes(attribute.String(AttrStatus, string(e.Status)))
		for _, s := range []engine.Status{engine.StatusSucceeded, engine.StatusFailed, engine.StatusSkipped, engine.StatusCancelled} {
			o.run.SetAttributes(attribute.Int("hotpass.run.tasks_"+string(s), o.counts[s]))
		}
		if e.Status == engine.StatusSucceeded {
			o.run.SetStatus(codes.Ok, "")
		} else {
			recordError(o.run, e)
		}
	}
	o.run.End(trace.WithTimestamp(e.Time))
	o.tel.metrics.pipelineDuration.Record(context.Background(), e.Duration.Seconds(),
		metric.WithAttributes(o.pipelineAttr, attribute.String(AttrStatus, string(e.Status))))
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
// spans (linkage train/predict/cluster) nest under its attempt.
func (o *RunObserver) TaskContext(ctx context.Context, taskID string) context.Context {
	o.mu.Lock()
	span := o.tasks[taskID]
	if span == nil {
		span = o.run
	}
	o.mu.Unlock()
	if span == nil {
		return ctx
	}
	return trace.ContextWithSpan(ctx, span)
}
