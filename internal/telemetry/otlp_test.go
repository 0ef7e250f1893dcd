package telemetry_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

var receivers = []struct {
	name string
	new  func(testing.TB, ...otlptest.Option) *otlptest.Receiver
}{
	{"http", otlptest.NewHTTP},
	{"grpc", otlptest.NewGRPC},
}

// A run observed end to end through a real OTLP exporter: spans, metrics
// and logs arrive decoded, with their resource, in the right shape.
func TestRunExportedOverOTLP(t *testing.T) {
	t.Parallel()
	for _, rc := range receivers {
		t.Run(rc.name, func(t *testing.T) {
			t.Parallel()
			recv := rc.new(t)
			var stderr bytes.Buffer
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{
				Enabled: true, ServiceVersion: "1.2.3", Pipeline: "aviation-refine", Profile: "aviation", RunID: "20250314T092653-ab12",
				Stderr: &stderr,
				Getenv: getenv(recv.Env(), map[string]string{
					"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s3cr%20et, x-team=data",
					"OTEL_RESOURCE_ATTRIBUTES":   "deployment.environment=staging,team=data%2Fplatform",
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tel.Exporters() {
				if e.Protocol != recv.Protocol() || !strings.HasPrefix(e.Endpoint, recv.Endpoint()) {
					t.Errorf("exporter %+v, want %s to %s", e, recv.Protocol(), recv.Endpoint())
				}
			}
			obs := telemetry.NewRunObserver(tel, "aviation-refine")
			var local bytes.Buffer
			logger := slog.New(obs.LogHandler(tel.LogHandler(slog.NewTextHandler(&local, nil))))
			ctx := obs.Context(context.Background())

			rest := feedUntil(obs, sampleRun(), func(e engine.Event) bool { return e.Kind == engine.EventTaskStarted })
			logger.InfoContext(telemetry.TaskContext(ctx, "load"), "reading sheet", "sheet", "Cleaned")
			logger.Info("engine message without context")
			logger.Debug("debug records stay local")
			telemetry.FromContext(ctx).Metrics().RecordValidationFailures(ctx, "not_null", "email", 3)
			telemetry.FromContext(ctx).Metrics().RecordEnrichmentCoverage(ctx, "phone", 0.75)
			feed(obs, rest)

			if err := tel.Shutdown(context.Background()); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if stderr.Len() > 0 {
				t.Errorf("stderr: %s", stderr.String())
			}

			// Traces.
			runs := recv.SpansNamed(telemetry.SpanRun)
			if len(runs) != 1 {
				t.Fatalf("%d run spans, want 1", len(runs))
			}
			run := runs[0]
			if run.ParentIDHex() != "" {
				t.Errorf("run span has parent %s", run.ParentIDHex())
			}
			if got := obs.TraceID(); got != run.TraceIDHex() {
				t.Errorf("TraceID() = %q, exported run span trace id %q", got, run.TraceIDHex())
			}
			wantAttrs(t, "run span", run.Attrs(), map[string]any{
				telemetry.AttrPipeline: "aviation-refine", telemetry.AttrRunID: "20250314T092653-ab12",
				telemetry.AttrStatus: "failed", telemetry.AttrTasksTotal: int64(4),
				"hotpass.run.tasks_succeeded": int64(2), "hotpass.run.tasks_failed": int64(1), "hotpass.run.tasks_skipped": int64(1),
			})
			if run.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR || run.GetStatus().GetMessage() != "1 task failed: link" {
				t.Errorf("run span status %v", run.GetStatus())
			}
			if got, want := time.Unix(0, int64(run.GetStartTimeUnixNano())).UTC(), at(0); !got.Equal(want) {
				t.Errorf("run span starts at %v, want the event's time %v", got, want)
			}
			if got, want := time.Unix(0, int64(run.GetEndTimeUnixNano())).UTC(), at(401); !got.Equal(want) {
				t.Errorf("run span ends at %v, want %v", got, want)
			}
			wantAttrs(t, "resource", run.Resource, map[string]any{
				"service.name": "hotpass", "service.version": "1.2.3", "deployment.environment": "staging",
				"team": "data/platform", "hotpass.pipeline": "aviation-refine", "hotpass.profile": "aviation",
				"hotpass.run_id": "20250314T092653-ab12",
			})

			tasks := recv.SpansNamed(telemetry.SpanTask)
			if len(tasks) != 5 {
				t.Fatalf("%d task spans, want 5 (load twice, refine, link, publish)", len(tasks))
			}
			byKey := map[string]otlptest.Span{}
			for _, s := range tasks {
				if s.ParentIDHex() != run.SpanIDHex() || s.TraceIDHex() != run.TraceIDHex() {
					t.Errorf("task span %v is not a child of the run span", s.Attrs())
				}
				a := s.Attrs()
				byKey[a[telemetry.AttrTaskID].(string)+"#"+strings.Repeat("I", int(a[telemetry.AttrAttempt].(int64)))] = s
			}
			first, second := byKey["load#I"], byKey["load#II"]
			wantAttrs(t, "load attempt 1", first.Attrs(), map[string]any{telemetry.AttrTaskType: "read", telemetry.AttrStatus: "retrying", telemetry.AttrRetryDelay: 0.2})
			if first.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR || first.GetStatus().GetMessage() != "read crm: connection reset" {
				t.Errorf("load attempt 1 status %v", first.GetStatus())
			}
			if ev := first.GetEvents(); len(ev) != 1 || ev[0].GetName() != "exception" {
				t.Errorf("load attempt 1 events %v, want one exception", ev)
			}
			wantAttrs(t, "load attempt 2", second.Attrs(), map[string]any{telemetry.AttrStatus: "succeeded", telemetry.AttrRowsOut: int64(100)})
			if second.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_OK {
				t.Errorf("load attempt 2 status %v", second.GetStatus())
			}
			if got, want := time.Unix(0, int64(second.GetStartTimeUnixNano())).UTC(), at(210); !got.Equal(want) {
				t.Errorf("load attempt 2 starts at %v, want %v", got, want)
			}
			wantAttrs(t, "refine", byKey["refine#I"].Attrs(), map[string]any{telemetry.AttrRowsIn: int64(100), telemetry.AttrRowsOut: int64(90)})
			if s := byKey["link#I"].GetStatus(); s.GetCode() != tracepb.Status_STATUS_CODE_ERROR || s.GetMessage() != "linkage: no blocking rule matched" {
				t.Errorf("link status %v", s)
			}
			publish, ok := byKey["publish#"]
			if !ok {
				t.Fatalf("no span for the skipped task; spans: %v", keys(byKey))
			}
			wantAttrs(t, "publish", publish.Attrs(), map[string]any{telemetry.AttrStatus: "skipped", telemetry.AttrSkipReason: "upstream failed: link"})

			// Metrics.
			for _, tc := range []struct {
				metric string
				attrs  map[string]any
				kind   string
				value  float64
				count  uint64
			}{
				{telemetry.MetricPipelineDuration, map[string]any{telemetry.AttrPipeline: "aviation-refine", telemetry.AttrStatus: "failed"}, "histogram", 0.401, 1},
				{telemetry.MetricTaskDuration, map[string]any{telemetry.AttrTaskType: "read", telemetry.AttrStatus: "succeeded"}, "histogram", 0.249, 1},
				{telemetry.MetricTaskDuration, map[string]any{telemetry.AttrTaskType: "linkage", telemetry.AttrStatus: "failed"}, "histogram", 0.099, 1},
				{telemetry.MetricTaskRetries, map[string]any{telemetry.AttrPipeline: "aviation-refine", telemetry.AttrTaskType: "read"}, "sum", 1, 0},
				{telemetry.MetricRecordsProcessed, map[string]any{telemetry.AttrTaskID: "load", telemetry.AttrTaskType: "read"}, "sum", 100, 0},
				{telemetry.MetricRecordsProcessed, map[string]any{telemetry.AttrTaskID: "refine"}, "sum", 90, 0},
				{telemetry.MetricValidationFailures, map[string]any{telemetry.AttrExpectation: "not_null", telemetry.AttrColumn: "email", telemetry.AttrPipeline: "aviation-refine"}, "sum", 3, 0},
				{telemetry.MetricEnrichmentCoverage, map[string]any{telemetry.AttrField: "phone"}, "gauge", 0.75, 0},
			} {
				ps := recv.Find(tc.metric, tc.attrs)
				if len(ps) != 1 {
					t.Errorf("%s %v: %d points, want 1 (all: %+v)", tc.metric, tc.attrs, len(ps), recv.Points(tc.metric))
					continue
				}
				p := ps[0]
				if p.Kind != tc.kind || !near(p.Value, tc.value) || p.Count != tc.count {
					t.Errorf("%s %v: %s value %v count %d, want %s %v count %d", tc.metric, tc.attrs, p.Kind, p.Value, p.Count, tc.kind, tc.value, tc.count)
				}
			}
			if ps := recv.Find(telemetry.MetricTaskDuration, map[string]any{telemetry.AttrStatus: "skipped"}); len(ps) != 0 {
				t.Errorf("a skipped task recorded a duration: %+v", ps)
			}
			if u := recv.Points(telemetry.MetricTaskDuration)[0].Unit; u != "s" {
				t.Errorf("task duration unit %q, want s", u)
			}

			// Logs.
			logs := recv.Logs()
			if len(logs) != 2 {
				t.Fatalf("%d log records, want 2", len(logs))
			}
			for _, l := range logs {
				want := run.SpanIDHex()
				if l.BodyString() == "reading sheet" {
					want = first.SpanIDHex()
				}
				if l.TraceIDHex() != run.TraceIDHex() || l.SpanIDHex() != want {
					t.Errorf("log %q has trace %s span %s, want %s %s", l.BodyString(), l.TraceIDHex(), l.SpanIDHex(), run.TraceIDHex(), want)
				}
			}
			if !strings.Contains(local.String(), "trace_id="+run.TraceIDHex()+" span_id="+first.SpanIDHex()) {
				t.Errorf("local log lacks the attempt's trace and span ids:\n%s", local.String())
			}

			// Headers, URL-decoded, on every request.
			for _, h := range recv.Headers() {
				if h.Get("X-Api-Key") != "s3cr et" || h.Get("X-Team") != "data" {
					t.Errorf("request headers %v lack x-api-key and x-team", h)
				}
			}
		})
	}
}

// Over HTTPS with mutual TLS and gzip, set only through the standard
// variables, all three signals arrive: traces through Hotpass's own span
// exporter, metrics and logs through the SDK's, which read the same
// variables.
func TestExportOverMutualTLSWithGzip(t *testing.T) {
	t.Parallel()
	recv := otlptest.NewHTTP(t, otlptest.MutualTLS(otlptest.NewPKI(t)))
	var stderr syncBuffer
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr,
		Getenv: getenv(recv.Env(), map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"})})
	if err != nil {
		t.Fatal(err)
	}
	obs := telemetry.NewRunObserver(tel, "p")
	feed(obs, sampleRun())
	tel.Logger().Info("hello over TLS")
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v (stderr: %s)", err, stderr.String())
	}
	if n := len(recv.SpansNamed(telemetry.SpanRun)); n != 1 {
		t.Errorf("%d run spans arrived, want 1", n)
	}
	if len(recv.MetricNames()) == 0 {
		t.Error("no metrics arrived")
	}
	if len(recv.Logs()) == 0 {
		t.Error("no logs arrived")
	}
	for i, h := range recv.Headers() {
		if h.Get("Content-Encoding") != "gzip" {
			t.Errorf("request %d is not gzip-compressed: %v", i+1, h)
		}
	}

	// The same receiver refuses a client without the certificate.
	env := recv.Env()
	delete(env, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE")
	delete(env, "OTEL_EXPORTER_OTLP_CLIENT_KEY")
	var stderr2 syncBuffer
	tel2, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr2, Getenv: getenv(env)})
	if err != nil {
		t.Fatal(err)
	}
	feed(telemetry.NewRunObserver(tel2, "p"), sampleRun())
	if err := tel2.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Shutdown without a client certificate: %v, want a certificate error", err)
	}
}

// Exporting to a closed port or to a collector that never answers costs a
// bounded time at shutdown and reports the failure without failing.
func TestShutdownIsBoundedWhenCollectorUnusable(t *testing.T) {
	t.Parallel()
	type target struct {
		name     string
		env      func(t *testing.T) map[string]string
		reached  func() int
		wantText string
	}
	var targets []target
	for _, rc := range receivers {
		proto := otlptest.ProtocolHTTP
		if rc.name == "grpc" {
			proto = otlptest.ProtocolGRPC
		}
		targets = append(targets, target{name: rc.name + "/closed port", env: func(t *testing.T) map[string]string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": closedPort(t), "OTEL_EXPORTER_OTLP_PROTOCOL": proto}
		}})
		var hung *otlptest.Receiver
		targets = append(targets, target{name: rc.name + "/hanging collector", env: func(t *testing.T) map[string]string {
			hung = rc.new(t, otlptest.Hang())
			return hung.Env()
		}, reached: func() int { return hung.Requests() }})
		var failing *otlptest.Receiver
		want := "500"
		if rc.name == "grpc" {
			want = "Internal"
		}
		targets = append(targets, target{name: rc.name + "/collector answering 500", env: func(t *testing.T) map[string]string {
			failing = rc.new(t, otlptest.FailWith(500))
			return failing.Env()
		}, reached: func() int { return failing.Requests() }, wantText: want})
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := tc.env(t)
			var stderr syncBuffer
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr, Getenv: getenv(env)})
			if err != nil {
				t.Fatal(err)
			}
			obs := telemetry.NewRunObserver(tel, "p")
			feed(obs, sampleRun())
			tel.Logger().Info("hello")

			done := make(chan error, 1)
			go func() { done <- tel.Shutdown(context.Background()) }()
			select {
			case err = <-done:
			case <-time.After(telemetry.ShutdownTimeout + time.Second):
				t.Fatalf("Shutdown still blocked after %v", telemetry.ShutdownTimeout+time.Second)
			}
			if err == nil {
				t.Fatal("Shutdown reported no error although nothing could be exported")
			}
			t.Logf("Shutdown: %v", err)
			if !strings.Contains(err.Error(), "traces to "+env["OTEL_EXPORTER_OTLP_ENDPOINT"]) {
				t.Errorf("error does not say what failed to export where: %v", err)
			}
			if tc.wantText != "" && !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error lacks %q: %v", tc.wantText, err)
			}
			if tc.reached != nil && tc.reached() == 0 {
				t.Error("no export reached the collector")
			}
			if again := tel.Shutdown(context.Background()); again == nil || again.Error() != err.Error() {
				t.Errorf("second Shutdown = %v, want the first result", again)
			}
			if !strings.Contains(stderr.String(), "hotpass: telemetry: cannot export") {
				t.Errorf("stderr does not report the failure: %q", stderr.String())
			}
		})
	}
}

