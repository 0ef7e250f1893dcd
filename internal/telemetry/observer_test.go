package telemetry_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/noop"
)

// tracedType is a task type that does what real tasks will: open its own
// span under its attempt, record a task metric, and start a child run.
type tracedType struct{}

func (tracedType) Name() string            { return "traced" }
func (tracedType) Schema() json.RawMessage { return json.RawMessage(`{"type": "object"}`) }
func (tracedType) Prepare(*specs.Spec, *specs.Task) (engine.Task, error) {
	return tracedTask{}, nil
}

type tracedTask struct{}

func (tracedTask) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	tel := telemetry.FromContext(ctx)
	ctx = telemetry.TaskContext(ctx, env.TaskID)
	_, span := tel.Tracer().Start(ctx, "linkage.train")
	span.End()
	tel.Metrics().RecordLinkagePairs(ctx, "match", 7)

	child := telemetry.ChildRunObserver(ctx, "child-pipeline")
	child.Observe(engine.Event{Kind: engine.EventRunStarted, Time: at(0), RunID: "child-run", Total: 0})
	child.Observe(engine.Event{Kind: engine.EventRunFinished, Time: at(1), RunID: "child-run", Status: engine.StatusSucceeded})
	tel.Metrics().RecordBackfillRun(ctx, string(engine.StatusSucceeded))
	return &engine.Result{RowsIn: 3, RowsOut: 5}, nil
}

const observedSpec = `version: 1
name: observed
tasks:
  load:
    type: noop
    retries: 1
    retry_delay: 1ms
    with: {fail_times: 1}
  train:
    type: traced
    needs: [load]
  broken:
    type: noop
    with: {fail: true}
  publish:
    type: noop
    needs: [broken]
`

