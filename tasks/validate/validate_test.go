package validate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/tasks/tasktest"

	_ "github.com/hotpass/hotpass/tasks/read"
	_ "github.com/hotpass/hotpass/tasks/refine"
	_ "github.com/hotpass/hotpass/tasks/validate"
)

func load(t *testing.T, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return tasktest.Plan(t, dir, src)
}

// readTable reads a CSV or Parquet file whole.
func readTable(t *testing.T, path string) *table.Table {
	t.Helper()
	var r table.Reader
	var err error
	if filepath.Ext(path) == ".csv" {
		r, err = csvio.Open(path, csvio.ReadOptions{})
	} else {
		r, err = parquetio.Open(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// Under policy drop, failing rows go to the rejects file with their
// reasons and the rest flow on.
func TestDropPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), 5, 80); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, `version: 1
name: drop
tasks:
  refine:
    type: refine
    with: {profile: aviation, input_dir: data}
  check:
    type: validate
    with:
      input: refine
      policy: drop
      rejects: out/rejects.csv
      report: out/report
      expectations:
        - {expect: not_null, column: website}
        - {expect: in_set, column: contact_primary_email_status, values: [deliverable]}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	refined, check := rec.Task("refine"), rec.Task("check")
	if check.Status != engine.StatusSucceeded {
		t.Fatalf("check: %s %s", check.Status, check.Error)
	}
	dropped, _ := check.Attrs["rows_dropped"].(int)
	if dropped == 0 || int64(dropped)+check.RowsOut != refined.RowsOut {
		t.Fatalf("dropped %v, kept %d of %d", check.Attrs["rows_dropped"], check.RowsOut, refined.RowsOut)
	}
	rej := readTable(t, filepath.Join(dir, "out", "rejects.csv"))
	if rej.NumRows() != dropped {
		t.Fatalf("rejects file has %d rows, want %d", rej.NumRows(), dropped)
	}
	reasons := rej.ColumnByName("reject_reason")
	for i := 0; i < rej.NumRows(); i++ {
		if r := reasons.Format(i); !strings.Contains(r, "not_null(website)") && !strings.Contains(r, "in_set(contact_primary_email_status)") {
			t.Errorf("row %d: reason %q", i+1, r)
		}
	}
	for _, f := range []string{"report.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, "out", f)); err != nil {
			t.Error(err)
		}
	}
	if fails, ok := check.Attrs["failures"].(map[string]int); !ok || len(fails) != 2 || fails["not_null(website)"] == 0 {
		t.Errorf("failures attr %#v", check.Attrs["failures"])
	}
}

// A validation that lets every row through keeps byte for byte the file
// its input kept; one that drops rows keeps only the rows that passed.
func TestKeptOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), 5, 80); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, `version: 1
name: kept
tasks:
  refine:
    type: refine
    with: {profile: aviation, input_dir: data}
  warn:
    type: validate
    with:
      input: refine
      policy: warn
      expectations:
        - {expect: not_null, column: website}
  drop:
    type: validate
    with:
      input: refine
      policy: drop
      rejects: out/rejects.csv
      expectations:
        - {expect: not_null, column: website}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"refine", "warn", "drop"} {
		if tr := rec.Task(id); tr.Status != engine.StatusSucceeded {
			t.Fatalf("%s: %s %s", id, tr.Status, tr.Error)
		}
	}
	read := func(name string) ([]byte, *table.Table) {
		t.Helper()
		path := filepath.Join(dir, ".hotpass", "runs", rec.RunID, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return raw, readTable(t, path)
	}
	refRaw, refT := read("refine.parquet")
	warnRaw, warnT := read("warn.parquet")
	_, dropT := read("drop.parquet")
	if !bytes.Equal(refRaw, warnRaw) || warnT.NumRows() != refT.NumRows() {
		t.Errorf("warn kept %d bytes / %d rows, refine %d bytes / %d rows: want the same file", len(warnRaw), warnT.NumRows(), len(refRaw), refT.NumRows())
	}
	dropped, _ := rec.Task("drop").Attrs["rows_dropped"].(int)
	if dropped == 0 || dropT.NumRows() != refT.NumRows()-dropped {
		t.Errorf("drop kept %d rows of %d with %d dropped", dropT.NumRows(), refT.NumRows(), dropped)
	}
	if web := dropT.ColumnByName("website"); web.NullCount() != 0 {
		t.Errorf("drop kept %d rows without a website", web.NullCount())
	}
}

