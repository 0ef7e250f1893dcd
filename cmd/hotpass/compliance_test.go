package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// complianceProfile masks emails at the SSOT and everywhere else, hashes
// phones, and needs consent for contact details.
const complianceProfile = `name: people
sources:
  - name: s
    files: ['*.xlsx']
    sheets:
      - sheet: S
compliance:
  version: test-1
  policy: %s
  hmac_key_env: TEST_HOTPASS_HMAC_KEY
  consent: {column: consent, granted: [yes], pending: [asked], denied: [no, withdrawn]}
  fields:
    org: {classification: public, lawful_basis: legitimate_interest}
    contact_name: {classification: pii, lawful_basis: consent, consent_required: true}
    email: {classification: pii, lawful_basis: consent, consent_required: true, operator: mask}
    phone: {classification: pii, lawful_basis: consent, consent_required: true, operator: hash}
`

const compliancePeople = "org,contact_name,email,phone,consent\n" +
	"Sky Flight School,Thandi Nkosi,thandi.nkosi@skyflight.co.za,+27821234567,yes\n" +
	"Blue Air,Piet Botha,piet.botha@blueair.co.za,+27829876543,no\n" +
	"Karoo Aero,Anna Smit,anna.smit@karoo.co.za,+27215550100,%s\n"

const complianceSpec = `version: 1
name: privacy-e2e
tasks:
  people: {type: read, with: {path: people.csv}}
  comply: {type: compliance, needs: [people], with: {input: people, profile: profile.yaml, report: out/compliance}}
  log_it:
    type: exec
    needs: [comply]
    with: {command: "echo contact thandi.nkosi@skyflight.co.za about Thandi Nkosi"}
  save: {type: write, needs: [comply], with: {input: comply, path: out/people.xlsx}}
  save_parquet: {type: write, needs: [comply], with: {input: comply, path: out/people.parquet}}
`

