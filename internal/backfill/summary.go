package backfill

import (
	"encoding/json"
	"fmt"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// SummaryFile is the name of the summary written to the restore root.
const SummaryFile = "backfill-summary.json"

// Status is the outcome of one backfill run.
type Status string

// Run outcomes.
const (
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
	// StatusSkipped: already succeeded for the same archive checksum.
	StatusSkipped Status = "skipped"
	// StatusMissing: the archive does not exist and on_missing is skip.
	StatusMissing Status = "missing"
	// StatusCancelled: the backfill was interrupted before the run ended.
	StatusCancelled Status = "cancelled"
	// StatusNotStarted: fail_fast stopped the backfill before the run
	// started; it is neither succeeded nor failed, and a re-run does it.
	StatusNotStarted Status = "not_started"
)

// NotStartedReason is the error of a run that fail_fast kept from
// starting.
const NotStartedReason = "not started: an earlier run failed and fail_fast is set"

// RunResult is one row of the summary.
type RunResult struct {
	Date          string        `json:"date"`
	Version       string        `json:"version"`
	Archive       string        `json:"archive"`
	ArchiveSHA256 string        `json:"archive_sha256,omitempty"`
	Status        Status        `json:"status"`
	RunID         string        `json:"run_id,omitempty"`
	Records       int64         `json:"records"`
	Duration      time.Duration `json:"duration_ns"`
	Error         string        `json:"error,omitempty"`
	// Missing is true when the archive did not exist, whatever on_missing.
	Missing    bool   `json:"missing,omitempty"`
	InputDir   string `json:"input_dir,omitempty"`
	OutputPath string `json:"output_path,omitempty"`
}

// Summary is the outcome of a whole backfill.
type Summary struct {
	StartedAt time.Time     `json:"started_at"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	Total     int           `json:"total"`
	Succeeded int           `json:"succeeded"`
	Failed    int           `json:"failed"`
	Skipped   int           `json:"skipped"`
	Missing   int           `json:"missing"`
	Cancelled int           `json:"cancelled"`
	Records   int64         `json:"records"`
	// NotStarted counts the runs fail_fast kept from starting.
	NotStarted int `json:"not_started"`
	// Runs are in job order (by date, then version).
	Runs []RunResult `json:"runs"`
}

// count recomputes the totals from the rows.
func (s *Summary) count() {
	s.Total, s.Succeeded, s.Failed, s.Skipped, s.Missing, s.Cancelled, s.NotStarted, s.Records = len(s.Runs), 0, 0, 0, 0, 0, 0, 0
	for _, r := range s.Runs {
		switch r.Status {
		case StatusSucceeded:
			s.Succeeded++
		case StatusFailed:
			s.Failed++
		case StatusSkipped:
			s.Skipped++
		case StatusCancelled:
			s.Cancelled++
		case StatusNotStarted:
			s.NotStarted++
		}
		if r.Missing {
			s.Missing++
		}
		s.Records += r.Records
	}
}

// OK reports whether no run failed, was cancelled or was left unstarted.
func (s *Summary) OK() bool { return s.Failed == 0 && s.Cancelled == 0 && s.NotStarted == 0 }

// Problem says, for a summary that is not OK, how many runs did not
// succeed, as the backfill's error.
func (s *Summary) Problem() string {
	msg := fmt.Sprintf("%d of %d backfill runs failed", s.Failed+s.Cancelled, s.Total)
	if s.NotStarted > 0 {
		msg += fmt.Sprintf("; %d not started (fail_fast)", s.NotStarted)
	}
	return msg
}

// WriteJSON writes the summary to <restoreRoot>/backfill-summary.json
// atomically.
func (s *Summary) WriteJSON(restoreRoot string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode backfill summary: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(restoreRoot, SummaryFile), append(data, '\n'))
}

// WriteTable writes the summary as a table, one row per run (the error
// column last, with the first line of the error, so that long messages do
// not push the other columns apart), then the totals.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tVERSION\tARCHIVE\tSTATUS\tRECORDS\tDURATION\tERROR")
	for _, r := range s.Runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Date, r.Version, filepath.Base(r.Archive), r.Status,
			Thousands(r.Records), FormatDuration(r.Duration), firstLine(r.Error))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%d runs: %d succeeded, %d failed, %d skipped, %d missing", s.Total, s.Succeeded, s.Failed, s.Skipped, s.Missing)
	if s.Cancelled > 0 {
		fmt.Fprintf(w, ", %d cancelled", s.Cancelled)
	}
	if s.NotStarted > 0 {
		fmt.Fprintf(w, ", %d not started", s.NotStarted)
	}
	_, err := fmt.Fprintf(w, " · %s records · %s\n", Thousands(s.Records), FormatDuration(s.Elapsed))
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Thousands formats n with ',' between groups of three digits.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// FormatDuration rounds d for people: 850ms, 1.2s, 3m4s.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// WritePlan writes a dry run's table: each run with its archive, whether
// the archive exists, and what a real run would do with it.
func WritePlan(w io.Writer, plan []Planned, onMissing OnMissing, force bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tVERSION\tARCHIVE\tEXISTS\tACTION")
	missing, todo := 0, 0
	for _, p := range plan {
		exists, action := "yes", "run"
		switch p.Action(force) {
		case ActionMissing:
			exists, action = "no", "missing ("+string(onMissing)+")"
			missing++
		case ActionSkip:
			action = "skip (already succeeded)"
		default:
			todo++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.DateString(), p.Version, p.Archive, exists, action)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d runs: %d to run, %d already done, %d archives missing (dry run: nothing was changed)\n",
		len(plan), todo, len(plan)-todo-missing, missing)
	return err
}
