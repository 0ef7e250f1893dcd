// Package refine provides the `refine` task type: read a profile's source
// workbooks (and optionally upstream tables), normalise, merge and score
// them into the SSOT table, and optionally write the SSOT workbook.
package refine

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the refine task type.
type Type struct{}

// Name returns "refine".
func (Type) Name() string { return "refine" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("refine", "Reads the source files of a profile (and optionally upstream tables), normalises, deduplicates and scores them into the SSOT table. Writes the SSOT workbook (Data and Summary sheets) and a Parquet copy when output is given.", &options{})
}

type options struct {
	Profile       string   `yaml:"profile" hotpass:"required" minlen:"1" examples:"aviation|profiles/my-industry.yaml" doc:"A built-in profile (aviation, generic), a profile in profiles/<name>.yaml next to the spec, or a path to a profile file."`
	InputDir      string   `yaml:"input_dir" examples:"data" doc:"Directory holding the source files, relative to the spec. The profile's file patterns are matched in it."`
	Inputs        []string `yaml:"inputs" doc:"Upstream tasks whose tables are refined too, their columns matched by the profile's default synonyms."`
	InputPriority *int     `yaml:"input_priority" doc:"Survivorship priority of the inputs tables (default 1)."`
	Output        string   `yaml:"output" examples:"dist/refined.xlsx" doc:"SSOT workbook to write (relative to the spec); a .parquet file of the same name is written next to it."`
	Workers       int      `yaml:"workers" min:"0" doc:"Parallel workers for reading and normalising (default: the number of CPUs)."`
	Refresh       bool     `yaml:"refresh_sources" doc:"Read the source files again even where a resumed run could reuse this task's earlier output, for example to pick up contact lists exported since."`
	// EntityResolution configures the linkage step (see resolve.go).
	EntityResolution *erOptions `yaml:"entity_resolution" doc:"Entity resolution: link the normalised records with the profile's linkage settings and merge them by linkage cluster instead of by name key, writing the linkage artefacts to output_dir. Every option may be a template; an empty value means not set."`
}

// OptionRules: source files, upstream tables or both.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.AnyOf("input_dir", "inputs").
		WhenNone("refine needs with.input_dir or with.inputs", "for example input_dir: data")}
}

// Prepare loads and compiles the profile, so that a broken profile fails
// `hotpass validate`, not the run.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	if o.Output != "" && !strings.EqualFold(filepath.Ext(o.Output), ".xlsx") {
		diags = append(diags, opts.Errorf("output", "%q is not an .xlsx path", o.Output).
			WithHint("the SSOT workbook is an .xlsx file; a .parquet copy is written next to it"))
	}
	rf, pdiags := LoadProfile(spec, opts, o.Profile)
	diags = append(diags, pdiags...)
	var er *resolution
	if rf != nil {
		var ediags specs.Diagnostics
		er, ediags = prepareResolution(opts, o.EntityResolution, rf)
		diags = append(diags, ediags...)
	}
	if len(diags) > 0 {
		return nil, diags
	}
	prio := 1
	if o.InputPriority != nil {
		prio = *o.InputPriority
	}
	return &runner{ref: rf, dir: o.InputDir, inputs: o.Inputs, priority: prio, output: o.Output, workers: o.Workers, er: er, refresh: o.Refresh}, nil
}

// LoadProfile resolves and compiles a profile named by a task option,
// relative to the spec. Problems inside the profile file keep their own
// positions; a reference that resolves to nothing points at the option.
func LoadProfile(spec *specs.Spec, opts *tasks.Options, ref string) (*refine.Refiner, specs.Diagnostics) {
	p, err := profiles.Resolve(ref, spec.Dir)
	if err != nil {
		var ds specs.Diagnostics
		if errors.As(err, &ds) {
			return nil, append(ds, opts.Errorf("profile", "profile %q is not valid (see above)", ref))
		}
		return nil, specs.Diagnostics{opts.Errorf("profile", "%v", err).
			WithHint("built-in profiles: %s; or give a path to a profile file", strings.Join(profiles.Names(), ", "))}
	}
	rf, err := refine.New(p)
	if err != nil {
		return nil, specs.Diagnostics{opts.Errorf("profile", "%v", err)}
	}
	return rf, nil
}