// Bad options are reported at their position when the spec is loaded.
func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ with, want string }{
		{"{input: x, policy: maybe, expectations: [{expect: not_null, column: a}]}", `with.policy: unknown policy "maybe"`},
		{"{input: x, expectations: [{expect: regex, column: a, pattern: '('}]}", "with.expectations[0]: pattern"},
		{"{input: x, profile: nope, policy: warn}", `unknown profile "nope"`},
	}
	for _, tc := range tests {
		dir := t.TempDir()
		_, err := load(t, dir, "version: 1\nname: v\ntasks:\n  x:\n    type: refine\n    with: {profile: generic, input_dir: .}\n  v:\n    type: validate\n    with: "+tc.with+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "spec.yaml:") {
			t.Errorf("%s: err = %v, want %q with a position", tc.with, err, tc.want)
		}
	}
}

// With a profile, the report's completeness counts the profile's own
// placeholders as missing, not only the default ones.
func TestCompletenessUsesProfilePlaceholders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := "organization_name,status\nEagle Air,Active\nKestrel Aviation,Pending Review\nProtea Flight,Unknown\nSky Club,\n"
	if err := os.WriteFile(filepath.Join(dir, "orgs.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	generic, err := os.ReadFile(filepath.Join("..", "..", "profiles", "generic.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	custom := strings.Replace(string(generic), "name: generic\n", "name: custom\n", 1)
	custom = strings.Replace(custom, "\nnormalisation:\n", "\nnormalisation:\n  placeholders: [Unknown, Pending Review]\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "custom.yaml"), []byte(custom), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, `version: 1
name: placeholders
tasks:
  orgs:
    type: read
    with: {path: orgs.csv}
  check:
    type: validate
    with: {input: orgs, profile: custom.yaml, policy: warn, report: out/report}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	if st := rec.Task("check").Status; st != engine.StatusSucceeded {
		t.Fatalf("check: %s %s", st, rec.Task("check").Error)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Completeness []struct {
			Column  string `json:"column"`
			NonNull int    `json:"non_null"`
		} `json:"completeness"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range rep.Completeness {
		got[c.Column] = c.NonNull
	}
	// "Active" only: "Unknown" is a default placeholder, "Pending Review"
	// this profile's, and the last row is blank.
	if got["status"] != 1 || got["organization_name"] != 4 {
		t.Errorf("completeness %v, want status 1 of 4 and organization_name 4", got)
	}
}

// With a profile whose compliance: block masks contact details in logs,
// the rejects file of policy drop holds them masked: a rejected row's
// email or phone never appears in it raw.
func TestDropRejectsGoThroughLogsOperators(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), 5, 80); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, `version: 1
name: drop-masked
tasks:
  refine:
    type: refine
    with: {profile: aviation, input_dir: data}
  check:
    type: validate
    with:
      input: refine
      profile: aviation
      policy: drop
      rejects: out/rejects.csv
      expectations:
        - {expect: not_null, column: website}
`)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: filepath.Join(dir, ".hotpass")})
	if err != nil {
		t.Fatal(err)
	}
	if tr := rec.Task("check"); tr.Status != engine.StatusSucceeded {
		t.Fatalf("check: %s %s", tr.Status, tr.Error)
	}
	refined := readTable(t, filepath.Join(dir, ".hotpass", "runs", rec.RunID, "refine.parquet"))
	// Rows without a website fail not_null(website), so they are rejected.
	web := refined.ColumnByName("website")
	var personal []string
	for _, col := range []string{"contact_primary_email", "contact_primary_phone"} {
		c := refined.ColumnByName(col)
		for i := 0; i < refined.NumRows(); i++ {
			if web.IsNull(i) && !c.IsNull(i) && len(c.Format(i)) > 6 {
				personal = append(personal, c.Format(i))
			}
		}
	}
	if len(personal) == 0 {
		t.Fatal("no rejected row has an email or phone; the test checks nothing")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "out", "rejects.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range personal {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("rejects file holds %q raw", v)
		}
	}
	rej := readTable(t, filepath.Join(dir, "out", "rejects.csv"))
	// The values are masked, not dropped: the rows stay recognisable.
	emails, masked := rej.ColumnByName("contact_primary_email"), 0
	for i := 0; i < rej.NumRows(); i++ {
		if strings.Contains(emails.Format(i), "***@") {
			masked++
		}
	}
	if masked == 0 || rej.ColumnByName("reject_reason") == nil {
		t.Errorf("rejects: %d masked emails in %d rows, reject_reason %v", masked, rej.NumRows(), rej.ColumnByName("reject_reason") != nil)
	}
}
