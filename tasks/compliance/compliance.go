// Package compliance provides the `compliance` task type: enforce a
// profile's POPIA policy (its compliance: block) on an upstream table —
// consent, retention, erased people, and the SSOT redaction operators —
// write the compliance report, append the run to the audit trail, and keep
// the personal values out of logs and run records.
package compliance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/compliance"
	"github.com/hotpass/hotpass/internal/compliance/audit"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	refinetask "github.com/hotpass/hotpass/tasks/refine"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the compliance task type.
type Type struct{}

// Name returns "compliance".
func (Type) Name() string { return "compliance" }

// Options returns the declaration of the `with:` block.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("compliance", "Enforces the compliance: block (POPIA policy) of a profile on the table of input: removes consent-required fields of records whose consent is denied (or the records), flags pending or unknown consent, expired records and erased people, applies each field's SSOT operator (keep, mask, hash, drop, generalise), keeps personal values out of logs and run records, writes a JSON and HTML compliance report, and appends the run to the audit trail. Under the policy's `policy: fail` a violation fails the task (exit code 3).", &options{})
}

type options struct {
	Input    string `yaml:"input" hotpass:"required" doc:"The task whose output table is checked."`
	Profile  string `yaml:"profile" hotpass:"required" doc:"Profile with a compliance: block (built-in name or path)."`
	Report   string `yaml:"report" examples:"dist/compliance-report" doc:"Compliance report path without extension: <report>.json and <report>.html are written (default: <run dir>/<task>.compliance)."`
	Audit    string `yaml:"audit" doc:"Audit trail file (default: <state dir>/privacy/audit.jsonl)."`
	HMACKey  string `yaml:"hmac_key" doc:"HMAC key of the hash operator, e.g. \"{{ env_var('HOTPASS_HMAC_KEY') }}\" (default: the variable the policy's hmac_key_env names)."`
	SkipScan bool   `yaml:"skip_scan" doc:"Do not scan for personal data (the report then lists none found)."`
}

// Prepare loads the policy and, when it hashes, its key: a missing key
// stops the run before any task starts.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	rf, diags := refinetask.LoadProfile(spec, opts, o.Profile)
	if len(diags) > 0 {
		return nil, diags
	}
	p := rf.Profile().Compliance
	if p == nil {
		return nil, specs.Diagnostics{opts.Errorf("profile", "profile %q has no compliance: block", o.Profile).
			WithHint("add one (see schemas/profile.schema.json, compliance) or name a profile that has it")}
	}
	lookup := os.LookupEnv
	if o.HMACKey != "" {
		lookup = func(string) (string, bool) { return o.HMACKey, true }
	}
	key, err := operator.Key(p, lookup)
	if err != nil {
		return nil, specs.Diagnostics{opts.Errorf("profile", "%v", err)}
	}
	title := rf.Profile().Name
	remove, stay := rawUpstream(spec, task.ID)
	return &runner{o: o, policy: p, key: key, title: title, specHash: spec.Hash, specDir: spec.Dir, rawUpstream: remove, sharedUpstream: stay}, nil
}

type runner struct {
	o        options
	policy   *policy.Policy
	key      []byte
	title    string
	specHash string
	specDir  string
	// rawUpstream are the upstream tasks whose kept outputs are removed
	// once the policy is applied; sharedUpstream those other tasks read
	// too, whose outputs stay.
	rawUpstream, sharedUpstream []string
}