type runner struct {
	ref      *refine.Refiner
	dir      string
	inputs   []string
	priority int
	output   string
	workers  int
	er       *resolution
	refresh  bool
}

// Refresh says whether a resumed run must read the sources again
// (refresh_sources) instead of reusing this task's earlier output.
func (t *runner) Refresh() bool { return t.refresh }

var _ engine.Refresher = (*runner)(nil)

// Run refines the sources into the SSOT table.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	o := refine.IngestOptions{Workers: t.workers}
	if t.dir != "" {
		o.Dir = env.ResolvePath(t.dir)
	}
	for _, id := range t.inputs {
		tb, err := tableio.Input(env, id)
		if err != nil {
			return nil, err
		}
		o.Tables = append(o.Tables, refine.NamedTable{Name: id, Priority: t.priority, Table: tb})
	}
	p := t.ref.Profile()
	erAttrs := map[string]any{}
	if t.er != nil {
		o.Resolve = t.er.resolver(t.ref, env, t.workers, erAttrs)
	}
	env.Log.Info("refining", "profile", p.Name, "profile_path", p.Path, "input_dir", o.Dir, "inputs", len(o.Tables))
	res, err := t.ref.Refine(ctx, o)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Batch.Warnings {
		env.Log.Warn(w.String(), "dataset", w.Dataset, "file", w.File, "sheet", w.Sheet)
	}
	st := res.Batch.Stats
	attrs := map[string]any{
		"profile":        p.Name,
		"files":          st.Files,
		"sheets":         st.Sheets,
		"rows_read":      st.Rows,
		"rows_skipped":   st.SkippedRows,
		"rows_unjoined":  st.Unjoined,
		"rows_rejected":  st.Rejected,
		"records":        st.Records,
		"contacts":       st.Contacts,
		"organisations":  res.Table.NumRows(),
		"warnings":       len(res.Batch.Warnings),
		"ingest_ms":      res.Timings.Ingest.Milliseconds(),
		"normalise_ms":   res.Timings.Normalise.Milliseconds(),
		"aggregate_ms":   res.Timings.Aggregate.Milliseconds() + res.Timings.Build.Milliseconds(),
		"rows_per_s":     rate(st.Rows, res.Timings.Ingest+res.Timings.Normalise+res.Timings.Aggregate+res.Timings.Build),
		"unmatched_cols": unmatchedCount(res.Batch.Unmatched),
	}
	for k, v := range erAttrs {
		attrs[k] = v
	}
	if env.RunDir != "" {
		// Left for the task that writes the final workbook.
		if err := refine.WriteSheetStats(filepath.Join(env.RunDir, env.TaskID+refine.SheetStatsSuffix), st.PerSheet); err != nil {
			return nil, err
		}
	}
	env.Log.Info("refined", "records", st.Records, "organisations", res.Table.NumRows(), "contacts", st.Contacts,
		"ingest", res.Timings.Ingest, "normalise", res.Timings.Normalise, "aggregate", res.Timings.Aggregate+res.Timings.Build)
	if t.output != "" {
		path := env.ResolvePath(t.output)
		start := time.Now()
		// The profile's placeholders are missing values in the report's
		// completeness as they are in the table.
		ph := refine.NewPlaceholders(p.Normalisation.Placeholders)
		ev := quality.EvaluateFunc(res.Table, p.Quality.Expectations, ph.Is)
		summary := refine.Summary(res.Table, ev, res.Batch.Unmatched, res.Batch.Stats.PerSheet, ph)
		pq, err := refine.WriteOutputs(path, res.Table, summary, p.Quality.Thresholds)
		if err != nil {
			return nil, err
		}
		attrs["output"] = path
		attrs["output_parquet"] = pq
		attrs["write_ms"] = time.Since(start).Milliseconds()
		env.Log.Info("wrote SSOT workbook", "path", path, "parquet", pq, "validation_passed", ev.Report.Passed)
	}
	out, err := tableio.Persist(env, res.Table, int64(st.Rows))
	if err != nil {
		return nil, err
	}
	for k, v := range attrs {
		out.Attrs[k] = v
	}
	return out, nil
}

func rate(rows int, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(float64(rows) / d.Seconds())
}

func unmatchedCount(u []refine.Unmatched) int {
	n := 0
	for _, x := range u {
		n += len(x.Columns)
	}
	return n
}
