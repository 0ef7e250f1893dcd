// Package linkage provides the `linkage` task type: probabilistic record
// linkage (Fellegi–Sunter) of upstream tables — train or load a model,
// score candidate pairs (or classify them with the settings' deterministic
// rules, use_splink: false), send uncertain pairs to clerical review in Label
// Studio, cluster the matches and write the linkage artefacts (see package
// linkjob). Its output table is the input with a cluster_id column.
package linkage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	"github.com/hotpass/hotpass/tasks/linkage/linkjob"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the linkage task type.
type Type struct{}

// Name returns "linkage".
func (Type) Name() string { return "linkage" }

// DefaultOutputDir is where the artefacts go when output_dir is not given,
// relative to the spec.
const DefaultOutputDir = "dist/linkage"

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("linkage", "Probabilistic record linkage (Fellegi–Sunter, as Splink does it) of upstream tables: trains a model (or loads one), scores candidate pairs (or, with use_splink: false, classifies them with the settings' deterministic rules), sends pairs in the review band to Label Studio, clusters the matches under reviewers' decisions and writes linkage_matches.parquet, linkage_review_queue.parquet, linkage_clusters.parquet, linkage_metadata.json, linkage_reviewer_decisions.jsonl and linkage_report.html into output_dir. The output table is the input with a cluster_id column (with several inputs: source_dataset, id and cluster_id of every record).", &options{})
}

type options struct {
	Input           string              `yaml:"input" doc:"The task whose table is deduplicated; its task id is the records' source_dataset."`
	Inputs          []string            `yaml:"inputs" minlen:"1" doc:"Tasks whose tables are linked (link_only or link_and_dedupe); each task id is its records' source_dataset."`
	Settings        yaml.Node           `yaml:"settings" type:"object" doc:"Linkage settings inline: link_type, unique_id_column, comparisons, blocking_rules, training, thresholds (see examples/linkage/*.yaml)."`
	Config          string              `yaml:"config" examples:"linkage.yaml" doc:"A linkage settings file (YAML or JSON), relative to the spec."`
	ModelPath       string              `yaml:"model_path" doc:"Model file, relative to the spec: loaded when it exists (training is skipped), otherwise the trained model is saved there."`
	MatchThreshold  OptFloat            `yaml:"match_threshold" doc:"Match probability at or above which a pair is a match; overrides the settings."`
	ReviewThreshold OptFloat            `yaml:"review_threshold" doc:"Match probability at or above which a non-match pair goes to clerical review; must not exceed match_threshold."`
	OutputDir       string              `yaml:"output_dir" doc:"Directory for the artefacts, relative to the spec; default dist/linkage."`
	MaxComparisons  OptInt              `yaml:"max_comparisons" doc:"Cap on the candidate pairs any set of blocking rules may produce; rules over it are refused before any pair is generated."`
	Workers         int                 `yaml:"workers" min:"0" doc:"Parallel workers for pair scans (default: the number of CPUs)."`
	UseSplink       OptBool             `yaml:"use_splink" doc:"Link with the probabilistic (Fellegi–Sunter, Splink) model (default true); false classifies pairs with the deterministic rules of the settings' rules: block and trains nothing."`
	LabelStudio     *LabelStudioOptions `yaml:"label_studio" doc:"Clerical review in Label Studio: review pairs are pushed (once each), decisions pulled into linkage_reviewer_decisions.jsonl and applied as must-link/cannot-link constraints. Review is off when url is empty. Failures are warnings unless required is true."`
}

// OptionRules: one table to deduplicate, or several to link.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.OneOf("input", "inputs").
		WhenNone("linkage needs with.input (one table) or with.inputs (tables to link)", "for example input: refine").
		WhenSeveral("give with.input or with.inputs, not both", "")}
}

// Prepare loads and validates the settings with the threshold overrides,
// so that `hotpass validate` catches a broken configuration.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	hasSettings := opts.Has("settings")
	if hasSettings == (o.Config != "") {
		diags = append(diags, opts.Errorf("config", "give the linkage settings inline (with.settings) or as a file (with.config), exactly one of them").
			WithHint("see examples/linkage/*.yaml for settings files"))
	}
	if p := o.LabelStudio.Check(); p != "" {
		diags = append(diags, opts.Errorf("label_studio", "%s", p))
	}
	if len(diags) > 0 {
		return nil, diags
	}
	ov := linkjob.Overrides{MatchThreshold: o.MatchThreshold.Ptr(), ReviewThreshold: o.ReviewThreshold.Ptr(), MaxComparisons: o.MaxComparisons.Ptr()}
	where := "settings"
	var data []byte
	if hasSettings {
		data, err = yaml.Marshal(&o.Settings)
		if err != nil {
			return nil, specs.Diagnostics{opts.Errorf("settings", "%v", err)}
		}
	} else {
		where = "config"
		path := o.Config
		if !filepath.IsAbs(path) {
			path = filepath.Join(spec.Dir, path)
		}
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, specs.Diagnostics{opts.Errorf("config", "%v", err).WithHint("the path is relative to the spec's directory")}
		}
	}
	s, d := checkSettings(opts, where, data, ov)
	if d != nil {
		return nil, specs.Diagnostics{*d}
	}
	rules := o.UseSplink.Set && !o.UseSplink.Value
	if rules && len(s.Rules) == 0 {
		return nil, specs.Diagnostics{opts.Errorf("use_splink", "false needs deterministic rules, but the linkage settings (with.%s) have none", where).
			WithHint("add a rules: block to the linkage settings, as profiles/aviation.yaml's linkage: block has, or set use_splink to true")}
	}
	ids := o.Inputs
	if o.Input != "" {
		ids = []string{o.Input}
	}
	return &runner{ids: ids, settings: s, modelPath: o.ModelPath, outputDir: o.OutputDir, workers: o.Workers,
		labelStudio: o.LabelStudio.Config(), taskID: task.ID, rules: rules}, nil
}

