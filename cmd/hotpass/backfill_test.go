package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const backfillPipeline = `version: 1
name: replay
params:
  input_dir: {type: string}
  output_path: {type: string}
tasks:
  load:
    type: read
    with: {path: "{{ params.input_dir }}/orgs.csv"}
  publish:
    type: write
    with: {input: load, path: "{{ params.output_path }}"}
`

const backfillConfig = `version: 1
name: backfill-prod
orchestrator:
  backfill:
    archive_root: archives
    restore_root: restore
    pipeline: {spec: pipeline.yaml}
    concurrency_limit: 0
    on_missing: skip
    windows:
      - {start_date: 2024-01-01, end_date: 2024-01-04, versions: ["1"]}
`

// backfillDir sets up a config, a pipeline, and archives made with
// `hotpass archive`: 01 and 03 are good, 02 lacks orgs.csv (its run
// fails), 04 is missing.
func backfillDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("pipeline.yaml", backfillPipeline)
	write("backfill.yaml", backfillConfig)
	write("in/good/orgs.csv", "id,name\n1,Skyward\n2,Kestrel\n")
	write("in/bad/contacts.csv", "id\n1\n")
	for _, a := range []struct{ date, in string }{{"2024-01-01", "good"}, {"2024-01-02", "bad"}, {"2024-01-03", "good"}} {
		stdout, stderr, code := cli(t, "archive", "--config", filepath.Join(dir, "backfill.yaml"),
			"--input-dir", filepath.Join(dir, "in", a.in), "--date", a.date, "--version", "1")
		if code != 0 || !strings.Contains(stdout, "sha256 ") {
			t.Fatalf("archive %s: exit %d\n%s%s", a.date, code, stdout, stderr)
		}
	}
	return dir
}

func TestBackfillCommand(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	args := []string{"--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"), "--no-progress"}

	stdout, stderr, code := cli(t, append(args, "--dry-run")...)
	golden(t, "backfill_dry_run", normalize(transcript(stdout, stderr, code), dir))
	if _, err := os.Stat(filepath.Join(dir, "restore")); !os.IsNotExist(err) {
		t.Errorf("--dry-run created the restore root: %v", err)
	}

	stdout, stderr, code = cli(t, args...)
	golden(t, "backfill_run", normalize(transcript(stdout, stderr, code), dir))
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (one run failed)", code)
	}
	var sum struct {
		Total, Succeeded, Failed, Skipped, Missing int
		Records                                    int64
	}
	data, err := os.ReadFile(filepath.Join(dir, "restore", "backfill-summary.json"))
	if err != nil || json.Unmarshal(data, &sum) != nil {
		t.Fatalf("summary file: %v", err)
	}
	if sum.Total != 4 || sum.Succeeded != 2 || sum.Failed != 1 || sum.Missing != 1 || sum.Records != 4 {
		t.Errorf("summary file: %+v", sum)
	}

	// After the run, the dry run reports the runs that succeeded as skipped.
	stdout, stderr, code = cli(t, append(args, "--dry-run", "--format", "json")...)
	golden(t, "backfill_dry_run_done_json", normalize(transcript(normalizeJSON(t, stdout), stderr, code), dir))

	// Fix the bad archive's inputs under a new version: flags override the
	// windows, and only the new runs happen.
	stdout, stderr, code = cli(t, append(args, "--start-date", "2024-01-01", "--end-date", "2024-01-03", "--version", "1")...)
	if code != exitFailed || strings.Count(stdout, "skipped") < 2 {
		t.Errorf("second pass: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = cli(t, append(args, "--start-date", "2024-01-01", "--end-date", "2024-01-01", "--force")...)
	if code != 0 || !strings.Contains(stdout, "1 runs: 1 succeeded") {
		t.Errorf("forced pass: exit %d\n%s%s", code, stdout, stderr)
	}
}

func TestBackfillUsageErrors(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	cfg := filepath.Join(dir, "backfill.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(backfillConfig, "end_date: 2024-01-04", "end_date: 2023-12-31", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no config", []string{"backfill"}, "--config is required"},
		{"config missing", []string{"backfill", "--config", filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"end before start in config", []string{"backfill", "--config", bad}, "bad.yaml:11:44: error: orchestrator.backfill.windows[0].end_date: end date 2023-12-31 is before start date 2024-01-01"},
		{"end before start", []string{"backfill", "--config", cfg, "--start-date", "2024-02-01", "--end-date", "2024-01-01"}, "end date 2024-01-01 is before start date 2024-02-01"},
		{"invalid date", []string{"backfill", "--config", cfg, "--start-date", "2024-02-30", "--end-date", "2024-03-01"}, `--start-date: "2024-02-30" is not a date`},
		{"one date only", []string{"backfill", "--config", cfg, "--start-date", "2024-02-01"}, "give both --start-date and --end-date"},
		{"bad version", []string{"backfill", "--config", cfg, "--version", "../x"}, "--version"},
		{"negative limit", []string{"backfill", "--config", cfg, "--concurrency-limit", "-1"}, "--concurrency-limit must be 0 or more"},
		{"bad pattern", []string{"backfill", "--config", cfg, "--archive-pattern", "x-{date:%H}.zip"}, "%H is not supported"},
		{"archive without date", []string{"archive", "--input-dir", dir, "--version", "1"}, "--date is required"},
		{"archive bad date", []string{"archive", "--input-dir", dir, "--date", "2024-1-1", "--version", "1"}, "is not a date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, stderr, code := cli(t, append([]string{"--state-dir", filepath.Join(dir, "state")}, tc.args...)...)
			if code != exitInvalid || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2, stderr containing %q:\n%s", code, tc.want, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "restore")); !os.IsNotExist(err) {
		t.Errorf("a rejected command created the restore root: %v", err)
	}
}

func TestBackfillRestoreRootNotWritable(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	blocker := filepath.Join(dir, "blocker")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := cli(t, "--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"),
		"--restore-root", filepath.Join(blocker, "restore"), "--no-progress")
	if code != exitFailed || !strings.Contains(stderr, "restore root not writable") {
		t.Errorf("exit %d, want 1:\n%s", code, stderr)
	}
}

func TestArchiveRefusesToOverwrite(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	_, stderr, code := cli(t, "archive", "--config", filepath.Join(dir, "backfill.yaml"),
		"--input-dir", filepath.Join(dir, "in", "good"), "--date", "2024-01-01", "--version", "1")
	if code != exitFailed || !strings.Contains(stderr, "archive already exists") {
		t.Errorf("exit %d, want 1:\n%s", code, stderr)
	}
}

// TestBackfillDryRunFormat checks --format on backfill: json prints the
// plan with the file name each run looks for; it needs --dry-run, and an
// unknown format is a usage error.
func TestBackfillDryRunFormat(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	base := []string{"--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"),
		"--start-date", "2024-01-01", "--end-date", "2024-01-02", "--version", "v1", "--version", "2",
		"--archive-root", filepath.Join(dir, "archives"), "--restore-root", filepath.Join(dir, "restore"), "--no-progress"}
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"backfill_dry_run_json", []string{"--dry-run", "--format", "json"}, exitOK},
		{"backfill_json_without_dry_run", []string{"--format", "json"}, exitInvalid},
		{"backfill_dry_run_bad_format", []string{"--dry-run", "--format", "csv"}, exitInvalid},
	}
	for _, tt := range tests {
		stdout, stderr, code := cli(t, append(base[:len(base):len(base)], tt.args...)...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tt.name, code, tt.code, stdout, stderr)
		}
		if code == exitOK {
			stdout = normalizeJSON(t, stdout)
		}
		golden(t, tt.name, normalize(transcript(stdout, stderr, code), dir))
	}
	if _, err := os.Stat(filepath.Join(dir, "restore")); !os.IsNotExist(err) {
		t.Errorf("a refused or dry backfill created the restore root: %v", err)
	}
}

