package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/backfill"
)

// withFailFast turns fail_fast on in the fixture's config.
func withFailFast(t *testing.T, dir string) {
	t.Helper()
	cfg := strings.Replace(backfillConfig, "    on_missing: skip\n", "    on_missing: skip\n    fail_fast: true\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "backfill.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readSummary reads the backfill summary under dir's restore root.
func readSummary(t *testing.T, dir string) backfill.Summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "restore", backfill.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var sum backfill.Summary
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestBackfillFailFast runs the fixture (2024-01-02 fails) with fail_fast
// from the config or --fail-fast, each overriding the other both ways.
func TestBackfillFailFast(t *testing.T) {
	t.Parallel()
	const (
		stopped = "2024-01-01=succeeded 2024-01-02=failed 2024-01-03=not_started 2024-01-04=not_started"
		all     = "2024-01-01=succeeded 2024-01-02=failed 2024-01-03=succeeded 2024-01-04=missing"
	)
	cases := []struct {
		name   string
		config bool // fail_fast: true in the config
		flags  []string
		want   string
	}{
		{name: "config", config: true, want: stopped},
		{name: "flag", flags: []string{"--fail-fast"}, want: stopped},
		{name: "flag turns the config off", config: true, flags: []string{"--fail-fast=false"}, want: all},
		{name: "flag true over config", config: true, flags: []string{"--fail-fast=true"}, want: stopped},
		{name: "neither", want: all},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := backfillDir(t)
			if tc.config {
				withFailFast(t, dir)
			}
			args := append([]string{"--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"), "--no-progress"}, tc.flags...)
			stdout, stderr, code := cli(t, args...)
			if code != exitFailed {
				t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
			}
			if got := strings.Join(summaryRuns(t, dir), " "); got != tc.want {
				t.Errorf("summary runs %s, want %s\n%s", got, tc.want, stdout)
			}
			if tc.name == "flag" {
				golden(t, "backfill_fail_fast", normalize(transcript(stdout, stderr, code), dir))
			}
		})
	}
}

// fixBadArchive archives good inputs for the fixture's failing date in
// place of the bad ones.
func fixBadArchive(t *testing.T, dir string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "archives", "hotpass-inputs-20240102-v1.zip")); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := cli(t, "archive", "--config", filepath.Join(dir, "backfill.yaml"),
		"--input-dir", filepath.Join(dir, "in", "good"), "--date", "2024-01-02", "--version", "1"); code != 0 {
		t.Fatalf("archive: exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestBackfillFailFastRerun fixes the failed date's archive after a
// backfill that fail_fast stopped: the same command then does only the
// failed run and those not started.
func TestBackfillFailFastRerun(t *testing.T) {
	t.Parallel()
	dir := backfillDir(t)
	args := []string{"--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"), "--no-progress", "--fail-fast"}
	if stdout, stderr, code := cli(t, args...); code != exitFailed {
		t.Fatalf("first backfill: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	sum := readSummary(t, dir)
	if sum.Succeeded != 1 || sum.Failed != 1 || sum.NotStarted != 2 || sum.Missing != 0 {
		t.Errorf("first summary: %d succeeded, %d failed, %d not started, %d missing; want 1, 1, 2, 0", sum.Succeeded, sum.Failed, sum.NotStarted, sum.Missing)
	}
	fixBadArchive(t, dir)
	stdout, stderr, code := cli(t, args...)
	if code != exitOK {
		t.Fatalf("second backfill: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	want := "2024-01-01=skipped 2024-01-02=succeeded 2024-01-03=succeeded 2024-01-04=missing"
	if got := strings.Join(summaryRuns(t, dir), " "); got != want {
		t.Errorf("second backfill: %s, want %s\n%s", got, want, stdout)
	}
}

// TestBackfillFailFastOnTemporal runs the fixture with --fail-fast through
// `backfill --engine temporal` and a worker on a real Temporal dev server:
// the date after the failed one is not started (the missing archive is
// settled before submitting, as without fail_fast), and once the bad
// archive is fixed the same command does only what is left.
func TestBackfillFailFastOnTemporal(t *testing.T) {
	t.Parallel()
	dir, args := temporalBackfill(t, "backfill-fail-fast", "--fail-fast")
	stdout, stderr, code := cli(t, args...)
	if code != exitFailed {
		t.Fatalf("backfill: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	if got, want := strings.Join(summaryRuns(t, dir), " "), "2024-01-01=succeeded 2024-01-02=failed 2024-01-03=not_started 2024-01-04=missing"; got != want {
		t.Fatalf("summary runs %s, want %s\n%s", got, want, stdout)
	}
	sum := readSummary(t, dir)
	if sum.NotStarted != 1 || sum.Failed != 1 || sum.Succeeded != 1 || sum.Runs[2].Error != backfill.NotStartedReason {
		t.Errorf("summary: %+v", sum)
	}
	if !strings.Contains(stdout, "1 not started") || !strings.Contains(stdout, backfill.NotStartedReason) {
		t.Errorf("printed summary lacks the run not started:\n%s", stdout)
	}

	fixBadArchive(t, dir)
	stdout, stderr, code = cli(t, args...)
	if code != exitOK {
		t.Fatalf("second backfill: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if got, want := strings.Join(summaryRuns(t, dir), " "), "2024-01-01=skipped 2024-01-02=succeeded 2024-01-03=succeeded 2024-01-04=missing"; got != want {
		t.Errorf("second backfill: %s, want %s\n%s", got, want, stdout)
	}
}