// closedPort returns the URL of a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// The console protocol prints readable telemetry on the given writer and
// never touches the network, even with an endpoint configured.
func TestConsoleWritesToStderrWithoutNetwork(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted int
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted++
			_ = c.Close()
		}
	})
	var stderr syncBuffer
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr, Getenv: getenv(map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL": "console",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + ln.Addr().String(),
	})})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tel.Exporters() {
		if e.Network() || e.Protocol != telemetry.ProtocolConsole || e.Endpoint != "" {
			t.Errorf("exporter %+v, want console without endpoint", e)
		}
	}
	if len(tel.Exporters()) != 3 {
		t.Errorf("exporters %+v, want one per signal", tel.Exporters())
	}
	obs := telemetry.NewRunObserver(tel, "console-pipeline")
	feed(obs, sampleRun())
	tel.Logger().InfoContext(obs.RunContext(context.Background()), "console log line")
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = ln.Close()
	wg.Wait()
	if accepted != 0 {
		t.Errorf("%d connections reached the configured endpoint", accepted)
	}
	out := stderr.String()
	for _, want := range []string{`"Name": "hotpass.run"`, `"Name": "hotpass.task"`, "linkage: no blocking rule matched",
		`"Name": "hotpass.task.duration"`, `"Name": "hotpass.pipeline.duration"`, "console log line", obs.TraceID()} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the exporters' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func wantAttrs(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if f, isFloat := w.(float64); isFloat {
			if gf, _ := g.(float64); !ok || !near(gf, f) {
				t.Errorf("%s: %s = %v, want %v", what, k, g, w)
			}
			continue
		}
		if !ok || g != w {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, w)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var _ = errors.New
