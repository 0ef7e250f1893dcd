package compliance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// people is a small refined table: name, email, phone, consent status and
// last interaction date.
func people(t *testing.T) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "organization_name", Type: table.String},
		table.Field{Name: "contact_primary_name", Type: table.String},
		table.Field{Name: "contact_primary_email", Type: table.String},
		table.Field{Name: "contact_primary_phone", Type: table.String},
		table.Field{Name: "consent_status", Type: table.String},
		table.Field{Name: "last_interaction_date", Type: table.Date},
	), 5)
	for _, r := range [][]any{
		{"Sky Flight School", "Thandi Nkosi", "thandi@sky.co.za", "+27821234567", "opted_in", day("2026-01-10")},
		{"Blue Air", "Piet Botha", "piet@blue.co.za", "+27829876543", "opted_out", day("2026-02-01")},
		{"Karoo Aero", "Anna Smit", "anna@karoo.co.za", "+27215550100", "asked", day("2026-03-01")},
		{"Old Wings", "Jan de Wet", "jan@old.co.za", "+27115550199", "opted_in", day("2019-05-01")},
		{"Odd Club", "Lee Moyo", "lee@odd.co.za", "+27315550123", "maybe?", day("2026-04-01")},
	} {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func basePolicy() *policy.Policy {
	return &policy.Policy{
		Version:     "test-1",
		OnViolation: policy.OnViolationWarn,
		Consent:     &policy.Consent{Column: "consent_status", Granted: []string{"opted_in"}, Pending: []string{"asked"}, Denied: []string{"opted_out", "withdrawn"}},
		Retention:   &policy.Retention{Days: 3 * 365},
		Fields: map[string]policy.Field{
			"organization_name":     {Classification: policy.Public, LawfulBasis: "legitimate_interest"},
			"contact_primary_name":  {Classification: policy.PII, LawfulBasis: "consent", ConsentRequired: true},
			"contact_primary_email": {Classification: policy.PII, LawfulBasis: "consent", ConsentRequired: true, Operator: policy.Mask},
			"contact_primary_phone": {Classification: policy.PII, LawfulBasis: "consent", ConsentRequired: true, Destinations: map[string]string{policy.SSOT: policy.Keep}},
			"last_interaction_date": {Classification: policy.Internal, Destinations: map[string]string{policy.SSOT: policy.Generalise}},
		},
	}
}

func column(t *testing.T, tb *table.Table, name string) []any {
	t.Helper()
	i, ok := tb.Schema().Index(name)
	if !ok {
		t.Fatalf("no column %s in %v", name, tb.Schema().Names())
	}
	out := make([]any, tb.NumRows())
	for r := range out {
		out[r] = tb.Column(i).Value(r)
	}
	return out
}

func TestEnforceConsentRetentionOperators(t *testing.T) {
	t.Parallel()
	res, err := Enforce(people(t), basePolicy(), Options{Now: now, Scan: true})
	if err != nil {
		t.Fatal(err)
	}
	out, rep := res.Table, res.Report
	// Consent denied (row 2): its consent-required fields are gone.
	if got := column(t, out, "contact_primary_email"); fmt.Sprint(got) != "[t***@s***.co.za <nil> a***@k***.co.za j***@o***.co.za l***@o***.co.za]" {
		t.Errorf("emails: %v", got)
	}
	if got := column(t, out, "contact_primary_phone"); got[1] != nil || got[0] != "+27821234567" {
		t.Errorf("phones (kept at the SSOT, removed for the denied record): %v", got)
	}
	if got := column(t, out, "contact_primary_name"); got[1] != nil || got[0] != "T***" {
		t.Errorf("names: %v", got)
	}
	if got := column(t, out, "last_interaction_date"); fmt.Sprint(got) != "[2026 2026 2026 2019 2026]" {
		t.Errorf("dates generalised to years: %v", got)
	}
	if got := column(t, out, FlagsColumn); fmt.Sprint(got) != "[<nil> <nil> consent_pending retention_expired consent_unknown]" {
		t.Errorf("flags: %v", got)
	}
	c := rep.Consent
	if c.Granted != 2 || c.Denied != 1 || c.Pending != 1 || c.Unexpected != 1 || fmt.Sprint(c.UnexpectedRows) != "[5]" || c.FieldsRemoved != 3 {
		t.Errorf("consent counts: %+v", c)
	}
	if w := strings.Join(rep.Warnings, "\n"); !strings.Contains(w, `1 values of "consent_status" are none of the policy's (opted_in, asked, opted_out, withdrawn), at rows 5;`) || strings.Contains(w, "maybe?") {
		t.Errorf("warning about unexpected consent values: %s", w)
	}
	if r := rep.Retention; r.Expired != 1 || fmt.Sprint(r.ExpiredRows) != "[4]" || r.Current != 4 {
		t.Errorf("retention counts: %+v", r)
	}
	if v := rep.Violations; v.Total != 3 || v.ConsentPending != 1 || v.ConsentUnknown != 1 || v.RetentionExpired != 1 {
		t.Errorf("violations: %+v", v)
	}
	if len(rep.Findings) == 0 {
		t.Error("the scan found nothing")
	}
	for _, f := range rep.Findings {
		if f.Column == "organization_name" {
			t.Errorf("a public column was scanned: %+v", f)
		}
	}
	// The values to keep out of logs are the raw personal ones.
	if !strings.Contains(strings.Join(res.Personal, "|"), "thandi@sky.co.za") {
		t.Errorf("Personal: %v", res.Personal)
	}
}

func TestEnforceDropRecordAndRetentionDrop(t *testing.T) {
	t.Parallel()
	p := basePolicy()
	p.Consent.OnDenied = policy.DropRecord
	p.Retention.Action = policy.RetentionDrop
	res, err := Enforce(people(t), p, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, res.Table, "organization_name"); fmt.Sprint(got) != "[Sky Flight School Karoo Aero Odd Club]" {
		t.Errorf("rows kept: %v", got)
	}
	if res.Report.Consent.RecordsDropped != 1 || res.Report.Retention.Dropped != 1 || res.Report.RowsOut != 3 {
		t.Errorf("report: %+v %+v", res.Report.Consent, res.Report.Retention)
	}
}

func TestEnforceFieldRetention(t *testing.T) {
	t.Parallel()
	p := basePolicy()
	p.Consent, p.Retention = nil, nil
	f := p.Fields["contact_primary_phone"]
	f.ConsentRequired, f.RetentionDays = false, 100
	p.Fields["contact_primary_phone"] = f
	for _, name := range []string{"contact_primary_name", "contact_primary_email"} {
		f := p.Fields[name]
		f.ConsentRequired = false
		p.Fields[name] = f
	}
	res, err := Enforce(people(t), p, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// 100 days before 2026-06-01 is 2026-02-21: rows 1, 2 and 4 are older.
	if got := column(t, res.Table, "contact_primary_phone"); fmt.Sprint(got) != "[<nil> <nil> +27215550100 <nil> +27315550123]" {
		t.Errorf("phones past their retention: %v", got)
	}
	if res.Report.Retention.FieldsCleared != 3 {
		t.Errorf("fields cleared: %d", res.Report.Retention.FieldsCleared)
	}
}

func TestEnforceUnknownColumnsWarn(t *testing.T) {
	t.Parallel()
	p := basePolicy()
	p.Fields["contact_fax"] = policy.Field{Classification: policy.PII}
	p.Consent.Column = "popia_consent"
	res, err := Enforce(people(t), p, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(res.Report.Warnings, "\n")
	for _, want := range []string{`no column "contact_fax"`, `no column "popia_consent"`, "its columns: organization_name, contact_primary_name"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
}

func TestSuppressionFlagsErasedPeople(t *testing.T) {
	t.Parallel()
	sup := NewSuppression(SuppressionEntry{Kind: KindEmail, Hash: IdentifierHash(KindEmail, " Anna@Karoo.co.za")},
		SuppressionEntry{Kind: KindPhone, Hash: IdentifierHash(KindPhone, "011 555 0199")})
	p := basePolicy()
	p.Consent, p.Retention = nil, nil
	res, err := Enforce(people(t), p, Options{Now: now, Suppressed: sup})
	if err != nil {
		t.Fatal(err)
	}
	if e := res.Report.Erasure; e.Flagged != 2 || fmt.Sprint(e.Rows) != "[3 4]" {
		t.Errorf("erasure: %+v", e)
	}
	if res.Report.Violations.Suppressed != 2 {
		t.Errorf("violations: %+v", res.Report.Violations)
	}
}

func TestSuppressionFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := LoadSuppression(filepath.Join(dir, "none.jsonl"))
	if err != nil || s.Len() != 0 {
		t.Fatalf("missing list: %v, %d", err, s.Len())
	}
	path := filepath.Join(dir, "s.jsonl")
	line, _ := json.Marshal(SuppressionEntry{Kind: KindEmail, Hash: IdentifierHash(KindEmail, "a@b.co.za")})
	if err := os.WriteFile(path, append(line, []byte("\n{bad\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSuppression(path); err == nil || !strings.Contains(err.Error(), "s.jsonl:2") {
		t.Errorf("bad line: %v", err)
	}
}

func TestViolationsError(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("%w: 3", ErrViolations)
	var ec exitcode.Error
	if !errors.As(err, &ec) || ec.ExitCode() != exitcode.DataInvalid {
		t.Errorf("exit code of %v", err)
	}
}

func TestReportFiles(t *testing.T) {
	t.Parallel()
	res, err := Enforce(people(t), basePolicy(), Options{Now: now, Scan: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res.Report.Title = "aviation"
	js, html := filepath.Join(dir, "c.json"), filepath.Join(dir, "c.html")
	if err := res.Report.WriteFiles(js, html); err != nil {
		t.Fatal(err)
	}
	var back Report
	b, _ := os.ReadFile(js)
	if err := json.Unmarshal(b, &back); err != nil || back.Violations.Total != 3 || len(back.Fields) != 5 {
		t.Fatalf("json: %v %+v", err, back.Violations)
	}
	h, _ := os.ReadFile(html)
	for _, want := range []string{"<h2>Fields</h2>", "contact_primary_email", "legitimate_interest", "Violations: 3", "Rows with unexpected consent values: 5"} {
		if !strings.Contains(string(h), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, raw := range []string{"thandi@sky.co.za", "Thandi", "+27821234567"} {
		if strings.Contains(string(b), raw) || strings.Contains(string(h), raw) {
			t.Errorf("report holds the raw value %q", raw)
		}
	}
	if strings.Contains(string(h), "<script") || strings.Contains(string(h), "http") {
		t.Error("the HTML report must be self-contained")
	}
}
