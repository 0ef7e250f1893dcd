// Package telemetry sets up OpenTelemetry traces, metrics and logs for
// Hotpass runs and turns the engine's run events into them.
//
// Setup builds the providers from the standard OTEL_* environment
// variables; FromRegistry wraps providers an embedding program built
// itself, and UseRegistry makes Setup hand those out for every run of the
// process. Either way the result is a *Telemetry that is passed explicitly
// (or carried in a context with NewContext): the package sets no
// OpenTelemetry global unless SetGlobal is called. Shutdown flushes
// everything the process still holds before it exits.
//
// NewRunObserver turns a run's engine events into a hotpass.run span, one
// hotpass.task span per attempt, and the run and task metrics; tasks
// record their own metrics through Telemetry.Metrics.
package telemetry

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	lognoop "go.opentelemetry.io/otel/log/noop"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of everything Hotpass records.
const ScopeName = "github.com/hotpass/hotpass"

// Resource attribute keys Hotpass sets besides the standard service.* ones.
const (
	ResourcePipeline = "hotpass.pipeline"
	ResourceProfile  = "hotpass.profile"
	ResourceRunID    = "hotpass.run_id"
	// ResourceEnvironment is the semantic conventions' name for the
	// deployment environment.
	ResourceEnvironment = "deployment.environment.name"
	// ResourceEnvironmentDeprecated is the name the semantic conventions
	// used before 1.27. It is still set, to the same value, for one
	// release, so that existing queries keep working.
	ResourceEnvironmentDeprecated = "deployment.environment"
	// ResourceInstanceID identifies the process among those reporting the
	// same service: a random UUID chosen once per process.
	ResourceInstanceID = "service.instance.id"
)

// instanceID is this process's service.instance.id, chosen on first use.
var instanceID = sync.OnceValue(func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
})

// Config says whether and how to set up telemetry.
type Config struct {
	// Enabled turns telemetry on; otherwise Setup returns a no-op Telemetry
	// that builds no exporter, starts no goroutine and opens no socket.
	Enabled bool
	// ServiceVersion is service.version (the binary's version).
	ServiceVersion string
	// Pipeline, Profile and RunID become the hotpass.pipeline,
	// hotpass.profile and hotpass.run_id resource attributes when set.
	Pipeline, Profile, RunID string
	// Environment is deployment.environment.name (also set as the
	// deprecated deployment.environment); it overrides the value in
	// OTEL_RESOURCE_ATTRIBUTES when set.
	Environment string
	// Stderr receives console exporter output and the first export error
	// of each signal; nil means os.Stderr.
	Stderr io.Writer
	// Getenv reads the OTEL_* variables; nil means os.Getenv.
	Getenv func(string) string
	// LogLevel is the least severe level sent to OpenTelemetry logs; nil
	// means slog.LevelInfo. Local handlers keep their own levels.
	LogLevel slog.Leveler
}

// Telemetry holds the tracer, meter and logger providers of a process and
// the instruments Hotpass records. A nil *Telemetry behaves as a no-op one.
// Its methods are safe for concurrent use.
type Telemetry struct {
	tp      trace.TracerProvider
	mp      metric.MeterProvider
	lp      log.LoggerProvider
	tracer  trace.Tracer
	metrics *Metrics
	logs    slog.Handler // OpenTelemetry bridge; nil when logs go nowhere
	enabled bool

	exporters []Exporter
	failures  []*failures
	// shutdown and flush are the SDK providers' methods (Setup), or the
	// injected providers' ForceFlush (FromRegistry).
	shutdown []func(context.Context) error
	flush    []func(context.Context) error
	abandon  context.CancelFunc
	once     sync.Once
	err      error
}

// shutdownMargin is the part of the shutdown budget kept for exporters to
// give up and report why, after in-flight exports are cancelled.
const shutdownMargin = time.Second

// noopTelemetry is the shared, immutable no-op instance.
var noopTelemetry = newNoop()

func newNoop() *Telemetry {
	t, _ := FromRegistry(Registry{})
	t.enabled = false
	return t
}

// Noop returns a Telemetry that records nothing.
func Noop() *Telemetry { return noopTelemetry }

