package telemetry

import "context"

// ctxKey carries a *Telemetry or a *RunObserver in a context.
type ctxKey struct{}

// NewContext returns ctx carrying t, for code that only has a context
// (tasks get one from the engine).
func NewContext(ctx context.Context, t *Telemetry) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// Context returns ctx carrying the observer and its Telemetry. Pass it to
// engine.Plan.Run so tasks find both: FromContext(ctx).Metrics() to record
// metrics (tagged with the pipeline) and TaskContext(ctx, env.TaskID) to
// parent their spans on their attempt's span.
func (o *RunObserver) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, o)
}

// FromContext returns the Telemetry carried by ctx, or a no-op one: never
// nil, so callers need no check.
func FromContext(ctx context.Context) *Telemetry {
	switch v := ctx.Value(ctxKey{}).(type) {
	case *Telemetry:
		return v.orNoop()
	case *RunObserver:
		return v.tel
	}
	return noopTelemetry
}

func observerFrom(ctx context.Context) *RunObserver {
	o, _ := ctx.Value(ctxKey{}).(*RunObserver)
	return o
}

// TaskContext returns ctx with the span of taskID's running attempt
// active, when ctx carries a run observer (RunObserver.Context); otherwise
// ctx unchanged. Tasks call it first thing in Run:
//
//	ctx = telemetry.TaskContext(ctx, env.TaskID)
//	ctx, span := telemetry.FromContext(ctx).Tracer().Start(ctx, "linkage.train")
//	defer span.End()
func TaskContext(ctx context.Context, taskID string) context.Context {
	if o := observerFrom(ctx); o != nil {
		return o.TaskContext(ctx, taskID)
	}
	return ctx
}
