package backfill

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// Pipeline runs the pipeline of one backfill run. It is the one place that
// knows how a spec or profile is run, so that the backfill can move to
// another runner (one that records runs in the store, or knows built-in
// profiles) by swapping the implementation.
type Pipeline interface {
	// Check loads the pipeline once before any run, so that a broken spec
	// fails the backfill as a configuration error instead of failing every
	// run the same way.
	Check(ctx context.Context, ref PipelineRef) error
	// Run runs the pipeline and returns its record. As with engine.Plan.Run,
	// a nil record means the run could not start; otherwise the record says
	// how it went.
	Run(ctx context.Context, req Request) (*engine.RunRecord, error)
}

// Request is one run of a backfill's pipeline.
type Request struct {
	Pipeline PipelineRef
	// InputDir is the extracted archive; it is also Params[ParamInputDir].
	InputDir string
	// Date is the logical date (run.date), YYYY-MM-DD.
	Date  string
	RunID string
	// Params are the run's parameter values by name.
	Params map[string]any
}

// ErrNoProfile is wrapped when a backfill names a profile this build does
// not have; it carries exit status 2 (exitcode.Invalid).
var ErrNoProfile = exitcode.New(exitcode.Invalid, "no such profile")

// LoaderPipeline runs spec files and built-in profiles' pipelines with an
// engine.Loader, keeping run directories under StateDir. A profile's
// pipeline spec is written once to <StateDir>/profiles/<name>.pipeline.yaml
// and loaded from there (the backfill passes absolute paths, so the spec's
// directory does not matter).
type LoaderPipeline struct {
	Loader *engine.Loader
	// StateDir holds runs/<run-id>/; empty means engine.DefaultStateDir.
	StateDir string
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
}

// specPath returns the spec file to load for ref: the spec as given, or the
// profile's built-in pipeline written out by profiles.PipelineFile.
func (p *LoaderPipeline) specPath(ref PipelineRef) (string, error) {
	if ref.Spec != "" {
		return ref.Spec, nil
	}
	path, err := profiles.PipelineFile(ref.Profile)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoProfile, err)
	}
	return path, nil
}

// Check loads the spec and makes sure it declares the params the backfill
// sets.
func (p *LoaderPipeline) Check(_ context.Context, ref PipelineRef) error {
	path, err := p.specPath(ref)
	if err != nil {
		return err
	}
	spec, _, err := p.Loader.Load(path, false, nil)
	if err != nil {
		return err
	}
	for _, name := range []string{ParamInputDir, ParamOutputPath} {
		if spec.Param(name) == nil {
			return fmt.Errorf("pipeline %s does not declare the param %s, which the backfill sets for each run; add `params: {%s: {type: string}}`",
				ref, name, name)
		}
	}
	return nil
}

// Run loads, renders and runs the spec. A run id whose directory already
// exists (the same date and version run before) gets a ".N" suffix.
func (p *LoaderPipeline) Run(ctx context.Context, req Request) (*engine.RunRecord, error) {
	path, err := p.specPath(req.Pipeline)
	if err != nil {
		return nil, err
	}
	spec, _, err := p.Loader.Load(path, false, nil)
	if err != nil {
		return nil, err
	}
	runID := p.freeRunID(req.RunID)
	prep, err := p.Loader.Prepare(spec, engine.PrepareOptions{
		ParamsJSON: req.Params,
		Run:        tmpl.Run{ID: runID, Date: req.Date, TS: time.Now().UTC()},
	})
	if err != nil {
		return nil, err
	}
	opts := engine.RunOptions{
		RunID:    runID,
		StateDir: p.StateDir,
		Params:   prep.Params,
		Logger:   p.Logger,
	}
	if telemetry.FromContext(ctx).Enabled() {
		// Each replayed run is its own trace, linked to the backfill's span.
		obs := telemetry.ChildRunObserver(ctx, spec.Name)
		opts.Observer, opts.TraceID = obs, obs.TraceID
		ctx = obs.Context(ctx)
	}
	return prep.Plan.Run(ctx, opts)
}

// freeRunID returns id, or id.N for the first N whose run directory does
// not exist yet.
func (p *LoaderPipeline) freeRunID(id string) string {
	layout := runstate.New(p.StateDir)
	candidate := id
	for n := 2; ; n++ {
		if !layout.RunExists(candidate) {
			return candidate
		}
		candidate = id + "." + strconv.Itoa(n)
	}
}

// Records counts what a run produced: the rows out of the last task, in
// file order, that succeeded and moved rows — by convention the task that
// publishes the pipeline's result.
func Records(rec *engine.RunRecord) int64 {
	if rec == nil {
		return 0
	}
	for i := len(rec.Tasks) - 1; i >= 0; i-- {
		t := rec.Tasks[i]
		if t.Status == engine.StatusSucceeded && t.RowsOut > 0 {
			return t.RowsOut
		}
	}
	return 0
}
