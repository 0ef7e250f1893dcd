package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Keys of the attributes WithTraceIDs adds to log records.
const (
	LogTraceID = "trace_id"
	LogSpanID  = "span_id"
)

// Logger returns a logger that sends records to OpenTelemetry only, each
// carrying the trace and span ids of the span active in its context; it
// discards everything on a no-op Telemetry or when logs are not exported.
func (t *Telemetry) Logger() *slog.Logger {
	return slog.New(t.LogHandler(nil))
}

// LogHandler returns a handler that sends each record both to local (for
// example the CLI's text handler; nil for none), with trace_id and span_id
// attributes added from the context, and to OpenTelemetry logs, where the
// ids travel in the record's own trace and span id fields.
//
// Records logged without a context (logger.Info rather than InfoContext)
// carry no span; wrap the result with RunObserver.LogHandler to attach the
// run's span to those.
func (t *Telemetry) LogHandler(local slog.Handler) slog.Handler {
	t = t.orNoop()
	switch {
	case local == nil && t.logs == nil:
		return slog.DiscardHandler
	case local == nil:
		return t.logs
	case t.logs == nil:
		return WithTraceIDs(local)
	}
	return slog.NewMultiHandler(WithTraceIDs(local), t.logs)
}

// WithTraceIDs wraps h so that every record logged with a context holding
// a valid span gets trace_id and span_id attributes (hex). When the logger
// has open groups (WithGroup) the ids land inside the innermost group.
func WithTraceIDs(h slog.Handler) slog.Handler { return traceIDHandler{h} }

type traceIDHandler struct{ next slog.Handler }

func (h traceIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h traceIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		// Clone: the caller's record may share its attribute storage.
		r = r.Clone()
		r.AddAttrs(slog.String(LogTraceID, sc.TraceID().String()), slog.String(LogSpanID, sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

func (h traceIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traceIDHandler{h.next.WithAttrs(attrs)}
}

func (h traceIDHandler) WithGroup(name string) slog.Handler {
	return traceIDHandler{h.next.WithGroup(name)}
}

// LogHandler wraps h so that records logged with a context that holds no
// span are attributed to the run span: the engine logs run and task
// lifecycle messages without a context, and they belong to the run.
func (o *RunObserver) LogHandler(h slog.Handler) slog.Handler { return runSpanHandler{h, o} }

type runSpanHandler struct {
	next slog.Handler
	o    *RunObserver
}

func (h runSpanHandler) ctx(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if trace.SpanContextFromContext(ctx).IsValid() {
		return ctx
	}
	if sc := h.o.SpanContext(); sc.IsValid() {
		return trace.ContextWithSpanContext(ctx, sc)
	}
	return ctx
}

func (h runSpanHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(h.ctx(ctx), l)
}

func (h runSpanHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(h.ctx(ctx), r)
}

func (h runSpanHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return runSpanHandler{h.next.WithAttrs(attrs), h.o}
}

func (h runSpanHandler) WithGroup(name string) slog.Handler {
	return runSpanHandler{h.next.WithGroup(name), h.o}
}

// minLevel drops records below a level. The OpenTelemetry bridge would
// otherwise export debug records whenever its provider is enabled.
type minLevel struct {
	level slog.Leveler
	next  slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.next.Enabled(ctx, l)
}

func (h minLevel) Handle(ctx context.Context, r slog.Record) error { return h.next.Handle(ctx, r) }

func (h minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{h.level, h.next.WithAttrs(attrs)}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.level, h.next.WithGroup(name)}
}
