package progress

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/backfill"
)

// terminal replays what a display wrote the way a terminal shows it: text,
// newlines, "\r", and the two escapes the displays use (cursor up, clear
// line). It returns the lines left on the screen.
func terminal(t *testing.T, out string) []string {
	t.Helper()
	lines := []string{""}
	row := 0
	for len(out) > 0 {
		switch {
		case strings.HasPrefix(out, "\x1b[1A"):
			if row == 0 {
				t.Fatalf("cursor moved above the first line:\n%q", out)
			}
			row--
			out = out[4:]
		case strings.HasPrefix(out, "\x1b[2K"):
			lines[row] = ""
			out = out[4:]
		case strings.HasPrefix(out, "\x1b"):
			t.Fatalf("unexpected escape in %q", out)
		case out[0] == '\r':
			out = out[1:]
		case out[0] == '\n':
			row++
			if row == len(lines) {
				lines = append(lines, "")
			}
			out = out[1:]
		default:
			i := strings.IndexAny(out, "\x1b\r\n")
			if i < 0 {
				i = len(out)
			}
			lines[row] += out[:i]
			out = out[i:]
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func job(date string) *backfill.RunResult {
	return &backfill.RunResult{Date: date, Version: "v1", Status: backfill.StatusSucceeded, Records: 12345, Duration: 1500 * time.Millisecond}
}

func backfillEvents() []backfill.Event {
	failed := &backfill.RunResult{Date: "2024-01-02", Version: "v1", Status: backfill.StatusFailed, Error: "read orgs.csv: line 3\nstack"}
	return []backfill.Event{
		{Started: &backfill.Job{}, Total: 3, Running: 1},
		{Finished: job("2024-01-01"), Total: 3, Done: 1, Succeeded: 1},
		{Started: &backfill.Job{}, Total: 3, Done: 1, Running: 1, Succeeded: 1},
		{Finished: failed, Total: 3, Done: 2, Succeeded: 1, Failed: 1},
		{Finished: job("2024-01-03"), Total: 3, Done: 3, Succeeded: 2, Failed: 1},
	}
}

func TestBackfillPlain(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewBackfill(&out, false)
	for _, e := range backfillEvents() {
		p.Observe(e)
	}
	p.Close()
	want := "backfill [1/3] 2024-01-01 v1 succeeded 12,345 records in 1.5s\n" +
		"backfill [2/3] 2024-01-02 v1 failed: read orgs.csv: line 3 …\n" +
		"backfill [3/3] 2024-01-03 v1 succeeded 12,345 records in 1.5s\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestBackfillLive(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := NewBackfill(&out, true)
	for i, e := range backfillEvents() {
		p.Observe(e)
		if i == 2 {
			_, _ = p.Write([]byte("level=WARN msg=slow\n"))
		}
	}
	p.Close()
	_, _ = out.WriteString("summary\n")
	want := []string{
		"level=WARN msg=slow",
		"failed: 2024-01-02 v1: read orgs.csv: line 3 …",
		"backfill [3/3] 0 running · 2 succeeded · 1 failed · 0 skipped · 0 missing",
		"summary",
	}
	if got := terminal(t, out.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBackfillLiveNotStarted checks that the status line counts the runs
// fail_fast kept from starting, and only once there are some.
func TestBackfillLiveNotStarted(t *testing.T) {
	t.Parallel()
	failed := &backfill.RunResult{Date: "2024-01-01", Version: "v1", Status: backfill.StatusFailed, Error: "boom"}
	notStarted := &backfill.RunResult{Date: "2024-01-02", Version: "v1", Status: backfill.StatusNotStarted, Error: backfill.NotStartedReason}
	cases := []struct {
		events []backfill.Event
		want   string
	}{
		{[]backfill.Event{{Finished: failed, Total: 2, Done: 1, Failed: 1}},
			"backfill [1/2] 0 running · 0 succeeded · 1 failed · 0 skipped · 0 missing"},
		{[]backfill.Event{{Finished: failed, Total: 2, Done: 1, Failed: 1}, {Finished: notStarted, Total: 2, Done: 2, Failed: 1, NotStarted: 1}},
			"backfill [2/2] 0 running · 0 succeeded · 1 failed · 0 skipped · 0 missing · 1 not started"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		p := NewBackfill(&out, true)
		for _, e := range tc.events {
			p.Observe(e)
		}
		p.Close()
		got := terminal(t, out.String())
		if len(got) == 0 || got[len(got)-1] != tc.want {
			t.Errorf("screen:\n%s\nwant the last line %q", strings.Join(got, "\n"), tc.want)
		}
	}
}

func runEvents(at time.Time) []engine.Event {
	return []engine.Event{
		{Kind: engine.EventRunStarted, Time: at, RunID: "r1", Total: 2},
		{Kind: engine.EventTaskStarted, Time: at, TaskID: "load", TaskType: "read", Attempt: 1},
		{Kind: engine.EventTaskFinished, Time: at, TaskID: "load", TaskType: "read", Status: engine.StatusSucceeded, Duration: 1200 * time.Millisecond, RowsOut: 7},
		{Kind: engine.EventTaskStarted, Time: at, TaskID: "check", TaskType: "validate", Attempt: 1},
		{Kind: engine.EventTaskFinished, Time: at, TaskID: "check", TaskType: "validate", Status: engine.StatusFailed, Duration: 3 * time.Millisecond, Error: errors.New("2 rows\nmore").Error()},
		{Kind: engine.EventRunFinished, Time: at, RunID: "r1", Status: engine.StatusFailed, Duration: 1300 * time.Millisecond},
	}
}

func TestDisplayPlain(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	d := New(&out, false)
	for _, e := range runEvents(time.Date(2024, 1, 2, 8, 30, 0, 0, time.UTC)) {
		d.Observe(e)
	}
	d.Close()
	want := "08:30:00 run r1 started: 2 tasks\n" +
		"08:30:00 task load (read) started\n" +
		"08:30:00 task load succeeded in 1.2s (0 rows in, 7 out)\n" +
		"08:30:00 task check (validate) started\n" +
		"08:30:00 task check failed after 3ms: 2 rows …\n" +
		"08:30:00 run r1 failed in 1.3s\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// On a terminal the live block is gone once the display is closed, the
// events stay in order, and a log line written through the display is
// kept whole wherever it lands among them.
func TestDisplayLive(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	d := New(&out, true)
	for i, e := range runEvents(time.Now()) {
		d.Observe(e)
		if i == 1 {
			_, _ = d.Write([]byte("level=INFO msg=reading\n"))
		}
	}
	d.Close()
	want := []string{
		"run r1 started: 2 tasks",
		"task load succeeded in 1.2s (0 rows in, 7 out)",
		"task check failed after 3ms: 2 rows …",
		"run r1 failed in 1.3s",
	}
	var events []string
	logs := 0
	for _, l := range terminal(t, out.String()) {
		if l == "level=INFO msg=reading" {
			logs++
			continue
		}
		events = append(events, l)
	}
	if logs != 1 || strings.Join(events, "\n") != strings.Join(want, "\n") {
		t.Errorf("screen (%d log lines):\n%s\nwant:\n%s", logs, strings.Join(events, "\n"), strings.Join(want, "\n"))
	}
}
