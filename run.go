package hotpass

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/specs"
)

// RunOption adjusts one run.
type RunOption func(*runSettings)

// runSettings are the options of one run, as the implementation takes
// them.
type runSettings = runner.Options

// Params sets param values by name, as JSON values (string, float64,
// bool, ...) checked against the params' declared types.
func Params(values map[string]any) RunOption {
	return func(o *runSettings) { o.ParamsJSON = values }
}

// ParamText sets param values by name as text, parsed by each param's
// declared type as `hotpass run --param name=value` does. They win over
// Params.
func ParamText(values map[string]string) RunOption {
	return func(o *runSettings) { o.ParamFlags = values }
}

// Date sets the logical date templates see as run.date, YYYY-MM-DD;
// today in UTC by default.
func Date(day string) RunOption {
	return func(o *runSettings) { o.Date = day }
}

// RunID names the run (and its directory); a new id by default.
func RunID(id string) RunOption {
	return func(o *runSettings) { o.RunID = id }
}

// Only runs these tasks and everything they depend on, transitively.
func Only(taskIDs ...string) RunOption {
	return func(o *runSettings) { o.Only = taskIDs }
}

// MaxConcurrency overrides the spec's concurrency.max when n > 0.
func MaxConcurrency(n int) RunOption {
	return func(o *runSettings) { o.MaxConcurrency = n }
}

// ResumeFrom reuses the unchanged, successful tasks of the finished run
// id and runs the rest; that run's params are this one's defaults.
func ResumeFrom(id string) RunOption {
	return func(o *runSettings) { o.ResumeFrom = id }
}

// Deployment records the deployment the run belongs to.
func Deployment(name string) RunOption {
	return func(o *runSettings) { o.Deployment = name }
}

// ChildOf records the run as started by run parentID (a backfill's
// child runs), which `hotpass runs ls --parent` lists. When ctx carries
// the parent's telemetry, the child is traced through it, in a trace of
// its own linked to the parent's active span.
func ChildOf(parentID string) RunOption {
	return func(o *runSettings) { o.ParentID = parentID }
}

// Queued runs the run id that a scheduler created in the store as
// pending: it is moved to running rather than created, and marked failed
// with the reason when the spec cannot be loaded.
func Queued(id string) RunOption {
	return func(o *runSettings) { o.RunID, o.Queued = id, true }
}

// Result is a run that started: its record and directory.
type Result struct {
	// Record is the run's record, as kept in run.json: status, timings
	// and every task's outcome, secrets masked.
	Record *engine.RunRecord
	// Dir is the run's directory: run.json, the task logs, the tables
	// tasks kept.
	Dir string
}

// ErrNoTable is wrapped by Result.Table when the task kept no table.
var ErrNoTable = errors.New("no table")

// Table reads the table task taskID produced in this run, as kept in the
// run directory by the task types that output tables (read, refine,
// validate, ...).
func (r *Result) Table(taskID string) (*Table, error) {
	tr := r.Record.Task(taskID)
	if tr == nil {
		return nil, fmt.Errorf("%w: run %s has no task %q", ErrNoTable, r.Record.RunID, taskID)
	}
	name, _ := tr.Attrs["output"].(string)
	if name == "" || filepath.Base(name) != name {
		return nil, fmt.Errorf("%w: task %q of run %s kept no table (status %s)", ErrNoTable, taskID, r.Record.RunID, tr.Status)
	}
	return ReadTable(filepath.Join(r.Dir, name))
}

// Run loads, checks and runs the spec of src and records the run in the
// store. The Result is nil when the run never started: the spec is
// invalid (the error wraps specs.ErrInvalid and lists every diagnostic
// with its position), a param is wrong, the profile is unknown
// (ErrNoProfile), ResumeFrom names no usable run, or the store or the run
// directory cannot be written. Otherwise the error wraps
// engine.ErrRunFailed or engine.ErrRunCancelled when the run did not
// succeed. Errors carry their exit status: exitcode.Of.
func (r *Runner) Run(ctx context.Context, src Source, opts ...RunOption) (*Result, error) {
	if err := src.check(); err != nil {
		return nil, err
	}
	o := runner.Options{
		Store: r.cfg.store, Loader: r.loader, StateDir: r.cfg.stateDir, Source: src.src,
		LookupEnv: r.cfg.lookupEnv, Secrets: r.cfg.secrets, Observers: r.cfg.observers,
		Logger: r.cfg.logger, Warnings: r.cfg.warnings, Slots: r.cfg.slots, CancelGrace: r.cfg.grace,
		Telemetry: r.cfg.tel,
	}
	for _, opt := range opts {
		opt(&o)
	}
	rec, err := runner.Run(ctx, o)
	if rec == nil {
		return nil, err
	}
	return &Result{Record: rec, Dir: r.RunDir(rec.RunID)}, err
}

// Load parses and checks the spec of src as Run would before running it,
// and returns it with its warnings; the error wraps specs.ErrInvalid (or
// ErrNoProfile) when it is not runnable.
func (r *Runner) Load(ctx context.Context, src Source) (*specs.Spec, specs.Diagnostics, error) {
	if err := src.check(); err != nil {
		return nil, nil, err
	}
	return src.src.Load(ctx, r.loader, false, r.cfg.lookupEnv)
}
