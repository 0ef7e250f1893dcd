package main

import (
	"fmt"
	"io"
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", t.ID, t.Type, t.Status, t.Attempts, fmtDuration(t.Duration), rows)
		listed++
	}
	if listed > 0 {
		_ = tw.Flush()
	}
	counts := rec.Counts()
	fmt.Fprintf(w, "\nrun %s %s in %s: %d succeeded, %d failed, %d skipped, %d cancelled\n",
		rec.RunID, rec.Status, fmtDuration(rec.Duration),
		counts[engine.StatusSucceeded], counts[engine.StatusFailed], counts[engine.StatusSkipped], counts[engine.StatusCancelled])
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
