package compliance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"

	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// maxRows bounds the row numbers a report lists per kind of problem.
const maxRows = 50

// Report is the compliance report of one enforcement: no raw value, only
// columns, counts and 1-based data row numbers.
type Report struct {
	Title         string `json:"title,omitempty"`
	RunID         string `json:"run_id,omitempty"`
	PolicyVersion string `json:"policy_version,omitempty"`
	OnViolation   string `json:"policy"`
	RowsIn        int    `json:"rows_in"`
	RowsOut       int    `json:"rows_out"`
	// Fields are the policy's fields with the operator at each
	// destination; Present is false for those the table lacks.
	Fields []FieldReport `json:"fields"`
	// Classifications lists the fields of each classification.
	Classifications map[string][]string `json:"classifications"`
	// Findings count the personal data found per column and kind.
	Findings   []detect.ColumnSummary `json:"findings"`
	Consent    ConsentCounts          `json:"consent"`
	Retention  RetentionCounts        `json:"retention"`
	Erasure    ErasureCounts          `json:"erasure"`
	Violations Violations             `json:"violations"`
	Warnings   []string               `json:"warnings"`
}

// FieldReport is one field of the policy.
type FieldReport struct {
	Column          string            `json:"column"`
	Present         bool              `json:"present"`
	Classification  string            `json:"classification"`
	LawfulBasis     string            `json:"lawful_basis,omitempty"`
	ConsentRequired bool              `json:"consent_required,omitempty"`
	RetentionDays   int               `json:"retention_days,omitempty"`
	Operators       map[string]string `json:"operators"`
}

// ConsentCounts count records by consent status.
type ConsentCounts struct {
	Column         string `json:"column,omitempty"`
	Granted        int    `json:"granted"`
	Pending        int    `json:"pending"`
	Denied         int    `json:"denied"`
	Missing        int    `json:"missing"`
	Unexpected     int    `json:"unexpected"`
	UnexpectedRows []int  `json:"unexpected_rows,omitempty"`
	RecordsDropped int    `json:"records_dropped"`
	FieldsRemoved  int    `json:"fields_removed"`
}

// RetentionCounts count records by retention.
type RetentionCounts struct {
	Column        string `json:"column,omitempty"`
	Days          int    `json:"days,omitempty"`
	Current       int    `json:"current"`
	Expired       int    `json:"expired"`
	ExpiredRows   []int  `json:"expired_rows,omitempty"`
	Dropped       int    `json:"dropped"`
	NoDate        int    `json:"no_date"`
	FieldsCleared int    `json:"fields_cleared"`
}

// ErasureCounts count records of erased people found again.
type ErasureCounts struct {
	Flagged int   `json:"flagged"`
	Rows    []int `json:"rows,omitempty"`
}

// Violations count what the policy does not allow and the run did not
// remove: pending or unknown consent, expired records kept, and erased
// people found again.
type Violations struct {
	Total            int `json:"total"`
	ConsentPending   int `json:"consent_pending"`
	ConsentUnknown   int `json:"consent_unknown"`
	RetentionExpired int `json:"retention_expired"`
	Suppressed       int `json:"erased_person"`
}

// ByKind returns the non-zero violation counts by kind, for metrics.
func (v Violations) ByKind() map[string]int {
	out := map[string]int{}
	for k, n := range map[string]int{FlagConsentPending: v.ConsentPending, FlagConsentUnknown: v.ConsentUnknown,
		FlagRetentionExpiry: v.RetentionExpired, FlagSuppressed: v.Suppressed} {
		if n > 0 {
			out[k] = n
		}
	}
	return out
}

func newReport(t *table.Table, p *policy.Policy) *Report {
	rep := &Report{PolicyVersion: p.Version, OnViolation: p.ViolationPolicy(), RowsIn: t.NumRows(),
		Classifications: map[string][]string{}, Warnings: []string{}, Fields: []FieldReport{}}
	for _, name := range p.FieldNames() {
		f := p.Fields[name]
		_, present := t.Schema().Index(name)
		ops := map[string]string{}
		for _, d := range policy.Destinations {
			ops[d] = p.Operator(name, d)
		}
		rep.Fields = append(rep.Fields, FieldReport{Column: name, Present: present, Classification: f.Classification,
			LawfulBasis: f.LawfulBasis, ConsentRequired: f.ConsentRequired, RetentionDays: f.RetentionDays, Operators: ops})
		rep.Classifications[f.Classification] = append(rep.Classifications[f.Classification], name)
	}
	if p.Consent != nil {
		rep.Consent.Column = p.Consent.Column
	}
	if p.Retention != nil {
		rep.Retention.Column, rep.Retention.Days = p.Retention.DateColumn(), p.Retention.Days
	}
	return rep
}

// addRow records 0-based row r as a 1-based data row, up to maxRows.
func (r *Report) addRow(rows *[]int, row int) {
	if len(*rows) < maxRows {
		*rows = append(*rows, row+1)
	}
}

