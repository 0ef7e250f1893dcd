package otlpspan

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// taskSpans returns n ended spans shaped like a run's task spans: one
// resource and scope, six attributes and an Ok status each.
func taskSpans(tb testing.TB, n int) []sdktrace.ReadOnlySpan {
	tb.Helper()
	rec := tracetest.NewSpanRecorder()
	res := resource.NewSchemaless(attribute.String("service.name", "hotpass"), attribute.String("service.version", "dev"),
		attribute.String("hotpass.pipeline", "bench"), attribute.String("hotpass.run_id", "20261205T000000Z-0001"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithResource(res))
	tr := tp.Tracer("github.com/hotpass/hotpass")
	ctx, run := tr.Start(context.Background(), "hotpass.run")
	start := time.Now()
	for i := range n - 1 {
		_, s := tr.Start(ctx, "hotpass.task", trace.WithTimestamp(start), trace.WithAttributes(
			attribute.String("hotpass.task.id", "task_"+strconv.Itoa(i)),
			attribute.String("hotpass.task.type", "noop"),
			attribute.Int("hotpass.task.attempt", 1),
			attribute.String("hotpass.task.status", "succeeded"),
			attribute.Int64("hotpass.task.rows_in", 0),
			attribute.Int64("hotpass.task.rows_out", int64(i)),
		))
		s.SetStatus(codes.Ok, "")
		s.End(trace.WithTimestamp(start.Add(time.Millisecond)))
	}
	run.End()
	spans := rec.Ended()
	if len(spans) != n {
		tb.Fatalf("recorded %d spans, want %d", len(spans), n)
	}
	return spans
}

// BenchmarkAppendRequest encodes a batch of 2,048 task spans (the batch
// size Hotpass configures) into a reused buffer.
func BenchmarkAppendRequest(b *testing.B) {
	spans := taskSpans(b, 2048)
	buf := AppendRequest(nil, spans)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		buf = AppendRequest(buf[:0], spans)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(spans)), "ns/span")
}

// BenchmarkExport sends the same 2,048-span batch to an OTLP/HTTP endpoint
// that reads and acknowledges it, through this package's exporter and
// through go.opentelemetry.io's otlptracehttp, so the two costs can be
// compared on one machine.
func BenchmarkExport(b *testing.B) {
	spans := taskSpans(b, 2048)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	b.Cleanup(srv.Close)
	url := srv.URL + "/v1/traces"
	exporters := []struct {
		name string
		new  func(b *testing.B) sdktrace.SpanExporter
	}{
		{"hotpass", func(b *testing.B) sdktrace.SpanExporter {
			e, err := New(Config{Endpoint: url})
			if err != nil {
				b.Fatal(err)
			}
			return e
		}},
		{"otlptracehttp", func(b *testing.B) sdktrace.SpanExporter {
			e, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(url))
			if err != nil {
				b.Fatal(err)
			}
			return e
		}},
	}
	for _, ex := range exporters {
		b.Run(ex.name, func(b *testing.B) {
			exp := ex.new(b)
			defer func() { _ = exp.Shutdown(context.Background()) }()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := exp.ExportSpans(context.Background(), spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(spans)), "ns/span")
		})
	}
}
