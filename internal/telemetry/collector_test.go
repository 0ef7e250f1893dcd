package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// collectorProtocols are the receivers of the real collector under test.
var collectorProtocols = []string{otlptest.ProtocolGRPC, otlptest.ProtocolHTTP}

// waitFor polls the collector's files until ok holds or a minute passes
// (the file exporter flushes every 50 ms; the minute only bounds a broken
// run).
func waitFor(t *testing.T, c *otlptest.Collector, what string, ok func(*otlptest.Receiver) bool) *otlptest.Receiver {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r, err := c.Received()
		if err != nil {
			t.Fatalf("read the collector's files: %v", err)
		}
		if ok(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached the collector's file exporter; collector output:\n%s", what, c.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A run exported to a real OpenTelemetry Collector over gRPC and over HTTP
// (under a base path), with mutual TLS, gzip and a bearer token, arrives in
// the collector's file exporter with its spans, metrics and logs.
func TestExportToRealCollector(t *testing.T) {
	t.Parallel()
	bin := otlptest.CollectorBinary(t)
	const token = "collector-bearer-token"
	col := otlptest.StartCollector(t, bin, otlptest.CollectorOptions{
		PKI: otlptest.NewPKI(t), Token: token, BasePath: "/otlp-base",
	})
	for _, proto := range collectorProtocols {
		t.Run(proto, func(t *testing.T) {
			pipeline := "collector-" + strings.ReplaceAll(proto, "/", "-")
			var stderr syncBuffer
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{
				Enabled: true, ServiceVersion: "9.9.9", Pipeline: pipeline, Stderr: &stderr,
				Getenv: getenv(col.Env(proto), map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}),
			})
			if err != nil {
				t.Fatal(err)
			}
			feed(telemetry.NewRunObserver(tel, pipeline), sampleRun())
			tel.Logger().Info("hello collector", "protocol", proto)
			if err := tel.Shutdown(context.Background()); err != nil {
				t.Fatalf("Shutdown: %v (stderr: %s)", err, stderr.String())
			}
			r := waitFor(t, col, "the run's span, metrics and log", func(r *otlptest.Receiver) bool {
				return len(runsOf(r, pipeline)) == 1 && len(r.MetricNames()) > 0 && hasLog(r, "hello collector", proto)
			})
			run := runsOf(r, pipeline)[0]
			wantAttrs(t, "resource", run.Resource, map[string]any{"service.name": "hotpass", "service.version": "9.9.9"})
			var tasks int
			for _, s := range r.SpansNamed(telemetry.SpanTask) {
				if s.TraceIDHex() == run.TraceIDHex() {
					tasks++
					if s.ParentIDHex() != run.SpanIDHex() {
						t.Errorf("task span %v is not a child of the run span", s.Attrs())
					}
				}
			}
			if tasks == 0 {
				t.Error("no task spans of the run reached the collector")
			}
		})
	}

	// Without the bearer token the collector refuses the export, and the
	// failure is reported, not fatal.
	env := col.Env(otlptest.ProtocolHTTP)
	delete(env, "OTEL_EXPORTER_OTLP_HEADERS")
	var stderr syncBuffer
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr, Getenv: getenv(env)})
	if err != nil {
		t.Fatal(err)
	}
	feed(telemetry.NewRunObserver(tel, "unauthenticated"), sampleRun())
	if err := tel.Shutdown(context.Background()); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Shutdown without the bearer token: %v, want a 401 from the collector", err)
	}
	r, err := col.Received()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(runsOf(r, "unauthenticated")); n != 0 {
		t.Errorf("%d spans of the unauthenticated export were accepted", n)
	}
}

// A collector restarted in the middle of a run loses nothing the exporter
// still holds: exports that failed while it was down are retried and
// arrive once it is back. With the collector gone for good, Shutdown still
// returns within its bound.
func TestRealCollectorRestartedMidRun(t *testing.T) {
	t.Parallel()
	bin := otlptest.CollectorBinary(t)
	for _, proto := range collectorProtocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			col := otlptest.StartCollector(t, bin, otlptest.CollectorOptions{})
			pipeline := "restart-" + strings.ReplaceAll(proto, "/", "-")
			var stderr syncBuffer
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{
				Enabled: true, Pipeline: pipeline, Stderr: &stderr,
				// Export each span batch at once, so that some exports
				// happen while the collector is down.
				Getenv: getenv(col.Env(proto), map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "20"}),
			})
			if err != nil {
				t.Fatal(err)
			}
			obs := telemetry.NewRunObserver(tel, pipeline)
			rest := feedUntil(obs, sampleRun(), func(e engine.Event) bool {
				return e.Kind == engine.EventTaskFinished && e.TaskID == "load"
			})
			waitFor(t, col, "the first task's spans", func(r *otlptest.Receiver) bool { return len(r.SpansNamed(telemetry.SpanTask)) > 0 })

			col.Stop()
			feed(obs, rest) // the run span ends while nothing listens
			time.Sleep(300 * time.Millisecond)
			col.Start()
			waitFor(t, col, "the run span exported while the collector was down", func(r *otlptest.Receiver) bool {
				return len(runsOf(r, pipeline)) == 1
			})

			// Gone for good: Shutdown gives up within its bound.
			col.Stop()
			tel.Logger().Info("nobody hears this")
			done := make(chan error, 1)
			go func() { done <- tel.Shutdown(context.Background()) }()
			select {
			case err = <-done:
			case <-time.After(telemetry.ShutdownTimeout + 2*time.Second):
				t.Fatalf("Shutdown still blocked %v after the collector went away", telemetry.ShutdownTimeout+2*time.Second)
			}
			if err == nil {
				t.Error("Shutdown reported no error although the last logs could not be exported")
			}
		})
	}
}

// runsOf returns the run spans of pipeline.
func runsOf(r *otlptest.Receiver, pipeline string) []otlptest.Span {
	var out []otlptest.Span
	for _, s := range r.SpansNamed(telemetry.SpanRun) {
		if s.Resource["hotpass.pipeline"] == pipeline {
			out = append(out, s)
		}
	}
	return out
}

// hasLog reports whether a log record with body msg and the protocol
// attribute arrived.
func hasLog(r *otlptest.Receiver, msg, proto string) bool {
	for _, l := range r.Logs() {
		if l.BodyString() == msg && l.Attrs()["protocol"] == proto {
			return true
		}
	}
	return false
}