// TestBackfillVersionWithV runs the how-to's backfill with versions written
// as v1 and v2 against archives made with --version 1: the default pattern's
// -v{version} takes v1 as 1, the dry run names the file each run looks for
// and says how the versions were read, and the real run finds the archives.
func TestBackfillVersionWithV(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	args := []string{"--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"),
		"--start-date", "2024-01-01", "--end-date", "2024-01-03", "--version", "v1", "--version", "v2",
		"--archive-root", filepath.Join(dir, "archives"), "--restore-root", filepath.Join(dir, "restore"), "--no-progress"}
	stdout, stderr, code := cli(t, append(args, "--dry-run")...)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	golden(t, "backfill_dry_run_v_versions", normalize(transcript(stdout, stderr, code), dir))
	if strings.Contains(stdout, "-vv") {
		t.Errorf("an archive name doubles the v:\n%s", stdout)
	}

	// An archive made with --version v1 is named as one made with --version 1.
	stdout, stderr, code = cli(t, "archive", "--config", filepath.Join(dir, "backfill.yaml"),
		"--input-dir", filepath.Join(dir, "in", "good"), "--date", "2024-01-05", "--version", "v1")
	if code != exitOK || !strings.Contains(stdout, "hotpass-inputs-20240105-v1.zip") {
		t.Errorf("archive --version v1: exit %d\n%s%s", code, stdout, stderr)
	}

	// The archives made with --version 1 are found for v1: two runs succeed
	// and the 2nd's fails (its archive lacks orgs.csv); v2 has none.
	stdout, stderr, code = cli(t, args...)
	if code != exitFailed {
		t.Errorf("backfill: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	var sum struct{ Total, Succeeded, Failed, Missing int }
	data, err := os.ReadFile(filepath.Join(dir, "restore", "backfill-summary.json"))
	if err != nil || json.Unmarshal(data, &sum) != nil {
		t.Fatalf("summary file: %v", err)
	}
	if sum.Total != 6 || sum.Succeeded != 2 || sum.Failed != 1 || sum.Missing != 3 {
		t.Errorf("summary: %+v, want 6 runs: 2 succeeded, 1 failed, 3 missing", sum)
	}
}
