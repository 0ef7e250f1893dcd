// Package backfill provides the `backfill` task type: replay archived inputs
// for a range of dates and versions inside a DAG, so that a spec can
// backfill and then publish. Its options are those of an
// orchestrator.backfill block, or `config:` naming a file that holds one.
// Its output is the summary as a table, one row per run. With fail_fast
// (from the block, or next to config:) it starts no run after the first
// failure.
package backfill

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	bf "github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the backfill task type.
type Type struct{}

// Name returns "backfill".
func (Type) Name() string { return "backfill" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block: the backfill block's
// options plus config and force.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("backfill", "Replays archived inputs for a range of dates and versions, running a pipeline on each; outputs the summary table (date, version, archive, status, records, duration_ms, error). Fails when any run fails.", &options{})
}

type options struct {
	bf.BlockOptions `yaml:",inline"`
	Config          string `yaml:"config" minlen:"1" doc:"A spec or JSON file whose orchestrator.backfill block to use, relative to this spec. Excludes the other block options but fail_fast, which overrides the file's."`
	Force           bool   `yaml:"force" doc:"Rerun dates and versions that already succeeded for the same archive."`
}

// Prepare checks the options. A config file is read when the task runs, so
// that it may be produced upstream.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	where := fmt.Sprintf("task %q: with", task.ID)
	var o options
	b, err := decode.Into(task.With, &o)
	if err != nil {
		return nil, bf.Problems(spec.Path, where, err)
	}
	r := &runner{force: o.Force}
	if !b.Has("config") {
		if r.cfg, err = bf.Configure(spec.Path, spec.Dir, where, &o.BlockOptions, b); err != nil {
			return nil, err
		}
		return r, nil
	}
	n := b.Value("config")
	var others []string
	for _, name := range b.Names() {
		if name != "config" && name != "force" && name != "fail_fast" {
			others = append(others, name)
		}
	}
	if len(others) > 0 {
		return nil, specs.Diagnostics{specs.Errorf(specs.PosOf(spec.Path, n), "%s.config: cannot be combined with %s", where, strings.Join(others, ", ")).
			WithHint("put every backfill option in the config file, or none")}
	}
	if b.Has("fail_fast") {
		r.failFast = &o.FailFast
	}
	r.configPath = engine.ResolvePath(spec.Dir, o.Config)
	return r, nil
}

type runner struct {
	cfg        *bf.Config
	configPath string
	force      bool
	// failFast, when set, overrides the config file's fail_fast.
	failFast *bool
}

// Run does the backfill and outputs its summary table.
func (r *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	loader, err := engine.NewLoader(tasks.Default())
	if err != nil {
		return nil, err
	}
	cfg := r.cfg
	if cfg == nil {
		if cfg, err = bf.LoadConfig(loader, r.configPath); err != nil {
			return nil, err
		}
		if r.failFast != nil {
			cfg.FailFast = *r.failFast
		}
	}
	jobs, err := cfg.Jobs(bf.Selection{})
	if err != nil {
		return nil, err
	}
	// Child runs sit next to this one: <state>/runs/<backfill-run-id>,
	// recorded in the same history as its children.
	stateDir := runstate.OfRun(env.RunDir).Home()
	st, err := store.Open(ctx, runstate.DatabaseTarget(stateDir))
	if err != nil {
		return nil, fmt.Errorf("open the run history to record the backfill's runs: %w", err)
	}
	defer st.Close()
	runs, err := hotpass.New(hotpass.WithStore(st), hotpass.WithLoader(loader), hotpass.WithStateDir(stateDir),
		hotpass.WithLogHandler(env.Log.Handler()))
	if err != nil {
		return nil, err
	}
	opts := bf.Options{
		Pipeline: &bf.RunnerPipeline{Runner: runs, ParentID: env.RunID},
		Force:    r.force,
		Logger:   env.Log,
	}
	if cfg.ConcurrencyLimit > 0 {
		opts.Store = st
	}
	env.Log.Info("backfill", "runs", len(jobs), "concurrency_limit", cfg.ConcurrencyLimit, "pipeline", cfg.Pipeline.String())
	sum, err := bf.Run(ctx, cfg, jobs, opts)
	if sum == nil {
		return nil, err
	}
	_ = sum.WriteTable(env.Output)
	if err != nil {
		return nil, err
	}
	if !sum.OK() {
		return nil, failure(sum)
	}
	t, err := summaryTable(sum)
	if err != nil {
		return nil, err
	}
	res, err := tableio.Persist(env, t, int64(sum.Total))
	if err != nil {
		return nil, err
	}
	res.Attrs["succeeded"], res.Attrs["skipped"], res.Attrs["missing"], res.Attrs["records"] = sum.Succeeded, sum.Skipped, sum.Missing, sum.Records
	return res, nil
}

// failure names every run that failed or was cancelled, and counts those
// fail_fast kept from starting (there may be hundreds).
func failure(s *bf.Summary) error {
	var names []string
	for _, r := range s.Runs {
		if r.Status == bf.StatusFailed || r.Status == bf.StatusCancelled {
			names = append(names, fmt.Sprintf("%s %s (%s: %s)", r.Date, r.Version, r.Status, r.Error))
		}
	}
	msg := strings.Join(names, "; ")
	if s.NotStarted > 0 {
		msg += fmt.Sprintf("; %d not started after the first failure (fail_fast)", s.NotStarted)
	}
	return fmt.Errorf("%d of %d backfill runs did not succeed: %s", len(names)+s.NotStarted, s.Total, msg)
}

// summarySchema is the output table's layout.
var summarySchema = table.MustSchema(
	table.Field{Name: "date", Type: table.String},
	table.Field{Name: "version", Type: table.String},
	table.Field{Name: "archive", Type: table.String},
	table.Field{Name: "status", Type: table.String},
	table.Field{Name: "records", Type: table.Int64},
	table.Field{Name: "duration_ms", Type: table.Int64},
	table.Field{Name: "error", Type: table.String},
)

// summaryTable turns the summary into the task's output table.
func summaryTable(s *bf.Summary) (*table.Table, error) {
	b := table.NewBuilder(summarySchema, len(s.Runs))
	for _, r := range s.Runs {
		b.Column(0).AppendString(r.Date)
		b.Column(1).AppendString(r.Version)
		b.Column(2).AppendString(r.Archive)
		b.Column(3).AppendString(string(r.Status))
		b.Column(4).AppendInt64(r.Records)
		b.Column(5).AppendInt64(r.Duration.Milliseconds())
		if r.Error == "" {
			b.Column(6).AppendNull()
		} else {
			b.Column(6).AppendString(r.Error)
		}
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build the summary table: %w", err)
	}
	return t, nil
}