// WriteFiles writes the report as JSON and as self-contained HTML, each
// atomically.
func (r *Report) WriteFiles(jsonPath, htmlPath string) error {
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("compliance report: %w", err)
	}
	if err := atomicfile.WriteFile(jsonPath, append(js, '\n')); err != nil {
		return fmt.Errorf("compliance report %s: %w", jsonPath, err)
	}
	var b bytes.Buffer
	if err := reportHTML.Execute(&b, struct {
		*Report
		Destinations    []string
		Classifications []string
	}{r, policy.Destinations, policy.Classifications}); err != nil {
		return fmt.Errorf("compliance report: %w", err)
	}
	if err := atomicfile.WriteFile(htmlPath, b.Bytes()); err != nil {
		return fmt.Errorf("compliance report %s: %w", htmlPath, err)
	}
	return nil
}

var reportHTML = template.Must(template.New("report").Funcs(template.FuncMap{
	"op": func(ops map[string]string, d string) string { return ops[d] },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Compliance report{{if .Title}}: {{.Title}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
th{background:#f3f3f3}
.bad{color:#a40000;font-weight:bold}.ok{color:#1a6b1a}
.warn{background:#fff6d5;padding:.5rem;border-left:4px solid #e0b000}
</style></head><body>
<h1>Compliance report{{if .Title}}: {{.Title}}{{end}}</h1>
<p>{{if .RunID}}Run {{.RunID}}. {{end}}Policy {{if .PolicyVersion}}version {{.PolicyVersion}}, {{end}}on violation: {{.OnViolation}}. Rows in: {{.RowsIn}}, rows out: {{.RowsOut}}.</p>
<p class="{{if .Violations.Total}}bad{{else}}ok{{end}}">Violations: {{.Violations.Total}}
(consent pending {{.Violations.ConsentPending}}, consent unknown {{.Violations.ConsentUnknown}},
retention expired {{.Violations.RetentionExpired}}, erased people found again {{.Violations.Suppressed}})</p>
{{range .Warnings}}<p class="warn">{{.}}</p>{{end}}
<h2>Fields</h2>
<table><tr><th>Column</th><th>Classification</th><th>Lawful basis</th><th>Consent required</th><th>Retention days</th>{{range .Destinations}}<th>{{.}}</th>{{end}}</tr>
{{$d := .Destinations}}{{range .Fields}}<tr><td>{{.Column}}{{if not .Present}} (absent){{end}}</td><td>{{.Classification}}</td><td>{{.LawfulBasis}}</td><td>{{if .ConsentRequired}}yes{{end}}</td><td>{{if .RetentionDays}}{{.RetentionDays}}{{end}}</td>{{$ops := .Operators}}{{range $d}}<td>{{op $ops .}}</td>{{end}}</tr>
{{end}}</table>
<h2>Personal data found</h2>
{{if .Findings}}<table><tr><th>Column</th><th>Type</th><th>Findings</th><th>Rows</th><th>Max confidence</th></tr>
{{range .Findings}}<tr><td>{{.Column}}</td><td>{{.Type}}</td><td>{{.Count}}</td><td>{{.Rows}}</td><td>{{printf "%.2f" .MaxConfidence}}</td></tr>
{{end}}</table>{{else}}<p>None found (or not scanned).</p>{{end}}
<h2>Consent</h2>
{{if .Consent.Column}}<table><tr><th>Column</th><th>Granted</th><th>Pending</th><th>Denied</th><th>Missing</th><th>Unexpected</th><th>Records dropped</th><th>Fields removed</th></tr>
<tr><td>{{.Consent.Column}}</td><td>{{.Consent.Granted}}</td><td>{{.Consent.Pending}}</td><td>{{.Consent.Denied}}</td><td>{{.Consent.Missing}}</td><td>{{.Consent.Unexpected}}</td><td>{{.Consent.RecordsDropped}}</td><td>{{.Consent.FieldsRemoved}}</td></tr></table>
{{if .Consent.UnexpectedRows}}<p>Rows with unexpected consent values: {{range $i, $r := .Consent.UnexpectedRows}}{{if $i}}, {{end}}{{$r}}{{end}}</p>{{end}}
{{else}}<p>The policy has no consent block.</p>{{end}}
<h2>Retention</h2>
{{if .Retention.Column}}<table><tr><th>Date column</th><th>Days</th><th>Current</th><th>Expired</th><th>Dropped</th><th>No date</th><th>Fields cleared</th></tr>
<tr><td>{{.Retention.Column}}</td><td>{{.Retention.Days}}</td><td>{{.Retention.Current}}</td><td>{{.Retention.Expired}}</td><td>{{.Retention.Dropped}}</td><td>{{.Retention.NoDate}}</td><td>{{.Retention.FieldsCleared}}</td></tr></table>
{{else}}<p>The policy has no record retention.</p>{{end}}
<h2>Erasure</h2>
<p>Records of erased people found again: {{.Erasure.Flagged}}{{if .Erasure.Rows}} (rows {{range $i, $r := .Erasure.Rows}}{{if $i}}, {{end}}{{$r}}{{end}}){{end}}.</p>
</body></html>
`))
