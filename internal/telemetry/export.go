package telemetry

import (
	"context"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutlog"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"

	"github.com/hotpass/hotpass/internal/telemetry/otlpspan"
)

// ShutdownTimeout bounds Telemetry.Shutdown and Telemetry.Flush: the
// final flush of all three signals (run in parallel) gets this much in
// total, so an unreachable or hanging collector delays the end of a run
// by at most that. An export during the run gives up after its own
// timeout (OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s), retries included;
// at shutdown the lower of the two applies, and exports still in flight
// when ShutdownTimeout passes are cancelled.
const ShutdownTimeout = 5 * time.Second

// Exporter describes where one signal goes.
type Exporter struct {
	// Signal is SignalTraces, SignalMetrics or SignalLogs.
	Signal string
	// Protocol is ProtocolGRPC, ProtocolHTTP or ProtocolConsole.
	Protocol string
	// Endpoint is the URL exported to; empty for console.
	Endpoint string
}

// Network reports whether the exporter opens connections.
func (e Exporter) Network() bool { return e.Protocol == ProtocolGRPC || e.Protocol == ProtocolHTTP }

// failures counts one exporter's failed exports. Exporters report their
// errors here instead of returning them to the SDK, which would hand them
// to OpenTelemetry's global error handler and print them on the process's
// stderr with no context; Shutdown reports them instead, and the first one
// is written to the configured stderr at once.
type failures struct {
	what   string // e.g. "traces to http://localhost:4318/v1/traces"
	stderr io.Writer

	mu    sync.Mutex
	count int
	first error
}

func (f *failures) record(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	if f.first != nil {
		return
	}
	f.first = err
	if f.stderr != nil {
		fmt.Fprintf(f.stderr, "hotpass: telemetry: cannot export %s: %v (further failures are counted and reported at exit)\n", f.what, err)
	}
}

func (f *failures) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.count == 0 {
		return nil
	}
	return fmt.Errorf("%d export(s) of %s failed, the first with: %w", f.count, f.what, f.first)
}

// guard runs exports under the abandon context: once Shutdown has given
// up, exports still in flight are cancelled and new ones do nothing, so no
// network work outlives Shutdown by more than a moment.
type guard struct {
	abandon context.Context
	fail    *failures
}

func (g *guard) do(ctx context.Context, export func(context.Context) error) {
	if g.abandon.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(g.abandon, cancel)
	defer func() {
		stop()
		cancel()
	}()
	if err := export(ctx); err != nil {
		g.fail.record(err)
	}
}

type spanExporter struct {
	sdktrace.SpanExporter
	g *guard
}

func (e spanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.g.do(ctx, func(ctx context.Context) error { return e.SpanExporter.ExportSpans(ctx, spans) })
	return nil
}

type metricExporter struct {
	sdkmetric.Exporter
	g *guard
}

func (e metricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	e.g.do(ctx, func(ctx context.Context) error { return e.Exporter.Export(ctx, rm) })
	return nil
}

type logExporter struct {
	sdklog.Exporter
	g *guard
}

func (e logExporter) Export(ctx context.Context, records []sdklog.Record) error {
	e.g.do(ctx, func(ctx context.Context) error { return e.Exporter.Export(ctx, records) })
	return nil
}

// syncWriter serialises the console exporters, which write from their own
// goroutines, so their output never interleaves mid-line.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// Every exporter is given the settings parseEnv validated (endpoint,
// headers, compression, TLS) as options, which take precedence over what
// the SDK's exporters would read from the process environment themselves:
// the settings checked are the settings used, and Config.Getenv is
// honoured by all three signals.

func newSpanExporter(ctx context.Context, ec exporterConfig, console io.Writer, version string) (sdktrace.SpanExporter, error) {
	switch ec.protocol {
	case ProtocolConsole:
		return stdouttrace.New(stdouttrace.WithWriter(console), stdouttrace.WithPrettyPrint())
	case ProtocolGRPC:
		opts := []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(ec.endpoint),
			otlptracegrpc.WithHeaders(ec.headers), otlptracegrpc.WithTimeout(ec.timeout),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig(retryConfig(ec.timeout)))}
		if ec.gzip {
			opts = append(opts, otlptracegrpc.WithCompressor(grpcGzip))
		}
		if ec.tls != nil {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(ec.tls)))
		}
		return otlptracegrpc.New(ctx, opts...)
	default:
		return otlpspan.New(otlpspan.Config{
			Endpoint: ec.endpoint, Headers: ec.headers, Gzip: ec.gzip, TLS: ec.tls,
			Timeout:   ec.timeout,
			Retry:     otlpspan.Retry(retryConfig(ec.timeout)),
			UserAgent: "Hotpass/" + version + " (OTLP/HTTP span exporter)",
		})
	}
}

