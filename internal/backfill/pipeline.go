package backfill

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
)

// Pipeline runs the pipeline of one backfill run: RunnerPipeline, or a
// stand-in in tests.
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
var ErrNoProfile = hotpass.ErrNoProfile

// RunnerPipeline runs the backfill's pipeline (a spec file, or a built-in
// profile's pipeline) through a hotpass.Runner: each child run is recorded
// in the run history under the backfill's run, keeps its directory under
// the Runner's state directory, and is traced, when the backfill is, in a
// trace of its own linked to the backfill's span.
type RunnerPipeline struct {
	Runner *hotpass.Runner
	// ParentID is the backfill's own run, recorded with every child run.
	ParentID string
}

// source is the spec ref names.
func (p *RunnerPipeline) source(ref PipelineRef) hotpass.Source {
	if ref.Spec != "" {
		return hotpass.File(ref.Spec)
	}
	return hotpass.Profile(ref.Profile)
}

// Check loads the spec and makes sure it declares the params the backfill
// sets.
func (p *RunnerPipeline) Check(ctx context.Context, ref PipelineRef) error {
	spec, _, err := p.Runner.Load(ctx, p.source(ref))
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

// Run runs the pipeline as a child of the backfill's run. A run id whose
// directory already exists (the same date and version run before) gets a
// ".N" suffix.
func (p *RunnerPipeline) Run(ctx context.Context, req Request) (*engine.RunRecord, error) {
	res, err := p.Runner.Run(ctx, p.source(req.Pipeline), hotpass.RunID(p.freeRunID(req.RunID)),
		hotpass.Params(req.Params), hotpass.Date(req.Date), hotpass.ChildOf(p.ParentID))
	if res == nil {
		return nil, err
	}
	return res.Record, err
}

// freeRunID returns id, or id.N for the first N whose run directory does
// not exist yet.
func (p *RunnerPipeline) freeRunID(id string) string {
	candidate := id
	for n := 2; ; n++ {
		if _, err := os.Lstat(p.Runner.RunDir(candidate)); errors.Is(err, os.ErrNotExist) {
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
