package hotpass

import (
	"io"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Telemetry is a set of OpenTelemetry providers a program built itself.
// Runs record through them: a hotpass.run span per run, a hotpass.task
// span per attempt, the run, task and data metrics, and the engine's logs.
// A nil field records nothing of that signal. Hotpass never shuts the
// providers down; it only flushes those that have ForceFlush when a run
// ends.
type Telemetry struct {
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	LoggerProvider log.LoggerProvider
}

// WithTelemetry records every run through the providers of t, whatever
// the spec's observability block and the OTEL_* variables say. It
// excludes WithEnvTelemetry.
func WithTelemetry(t Telemetry) Option {
	return func(c *config) error { c.provided = &t; return nil }
}

// EnvTelemetry says how to export runs' telemetry configured by the
// standard OTEL_* variables, as the hotpass command does.
type EnvTelemetry struct {
	// Enabled exports every run; otherwise only the runs of specs that set
	// `observability: {enabled: true}`.
	Enabled bool
	// ServiceVersion is the service.version resource attribute.
	ServiceVersion string
	// Stderr receives console exporter output and export warnings; nil
	// means os.Stderr.
	Stderr io.Writer
}

// WithEnvTelemetry exports runs' traces, metrics and logs as the OTEL_*
// variables say (endpoint, protocol, headers, sampler, ...). An invalid
// setting fails the run before it starts, with an error wrapping
// ErrTelemetryConfig. Without this option (or WithTelemetry) only specs
// that enable observability export, configured the same way.
func WithEnvTelemetry(e EnvTelemetry) Option {
	return func(c *config) error {
		c.envTel = true
		c.tel.Enabled, c.tel.ServiceVersion, c.tel.Stderr = e.Enabled, e.ServiceVersion, e.Stderr
		return nil
	}
}