// Setup builds a Telemetry from cfg and the OTEL_* environment, read
// through cfg.Getenv only:
//
//   - OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _PROTOCOL (grpc or
//     http/protobuf, the default), _COMPRESSION, _TIMEOUT, the certificate
//     variables, and their per-signal variants
//     OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_*;
//   - OTEL_{TRACES,METRICS,LOGS}_EXPORTER: otlp (default), console or none;
//   - OTEL_BSP_*, OTEL_BLRP_*, OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT;
//   - OTEL_SERVICE_NAME (default "hotpass"), OTEL_RESOURCE_ATTRIBUTES;
//   - OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG;
//   - OTEL_SDK_DISABLED=true (in any case) gives a no-op Telemetry, whatever
//     else is set.
//
// Enum values are case-insensitive; an unknown or unsupported one, or a
// malformed number, is a warning on cfg.Stderr and the default applies.
// Mistakes that leave nowhere sensible to export to (an endpoint without
// scheme, malformed headers, unreadable certificates) are errors naming
// the variable. Exporters connect lazily: Setup does not fail when the
// collector is down; exports then fail and Shutdown reports it.
func Setup(ctx context.Context, cfg Config) (*Telemetry, error) {
	if !cfg.Enabled {
		return Noop(), nil
	}
	if r := registry(); r != nil {
		return FromRegistry(*r)
	}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	stderr := cfg.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	env, err := parseEnv(getenv)
	if err != nil {
		return nil, err
	}
	if env.disabled {
		return Noop(), nil
	}
	for _, w := range env.warnings {
		fmt.Fprintf(stderr, "hotpass: telemetry: warning: %s\n", w)
	}
	res, err := newResource(ctx, cfg, env)
	if err != nil {
		return nil, err
	}

	abandonCtx, abandon := context.WithCancel(context.Background())
	t := &Telemetry{enabled: true, abandon: abandon}
	console := &syncWriter{w: stderr}
	fail := func(err error) (*Telemetry, error) {
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		_ = t.Shutdown(sctx)
		return nil, err
	}
	newGuard := func(ec exporterConfig) *guard {
		what := ec.signal + " to " + ec.endpoint
		if ec.protocol == ProtocolConsole {
			what = ec.signal + " to the console"
		}
		f := &failures{what: what, stderr: console}
		t.failures = append(t.failures, f)
		t.exporters = append(t.exporters, Exporter{Signal: ec.signal, Protocol: ec.protocol, Endpoint: ec.endpoint})
		return &guard{abandon: abandonCtx, fail: f}
	}

	var tp trace.TracerProvider = tracenoop.NewTracerProvider()
	var mp metric.MeterProvider = metricnoop.NewMeterProvider()
	var lp log.LoggerProvider = lognoop.NewLoggerProvider()
	for _, ec := range env.exporters {
		if ec.protocol == "" {
			continue // OTEL_<SIGNAL>_EXPORTER=none
		}
		switch ec.signal {
		case SignalTraces:
			exp, err := newSpanExporter(ctx, ec, console, cmp.Or(cfg.ServiceVersion, "dev"))
			if err != nil {
				return fail(fmt.Errorf("telemetry: trace exporter: %w", err))
			}
			// Every batch setting is passed, so that the SDK does not read
			// OTEL_BSP_* from the process environment behind cfg.Getenv.
			var sp sdktrace.SpanProcessor
			if ec.protocol == ProtocolConsole {
				// Someone is reading: print each span as it ends.
				sp = sdktrace.NewSimpleSpanProcessor(spanExporter{exp, newGuard(ec)})
			} else {
				sp = sdktrace.NewBatchSpanProcessor(spanExporter{exp, newGuard(ec)},
					sdktrace.WithBatchTimeout(env.bsp.delay), sdktrace.WithExportTimeout(env.bsp.timeout),
					sdktrace.WithMaxQueueSize(env.bsp.queue), sdktrace.WithMaxExportBatchSize(env.bsp.batch))
			}
			p := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithSampler(env.sampler),
				sdktrace.WithSpanProcessor(sp))
			tp = p
			t.shutdown = append(t.shutdown, p.Shutdown)
			t.flush = append(t.flush, p.ForceFlush)
		case SignalMetrics:
			exp, err := newMetricExporter(ctx, ec, console)
			if err != nil {
				return fail(fmt.Errorf("telemetry: metric exporter: %w", err))
			}
			p := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(
				sdkmetric.NewPeriodicReader(metricExporter{exp, newGuard(ec)},
					sdkmetric.WithInterval(env.metricInterval), sdkmetric.WithTimeout(env.metricTimeout))))
			mp = p
			t.shutdown = append(t.shutdown, p.Shutdown)
			t.flush = append(t.flush, p.ForceFlush)
		case SignalLogs:
			exp, err := newLogExporter(ctx, ec, console)
			if err != nil {
				return fail(fmt.Errorf("telemetry: log exporter: %w", err))
			}
			var lproc sdklog.Processor
			if ec.protocol == ProtocolConsole {
				lproc = sdklog.NewSimpleProcessor(logExporter{exp, newGuard(ec)})
			} else {
				lproc = sdklog.NewBatchProcessor(logExporter{exp, newGuard(ec)},
					sdklog.WithExportInterval(env.blrp.delay), sdklog.WithExportTimeout(env.blrp.timeout),
					sdklog.WithMaxQueueSize(env.blrp.queue), sdklog.WithExportMaxBatchSize(env.blrp.batch))
			}
			p := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(lproc))
			lp = p
			t.shutdown = append(t.shutdown, p.Shutdown)
			t.flush = append(t.flush, p.ForceFlush)
		}
	}
	if err := t.init(tp, mp, lp, cfg.ServiceVersion, cfg.LogLevel); err != nil {
		return fail(err)
	}
	track(t)
	return t, nil
}

