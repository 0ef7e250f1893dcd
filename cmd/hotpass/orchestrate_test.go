package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// TestOrchestrateAviation runs the aviation profile's pipeline on the bundled
// workbooks, as `make demo` does, and checks what lands on disk.
func TestOrchestrateAviation(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	stdout, stderr, code := cli(t, "orchestrate", "--no-progress", "--state-dir", filepath.Join(out, "state"),
		"--profile", "aviation", "--input-dir", "../../examples/aviation/data",
		"--output-path", filepath.Join(out, "refined.xlsx"), "--report-path", filepath.Join(out, "report.html"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"refined.xlsx", "refined.parquet", "report.html", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if !strings.Contains(stdout, "workbook: "+filepath.Join(out, "refined.xlsx")) {
		t.Errorf("output does not say where the workbook landed:\n%s", stdout)
	}
	if !strings.Contains(stdout, "report:   "+filepath.Join(out, "report.html")+"\n") {
		t.Errorf("output does not say where the report landed:\n%s", stdout)
	}
	sheets, err := xlsxio.Sheets(filepath.Join(out, "refined.xlsx"))
	if err != nil || strings.Join(sheets, ",") != "Data,Summary" {
		t.Fatalf("sheets = %v, %v", sheets, err)
	}
	data, _, err := xlsxio.ReadFile(filepath.Join(out, "refined.xlsx"), xlsxio.ReadOptions{Sheet: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	names := data.Schema().Names()
	if len(names) < 43 || names[0] != "organization_name" || names[1] != "organization_slug" {
		t.Errorf("Data columns = %v", names)
	}
	// The aviation pipeline geocodes: seven columns after the SSOT's and
	// enrichment's.
	if got, want := strings.Join(names[len(names)-7:], ","), "latitude,longitude,address_formatted,province_geocoded,area_geocoded,geocode_confidence,geocode_match"; got != want {
		t.Errorf("last columns = %s, want %s", got, want)
	}
	placed := 0
	for i, m := range data.ColumnByName("geocode_match").Strings() {
		if m != "none" {
			placed++
			if data.ColumnByName("province_geocoded").IsNull(i) {
				t.Errorf("row %d matched %q without a province", i+1, m)
			}
		}
	}
	if placed < data.NumRows()*8/10 {
		t.Errorf("%d of %d rows geocoded", placed, data.NumRows())
	}
	if data.NumRows() < 150 || data.NumRows() > 300 {
		t.Errorf("Data has %d rows for 200 bundled organisations", data.NumRows())
	}
}

// Without --report-path the report lands next to the workbook; it
// describes the enriched table, and the Summary sheet accounts for every
// source sheet's rows.
func TestOrchestrateReportNextToWorkbook(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run1")
	stdout, stderr, code := cli(t, "orchestrate", "--no-progress", "--state-dir", filepath.Join(out, "state"),
		"--profile", "aviation", "--input-dir", "../../examples/aviation/data", "--output-path", filepath.Join(out, "refined.xlsx"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	html, err := os.ReadFile(filepath.Join(out, "quality-report.html"))
	if err != nil {
		t.Fatalf("report not next to the workbook: %v", err)
	}
	if strings.Contains(string(html), "Rows failing an expectation") {
		t.Error("the report still sums failures into one invalid-row count")
	}
	rep, err := os.ReadFile(filepath.Join(out, "quality-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := xlsxio.ReadFile(filepath.Join(out, "refined.xlsx"), xlsxio.ReadOptions{Sheet: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	// The enriched table has provenance columns the refined one lacks, and
	// the report counts its rows.
	if data.ColumnByName("provenance_source") == nil || !strings.Contains(string(rep), `"rows": `+strconv.Itoa(data.NumRows())) {
		t.Errorf("report does not describe the written table (%d rows)", data.NumRows())
	}
	sum, _, err := xlsxio.ReadFile(filepath.Join(out, "refined.xlsx"), xlsxio.ReadOptions{Sheet: "Summary"})
	if err != nil {
		t.Fatal(err)
	}
	var sources []string
	metric := sum.ColumnByName("metric")
	for i := 0; i < sum.NumRows(); i++ {
		if m := metric.Format(i); strings.HasPrefix(m, "source_rows: ") {
			sources = append(sources, m)
		}
		if metric.Format(i) == "invalid_records" {
			t.Error("Summary has invalid_records")
		}
	}
	for _, want := range []string{"Company_Contacts", "Company_Addresses", "Contact Info", "Cleaned", "Organisation", "Company_Cat"} {
		if !strings.Contains(strings.Join(sources, "\n"), " / "+want) {
			t.Errorf("Summary lacks source_rows for %s: %q", want, sources)
		}
	}
}

func TestOrchestratePrintSpecAndUsage(t *testing.T) {
	t.Parallel()
	stdout, _, code := cli(t, "orchestrate", "--profile", "aviation", "--print-spec")
	if code != exitOK || !strings.Contains(stdout, "type: refine") || !strings.HasPrefix(stdout, "# yaml-language-server: $schema=") {
		t.Errorf("--print-spec: exit %d\n%s", code, stdout)
	}
	_, stderr, code := cli(t, "orchestrate", "--profile", "aviaton", "--print-spec")
	if code != exitInvalid || !strings.Contains(stderr, "aviaton") {
		t.Errorf("unknown profile: exit %d\n%s", code, stderr)
	}
	_, stderr, code = cli(t, "orchestrate", "--input-dir", "testdata/nope", "--state-dir", t.TempDir())
	if code != exitInvalid || !strings.Contains(stderr, "not a directory") {
		t.Errorf("missing input dir: exit %d\n%s", code, stderr)
	}
}

func TestProfilesCommands(t *testing.T) {
	t.Parallel()
	stdout, _, code := cli(t, "profiles", "ls")
	if code != exitOK || !strings.Contains(stdout, "aviation") || !strings.Contains(stdout, "generic") {
		t.Errorf("profiles ls: exit %d\n%s", code, stdout)
	}
	stdout, _, code = cli(t, "profiles", "show", "aviation")
	if code != exitOK || !strings.Contains(stdout, "name: aviation") {
		t.Errorf("profiles show: exit %d\n%s", code, stdout)
	}
	stdout, _, code = cli(t, "validate", "../../profiles/aviation.yaml")
	if code != exitOK {
		t.Errorf("validate of a profile: exit %d\n%s", code, stdout)
	}
}

// TestDataValidationExitCode: expectations failing under policy fail make
// the run exit with status 3, not 1.
func TestDataValidationExitCode(t *testing.T) {
	t.Parallel()
	_, stderr, code := cli(t, "run", "--no-progress", "--state-dir", t.TempDir(), "testdata/dataquality/strict.yaml")
	if code != exitDataInvalid {
		t.Fatalf("exit code = %d, want %d\n%s", code, exitDataInvalid, stderr)
	}
	if !strings.Contains(stderr, "not_null(name)") {
		t.Errorf("stderr does not name the failed expectation:\n%s", stderr)
	}
}

// TestOrchestrateWithoutInputDir runs the how-to's first command in an empty
// directory: the error says where the profile looks, how to point it
// elsewhere and which files it expects, and nothing is run or recorded. Not
// parallel: it changes the working directory.
func TestOrchestrateWithoutInputDir(t *testing.T) {
	tests := []struct {
		golden string
		args   []string
	}{
		{"orchestrate_no_data_dir", []string{"orchestrate", "--profile", "aviation", "--enable-observability"}},
		{"orchestrate_input_dir_is_file", []string{"orchestrate", "--profile", "generic", "--input-dir", "notes.txt"}},
		{"orchestrate_unknown_profile", []string{"orchestrate", "--profile", "aviaton"}},
	}
	pkgDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a folder\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			stdout, stderr, code := cli(t, tt.args...)
			// Back to the package, where the golden files are.
			if err := os.Chdir(pkgDir); err != nil {
				t.Fatal(err)
			}
			if code != exitInvalid {
				t.Errorf("exit code = %d, want %d", code, exitInvalid)
			}
			if _, err := os.Stat(filepath.Join(dir, ".hotpass")); !os.IsNotExist(err) {
				t.Errorf("a state directory was created for a refused command")
			}
			// The working directory is a temporary one, possibly behind a
			// symbolic link; name it TMP either way.
			real, _ := filepath.EvalSymlinks(dir)
			golden(t, tt.golden, normalize(strings.ReplaceAll(transcript(stdout, stderr, code), real, dir), dir))
		})
	}
}
