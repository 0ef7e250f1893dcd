package compliance_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/compliance/audit"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/compliance"
	_ "github.com/hotpass/hotpass/tasks/read"
	_ "github.com/hotpass/hotpass/tasks/refine"
)

func load(t *testing.T, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return loadB(t, dir, src)
}

func loadB(t testing.TB, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return tasktest.Plan(t, dir, src)
}

// The aviation profile's compliance block on the bundled example
// workbooks: contact details stay in the SSOT table, the report lists the
// fields by classification and the personal data found, and the run is in
// the audit trail.
func TestAviationExampleData(t *testing.T) {
	t.Parallel()
	_, file, _, _ := runtime.Caller(0)
	data := filepath.Join(filepath.Dir(file), "..", "..", "examples", "aviation", "data")
	dir, state := t.TempDir(), t.TempDir()
	p, err := load(t, dir, `version: 1
name: aviation-compliance
tasks:
  refine: {type: refine, with: {profile: aviation, input_dir: `+data+`}}
  comply: {type: compliance, needs: [refine], with: {input: refine, profile: aviation, report: out/compliance}}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %+v", rec)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "compliance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		RowsIn          int                 `json:"rows_in"`
		RowsOut         int                 `json:"rows_out"`
		Classifications map[string][]string `json:"classifications"`
		Findings        []struct {
			Column string `json:"column"`
			Type   string `json:"type"`
			Count  int    `json:"count"`
		} `json:"findings"`
		Retention struct {
			Current, Expired, NoDate int
		} `json:"retention"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.RowsIn == 0 || rep.RowsOut != rep.RowsIn {
		t.Errorf("rows in %d, out %d: retention only flags in the aviation policy", rep.RowsIn, rep.RowsOut)
	}
	if got := strings.Join(rep.Classifications["pii"], ","); !strings.Contains(got, "contact_primary_email") {
		t.Errorf("pii fields: %s", got)
	}
	found := map[string]bool{}
	for _, f := range rep.Findings {
		found[f.Column+":"+f.Type] = f.Count > 0
	}
	for _, want := range []string{"contact_primary_email:email", "contact_primary_phone:phone"} {
		if !found[want] {
			t.Errorf("no %s in the findings %v", want, rep.Findings)
		}
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("the aviation policy names columns the refined table lacks: %v", rep.Warnings)
	}
	n, err := audit.Verify(filepath.Join(state, "privacy", "audit.jsonl"))
	if err != nil || n != 1 {
		t.Errorf("audit trail: %d entries, %v", n, err)
	}
}

// A profile without a compliance: block is refused before the run, at
// the profile option.
func TestProfileWithoutPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := load(t, dir, "version: 1\nname: x\ntasks:\n  r: {type: refine, with: {profile: generic, input_dir: data}}\n  c: {type: compliance, needs: [r], with: {input: r, profile: generic}}\n")
	if err == nil || !strings.Contains(err.Error(), `profile "generic" has no compliance: block`) || !strings.Contains(err.Error(), "spec.yaml:5:") {
		t.Fatalf("err = %v", err)
	}
}

// Violations are counted in the task's result and in the
// hotpass.compliance.violations metric, by kind.
func TestViolationsMetric(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"p.yaml": "name: p\nsources:\n  - name: s\n    files: ['*.xlsx']\n    sheets:\n      - sheet: S\n" +
			"compliance:\n  consent: {column: consent, granted: [yes], pending: [asked]}\n  fields:\n    email: {classification: pii}\n",
		"in.csv": "email,consent\na@b.co.za,yes\nc@d.co.za,asked\ne@f.co.za,perhaps\ng@h.co.za,asked\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := load(t, dir, "version: 1\nname: m\ntasks:\n  in: {type: read, with: {path: in.csv}}\n  c: {type: compliance, needs: [in], with: {input: in, profile: p.yaml, skip_scan: true}}\n")
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.FromRegistry(telemetry.Registry{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(telemetry.NewContext(context.Background(), tel), engine.RunOptions{StateDir: t.TempDir()})
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %v", err)
	}
	var task engine.TaskRecord
	for _, tr := range rec.Tasks {
		if tr.ID == "c" {
			task = tr
		}
	}
	if task.Attrs["compliance_violations"] != 3 {
		t.Errorf("attrs: %v", task.Attrs)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != telemetry.MetricComplianceViolations {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				kind, _ := dp.Attributes.Value(telemetry.AttrViolation)
				got[kind.AsString()] += dp.Value
			}
		}
	}
	if got["consent_pending"] != 2 || got["consent_unknown"] != 1 || len(got) != 2 {
		t.Errorf("%s: %v", telemetry.MetricComplianceViolations, got)
	}
}
