// Package validate provides the `validate` task type: check an upstream
// table against expectations from a profile or the spec, act on failures
// by policy (fail, warn, drop), and write a quality report.
package validate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
	refinetask "github.com/hotpass/hotpass/tasks/refine"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the validate task type.
type Type struct{}

// Name returns "validate".
func (Type) Name() string { return "validate" }

// Policies.
const (
	PolicyFail = "fail"
	PolicyWarn = "warn"
	PolicyDrop = "drop"
)

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("validate", "Checks the table of input against expectations (from a profile's quality section and/or listed here) and writes a quality report. Under policy fail a failed expectation fails the task (exit code 3); under warn it is logged; under drop failing rows are removed and written to a rejects file with their reasons.", &options{})
}

type options struct {
	Input        string                             `yaml:"input" hotpass:"required" doc:"The task whose output table is checked."`
	Profile      string                             `yaml:"profile" doc:"Use this profile's quality expectations (built-in name or path)."`
	Expectations []decode.Node[quality.Expectation] `yaml:"expectations" doc:"Expectations in addition to the profile's."`
	Policy       string                             `yaml:"policy" examples:"fail|warn|drop" doc:"What failed expectations do: fail (default; the task fails and hotpass exits with code 3), warn, or drop."`
	Rejects      string                             `yaml:"rejects" doc:"CSV file for rows dropped under policy drop, with a reject_reason column (default: <run dir>/<task>.rejects.csv); with a profile that has a compliance: block, its values go through the logs operators."`
	Report       string                             `yaml:"report" examples:"dist/quality-report" doc:"Quality report path without extension: <report>.json and <report>.html are written."`
	Title        string                             `yaml:"title" doc:"Title of the quality report."`
}

// OptionRules: expectations come from a profile, the list, or both.
func (options) OptionRules() []decode.Rule {
	return []decode.Rule{decode.AnyOf("profile", "expectations")}
}

// Prepare collects the expectations and checks each one.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	var exps []quality.Expectation
	var empty func(string) bool
	title := o.Title
	var masker, logMasker *operator.Destination
	if o.Profile != "" {
		rf, pd := refinetask.LoadProfile(spec, opts, o.Profile)
		diags = append(diags, pd...)
		if rf != nil {
			exps = append(exps, rf.Profile().Quality.Expectations...)
			// The profile's placeholders are missing values in the
			// report's completeness.
			empty = rf.Placeholders().Is
			if title == "" {
				title = rf.Profile().Name
			}
			var err error
			if masker, err = refinetask.DestinationMasker(rf, "reports"); err != nil {
				diags = append(diags, opts.Errorf("profile", "%v", err))
			}
			logMasker, _ = refinetask.DestinationMasker(rf, "logs")
		}
	}
	for i := range o.Expectations {
		n := o.Expectations[i].Node
		var e quality.Expectation
		if _, err := decode.Into(n, &e); err != nil {
			diags = append(diags, opts.Problems(fmt.Sprintf("expectations[%d]", i), err)...)
			continue
		}
		e.Where = specs.PosOf(spec.Path, n).String()
		for _, p := range e.Check() {
			diags = append(diags, specs.Errorf(specs.PosOf(spec.Path, n), "task %q: with.expectations[%d]: %s", task.ID, i, p))
		}
		exps = append(exps, e)
	}
	policy := o.Policy
	switch policy {
	case "":
		policy = PolicyFail
	case PolicyFail, PolicyWarn, PolicyDrop:
	default:
		diags = append(diags, opts.Errorf("policy", "unknown policy %q", policy).WithHint("use fail, warn or drop"))
	}
	if len(exps) == 0 && len(diags) == 0 {
		diags = append(diags, opts.Errorf("expectations", "no expectations to check").
			WithHint("name a profile with quality expectations or list expectations here"))
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return &runner{input: o.Input, exps: exps, empty: empty, policy: policy, rejects: o.Rejects, report: o.Report, title: title, masker: masker, logMasker: logMasker}, nil
}

type runner struct {
	input   string
	exps    []quality.Expectation
	empty   func(string) bool // nil: only blanks are missing
	policy  string
	rejects string
	report  string
	title   string
	// masker and logMasker apply the profile's compliance policy to the
	// values the report and the log lines quote (nil without one).
	masker, logMasker *operator.Destination
}