// inMemory returns a Telemetry recording into a span recorder and a
// manual metric reader, as an embedding program would inject them.
func inMemory(t *testing.T) (*telemetry.Telemetry, *tracetest.SpanRecorder, *sdkmetric.ManualReader) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.FromRegistry(telemetry.Registry{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tel, rec, reader
}

// A real engine run, observed: the run and attempt spans nest, tasks'
// own spans nest under their attempt, child runs link back to it, and
// run/task metrics reflect the run record.
func TestObserverOnEngineRun(t *testing.T) {
	t.Parallel()
	tel, rec, reader := inMemory(t)
	reg, err := engine.NewRegistry(noop.Type{}, tracedType{})
	if err != nil {
		t.Fatal(err)
	}
	plan := compile(t, reg, observedSpec)
	obs := telemetry.NewRunObserver(tel, "observed")
	var logs syncBuffer
	logger := slog.New(obs.LogHandler(tel.LogHandler(slog.NewTextHandler(&logs, nil))))
	record, err := plan.Run(obs.Context(context.Background()), engine.RunOptions{StateDir: t.TempDir(), Observer: obs, Logger: logger})
	if !errors.Is(err, engine.ErrRunFailed) {
		t.Fatalf("run error %v, want ErrRunFailed", err)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := rec.Ended()
	byName := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = append(byName[s.Name()], s)
	}
	if len(byName[telemetry.SpanRun]) != 2 {
		t.Fatalf("%d run spans, want the run's and the child run's", len(byName[telemetry.SpanRun]))
	}
	var run, childRun sdktrace.ReadOnlySpan
	for _, s := range byName[telemetry.SpanRun] {
		if attr(s, telemetry.AttrPipeline) == "observed" {
			run = s
		} else {
			childRun = s
		}
	}
	if got := obs.TraceID(); got != run.SpanContext().TraceID().String() {
		t.Errorf("TraceID() %q, run span's %q", got, run.SpanContext().TraceID())
	}
	if attr(run, telemetry.AttrRunID) != record.RunID || attr(run, telemetry.AttrStatus) != "failed" || run.Status().Code != codes.Error {
		t.Errorf("run span attributes %v status %v", run.Attributes(), run.Status())
	}
	if !run.StartTime().Equal(record.StartedAt) || !run.EndTime().Equal(record.EndedAt) {
		t.Errorf("run span %v..%v, run record %v..%v", run.StartTime(), run.EndTime(), record.StartedAt, record.EndedAt)
	}

	attempts := map[string][]sdktrace.ReadOnlySpan{}
	for _, s := range byName[telemetry.SpanTask] {
		if s.Parent().SpanID() != run.SpanContext().SpanID() {
			t.Errorf("task span %v is not a child of the run", s.Attributes())
		}
		attempts[attr(s, telemetry.AttrTaskID)] = append(attempts[attr(s, telemetry.AttrTaskID)], s)
	}
	for id, want := range map[string]struct {
		n      int
		status string
		code   codes.Code
	}{
		"load": {2, "succeeded", codes.Ok}, "train": {1, "succeeded", codes.Ok},
		"broken": {1, "failed", codes.Error}, "publish": {1, "skipped", codes.Unset},
	} {
		got := attempts[id]
		if len(got) != want.n {
			t.Errorf("%s: %d spans, want %d", id, len(got), want.n)
			continue
		}
		last := got[len(got)-1]
		if attr(last, telemetry.AttrStatus) != want.status || last.Status().Code != want.code {
			t.Errorf("%s: status %q %v, want %q %v", id, attr(last, telemetry.AttrStatus), last.Status(), want.status, want.code)
		}
		tr := record.Task(id)
		if id != "publish" && !last.EndTime().Equal(tr.EndedAt) {
			t.Errorf("%s: span ends %v, record says %v", id, last.EndTime(), tr.EndedAt)
		}
	}
	if r := attr(attempts["publish"][0], telemetry.AttrSkipReason); r != "upstream failed: broken" {
		t.Errorf("publish skip reason %q", r)
	}

	own := byName["linkage.train"]
	if len(own) != 1 || own[0].Parent().SpanID() != attempts["train"][0].SpanContext().SpanID() {
		t.Fatalf("the task's own span is not a child of its attempt: %v", own)
	}
	if childRun.SpanContext().TraceID() == run.SpanContext().TraceID() || childRun.Parent().IsValid() {
		t.Error("the child run is not in a trace of its own")
	}
	if links := childRun.Links(); len(links) != 1 || links[0].SpanContext.SpanID() != attempts["train"][0].SpanContext().SpanID() {
		t.Errorf("child run links %v, want the attempt that started it", links)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	pipe := attribute.String(telemetry.AttrPipeline, "observed")
	for _, tc := range []struct {
		metric string
		attrs  attribute.Set
		want   float64
	}{
		{telemetry.MetricTaskRetries, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskType, "noop")), 1},
		{telemetry.MetricTaskOutputRecords, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskID, "train"), attribute.String(telemetry.AttrTaskType, "traced")), 5},
		{telemetry.MetricRecordsProcessed, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskID, "train"), attribute.String(telemetry.AttrTaskType, "traced")), 5},
		{telemetry.MetricLinkagePairs, attribute.NewSet(pipe, attribute.String(telemetry.AttrClassification, "match")), 7},
		{telemetry.MetricBackfillRuns, attribute.NewSet(pipe, attribute.String(telemetry.AttrStatus, "succeeded")), 1},
		{telemetry.MetricTaskDuration, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskType, "noop"), attribute.String(telemetry.AttrStatus, "succeeded")), 1},
		{telemetry.MetricTaskDuration, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskType, "noop"), attribute.String(telemetry.AttrStatus, "failed"),
			attribute.String(telemetry.AttrErrorType, telemetry.ErrorTypeFailed)), 1},
		{telemetry.MetricPipelineDuration, attribute.NewSet(pipe, attribute.String(telemetry.AttrStatus, "failed"), attribute.String(telemetry.AttrErrorType, telemetry.ErrorTypeFailed)), 1},
	} {
		if got, ok := value(rm, tc.metric, tc.attrs); !ok || got != tc.want {
			t.Errorf("%s %v = %v (found %v), want %v", tc.metric, tc.attrs.ToSlice(), got, ok, tc.want)
		}
	}
	if _, ok := value(rm, telemetry.MetricTaskDuration, attribute.NewSet(pipe, attribute.String(telemetry.AttrTaskType, "noop"), attribute.String(telemetry.AttrStatus, "skipped"))); ok {
		t.Error("the skipped task recorded a duration")
	}

	// The engine logs without a context; its lines belong to the run span.
	if want := "trace_id=" + obs.TraceID() + " span_id=" + run.SpanContext().SpanID().String(); !strings.Contains(logs.String(), want) {
		t.Errorf("engine log lines lack %q:\n%s", want, logs.String())
	}
}

