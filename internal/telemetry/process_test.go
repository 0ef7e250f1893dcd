package telemetry_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// These tests change what the whole process shares (the registry and the
// set of open Telemetry values), so none of them runs in parallel.

// With a registry installed, Setup hands out the program's providers and
// reads no OTEL_* variable; the package Shutdown flushes those providers
// without stopping them; restoring brings the environment back.
func TestUseRegistry(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	// A long batch delay: spans reach the exporter only when flushed.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(spans, sdktrace.WithBatchTimeout(time.Hour)))
	reader := sdkmetric.NewManualReader()
	restore := telemetry.UseRegistry(telemetry.Registry{
		TracerProvider: tp,
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})
	restored := false
	t.Cleanup(func() {
		if !restored {
			restore()
		}
	})

	// An endpoint without a scheme would fail Setup if the environment were
	// read.
	bad := getenv(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "udp-collector:4318"})
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: bad})
	if err != nil {
		t.Fatalf("Setup with a registry read the environment: %v", err)
	}
	if len(tel.Exporters()) != 0 || !tel.Enabled() {
		t.Errorf("Setup with a registry: enabled %v, exporters %+v; want the registry's providers and no exporter", tel.Enabled(), tel.Exporters())
	}
	if off, _ := telemetry.Setup(context.Background(), telemetry.Config{Getenv: bad}); off.Enabled() {
		t.Error("a registry turned on telemetry for a run that did not ask for it")
	}
	feed(telemetry.NewRunObserver(tel, "embedded"), sampleRun())
	if n := len(spans.GetSpans()); n != 0 {
		t.Fatalf("%d spans exported before any flush; the test needs them held back", n)
	}

	if err := telemetry.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(spans.GetSpans()); n != 6 {
		t.Errorf("Shutdown flushed %d spans to the registry's exporter, want 6 (run + 5 attempts)", n)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if !hasMetric(rm, telemetry.MetricTaskDuration) {
		t.Errorf("the registry's meter provider did not record %s", telemetry.MetricTaskDuration)
	}
	// The providers are the program's: still running after Shutdown.
	_, s := tp.Tracer("after").Start(context.Background(), "after shutdown")
	s.End()
	if err := tp.ForceFlush(context.Background()); err != nil || len(spans.GetSpans()) != 7 {
		t.Errorf("the registry's tracer provider was stopped (flush: %v, %d spans)", err, len(spans.GetSpans()))
	}

	restore()
	restored = true
	if _, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: bad}); err == nil || !strings.Contains(err.Error(), "udp-collector") {
		t.Errorf("after restore, Setup = %v; want the environment read again and the endpoint without a scheme rejected", err)
	}
}

func hasMetric(rm metricdata.ResourceMetrics, name string) bool {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return true
			}
		}
	}
	return false
}

// The package Shutdown exports and stops every Telemetry still open, once,
// within one ShutdownTimeout however many there are and however slow the
// collector.
func TestShutdownFlushesEveryOpenTelemetry(t *testing.T) {
	recv := otlptest.NewHTTP(t)
	hung := otlptest.NewHTTP(t, otlptest.Hang())
	var tels []*telemetry.Telemetry
	for _, env := range []map[string]string{recv.Env(), recv.Env(), hung.Env(), hung.Env()} {
		tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: getenv(env), Stderr: &syncBuffer{}})
		if err != nil {
			t.Fatal(err)
		}
		feed(telemetry.NewRunObserver(tel, "open"), sampleRun())
		tels = append(tels, tel)
	}
	if n := recv.SpanCount(); n != 0 {
		t.Fatalf("%d spans arrived before Shutdown; the test needs them held back", n)
	}

	start := time.Now()
	err := telemetry.Shutdown(context.Background())
	if took := time.Since(start); took > telemetry.ShutdownTimeout+time.Second {
		t.Errorf("Shutdown took %v with two hung collectors, want at most %v", took, telemetry.ShutdownTimeout)
	}
	if n := recv.SpanCount(); n != 12 {
		t.Errorf("the reachable collector got %d spans, want 12 (two runs of 6)", n)
	}
	if err == nil || !strings.Contains(err.Error(), hung.Endpoint()) {
		t.Errorf("Shutdown error = %v, want the hung collector %s named", err, hung.Endpoint())
	}
	// Each Telemetry is now shut down: its own Shutdown repeats the result
	// and a second package Shutdown has nothing left to do.
	for _, tel := range tels[:2] {
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Errorf("Telemetry.Shutdown after the package Shutdown: %v", err)
		}
	}
	start = time.Now()
	if err := telemetry.Shutdown(context.Background()); err != nil || time.Since(start) > time.Second {
		t.Errorf("second Shutdown: %v after %v, want nil at once", err, time.Since(start))
	}
}