// Run evaluates the expectations and applies the policy.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	in, err := tableio.Input(env, t.input)
	if err != nil {
		return nil, err
	}
	ev := quality.EvaluateFunc(in, t.exps, t.empty)
	rep := ev.Report
	rep.Title = t.title
	attrs := map[string]any{
		"policy":              t.policy,
		"expectations":        len(rep.Results),
		"expectations_failed": len(rep.FailedExpectations()),
		"invalid_rows":        rep.InvalidRows,
		"validation_passed":   rep.Passed,
	}
	// Failures per expectation, for the run record and the
	// hotpass.validation.failures metric.
	failures := map[string]int{}
	for _, r := range rep.Results {
		failures[r.Name] = r.Failed
		level := env.Log.Info
		if !r.Passed {
			level = env.Log.Warn
		}
		level("expectation", "name", r.Name, "failed_rows", r.Failed, "pass_rate", r.PassRate, "required", r.Threshold, "passed", r.Passed, "error", r.Error)
	}
	attrs["failures"] = failures
	metrics := telemetry.FromContext(ctx).Metrics()
	mctx := telemetry.TaskContext(ctx, env.TaskID)
	for _, r := range rep.Results {
		if r.Failed > 0 {
			metrics.RecordValidationFailures(mctx, r.Name, r.Column, int64(r.Failed))
		}
	}
	if t.report != "" {
		stem := env.ResolvePath(strings.TrimSuffix(strings.TrimSuffix(t.report, ".html"), ".json"))
		var m quality.Masker
		if t.masker != nil {
			m = t.masker
		}
		if err := rep.Masked(m).WriteFiles(stem+".json", stem+".html"); err != nil {
			return nil, err
		}
		attrs["report_json"], attrs["report_html"] = stem+".json", stem+".html"
		env.Log.Info("wrote quality report", "json", stem+".json", "html", stem+".html")
	}
	out := in
	switch {
	case rep.Passed:
	case t.policy == PolicyFail:
		attrs[tasks.AttrDataValidationFailed] = true
		return &engine.Result{Attrs: attrs}, fmt.Errorf("%w: %s", quality.ErrExpectationsFailed, t.describeFailures(rep))
	case t.policy == PolicyWarn:
		env.Log.Warn("expectations failed; continuing under policy warn", "failed", t.describeFailures(rep))
	case t.policy == PolicyDrop:
		kept, rejects, err := quality.Drop(in, ev)
		if err != nil {
			return nil, err
		}
		path := tableio.OutputPath(env)
		path = strings.TrimSuffix(path, filepath.Ext(path)) + ".rejects.csv"
		if t.rejects != "" {
			path = env.ResolvePath(t.rejects)
		}
		// The rejects file sits with the run's logs and records and is
		// read by whoever debugs the run, so it gets the logs operators.
		if rejects, err = t.logMasker.Table(rejects); err != nil {
			return nil, fmt.Errorf("rejects: %w", err)
		}
		if err := writeCSV(path, rejects); err != nil {
			return nil, err
		}
		attrs["rows_dropped"], attrs["rejects"] = rejects.NumRows(), path
		env.Log.Warn("dropped rows failing expectations", "rows", rejects.NumRows(), "rejects", path)
		out = kept
	}
	res, err := tableio.PersistInput(env, out, int64(in.NumRows()), t.input)
	if err != nil {
		return nil, err
	}
	for k, v := range attrs {
		res.Attrs[k] = v
	}
	return res, nil
}

// describeFailures is describeFailures for a log line or an error: with
// the values it quotes through the policy's logs operators.
func (t *runner) describeFailures(rep *quality.Report) string {
	if t.logMasker != nil {
		rep = rep.Masked(t.logMasker)
	}
	return describeFailures(rep)
}

func describeFailures(rep *quality.Report) string {
	var parts []string
	for _, r := range rep.FailedExpectations() {
		msg := fmt.Sprintf("%s: %d of %d rows failed (pass rate %.1f%%, needs %.1f%%)", r.Name, r.Failed, r.Rows, 100*r.PassRate, 100*r.Threshold)
		if r.Error != "" {
			msg = r.Name + ": " + r.Error
		}
		if len(r.Examples) > 0 {
			msg += fmt.Sprintf(", e.g. row %d %q", r.Examples[0].Row, r.Examples[0].Value)
		}
		parts = append(parts, msg)
	}
	return fmt.Sprintf("%d of %d expectations failed: %s", len(parts), len(rep.Results), strings.Join(parts, "; "))
}

func writeCSV(path string, t *table.Table) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	w, err := csvio.Create(path, t.Schema(), csvio.WriteOptions{})
	if err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return fmt.Errorf("write rejects %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write rejects %s: %w", path, err)
	}
	return nil
}