func compile(t *testing.T, reg engine.Registry, src string) *engine.Plan {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := engine.NewLoader(reg)
	if err != nil {
		t.Fatal(err)
	}
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return prep.Plan
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

// value returns a sum's value or a histogram's count for one attribute set.
func value(rm metricdata.ResourceMetrics, name string, attrs attribute.Set) (float64, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if p.Attributes.Equals(&attrs) {
						return float64(p.Value), true
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if p.Attributes.Equals(&attrs) {
						return float64(p.Count), true
					}
				}
			}
		}
	}
	return 0, false
}

// ChildOf puts the run span in the parent's trace; TaskContext falls back
// to the run span for a task that is not running, and leaves a context
// without observer alone.
func TestRunParentingAndContexts(t *testing.T) {
	t.Parallel()
	tel, rec, _ := inMemory(t)
	parentCtx, parent := tel.Tracer().Start(context.Background(), "deployment.trigger")
	obs := telemetry.NewRunObserver(tel, "p", telemetry.ChildOf(parent.SpanContext()))
	if sc := obs.SpanContext(); sc.IsValid() {
		t.Errorf("span context %v before the run started", sc)
	}
	rest := feedUntil(obs, sampleRun(), func(e engine.Event) bool { return e.Kind == engine.EventTaskStarted })
	ctx := obs.Context(context.Background())
	running := trace.SpanContextFromContext(telemetry.TaskContext(ctx, "load"))
	idle := trace.SpanContextFromContext(telemetry.TaskContext(ctx, "publish"))
	runSC := trace.SpanContextFromContext(obs.RunContext(context.Background()))
	feed(obs, rest)
	parent.End()

	if runSC.TraceID() != parent.SpanContext().TraceID() {
		t.Error("ChildOf: the run is not in the parent's trace")
	}
	if !idle.Equal(runSC) {
		t.Errorf("TaskContext of a task not running = %v, want the run span %v", idle, runSC)
	}
	if running.Equal(runSC) || !running.IsValid() {
		t.Error("TaskContext of a running task is not its attempt span")
	}
	if got := telemetry.TaskContext(parentCtx, "load"); got != parentCtx {
		t.Error("TaskContext changed a context without observer")
	}
	for _, s := range rec.Ended() {
		if s.Name() == telemetry.SpanRun && s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("run span parent %v, want %v", s.Parent().SpanID(), parent.SpanContext().SpanID())
		}
	}
	if telemetry.FromContext(context.Background()).Enabled() {
		t.Error("FromContext of a bare context is not the no-op Telemetry")
	}
	if telemetry.FromContext(telemetry.NewContext(context.Background(), tel)) != tel {
		t.Error("NewContext/FromContext lost the Telemetry")
	}
}

// Observe and the readers may run concurrently (scheduler goroutine vs
// task goroutines); the race detector checks it.
func TestObserverConcurrentReaders(t *testing.T) {
	t.Parallel()
	tel, _, _ := inMemory(t)
	obs := telemetry.NewRunObserver(tel, "p")
	ctx := obs.Context(context.Background())
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = telemetry.TaskContext(ctx, "load")
				_ = obs.TraceID()
				telemetry.FromContext(ctx).Metrics().RecordLinkagePairs(ctx, "review", 1)
			}
		})
	}
	for range 50 {
		feed(obs, sampleRun())
	}
	close(stop)
	wg.Wait()
	if obs.TraceID() == "" || obs.RunID() != "20250314T092653-ab12" {
		t.Errorf("TraceID %q RunID %q after the runs", obs.TraceID(), obs.RunID())
	}
}

// WithTraceIDs adds the ids only when the context has a span, and a nil
// Telemetry behaves as a no-op one.
func TestLogHandlers(t *testing.T) {
	t.Parallel()
	tel, _, _ := inMemory(t)
	ctx, span := tel.Tracer().Start(context.Background(), "s")
	defer span.End()
	var buf syncBuffer
	logger := slog.New(telemetry.WithTraceIDs(slog.NewTextHandler(&buf, nil))).With("k", "v")
	logger.InfoContext(ctx, "with span")
	logger.Info("without span")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines %q", lines)
	}
	sc := span.SpanContext()
	if !strings.Contains(lines[0], "trace_id="+sc.TraceID().String()) || !strings.Contains(lines[0], "span_id="+sc.SpanID().String()) {
		t.Errorf("line with span: %s", lines[0])
	}
	if strings.Contains(lines[1], "trace_id") {
		t.Errorf("line without span has ids: %s", lines[1])
	}

	var nilTel *telemetry.Telemetry
	nilTel.Logger().Info("discarded")
	nilTel.Metrics().RecordEnrichmentCoverage(context.Background(), "f", 2)
	if nilTel.Enabled() || nilTel.Shutdown(context.Background()) != nil || nilTel.Flush(context.Background()) != nil {
		t.Error("nil Telemetry is not a no-op")
	}
}