// checkSettings decodes settings and applies the overrides; a threshold
// problem points at the option that caused it.
func checkSettings(opts *tasks.Options, where string, data []byte, ov linkjob.Overrides) (settings.Settings, *specs.Diagnostic) {
	raw, err := linkjob.DecodeRaw(data)
	if err != nil {
		msg := err.Error()
		if where == "settings" {
			// Inline settings are decoded from a copy whose line numbers
			// mean nothing to the user; the diagnostic has the position.
			msg = lineRe.ReplaceAllString(msg, "")
		}
		d := opts.Errorf(where, "linkage settings: %s", msg)
		return settings.Settings{}, &d
	}
	match, review := linkjob.EffectiveThresholds(raw, ov)
	if err := linkjob.CheckThresholds(match, review); err != nil {
		name := where
		switch {
		case ov.ReviewThreshold != nil:
			name = "review_threshold"
		case ov.MatchThreshold != nil:
			name = "match_threshold"
		}
		d := opts.Errorf(name, "%v", err)
		return settings.Settings{}, &d
	}
	s, err := linkjob.ApplyOverrides(raw, ov)
	if err != nil {
		d := opts.Errorf(where, "linkage settings: %v", err).WithHint("fix the settings; see examples/linkage/*.yaml")
		return settings.Settings{}, &d
	}
	return s, nil
}

var lineRe = regexp.MustCompile(`line \d+: `)

type runner struct {
	ids         []string
	settings    settings.Settings
	modelPath   string
	outputDir   string
	workers     int
	labelStudio *linkjob.LabelStudio
	taskID      string
	// rules classifies pairs with the settings' rules instead of a model.
	rules bool
}

// LoadOutput reuses the table an earlier run kept (the artefacts stay in
// output_dir).
func (t *runner) LoadOutput(_ context.Context, env *engine.Env, prevRunDir string) (*engine.Result, error) {
	return tableio.Reload(env, prevRunDir)
}

// Run links the input tables and writes the artefacts.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	var inputs []records.Input
	var rows int64
	for _, id := range t.ids {
		tb, err := tableio.Input(env, id)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, records.Input{Name: id, Table: tb})
		rows += int64(tb.NumRows())
	}
	dir := t.outputDir
	if dir == "" {
		dir = DefaultOutputDir
	}
	cfg := linkjob.Config{
		Settings: t.settings, OutputDir: env.ResolvePath(dir), LabelStudio: t.labelStudio,
		Workers: t.workers, Logger: env.Log, Title: "Record linkage: " + t.taskID, Rules: t.rules,
	}
	if t.modelPath != "" {
		cfg.ModelPath = env.ResolvePath(t.modelPath)
	}
	res, err := linkjob.Run(telemetry.TaskContext(ctx, env.TaskID), cfg, inputs)
	if err != nil {
		return nil, fmt.Errorf("task %q: %w", env.TaskID, err)
	}
	var out *table.Table
	if len(inputs) == 1 {
		out, err = linkjob.WithClusters(res.Linker.Records(), inputs, 0, res.Clusters.Labels)
	} else {
		out, err = linkjob.ClustersTable(res.Linker.Records(), inputs, res.Linker.Settings().UniqueIDColumn, res.Clusters.Labels)
	}
	if err != nil {
		return nil, err
	}
	result, err := tableio.Persist(env, out, rows)
	if err != nil {
		return nil, err
	}
	m := res.Metadata
	for k, v := range map[string]any{
		"output_dir": cfg.OutputDir, "model": m.Model.Source, "pairs_compared": m.Pairs.Compared,
		"pairs_match": m.Pairs.Match, "pairs_review": m.Pairs.Review, "pairs_reject": m.Pairs.Reject,
		"clusters": m.Clusters.Count, "decisions_applied": m.Decisions.MustLink + m.Decisions.CannotLink,
		"warnings": len(res.Warnings),
	} {
		result.Attrs[k] = v
	}
	return result, nil
}
