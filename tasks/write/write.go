// Package write provides the `write` task type: write an upstream task's
// table to a file (csv, xlsx, parquet, jsonl) or a datasource (postgres).
package write

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/datasource"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the write task type.
type Type struct{}

// Name returns "write".
func (Type) Name() string { return "write" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("write", "Writes the output table of `input` to a file (format from the extension unless format: is given) or to a datasource (sink:).", &options{})
}

type options struct {
	Input             string `yaml:"input" hotpass:"required" doc:"The task whose output table is written."`
	Sink              string `yaml:"sink" doc:"Name of a datasource to write to (e.g. a postgres table). Options given here override its options."`
	Overwrite         *bool  `yaml:"overwrite" doc:"Replace an existing file (default true). Files are always written to a temporary file and renamed."`
	datasource.Config `yaml:",inline"`
}

// OptionRules: a datasource, a file or a database.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.AnyOf("sink", "path", "dsn")}
}

// Prepare resolves the sink and checks the options against its format.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	cfg, err := datasource.Resolve(spec, task, opts, "sink", o.Sink, o.Config, true)
	if err != nil {
		return nil, err
	}
	overwrite := o.Overwrite == nil || *o.Overwrite
	return &runner{input: o.Input, cfg: cfg, overwrite: overwrite}, nil
}

type runner struct {
	input     string
	cfg       datasource.Config
	overwrite bool
}

// Run writes the input table.
func (r *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	t, err := tableio.Input(env, r.input)
	if err != nil {
		return nil, err
	}
	env.Log.Info("writing", "to", r.cfg.Describe(), "rows", t.NumRows())
	if kept, ok := tableio.Kept(env, r.input); ok && r.cfg.DefaultParquet() {
		where, err := r.copyKept(env, kept)
		if err != nil {
			return nil, err
		}
		n := int64(t.NumRows())
		return &engine.Result{RowsIn: n, RowsOut: n, Attrs: map[string]any{"written": where, "copied_from": filepath.Base(kept)}}, nil
	}
	where, err := datasource.Write(ctx, r.cfg, env.SpecDir, t, datasource.WriteOptions{Overwrite: r.overwrite})
	if err != nil {
		return nil, err
	}
	n := int64(t.NumRows())
	return &engine.Result{RowsIn: n, RowsOut: n, Attrs: map[string]any{"written": where}}, nil
}

// copyKept writes the input's kept Parquet file to the target path: the
// bytes are those an encode of the same table with the default options
// would produce.
func (r *runner) copyKept(env *engine.Env, kept string) (string, error) {
	path := env.ResolvePath(r.cfg.Path)
	var opts []atomicfile.Option
	if !r.overwrite {
		opts = append(opts, atomicfile.NoReplace())
	}
	if err := tableio.CopyKept(kept, path, opts...); err != nil {
		if !r.overwrite && errors.Is(err, fs.ErrExist) {
			return "", datasource.ExistsError(path)
		}
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