// SetGlobal is the one opt-in global side effect: it installs the
// providers for libraries that only use OpenTelemetry's globals. Not
// parallel: it changes process-wide state.
func TestSetGlobal(t *testing.T) {
	tel, _, _ := inMemory(t)
	tel.SetGlobal()
	if otel.GetTracerProvider() != tel.TracerProvider() {
		t.Error("the global tracer provider is not the Telemetry's")
	}
}

// Task events are recorded on the observer's own goroutine, and in bursts
// larger than its queue by Observe itself; either way every attempt gets
// exactly one span with the event times and attributes, all ended by the
// time Observe returns from the run-finished event. A span TaskContext
// needed early is the one that ends with the attempt.
func TestObserverQueuedEvents(t *testing.T) {
	t.Parallel()
	tel, rec, _ := inMemory(t)
	obs := telemetry.NewRunObserver(tel, "big")
	const n = 20_000 // about 40,000 events: more than the queue holds
	events := bigRun(n)
	type want struct {
		start, end time.Time
		status     string
		rowsOut    int64
	}
	wants := map[string][]want{} // by task id, in attempt order
	starts := map[string]time.Time{}
	for _, e := range events {
		switch e.Kind {
		case engine.EventTaskStarted:
			starts[e.TaskID] = e.Time
		case engine.EventTaskRetrying:
			wants[e.TaskID] = append(wants[e.TaskID], want{starts[e.TaskID], e.Time, "retrying", -1})
		case engine.EventTaskFinished:
			wants[e.TaskID] = append(wants[e.TaskID], want{starts[e.TaskID], e.Time, string(e.Status), e.RowsOut})
		}
	}
	// Ask for a task's context while its start event may still be queued.
	probe := events[1]
	rest := feedUntil(obs, events, func(e engine.Event) bool { return e == probe })
	early := trace.SpanContextFromContext(telemetry.TaskContext(obs.Context(context.Background()), probe.TaskID))
	feed(obs, rest)

	ended := rec.Ended()
	attempts := 0
	for _, ws := range wants {
		attempts += len(ws)
	}
	if len(ended) != attempts+1 {
		t.Fatalf("%d spans ended when the run finished, want %d attempts + the run", len(ended), attempts)
	}
	seen := map[string]int{}
	for _, s := range ended {
		if s.Name() != telemetry.SpanTask {
			continue
		}
		attrs := map[attribute.Key]attribute.Value{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value
		}
		id := attrs[telemetry.AttrTaskID].AsString()
		k := seen[id]
		seen[id]++
		if k >= len(wants[id]) {
			t.Fatalf("task %s: more spans than attempts", id)
		}
		w := wants[id][k]
		if !s.StartTime().Equal(w.start) || !s.EndTime().Equal(w.end) {
			t.Errorf("task %s attempt %d: span %v..%v, want %v..%v", id, k+1, s.StartTime(), s.EndTime(), w.start, w.end)
		}
		if got := attrs[telemetry.AttrStatus].AsString(); got != w.status {
			t.Errorf("task %s attempt %d: status %q, want %q", id, k+1, got, w.status)
		}
		if got := attrs[telemetry.AttrAttempt].AsInt64(); got != int64(k+1) {
			t.Errorf("task %s: attempt attribute %d, want %d", id, got, k+1)
		}
		if w.rowsOut >= 0 && attrs[telemetry.AttrRowsOut].AsInt64() != w.rowsOut {
			t.Errorf("task %s: rows_out %v, want %d", id, attrs[telemetry.AttrRowsOut], w.rowsOut)
		}
		if id == probe.TaskID && k == 0 && s.SpanContext().SpanID() != early.SpanID() {
			t.Errorf("task %s: TaskContext gave span %v, the attempt ended as %v", id, early.SpanID(), s.SpanContext().SpanID())
		}
	}
	if len(seen) != n {
		t.Errorf("spans for %d tasks, want %d", len(seen), n)
	}
}
