// Package read provides the `read` task type: load a table from a datasource
// or a file (csv, xlsx, parquet, jsonl, postgres).
package read

import (
	"context"
	"encoding/json"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/datasource"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the read task type.
type Type struct{}

// Name returns "read".
func (Type) Name() string { return "read" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block: the options of
// every format, less those only a write has.
func (Type) Schema() json.RawMessage {
	var s map[string]any
	_ = json.Unmarshal(tasks.Schema("read", "Reads a table from a datasource (source:) or a file (path:). The table is passed to downstream tasks and kept as <run dir>/<task>.parquet.", &options{}), &s)
	props := s["properties"].(map[string]any)
	delete(props, "mode")
	delete(props, "key")
	out, _ := json.Marshal(s)
	return out
}

type options struct {
	Source            string `yaml:"source" doc:"Name of a datasource declared under the spec's datasources:. Options given here override its options."`
	datasource.Config `yaml:",inline"`
}

// OptionRules: a datasource, a file or a database.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.AnyOf("source", "path", "dsn")}
}

// Prepare resolves the datasource and checks that every option applies to its format.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	cfg, err := datasource.Resolve(spec, task, opts, "source", o.Source, o.Config, false)
	if err != nil {
		return nil, err
	}
	return &runner{cfg: cfg}, nil
}

type runner struct {
	cfg datasource.Config
}

// LoadOutput reuses the table an earlier run of this task kept (resume).
func (r *runner) LoadOutput(_ context.Context, env *engine.Env, prevRunDir string) (*engine.Result, error) {
	return tableio.Reload(env, prevRunDir)
}

var _ engine.OutputLoader = (*runner)(nil)

// Run reads the table and keeps it in the run directory.
func (r *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	env.Log.Info("reading", "from", r.cfg.Describe())
	cfg := r.cfg
	cfg.Log = env.Log
	if in, ok, err := datasource.Open(cfg, env.SpecDir); err != nil {
		return nil, err
	} else if ok {
		res, err := tableio.PersistStream(ctx, env, in)
		if err != nil {
			return nil, err
		}
		env.Log.Info("read", "rows", res.RowsOut)
		return res, nil
	}
	t, err := datasource.Read(ctx, cfg, env.SpecDir)
	if err != nil {
		return nil, err
	}
	env.Log.Info("read", "rows", t.NumRows(), "columns", t.NumCols())
	return tableio.Persist(env, t, int64(t.NumRows()))
}
