package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hotpass/hotpass/engine"
)

// summaryFullLimit is the largest run whose every task is listed in the
// summary; larger runs list only the tasks that did not succeed.
const summaryFullLimit = 50

// printSummary writes the end-of-run table: task, type, status, attempts,
// duration, and the counts per status.
func printSummary(w io.Writer, rec *engine.RunRecord, runDir string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tTYPE\tSTATUS\tATTEMPTS\tDURATION\tROWS")
	listed := 0
	for _, t := range rec.Tasks {
		if len(rec.Tasks) > summaryFullLimit && t.Status == engine.StatusSucceeded {
			continue
		}
		rows := "-"
		if t.RowsIn != 0 || t.RowsOut != 0 {
			rows = fmt.Sprintf("%d→%d", t.RowsIn, t.RowsOut)
		}
		status, attempts, took := string(t.Status), strconv.Itoa(t.Attempts), fmtDuration(t.Duration)
		if reusedFrom, ok := t.Attrs[engine.ReusedFromAttr].(string); ok && reusedFrom != "" {
			// Not run here: its output is the earlier run's.
			status, attempts, took = "reused", "-", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Type, status, attempts, took, rows)
		listed++
	}
	if listed > 0 {
		_ = tw.Flush()
	}
	counts := rec.Counts()
	fmt.Fprintf(w, "\nrun %s %s in %s: %d succeeded, %d failed, %d skipped, %d cancelled\n",
		rec.RunID, rec.Status, fmtDuration(rec.Duration),
		counts[engine.StatusSucceeded], counts[engine.StatusFailed], counts[engine.StatusSkipped], counts[engine.StatusCancelled])
	var reused []string
	for _, t := range rec.Tasks {
		if from, ok := t.Attrs[engine.ReusedFromAttr].(string); ok && from != "" {
			reused = append(reused, fmt.Sprintf("%s (from %s)", t.ID, from))
		}
	}
	if len(reused) > 0 {
		fmt.Fprintf(w, "reused: %s\n", strings.Join(reused, ", "))
	}
	printWarnings(w, rec, runDir)
	fmt.Fprintf(w, "record: %s/run.json\n", runDir)
	if rec.TraceID != "" {
		fmt.Fprintf(w, "trace: %s\n", rec.TraceID)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// printWarnings lists the tasks whose logs hold warnings, with the last
// one of each: a warning often changes the result (rows dropped, Label
// Studio unreachable) although the task succeeded, and the summary is all
// most people read. The logs are already masked.
func printWarnings(w io.Writer, rec *engine.RunRecord, runDir string) {
	first := true
	for _, t := range rec.Tasks {
		if t.Log == "" {
			continue
		}
		n, last := taskWarnings(filepath.Join(runDir, t.Log))
		if n == 0 {
			continue
		}
		if first {
			fmt.Fprintln(w, "warnings:")
			first = false
		}
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (%d warnings, the last shown; `hotpass runs logs %s --task %s` has them all)", n, rec.RunID, t.ID)
		}
		fmt.Fprintf(w, "  %s: %s%s\n", t.ID, last, more)
	}
}

// logMsg finds the message of a log line as slog's text handler writes it.
var logMsg = regexp.MustCompile(`(?:^| )msg=("(?:[^"\\]|\\.)*"|[^ ]*)`)

// maxWarningLen bounds a warning shown in the summary; the log has it whole.
const maxWarningLen = 300

// taskWarnings counts the warning lines of a task log and returns the last
// one's message. A log that cannot be read has none to show.
func taskWarnings(path string) (n int, last string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " level=WARN ") {
			continue
		}
		n++
		m := logMsg.FindStringSubmatch(line)
		if m == nil {
			last = line
			continue
		}
		last = m[1]
		if u, err := strconv.Unquote(m[1]); err == nil {
			last = u
		}
	}
	if len(last) > maxWarningLen {
		last = strings.ToValidUTF8(last[:maxWarningLen], "") + "…"
	}
	return n, last
}