// Run enforces the policy.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	in, err := tableio.Input(env, t.o.Input)
	if err != nil {
		return nil, err
	}
	home := runstate.OfRun(env.RunDir).Home()
	supPath := compliance.SuppressionPath(home)
	if e := t.policy.Erasure; e != nil && e.SuppressionList != "" {
		supPath = env.ResolvePath(e.SuppressionList)
	}
	sup, err := compliance.LoadSuppression(supPath)
	if err != nil {
		return nil, err
	}
	res, err := compliance.Enforce(in, t.policy, compliance.Options{Key: t.key, Suppressed: sup, Scan: !t.o.SkipScan})
	if err != nil {
		return nil, err
	}
	// From here on, every log line and run record of this run masks the
	// personal values the policy keeps out of logs.
	if red := redact.FromContext(ctx); red != nil {
		red.Add(res.Personal...)
	}
	rep := res.Report
	rep.Title, rep.RunID = t.title, env.RunID
	for _, w := range rep.Warnings {
		env.Log.Warn("compliance policy", "warning", w)
	}
	stem := filepath.Join(env.RunDir, env.TaskID+".compliance")
	if t.o.Report != "" {
		stem = env.ResolvePath(strings.TrimSuffix(strings.TrimSuffix(t.o.Report, ".html"), ".json"))
	}
	if err := os.MkdirAll(filepath.Dir(stem), 0o755); err != nil {
		return nil, fmt.Errorf("compliance report: %w", err)
	}
	if err := rep.WriteFiles(stem+".json", stem+".html"); err != nil {
		return nil, err
	}
	metrics := telemetry.FromContext(ctx).Metrics()
	mctx := telemetry.TaskContext(ctx, env.TaskID)
	for kind, n := range rep.Violations.ByKind() {
		metrics.RecordComplianceViolations(mctx, kind, int64(n))
	}
	v := rep.Violations
	attrs := map[string]any{
		"compliance_policy":       rep.OnViolation,
		"compliance_violations":   v.Total,
		"violations_by_kind":      v.ByKind(),
		"consent_denied":          rep.Consent.Denied,
		"consent_pending":         rep.Consent.Pending,
		"retention_expired":       rep.Retention.Expired,
		"erased_people_flagged":   rep.Erasure.Flagged,
		"report_json":             stem + ".json",
		"report_html":             stem + ".html",
		"compliance_warnings":     len(rep.Warnings),
		"compliance_policy_fails": rep.OnViolation == policy.OnViolationFail,
	}
	env.Log.Info("compliance enforced", "rows_in", rep.RowsIn, "rows_out", rep.RowsOut, "violations", v.Total,
		"report_json", stem+".json", "report_html", stem+".html")
	result, err := tableio.Persist(env, res.Table, int64(in.NumRows()))
	if err != nil {
		return nil, err
	}
	for k, a := range attrs {
		result.Attrs[k] = a
	}
	auditPath := compliance.AuditPath(home)
	if t.o.Audit != "" {
		auditPath = env.ResolvePath(t.o.Audit)
	}
	entry, err := t.auditEntry(env, rep, tableio.OutputPath(env))
	if err != nil {
		return nil, err
	}
	if _, err := audit.Append(auditPath, entry); err != nil {
		return nil, err
	}
	result.Attrs["audit_trail"] = auditPath
	// The kept outputs upstream hold the personal data as it was before the
	// policy; nothing reads them any more, so they go (see the README,
	// "Kept outputs upstream of the compliance task").
	removed, err := removeRawUpstream(env, t.rawUpstream)
	if err != nil {
		return nil, err
	}
	if len(t.rawUpstream) > 0 {
		// Copies elsewhere (the artifact store of a Temporal run) go too;
		// they are named whether or not this machine held one.
		result.Attrs[engine.DiscardOutputsAttr] = t.rawUpstream
	}
	if len(removed) > 0 {
		result.Attrs["kept_outputs_removed"] = removed
		env.Log.Info("removed the kept outputs of upstream tasks, which hold unmasked personal data; a resume runs them again", "tasks", removed)
	}
	if len(t.sharedUpstream) > 0 {
		env.Log.Warn("kept outputs upstream stay because tasks outside the compliance path read them; they hold unmasked personal data", "tasks", t.sharedUpstream)
	}
	if v.Total > 0 {
		if rep.OnViolation == policy.OnViolationFail {
			result.Attrs[tasks.AttrDataValidationFailed] = true
			return result, fmt.Errorf("%w: %d (consent pending %d, consent unknown %d, retention expired %d, erased people %d); see %s.html",
				compliance.ErrViolations, v.Total, v.ConsentPending, v.ConsentUnknown, v.RetentionExpired, v.Suppressed, stem)
		}
		env.Log.Warn("compliance violations; continuing under policy warn", "violations", v.Total)
	}
	return result, nil
}

// auditEntry describes the run for the audit trail: its input (the kept
// upstream table) and output with checksums, and the counts.
func (t *runner) auditEntry(env *engine.Env, rep *compliance.Report, output string) (audit.Entry, error) {
	e := audit.Entry{Time: time.Now().UTC().Format(time.RFC3339), Kind: audit.KindRun, RunID: env.RunID,
		SpecHash: t.specHash, PolicyVersion: rep.PolicyVersion,
		Counts: map[string]int{"rows_in": rep.RowsIn, "rows_out": rep.RowsOut, "violations": rep.Violations.Total,
			"consent_denied": rep.Consent.Denied, "retention_expired": rep.Retention.Expired, "erased_people_flagged": rep.Erasure.Flagged}}
	if kept, ok := tableio.Kept(env, t.o.Input); ok {
		sum, err := audit.FileSHA256(kept)
		if err != nil {
			return e, fmt.Errorf("audit trail: checksum of %s: %w", kept, err)
		}
		e.Inputs = append(e.Inputs, audit.File{Path: kept, SHA256: sum})
	}
	sum, err := audit.FileSHA256(output)
	if err != nil {
		return e, fmt.Errorf("audit trail: checksum of %s: %w", output, err)
	}
	e.Outputs = append(e.Outputs, audit.File{Path: output, SHA256: sum})
	return e, nil
}