// Registry is a set of OpenTelemetry providers built by an embedding
// program. Nil fields mean no-op providers.
type Registry struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	LoggerProvider log.LoggerProvider
}

// FromRegistry returns a Telemetry recording through providers the
// caller owns: tests pass an in-memory span recorder and an sdk/metric
// ManualReader this way, and programs embedding Hotpass their own
// pipelines. Shutdown and Flush then only force-flush providers that have
// a ForceFlush(context.Context) error method; shutting them down is the
// caller's business.
func FromRegistry(r Registry) (*Telemetry, error) {
	t := &Telemetry{enabled: true}
	tp, mp, lp := r.TracerProvider, r.MeterProvider, r.LoggerProvider
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	if lp == nil {
		lp = lognoop.NewLoggerProvider()
	}
	t.flush = flushers(tp, mp, lp)
	if err := t.init(tp, mp, lp, "", nil); err != nil {
		return nil, err
	}
	return t, nil
}

// flushers returns the ForceFlush methods of the providers that have one.
func flushers(providers ...any) []func(context.Context) error {
	var out []func(context.Context) error
	for _, x := range providers {
		if f, ok := x.(interface{ ForceFlush(context.Context) error }); ok {
			out = append(out, f.ForceFlush)
		}
	}
	return out
}

func (t *Telemetry) init(tp trace.TracerProvider, mp metric.MeterProvider, lp log.LoggerProvider, version string, level slog.Leveler) error {
	t.tp, t.mp, t.lp = tp, mp, lp
	t.tracer = tp.Tracer(ScopeName, trace.WithInstrumentationVersion(version))
	m, err := newMetrics(mp.Meter(ScopeName, metric.WithInstrumentationVersion(version)))
	if err != nil {
		return fmt.Errorf("telemetry: create instruments: %w", err)
	}
	t.metrics = m
	if _, isNoop := lp.(lognoop.LoggerProvider); !isNoop {
		if level == nil {
			level = slog.LevelInfo
		}
		t.logs = minLevel{level, otelslog.NewHandler(ScopeName, otelslog.WithLoggerProvider(lp), otelslog.WithVersion(version))}
	}
	return nil
}

func newResource(ctx context.Context, cfg Config, env *envConfig) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{attribute.String("service.name", "hotpass"), attribute.String(ResourceInstanceID, instanceID())}
	attrs = append(attrs, env.resourceAttrs...)
	// Either name of the environment given in OTEL_RESOURCE_ATTRIBUTES
	// fills the other, the later entry winning.
	for _, kv := range env.resourceAttrs {
		switch kv.Key {
		case ResourceEnvironment:
			attrs = append(attrs, attribute.String(ResourceEnvironmentDeprecated, kv.Value.AsString()))
		case ResourceEnvironmentDeprecated:
			if !slices.ContainsFunc(env.resourceAttrs, func(a attribute.KeyValue) bool { return a.Key == ResourceEnvironment }) {
				attrs = append(attrs, attribute.String(ResourceEnvironment, kv.Value.AsString()))
			}
		}
	}
	if env.serviceName != "" {
		attrs = append(attrs, attribute.String("service.name", env.serviceName))
	}
	// Later entries win: what the binary and the command line know beats
	// what the environment says.
	for _, kv := range [][2]string{
		{"service.version", cfg.ServiceVersion},
		{ResourceEnvironment, cfg.Environment},
		{ResourceEnvironmentDeprecated, cfg.Environment},
		{ResourcePipeline, cfg.Pipeline},
		{ResourceProfile, cfg.Profile},
		{ResourceRunID, cfg.RunID},
	} {
		if kv[1] != "" {
			attrs = append(attrs, attribute.String(kv[0], kv[1]))
		}
	}
	// resource.WithFromEnv and resource.Default are not used: they read the
	// process environment, not cfg.Getenv.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(), resource.WithAttributes(attrs...))
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

