package telemetry

import (
	"context"
	"sync"
)

// process is what the whole process shares: the registry an embedding
// program installed, and the Telemetry values Setup built that are not
// shut down yet, so that one call to Shutdown on the way out can flush
// them all whichever path the program exits by.
var process struct {
	mu   sync.Mutex
	reg  *Registry
	live map[*Telemetry]struct{}
}

// UseRegistry makes Setup record every telemetry-enabled run of this
// process through r's providers instead of building exporters from the
// OTEL_* variables (which are then not read). A program embedding Hotpass
// sends runs to its own OpenTelemetry pipeline this way, and tests to an
// in-memory span recorder and metric reader. Call it before starting runs:
// runs already set up keep the providers they have. The returned function
// restores the registry in use before.
//
// The providers stay the program's: Shutdown and a run's end only flush
// them.
func UseRegistry(r Registry) (restore func()) {
	process.mu.Lock()
	defer process.mu.Unlock()
	prev := process.reg
	process.reg = &r
	return func() {
		process.mu.Lock()
		defer process.mu.Unlock()
		process.reg = prev
	}
}

// registry returns the registry UseRegistry installed, or nil.
func registry() *Registry {
	process.mu.Lock()
	defer process.mu.Unlock()
	return process.reg
}

func track(t *Telemetry) {
	process.mu.Lock()
	defer process.mu.Unlock()
	if process.live == nil {
		process.live = map[*Telemetry]struct{}{}
	}
	process.live[t] = struct{}{}
}

func untrack(t *Telemetry) {
	process.mu.Lock()
	defer process.mu.Unlock()
	delete(process.live, t)
}

// Shutdown flushes and stops every Telemetry that Setup built in this
// process and that is not shut down yet, and flushes the providers of the
// registry UseRegistry installed. All of it shares one ShutdownTimeout, so
// an unreachable collector delays the exit by at most that. The CLI calls
// it on every way out (success, failure, Ctrl-C); a program embedding
// Hotpass calls it before exiting. Like Telemetry.Shutdown, its error
// lists what could not be exported and is meant as a warning.
func Shutdown(ctx context.Context) error {
	process.mu.Lock()
	var fns []func(context.Context) error
	for t := range process.live {
		fns = append(fns, t.Shutdown)
	}
	if r := process.reg; r != nil {
		fns = append(fns, flushers(r.TracerProvider, r.MeterProvider, r.LoggerProvider)...)
	}
	process.mu.Unlock()
	if len(fns) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ShutdownTimeout)
	defer cancel()
	return runAll(ctx, fns)
}
