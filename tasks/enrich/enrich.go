// Package enrich provides the `enrich` task type: fill SSOT columns
// deterministically from lookup tables, contact email domains and name
// keywords, with provenance columns, and optionally write the SSOT
// workbook.
package enrich

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/quality"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
	geocodetask "github.com/hotpass/hotpass/tasks/geocode"
	refinetask "github.com/hotpass/hotpass/tasks/refine"
	"github.com/hotpass/hotpass/tasks/tableio"
)

func init() { tasks.Register(Type{}) }

// Type is the enrich task type.
type Type struct{}

// Name returns "enrich".
func (Type) Name() string { return "enrich" }

// Options returns the declaration of the `with:` block, for tests that
// walk every type's options.
func (Type) Options() any { return &options{} }

// Schema returns the JSON Schema of the `with:` block.
func (Type) Schema() json.RawMessage {
	return tasks.Schema("enrich", "Fills empty SSOT columns without network access: from lookup tables joined by organisation, the website from a contact email's domain (not free-mail), and the organisation type from name keywords. Adds provenance_source and provenance_confidence, and reports coverage per field before and after.", &options{})
}

type lookupOption struct {
	Path       string            `yaml:"path" hotpass:"required" doc:"CSV, Parquet or xlsx file, relative to the spec."`
	Sheet      string            `yaml:"sheet" doc:"Sheet of an xlsx lookup (default the first)."`
	Key        string            `yaml:"key" doc:"Lookup column naming the organisation, compared by slug (default organization_slug, else organization_name)."`
	Fields     map[string]string `yaml:"fields" hotpass:"required" doc:"SSOT column → lookup column that fills it."`
	Confidence float64           `yaml:"confidence" min:"0" max:"1" doc:"Confidence recorded for these values (default 0.9)."`
	Overwrite  bool              `yaml:"overwrite" doc:"Replace values that are already set (default false)."`
}

type options struct {
	Input            string         `yaml:"input" hotpass:"required" doc:"The task whose output table (a refine SSOT table) is enriched."`
	Profile          string         `yaml:"profile" doc:"Profile whose type keywords, free-mail list, expectations and colour thresholds are used (built-in name or path)."`
	Lookups          []lookupOption `yaml:"lookups"`
	WebsiteFromEmail *bool          `yaml:"website_from_email" doc:"Fill an empty website from a contact email's domain unless it is free-mail (default true)."`
	TypeFromName     *bool          `yaml:"type_from_name" doc:"Fill an empty organization_type from the profile's type keywords (default true when a profile is given)."`
	Output           string         `yaml:"output" doc:"SSOT workbook to write (Data and Summary sheets) with a .parquet copy next to it. The Summary lists what became of every source sheet's rows when a refine task of the run read them."`
	Report           string         `yaml:"report" examples:"dist/quality-report" doc:"Quality report of the enriched table, checked against the profile's expectations, as <report>.json and <report>.html."`
	Geocode          *geocodeOption `yaml:"geocode" doc:"Geocode the enriched rows offline (the geocode task's options): latitude, longitude, address_formatted, province_geocoded, area_geocoded, geocode_confidence and geocode_match are added after the SSOT columns."`
}

// geocodeOption is declared once, by the geocode task.
type geocodeOption = geocodetask.Config

// Prepare checks the options and loads the profile.
func (Type) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	var o options
	opts, err := tasks.Decode(spec, task, &o)
	if err != nil {
		return nil, err
	}
	var diags specs.Diagnostics
	r := &runner{input: o.Input, lookups: o.Lookups, output: o.Output, report: o.Report, websiteFromEmail: o.WebsiteFromEmail == nil || *o.WebsiteFromEmail}
	if o.Profile != "" {
		rf, pd := refinetask.LoadProfile(spec, opts, o.Profile)
		diags = append(diags, pd...)
		r.ref = rf
		if rf != nil {
			m, err := refinetask.DestinationMasker(rf, "reports")
			if err != nil {
				diags = append(diags, opts.Errorf("profile", "%v", err))
			}
			r.masker = m
		}
	}
	if o.Geocode != nil {
		g, gd := geocodetask.Check(opts, "geocode", o.Geocode)
		diags = append(diags, gd...)
		r.geocode = g
	}
	r.typeFromName = r.ref != nil && (o.TypeFromName == nil || *o.TypeFromName)
	if o.TypeFromName != nil && *o.TypeFromName && o.Profile == "" {
		diags = append(diags, opts.Errorf("type_from_name", "needs a profile with enrichment.type_keywords").WithHint("add profile: aviation (or your own)"))
	}
	for i, lk := range o.Lookups {
		if lk.Path == "" || len(lk.Fields) == 0 {
			diags = append(diags, opts.Errorf("lookups", "lookup %d needs path and fields", i+1))
		}
	}
	if o.Output != "" && !strings.EqualFold(filepath.Ext(o.Output), ".xlsx") {
		diags = append(diags, opts.Errorf("output", "%q is not an .xlsx path", o.Output))
	}
	if len(diags) > 0 {
		return nil, diags
	}
	return r, nil
}

type runner struct {
	input string
	ref   *refine.Refiner
	// masker applies the profile's compliance policy to the report's
	// quoted values (nil without one).
	masker           *operator.Destination
	lookups          []lookupOption
	websiteFromEmail bool
	typeFromName     bool
	output           string
	report           string
	geocode          *geocodetask.Prepared
}