func (t *Telemetry) orNoop() *Telemetry {
	if t == nil {
		return noopTelemetry
	}
	return t
}

// Enabled reports whether anything is recorded.
func (t *Telemetry) Enabled() bool { return t != nil && t.enabled }

// Exporters describes where each signal is exported; signals turned off
// with OTEL_<SIGNAL>_EXPORTER=none are absent. Empty for a no-op Telemetry
// or one built with FromRegistry.
func (t *Telemetry) Exporters() []Exporter {
	if t == nil {
		return nil
	}
	return append([]Exporter(nil), t.exporters...)
}

// TracerProvider returns the tracer provider.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.orNoop().tp }

// MeterProvider returns the meter provider.
func (t *Telemetry) MeterProvider() metric.MeterProvider { return t.orNoop().mp }

// LoggerProvider returns the OpenTelemetry logger provider.
func (t *Telemetry) LoggerProvider() log.LoggerProvider { return t.orNoop().lp }

// Tracer returns Hotpass's tracer.
func (t *Telemetry) Tracer() trace.Tracer { return t.orNoop().tracer }

// Meter returns a meter of Hotpass's instrumentation scope.
func (t *Telemetry) Meter() metric.Meter { return t.orNoop().mp.Meter(ScopeName) }

// Metrics returns Hotpass's instruments.
func (t *Telemetry) Metrics() *Metrics { return t.orNoop().metrics }

// SetGlobal installs the providers as OpenTelemetry's global ones, and the
// W3C trace-context and baggage propagators, for libraries that only use
// the globals. This is the package's only global side effect, and it is
// opt-in; Hotpass's own code uses the Telemetry it is given.
func (t *Telemetry) SetGlobal() {
	t = t.orNoop()
	otel.SetTracerProvider(t.tp)
	otel.SetMeterProvider(t.mp)
	otel.SetLoggerProvider(t.lp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// Flush exports everything recorded so far, waiting at most
// ShutdownTimeout (or until ctx ends).
func (t *Telemetry) Flush(ctx context.Context) error {
	if t == nil || len(t.flush) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ShutdownTimeout)
	defer cancel()
	return errors.Join(runAll(ctx, t.flush), t.exportErrors())
}

// Warning formats an error of Shutdown for stderr: one "warning: " line
// per failure. The failures already say "telemetry:", so the prefix is not
// repeated.
func Warning(err error) string {
	return "warning: " + strings.ReplaceAll(err.Error(), "\n", "\nwarning: ")
}

// Shutdown flushes and stops the providers Setup built (FromRegistry:
// only flushes). It returns within ShutdownTimeout even when the collector
// is unreachable or hangs; exports still in flight are then cancelled. The
// error lists what could not be exported: a caller should report it as a
// warning, the run itself is not affected. Later calls return the first
// call's result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.once.Do(func() {
		defer untrack(t)
		ctx, cancel := context.WithTimeout(ctx, ShutdownTimeout)
		defer cancel()
		fns := t.shutdown
		if len(fns) == 0 {
			fns = t.flush
		}
		if t.abandon != nil {
			// An export may take longer than the shutdown budget
			// (OTEL_EXPORTER_OTLP_TIMEOUT defaults to 10 s): exports still
			// going shortly before the deadline are cancelled, so that
			// their failures are known, and named, when Shutdown returns.
			dl, _ := ctx.Deadline()
			stop := time.AfterFunc(time.Until(dl)-shutdownMargin, t.abandon)
			defer stop.Stop()
		}
		err := runAll(ctx, fns)
		if t.abandon != nil {
			t.abandon()
		}
		if err != nil {
			err = fmt.Errorf("telemetry: shutdown: %w", err)
		}
		t.err = errors.Join(err, t.exportErrors())
	})
	return t.err
}

// runAll calls every function concurrently, so the signals share one time
// budget instead of adding theirs up, and returns when they are done or
// ctx ends, whichever comes first: a provider that ignored its context
// could otherwise hold the caller past the deadline.
func runAll(ctx context.Context, fns []func(context.Context) error) error {
	errs := make([]error, len(fns))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Go(func() { errs[i] = f(ctx) })
	}
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return errors.Join(errs...)
	case <-ctx.Done():
		return fmt.Errorf("gave up waiting for the exporters: %w", context.Cause(ctx))
	}
}

func (t *Telemetry) exportErrors() error {
	var errs []error
	for _, f := range t.failures {
		if err := f.err(); err != nil {
			errs = append(errs, fmt.Errorf("telemetry: %w", err))
		}
	}
	return errors.Join(errs...)
}
