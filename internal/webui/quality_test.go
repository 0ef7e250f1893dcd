package webui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/quality"
)

func TestQualityPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	dir := t.TempDir()
	rep := quality.Report{Rows: 200, InvalidRows: 7, Results: []quality.Result{
		{Name: "email looks like an e-mail", Column: "email", Rows: 200, Failed: 7, PassRate: 0.965, Threshold: 0.99,
			Examples: []quality.Example{{Row: 12, Value: hostile}}},
		{Name: "id is unique", Column: "id", Rows: 200, PassRate: 1, Threshold: 1, Passed: true},
	}, Completeness: []quality.Completeness{{Column: "email", NonNull: 180, Share: 0.9}}}
	data, err := json.Marshal(rep)
	must(t, err)
	reportPath := filepath.Join(dir, "quality-report.json")
	must(t, os.WriteFile(reportPath, data, 0o644))
	rejects := filepath.Join(dir, "rejects.csv")
	must(t, os.WriteFile(rejects, []byte("id,email,_reasons\n12,bad-mail,email looks like an e-mail\n"), 0o644))
	attrs, _ := json.Marshal(map[string]any{"policy": "drop", "report_json": reportPath, "rejects": rejects, "rows_dropped": 7})
	must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: f.failedID, TaskID: "check", Type: "validate", Status: "succeeded", Attrs: attrs}))
	gone, _ := json.Marshal(map[string]any{"policy": "fail", "report_json": filepath.Join(dir, "gone.json")})
	must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: "20260301T070000Z-direct", TaskID: "check", Type: "validate", Status: "failed", Attrs: gone}))

	r := f.get(t, f.client(t), "/quality")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	contains(t, "quality", r.body, "email looks like an e-mail", "96.5%", "99.0%", `<span class="badge st-failed">failed</span>`,
		"200 rows checked · 7 invalid", "row 12: &lt;script&gt;", `value="0.9"`, "Rejected rows", "<td>bad-mail</td>", "7 dropped",
		"policy drop", "gone.json is gone")
	if strings.Contains(r.body, hostile) {
		t.Error("a failing value reached the page unescaped")
	}
}

// An enrich task's coverage shows per column: filled before and after, the
// gain and a bar; a task that recorded none says so; a hostile column name
// stays text.
func TestQualityPageEnrichmentCoverage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "")
	ctx := context.Background()
	r := f.get(t, f.client(t), "/quality")
	contains(t, "quality without enrich tasks", r.body, "No enrich task ran in the latest runs.")

	// The attributes as the enrich task records them.
	attrs, _ := json.Marshal(map[string]any{"coverage": map[string]any{
		"website": map[string]int{"before": 400, "after": 950, "rows": 1000},
		hostile:   map[string]int{"before": 0, "after": 1, "rows": 4},
	}})
	must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: f.failedID, TaskID: "fill", Type: "enrich", Status: "succeeded", Attrs: attrs}))
	must(t, f.st.RecordTask(ctx, store.TaskRun{RunID: "20260301T070000Z-direct", TaskID: "fill", Type: "enrich", Status: "failed"}))

	r = f.get(t, f.client(t), "/quality")
	if r.code != http.StatusOK {
		t.Fatalf("%d %s", r.code, r.body)
	}
	contains(t, "coverage", r.body, "Enrichment fill of run "+f.failedID,
		`<td class="mono">website</td><td class="num">1,000</td>`,
		`400 <span class="sub">40.0%</span>`, `950 <span class="sub">95.0%</span>`, "+550",
		`class="cov-before" x="0" y="5" width="96"`, `class="cov-after" x="0" y="1" width="228"`,
		`aria-label="website: 40.0% before, 95.0% after"`,
		"&lt;script&gt;", `1 <span class="sub">25.0%</span>`,
		"The task recorded no coverage")
	if strings.Contains(r.body, "No enrich task ran") {
		t.Error("the page says no enrich task ran")
	}
	if strings.Contains(r.body, hostile) {
		t.Error("a column name reached the page unescaped")
	}
}