func writeComplianceProject(t *testing.T, onViolation, thirdConsent string) (dir, home string) {
	t.Helper()
	dir, home = t.TempDir(), t.TempDir()
	for name, body := range map[string]string{
		"profile.yaml": strings.Replace(complianceProfile, "%s", onViolation, 1),
		"people.csv":   strings.Replace(compliancePeople, "%s", thirdConsent, 1),
		"spec.yaml":    complianceSpec,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, home
}

// Nothing a run writes — outputs, kept task outputs, logs, run.json, the
// history database, the report, the audit trail — holds the masked email
// raw, apart from the input the run read: the read task's kept copy of it
// is removed once the policy is applied.
func TestComplianceRunKeepsMaskedEmailOut(t *testing.T) {
	t.Setenv("TEST_HOTPASS_HMAC_KEY", "0123456789abcdef0123")
	dir, home := writeComplianceProject(t, "warn", "yes")
	stdout, stderr, code := cli(t, "run", filepath.Join(dir, "spec.yaml"), "--state-dir", home)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	const email = "thandi.nkosi@skyflight.co.za"
	var scanned int
	for _, root := range []string{dir, home} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			// The input is the raw data the run was given; the spec is
			// the user's own text.
			if filepath.Base(path) == "people.csv" || filepath.Base(path) == "spec.yaml" {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scanned++
			if bytes.Contains(b, []byte(email)) || bytes.Contains(b, []byte("Thandi Nkosi")) {
				t.Errorf("%s holds a raw personal value", path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 8 {
		t.Fatalf("only %d files scanned", scanned)
	}
	var rep struct {
		Violations struct{ Total int } `json:"violations"`
		Consent    struct {
			Denied        int `json:"denied"`
			FieldsRemoved int `json:"fields_removed"`
		} `json:"consent"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "compliance.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Consent.Denied != 1 || rep.Consent.FieldsRemoved != 3 || rep.Violations.Total != 0 {
		t.Errorf("report: %v %+v", err, rep)
	}
	// The run record links the report.
	stdout, _, _ = cli(t, "runs", "ls", "--state-dir", home, "--format", "json")
	if !strings.Contains(stdout, "privacy-e2e") {
		t.Fatalf("runs ls: %s", stdout)
	}
	show, _, _ := cli(t, "runs", "show", runID(t, stdout), "--state-dir", home, "--format", "json")
	if !strings.Contains(show, "compliance.html") {
		t.Errorf("run record does not link the report:\n%s", show)
	}
	out, _, code := cli(t, "privacy", "verify-audit", "--state-dir", home)
	if code != 0 || !strings.Contains(out, "1 entries") {
		t.Errorf("verify-audit after one run: exit %d, %s", code, out)
	}
}

func runID(t *testing.T, lsJSON string) string {
	t.Helper()
	var ls struct {
		Runs []struct {
			ID string `json:"id"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(lsJSON), &ls); err != nil || len(ls.Runs) == 0 {
		t.Fatalf("runs ls json: %v\n%s", err, lsJSON)
	}
	return ls.Runs[0].ID
}

// Under policy: fail a pending consent fails the run with exit code 3.
func TestComplianceFailPolicyExits3(t *testing.T) {
	t.Setenv("TEST_HOTPASS_HMAC_KEY", "0123456789abcdef0123")
	dir, home := writeComplianceProject(t, "fail", "asked")
	_, stderr, code := cli(t, "run", filepath.Join(dir, "spec.yaml"), "--state-dir", home)
	if code != 3 || !strings.Contains(stderr, "compliance violations: 1") {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
}

// A policy that hashes with its key variable unset stops the run before
// any task runs.
func TestComplianceMissingKeyRunsNothing(t *testing.T) {
	t.Setenv("TEST_HOTPASS_HMAC_KEY", "")
	dir, home := writeComplianceProject(t, "warn", "yes")
	_, stderr, code := cli(t, "run", filepath.Join(dir, "spec.yaml"), "--state-dir", home)
	if code == 0 || !strings.Contains(stderr, "TEST_HOTPASS_HMAC_KEY") || !strings.Contains(stderr, "spec.yaml:") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("a task ran although the key was missing")
	}
}

// Erasure end to end: the person leaves the workbook, the Parquet output
// and the kept task outputs; the erasure is audited with hashes only; a
// later run whose input still holds the person flags them.
func TestPrivacyEraseEndToEnd(t *testing.T) {
	t.Setenv("TEST_HOTPASS_HMAC_KEY", "0123456789abcdef0123")
	dir, home := writeComplianceProject(t, "warn", "yes")
	// Keep emails at the SSOT, as the aviation profile does.
	prof := strings.Replace(complianceProfile, "%s", "warn", 1)
	prof = strings.Replace(prof, "consent_required: true, operator: mask}", "consent_required: true, operator: mask, destinations: {ssot: keep}}", 1)
	if err := os.WriteFile(filepath.Join(dir, "profile.yaml"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "spec.yaml")
	if _, stderr, code := cli(t, "run", spec, "--state-dir", home); code != 0 {
		t.Fatalf("first run: %s", stderr)
	}
	const email = "anna.smit@karoo.co.za"
	holders := func() []string {
		var out []string
		for _, root := range []string{filepath.Join(dir, "out"), filepath.Join(home, "runs")} {
			_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".parquet") || strings.HasSuffix(path, ".xlsx")) {
					return err
				}
				if n, err := tableRowsWith(path, email); err == nil && n > 0 {
					out = append(out, path)
				}
				return nil
			})
		}
		return out
	}
	before := holders()
	if len(before) < 3 {
		t.Fatalf("before erasure the person is in %v; want the workbook, the Parquet output and kept outputs", before)
	}
	stdout, stderr, code := cli(t, "privacy", "erase", "--match", "email=Anna.Smit@karoo.co.za", "--dry-run", "--state-dir", home)
	if code != 0 || !strings.Contains(stdout, "would erase") || len(holders()) != len(before) {
		t.Fatalf("dry run changed something or failed: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = cli(t, "privacy", "erase", "--match", "email=Anna.Smit@karoo.co.za", "--state-dir", home)
	if code != 0 {
		t.Fatalf("erase: exit %d\n%s", code, stderr)
	}
	if left := holders(); len(left) != 0 {
		t.Fatalf("after erasure the person is still in %v\n%s", left, stdout)
	}
	for _, p := range before {
		if !strings.Contains(stdout, p) {
			t.Errorf("the erase report does not name %s:\n%s", p, stdout)
		}
	}
	trail, err := os.ReadFile(filepath.Join(home, "privacy", "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(trail), []byte(email)) || !bytes.Contains(trail, []byte(`"kind":"erasure"`)) {
		t.Errorf("audit trail:\n%s", trail)
	}
	if out, _, code := cli(t, "privacy", "verify-audit", "--state-dir", home); code != 0 || !strings.Contains(out, "2 entries") {
		t.Errorf("verify-audit: exit %d %s", code, out)
	}
	// The input still holds Anna: the next run flags her.
	if _, stderr, code := cli(t, "run", spec, "--state-dir", home); code != 0 {
		t.Fatalf("second run: %s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "compliance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Erasure struct {
			Flagged int   `json:"flagged"`
			Rows    []int `json:"rows"`
		} `json:"erasure"`
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Erasure.Flagged != 1 || len(rep.Erasure.Rows) != 1 || rep.Erasure.Rows[0] != 3 {
		t.Errorf("suppression on the next run: %v %+v", err, rep.Erasure)
	}
	// Nobody matches now: exit 0, and it says so.
	stdout, _, code = cli(t, "privacy", "erase", "--match", "phone=+27 11 000 0000", "--state-dir", home)
	if code != 0 || !strings.Contains(stdout, "nothing to erase") {
		t.Errorf("erase matching nothing: exit %d\n%s", code, stdout)
	}
	_, stderr, code = cli(t, "privacy", "erase", "--match", "fax=123", "--state-dir", home)
	if code != 2 || !strings.Contains(stderr, "email=ADDRESS or phone=NUMBER") {
		t.Errorf("bad --match: exit %d %s", code, stderr)
	}
}

// tableRowsWith counts the cells of a table file equal to v, ignoring case.
func tableRowsWith(path, v string) (int, error) {
	t, err := refine.ReadTable(path, "")
	if err != nil {
		return 0, err
	}
	n := 0
	for r := 0; r < t.NumRows(); r++ {
		for c := 0; c < t.NumCols(); c++ {
			if strings.EqualFold(t.Column(c).Format(r), v) {
				n++
			}
		}
	}
	return n, nil
}

// `hotpass orchestrate --profile aviation` runs the profile's compliance
// task: its report is written and the audit trail gains the run. The
// aviation policy keeps contact details in the SSOT outputs and masks
// them everywhere else, so no email or phone of the workbook appears raw
// in anything else the run wrote: logs, run.json, the history database,
// the quality and compliance reports, the audit trail.
func TestOrchestrateAviationAppliesCompliance(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	home := filepath.Join(out, "state")
	stdout, stderr, code := cli(t, "orchestrate", "--no-progress", "--state-dir", home,
		"--profile", "aviation", "--input-dir", "../../examples/aviation/data", "--output-path", filepath.Join(out, "refined.xlsx"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	data, _, err := xlsxio.ReadFile(filepath.Join(out, "refined.xlsx"), xlsxio.ReadOptions{Sheet: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	var personal []string
	for _, col := range []string{"contact_primary_email", "contact_primary_phone"} {
		c := data.ColumnByName(col)
		if c == nil {
			t.Fatalf("the workbook has no %s", col)
		}
		for r := 0; r < c.Len(); r++ {
			if v := strings.TrimSpace(c.Format(r)); !c.IsNull(r) && len(v) > 6 {
				personal = append(personal, v)
			}
		}
	}
	if len(personal) < 100 {
		t.Fatalf("only %d emails and phones in the workbook", len(personal))
	}
	reports, _ := filepath.Glob(filepath.Join(home, "runs", "*", "compliance.compliance.html"))
	if len(reports) != 1 {
		t.Fatalf("compliance reports %v, want the run's one", reports)
	}
	if o, _, code := cli(t, "privacy", "verify-audit", "--state-dir", home); code != 0 || !strings.Contains(o, "1 entries") {
		t.Errorf("verify-audit: exit %d, %s", code, o)
	}
	var scanned int
	err = filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		// The SSOT outputs keep contact details under the policy (ssot:
		// keep), and so do the kept tables of the compliance task and the
		// one after it, which are what the SSOT is written from.
		switch filepath.Base(path) {
		case "refined.xlsx", "refined.parquet", "compliance.parquet", "enrich.parquet":
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for _, v := range personal {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds %q raw", path, v)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 8 {
		t.Fatalf("only %d files scanned", scanned)
	}
	for _, upstream := range []string{"refine", "validate"} {
		if kept, _ := filepath.Glob(filepath.Join(home, "runs", "*", upstream+".parquet")); len(kept) != 0 {
			t.Errorf("the kept output of %s, upstream of the compliance task, is still there: %v", upstream, kept)
		}
	}
}

// A resumed run that has to run the compliance task again (its definition
// changed) finds no kept output upstream of it to reuse, so it reads the
// input again, and succeeds.
func TestComplianceResumeRerunsRemovedUpstream(t *testing.T) {
	t.Setenv("TEST_HOTPASS_HMAC_KEY", "0123456789abcdef0123")
	dir, home := writeComplianceProject(t, "warn", "yes")
	if _, stderr, code := cli(t, "run", filepath.Join(dir, "spec.yaml"), "--state-dir", home); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	ls, _, _ := cli(t, "runs", "ls", "--state-dir", home, "--format", "json")
	first := runID(t, ls)
	if _, err := os.Stat(filepath.Join(home, "runs", first, "people.parquet")); err == nil {
		t.Fatal("the read task's kept output, upstream of the compliance task, is still there")
	}
	changed := strings.Replace(complianceSpec, "report: out/compliance}", "report: out/compliance2}", 1)
	if err := os.WriteFile(filepath.Join(dir, "spec.yaml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "run", filepath.Join(dir, "spec.yaml"), "--state-dir", home, "--resume", first)
	if code != 0 {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	logs, _ := filepath.Glob(filepath.Join(home, "runs", "*", "logs", "people.log"))
	reran := false
	for _, l := range logs {
		if b, err := os.ReadFile(l); err == nil && !strings.Contains(l, first) && bytes.Contains(b, []byte("previous output not reusable")) {
			reran = true
		}
	}
	if !reran {
		t.Errorf("the resumed run did not run the read task again; its logs: %v", logs)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "compliance2.json")); err != nil {
		t.Errorf("the compliance task did not run again: %v", err)
	}
}