func newMetricExporter(ctx context.Context, ec exporterConfig, console io.Writer) (sdkmetric.Exporter, error) {
	switch ec.protocol {
	case ProtocolConsole:
		return stdoutmetric.New(stdoutmetric.WithWriter(console), stdoutmetric.WithPrettyPrint())
	case ProtocolGRPC:
		opts := []otlpmetricgrpc.Option{otlpmetricgrpc.WithEndpointURL(ec.endpoint),
			otlpmetricgrpc.WithHeaders(ec.headers), otlpmetricgrpc.WithTimeout(ec.timeout),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig(retryConfig(ec.timeout)))}
		if ec.gzip {
			opts = append(opts, otlpmetricgrpc.WithCompressor(grpcGzip))
		}
		if ec.tls != nil {
			opts = append(opts, otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(ec.tls)))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	default:
		opts := []otlpmetrichttp.Option{otlpmetrichttp.WithEndpointURL(ec.endpoint),
			otlpmetrichttp.WithHeaders(keepUserAgent(ec.headers, "OTel Go OTLP over HTTP/protobuf metrics exporter/"+otlpmetrichttp.Version())), otlpmetrichttp.WithTimeout(ec.timeout),
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig(retryConfig(ec.timeout))),
			otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression)}
		if ec.gzip {
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		}
		if ec.tls != nil {
			opts = append(opts, otlpmetrichttp.WithTLSClientConfig(ec.tls))
		}
		return otlpmetrichttp.New(ctx, opts...)
	}
}

func newLogExporter(ctx context.Context, ec exporterConfig, console io.Writer) (sdklog.Exporter, error) {
	switch ec.protocol {
	case ProtocolConsole:
		return stdoutlog.New(stdoutlog.WithWriter(console), stdoutlog.WithPrettyPrint())
	case ProtocolGRPC:
		opts := []otlploggrpc.Option{otlploggrpc.WithEndpointURL(ec.endpoint),
			otlploggrpc.WithHeaders(ec.headers), otlploggrpc.WithTimeout(ec.timeout),
			otlploggrpc.WithRetry(otlploggrpc.RetryConfig(retryConfig(ec.timeout)))}
		if ec.gzip {
			opts = append(opts, otlploggrpc.WithCompressor(grpcGzip))
		}
		if ec.tls != nil {
			opts = append(opts, otlploggrpc.WithTLSCredentials(credentials.NewTLS(ec.tls)))
		}
		return otlploggrpc.New(ctx, opts...)
	default:
		opts := []otlploghttp.Option{otlploghttp.WithEndpointURL(ec.endpoint),
			otlploghttp.WithHeaders(keepUserAgent(ec.headers, "OTel Go OTLP over HTTP/protobuf logs exporter/"+otlploghttp.Version())), otlploghttp.WithTimeout(ec.timeout),
			otlploghttp.WithRetry(otlploghttp.RetryConfig(retryConfig(ec.timeout))),
			otlploghttp.WithCompression(otlploghttp.NoCompression)}
		if ec.gzip {
			opts = append(opts, otlploghttp.WithCompression(otlploghttp.GzipCompression))
		}
		if ec.tls != nil {
			opts = append(opts, otlploghttp.WithTLSClientConfig(ec.tls))
		}
		return otlploghttp.New(ctx, opts...)
	}
}

// keepUserAgent returns headers with a User-Agent among them followed by
// the exporter's own, which the SDK's HTTP exporters would otherwise drop:
// the OTLP specification has exporters identify themselves, a product
// added by the user coming first.
func keepUserAgent(headers map[string]string, own string) map[string]string {
	for k, v := range headers {
		if strings.EqualFold(k, "User-Agent") {
			out := maps.Clone(headers)
			out[k] = strings.TrimSpace(v) + " " + own
			return out
		}
	}
	return headers
}

// grpcGzip names gRPC's gzip compressor. Without compression no
// compressor is given at all: the exporters take any other name, the empty
// one included, as a mistake and print "invalid compression type".
const grpcGzip = "gzip"

// retrySettings has the fields of every OTLP exporter's RetryConfig, so
// one value converts to each.
type retrySettings struct {
	Enabled         bool
	InitialInterval time.Duration
	MaxInterval     time.Duration
	MaxElapsedTime  time.Duration
}

// retryConfig retries transient failures briefly, within the export's
// timeout.
func retryConfig(timeout time.Duration) retrySettings {
	return retrySettings{Enabled: true, InitialInterval: 250 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: timeout}
}