// Run enriches the input table.
func (t *runner) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	in, err := tableio.Input(env, t.input)
	if err != nil {
		return nil, err
	}
	o := refine.EnrichOptions{WebsiteFromEmail: t.websiteFromEmail, TypeFromName: t.typeFromName}
	if t.ref != nil {
		o.Scorer = t.ref.Scorer()
		o.TypeRules = t.ref.Profile().Enrichment.TypeKeywords
	}
	out := in
	var cov []refine.Coverage
	// Lookups run one at a time so that each may have its own overwrite
	// setting; the rule-based enrichments run last, on what is still empty.
	for _, lk := range t.lookups {
		path := env.ResolvePath(lk.Path)
		lt, err := refine.ReadTable(path, lk.Sheet)
		if err != nil {
			return nil, err
		}
		key := lk.Key
		if key == "" {
			key = refine.ColOrganizationSlug
			if lt.ColumnByName(key) == nil {
				key = refine.ColOrganizationName
			}
		}
		step := refine.EnrichOptions{Overwrite: lk.Overwrite, Lookups: []refine.Lookup{{
			Name: filepath.Base(lk.Path), Table: lt, Key: key, Fields: lk.Fields, Confidence: lk.Confidence,
		}}}
		var c []refine.Coverage
		if out, c, err = refine.Enrich(out, step); err != nil {
			return nil, err
		}
		cov = mergeCoverage(cov, c)
	}
	var c []refine.Coverage
	if out, c, err = refine.Enrich(out, o); err != nil {
		return nil, err
	}
	cov = mergeCoverage(cov, c)
	attrs := map[string]any{}
	if t.geocode != nil {
		var st geo.Stats
		if out, st, err = t.geocode.Apply(ctx, env, out); err != nil {
			return nil, fmt.Errorf("geocode: %w", err)
		}
		attrs["geocode"] = geocodetask.Attrs(st)
	}
	coverage := map[string]any{}
	metrics := telemetry.FromContext(ctx).Metrics()
	mctx := telemetry.TaskContext(ctx, env.TaskID)
	for _, c := range cov {
		coverage[c.Field] = map[string]int{"before": c.Before, "after": c.After, "rows": c.Rows}
		if c.Rows > 0 {
			metrics.RecordEnrichmentCoverage(mctx, c.Field, float64(c.After)/float64(c.Rows))
		}
		env.Log.Info("coverage", "field", c.Field, "before", c.Before, "after", c.After, "rows", c.Rows)
	}
	attrs["coverage"] = coverage
	var exps []quality.Expectation
	var th refine.Thresholds
	// Placeholders count as missing in the report and the Summary sheet:
	// the profile's when there is one, else the defaults.
	var phList []string
	if t.ref != nil {
		exps, th = t.ref.Profile().Quality.Expectations, t.ref.Profile().Quality.Thresholds
		phList = t.ref.Profile().Normalisation.Placeholders
	}
	ph := refine.NewPlaceholders(phList)
	var ev *quality.Evaluation
	if t.output != "" || t.report != "" {
		ev = quality.EvaluateFunc(out, exps, ph.Is)
	}
	if t.report != "" {
		// The report describes the table as delivered: after enrichment.
		stem := env.ResolvePath(strings.TrimSuffix(strings.TrimSuffix(t.report, ".html"), ".json"))
		rep := ev.Report
		if t.ref != nil {
			rep.Title = t.ref.Profile().Name
		}
		if t.masker != nil {
			rep = rep.Masked(t.masker)
		}
		if err := rep.WriteFiles(stem+".json", stem+".html"); err != nil {
			return nil, err
		}
		attrs["report_json"], attrs["report_html"] = stem+".json", stem+".html"
	}
	var res *engine.Result
	if t.output != "" {
		path := env.ResolvePath(t.output)
		start := time.Now()
		sheets, err := refine.ReadSheetStats(env.RunDir)
		if err != nil {
			env.Log.Warn("source row counts unreadable; the Summary sheet goes without them", "error", err)
		}
		// The output is kept while the workbook is written, so the two
		// encoders overlap; the Parquet file beside the workbook is then a
		// copy of the kept one rather than a second encoding.
		type kept struct {
			res *engine.Result
			err error
		}
		keptCh := make(chan kept, 1)
		go func() {
			res, err := tableio.Persist(env, out, int64(in.NumRows()))
			keptCh <- kept{res, err}
		}()
		werr := refine.WriteWorkbook(path, out, refine.Summary(out, ev, nil, sheets, ph), th)
		k := <-keptCh
		if werr != nil {
			return nil, werr
		}
		if k.err != nil {
			return nil, k.err
		}
		pq := refine.ParquetSibling(path)
		if err := tableio.CopyKept(tableio.OutputPath(env), pq); err != nil {
			return nil, fmt.Errorf("write %s: %w", pq, err)
		}
		attrs["output"], attrs["output_parquet"] = path, pq
		attrs["write_ms"] = time.Since(start).Milliseconds()
		env.Log.Info("wrote SSOT workbook", "path", path, "parquet", pq)
		res = k.res
	} else if res, err = tableio.Persist(env, out, int64(in.NumRows())); err != nil {
		return nil, err
	}
	for k, v := range attrs {
		res.Attrs[k] = v
	}
	return res, nil
}

func mergeCoverage(acc, c []refine.Coverage) []refine.Coverage {
	for _, x := range c {
		found := false
		for i := range acc {
			if acc[i].Field == x.Field {
				acc[i].After = x.After
				found = true
			}
		}
		if !found {
			acc = append(acc, x)
		}
	}
	return acc
}
