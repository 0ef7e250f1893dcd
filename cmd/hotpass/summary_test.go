package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
)

// TestSummaryShowsReusedAndWarnings: a task a resumed run reused says so
// instead of "succeeded" with no attempts, and a task that succeeded with
// warnings in its log has its last warning in the summary.
func TestSummaryShowsReusedAndWarnings(t *testing.T) {
	t.Parallel()
	runDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(runDir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{
		"logs/link.log": `time=2026-12-07T19:02:44Z level=INFO msg="attempt started" attempt=1
time=2026-12-07T19:02:45Z level=WARN msg="label studio: retrying" attempt=1 status=0
time=2026-12-07T19:02:51Z level=WARN msg="label studio: push 171 review pairs: not reachable; the linkage result stands" attempt=1
`,
		"logs/clean.log": "time=2026-12-07T19:02:44Z level=INFO msg=done attempt=1\n",
		"logs/drop.log":  "time=2026-12-07T19:02:44Z level=WARN msg=dropped rows=3\n",
	}
	for name, text := range logs {
		if err := os.WriteFile(filepath.Join(runDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rec := &engine.RunRecord{RunID: "r2", Status: engine.StatusSucceeded, Duration: time.Second, Tasks: []engine.TaskRecord{
		{ID: "load", Type: "read", Status: engine.StatusSucceeded, Attrs: map[string]any{engine.ReusedFromAttr: "r1"}},
		{ID: "link", Type: "linkage", Status: engine.StatusSucceeded, Attempts: 1, Duration: time.Second, Log: "logs/link.log"},
		{ID: "clean", Type: "noop", Status: engine.StatusSucceeded, Attempts: 1, Log: "logs/clean.log"},
		{ID: "drop", Type: "validate", Status: engine.StatusSucceeded, Attempts: 1, Log: "logs/drop.log"},
		{ID: "gone", Type: "noop", Status: engine.StatusSucceeded, Attempts: 1, Log: "logs/missing.log"},
	}}
	var out bytes.Buffer
	printSummary(&out, rec, runDir)
	got := out.String()
	if !regexp.MustCompile(`(?m)^load +read +reused +- +- `).MatchString(got) {
		t.Errorf("the reused task is not marked reused with no attempts:\n%s", got)
	}
	for _, want := range []string{
		"reused: load (from r1)\n",
		"warnings:\n",
		"  link: label studio: push 171 review pairs: not reachable; the linkage result stands (2 warnings, the last shown; `hotpass runs logs r2 --task link` has them all)\n",
		"  drop: dropped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	for _, absent := range []string{"clean:", "gone:", "retrying"} {
		if strings.Contains(got, absent) {
			t.Errorf("summary shows %q:\n%s", absent, got)
		}
	}
}

// TestSummaryWithoutWarnings: a clean run prints no warnings heading.
func TestSummaryWithoutWarnings(t *testing.T) {
	t.Parallel()
	rec := &engine.RunRecord{RunID: "r", Status: engine.StatusSucceeded, Tasks: []engine.TaskRecord{
		{ID: "a", Type: "noop", Status: engine.StatusSucceeded, Attempts: 1},
	}}
	var out bytes.Buffer
	printSummary(&out, rec, t.TempDir())
	if strings.Contains(out.String(), "warnings") || strings.Contains(out.String(), "reused") {
		t.Errorf("clean run summary:\n%s", out.String())
	}
}
