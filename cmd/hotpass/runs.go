package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/history"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/specs/decode"
)

// storeFile is the SQLite database inside the state directory.
const storeFile = runstate.DatabaseFile

// openStore opens the run history: $HOTPASS_DATABASE_URL when set, else
// <state-dir>/hotpass.db. Runs whose process died are marked crashed first,
// so that no command shows them as running.
func openStore(ctx context.Context, g *globals) (store.Store, error) {
	home := runstate.New(g.stateDir)
	target := runstate.DatabaseTarget(g.stateDir)
	if target == home.Database() {
		if err := home.MakeHome(); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("open run history: %w", err)
	}
	if err := history.MarkCrashed(ctx, st); err != nil {
		_ = st.Close()
		return nil, err
	}
	return st, nil
}

func newRunsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "Show run history: list runs, show one, print its logs, cancel one, prune old ones",
		Args:  exactArgs(0),
	}
	cmd.AddCommand(newRunsLsCmd(g), newRunsShowCmd(g), newRunsLogsCmd(g), newRunsPruneCmd(g), newRunsCancelCmd(g))
	return cmd
}

type runsLsOptions struct {
	status, deployment, pipeline, parent string
	tags                                 []string
	limit                                int
	format                               string
}

func newRunsLsCmd(g *globals) *cobra.Command {
	o := &runsLsOptions{}
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List runs, newest first",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRunsLs(cmd.Context(), cmd.OutOrStdout(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.status, "status", "", "only runs in this status: pending, running, succeeded, failed, cancelled, crashed")
	f.StringVar(&o.deployment, "deployment", "", "only runs of this deployment")
	f.StringVar(&o.pipeline, "pipeline", "", "only runs of this pipeline")
	f.StringVar(&o.parent, "parent", "", "only the runs this run started (a backfill's child runs)")
	f.StringArrayVar(&o.tags, "tag", nil, "only runs of deployments with this tag (repeatable: all of them)")
	f.IntVar(&o.limit, "limit", 20, "show at most this many runs (0: all)")
	addFormatFlag(cmd, &o.format)
	return cmd
}

func runRunsLs(ctx context.Context, w io.Writer, g *globals, o *runsLsOptions) error {
	if err := checkFormat(o.format); err != nil {
		return err
	}
	status := store.RunStatus(o.status)
	if status != "" && !status.Valid() {
		return fmt.Errorf("%w: --status %q: want pending, running, succeeded, failed, cancelled or crashed", errUsage, o.status)
	}
	if o.limit < 0 {
		return fmt.Errorf("%w: --limit must not be negative, got %d", errUsage, o.limit)
	}
	if err := checkTags(o.tags); err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	filter := store.RunFilter{Status: status, Deployment: o.deployment, Pipeline: o.pipeline, Parent: o.parent, Limit: o.limit}
	var runs []store.Run
	if len(o.tags) > 0 {
		runs, err = listTaggedRuns(ctx, st, filter, o.tags)
	} else {
		runs, err = st.ListRuns(ctx, filter)
	}
	if err != nil {
		return err
	}
	now := time.Now()
	kept := make([]int64, len(runs))
	for i, r := range runs {
		// A run directory that cannot be read shows as keeping nothing:
		// the listing matters more than the size.
		kept[i], _ = runstate.KeptSize(runstate.New(g.stateDir).Run(r.ID))
	}
	if o.format == formatJSON {
		out := runListJSON{Runs: make([]runJSON, len(runs))}
		for i, r := range runs {
			out.Runs[i] = newRunJSON(r, now)
			out.Runs[i].KeptBytes = &kept[i]
		}
		return writeJSON(w, out)
	}
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN ID\tPIPELINE\tSTATUS\tSTARTED\tDURATION\tDEPLOYMENT\tKEPT")
	for i, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Pipeline, r.Status, fmtTime(r.StartedAt),
			fmtDuration(runDuration(r, now)), dash(r.Deployment), fmtKept(kept[i]))
	}
	return tw.Flush()
}

// runListJSON is what `runs ls --format json` prints.
type runListJSON struct {
	Runs []runJSON `json:"runs"`
}

// runJSON is a run as --format json prints it. Absent values are null.
type runJSON struct {
	ID              string          `json:"id"`
	Pipeline        string          `json:"pipeline"`
	Status          string          `json:"status"`
	Deployment      *string         `json:"deployment"`
	ParentID        *string         `json:"parent_id"`
	SpecPath        *string         `json:"spec_path"`
	Params          json.RawMessage `json:"params"`
	Error           *string         `json:"error"`
	TraceID         *string         `json:"trace_id"`
	CreatedAt       *string         `json:"created_at"`
	StartedAt       *string         `json:"started_at"`
	EndedAt         *string         `json:"ended_at"`
	DurationSeconds *float64        `json:"duration_seconds"`
	// KeptBytes is the size of the output tables kept in the run
	// directory; `runs ls` and `runs show` set it, other commands leave it
	// out.
	KeptBytes *int64 `json:"kept_bytes,omitempty"`
	// WorkflowID is the Temporal workflow that executed the run; left
	// out for runs of the embedded engine.
	WorkflowID *string `json:"workflow_id,omitempty"`
}

// fmtKept prints a kept size, "-" for nothing kept.
func fmtKept(n int64) string {
	if n == 0 {
		return "-"
	}
	return decode.FormatByteSize(n)
}

func newRunJSON(r store.Run, now time.Time) runJSON {
	return runJSON{ID: r.ID, Pipeline: r.Pipeline, Status: string(r.Status), Deployment: jsonString(r.Deployment),
		ParentID: jsonString(r.ParentID), SpecPath: jsonString(r.SpecPath), Params: jsonRaw(r.Params), Error: jsonString(r.Error), TraceID: jsonString(r.TraceID),
		CreatedAt: jsonTime(r.CreatedAt), StartedAt: jsonTime(r.StartedAt), EndedAt: jsonTime(r.EndedAt),
		DurationSeconds: jsonSeconds(runDuration(r, now)), WorkflowID: jsonString(r.WorkflowID)}
}

// runDuration is how long r ran, or has been running.
func runDuration(r store.Run, now time.Time) time.Duration {
	switch {
	case r.StartedAt.IsZero():
		return 0
	case r.EndedAt.IsZero():
		return now.Sub(r.StartedAt)
	}
	return r.EndedAt.Sub(r.StartedAt)
}

// fmtTime prints a time in UTC to the second, or "-".
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newRunsShowCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show RUN_ID",
		Short: "Show a run and its tasks",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRunsShow(cmd.Context(), cmd.OutOrStdout(), g, args[0], format)
		},
	}
	addFormatFlag(cmd, &format)
	return cmd
}

// getRun reads run id, with an error naming it when it does not exist.
func getRun(ctx context.Context, st store.RunStore, id string) (store.Run, error) {
	r, err := st.GetRun(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("%w %q: no such run (list runs with `hotpass runs ls`)", runner.ErrUnknownRun, id)
	}
	return r, err
}

func runRunsShow(ctx context.Context, w io.Writer, g *globals, id, format string) error {
	if err := checkFormat(format); err != nil {
		return err
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := getRun(ctx, st, id)
	if err != nil {
		return err
	}
	trs, err := st.ListTasks(ctx, id)
	if err != nil {
		return err
	}
	var resumedFrom string
	if info, ok, _ := engine.ReadResumeInfo(runstate.New(g.stateDir).Run(r.ID)); ok {
		resumedFrom = info.ResumedFrom
	}
	if format == formatJSON {
		kept, _ := runstate.KeptSize(runstate.New(g.stateDir).Run(r.ID))
		out := runShowJSON{runJSON: newRunJSON(r, time.Now()), ResumedFrom: jsonString(resumedFrom), WorkflowID: jsonString(r.WorkflowID),
			Directory: runstate.New(g.stateDir).Run(r.ID), Tasks: make([]taskJSON, len(trs))}
		out.KeptBytes = &kept
		for i, t := range trs {
			out.Tasks[i] = newTaskJSON(t)
		}
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("run", r.ID)
	row("pipeline", r.Pipeline)
	row("status", string(r.Status))
	row("deployment", r.Deployment)
	row("spec", r.SpecPath)
	row("resumed from", resumedFrom)
	row("params", string(r.Params))
	row("created", fmtTime(r.CreatedAt))
	row("started", fmtTime(r.StartedAt))
	if !r.EndedAt.IsZero() {
		row("ended", fmtTime(r.EndedAt))
	}
	row("duration", fmtDuration(runDuration(r, time.Now())))
	row("trace id", r.TraceID)
	row("workflow", r.WorkflowID)
	row("error", firstLine(r.Error))
	row("directory", runstate.New(g.stateDir).Run(r.ID))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(trs) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tTYPE\tSTATUS\tATTEMPTS\tDURATION\tROWS\tERROR")
	for _, t := range trs {
		rows := "-"
		if t.RowsIn != 0 || t.RowsOut != 0 {
			rows = fmt.Sprintf("%d→%d", t.RowsIn, t.RowsOut)
		}
		status := t.Status
		if isReused(t) {
			status += " (reused)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", t.TaskID, t.Type, status, t.Attempts, fmtDuration(taskDuration(t)), rows, dash(firstLine(t.Error)))
	}
	return tw.Flush()
}

// taskDuration is how long a finished task took, or zero.
func taskDuration(t store.TaskRun) time.Duration {
	if t.StartedAt.IsZero() || t.EndedAt.IsZero() {
		return 0
	}
	return t.EndedAt.Sub(t.StartedAt)
}

// runShowJSON is what `runs show --format json` prints: the run's fields
// as `runs ls` prints them, then where it ran and its tasks.
type runShowJSON struct {
	runJSON
	ResumedFrom *string `json:"resumed_from"`
	// WorkflowID is the Temporal workflow that executed the run; left out
	// for runs of the embedded engine.
	WorkflowID *string    `json:"workflow_id,omitempty"`
	Directory  string     `json:"directory"`
	Tasks      []taskJSON `json:"tasks"`
}

// taskJSON is a task of a run as --format json prints it.
type taskJSON struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	Reused          bool            `json:"reused"`
	Attempts        int             `json:"attempts"`
	StartedAt       *string         `json:"started_at"`
	EndedAt         *string         `json:"ended_at"`
	DurationSeconds *float64        `json:"duration_seconds"`
	RowsIn          int64           `json:"rows_in"`
	RowsOut         int64           `json:"rows_out"`
	Output          *string         `json:"output"`
	Error           *string         `json:"error"`
	Attrs           json.RawMessage `json:"attrs"`
}

func newTaskJSON(t store.TaskRun) taskJSON {
	return taskJSON{ID: t.TaskID, Type: t.Type, Status: string(t.Status), Reused: isReused(t), Attempts: t.Attempts,
		StartedAt: jsonTime(t.StartedAt), EndedAt: jsonTime(t.EndedAt), DurationSeconds: jsonSeconds(taskDuration(t)),
		RowsIn: t.RowsIn, RowsOut: t.RowsOut, Output: jsonString(t.Output), Error: jsonString(t.Error), Attrs: jsonRaw(t.Attrs)}
}

// isReused tells whether a resumed run took t's output from an earlier run.
func isReused(t store.TaskRun) bool {
	return strings.Contains(string(t.Attrs), `"`+engine.ReusedFromAttr+`"`)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

type runsLogsOptions struct {
	task      string
	follow    bool
	poll      time.Duration
	artifacts string
}

func newRunsLogsCmd(g *globals) *cobra.Command {
	o := &runsLogsOptions{poll: 200 * time.Millisecond}
	cmd := &cobra.Command{
		Use:   "logs RUN_ID [TASK]",
		Short: "Print the task logs of a run",
		Long: "Print the log files of a run's tasks (<state-dir>/runs/<run-id>/logs/), each under a header.\n" +
			"Tasks that succeeded without writing anything have no log. --follow keeps printing what the\n" +
			"tasks write until the run ends. A run executed on Temporal keeps its task logs in the shared\n" +
			"artifact store (--artifacts or HOTPASS_ARTIFACTS), read from there when this machine lacks them;\n" +
			"a task's log appears there when its attempt ends.",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			named := cmd.Flags().Changed("task")
			if len(args) == 2 {
				if o.task != "" && o.task != args[1] {
					return fmt.Errorf("%w: task %q given twice, as an argument and as --task %q", errUsage, args[1], o.task)
				}
				o.task, named = args[1], true
			}
			if named {
				if err := checkTaskArg(o.task); err != nil {
					return err
				}
			}
			return runRunsLogs(cmd.Context(), cmd.OutOrStdout(), g, o, args[0])
		},
	}
	cmd.Flags().StringVar(&o.task, "task", "", "print only this task's log (or name it after RUN_ID)")
	cmd.Flags().BoolVarP(&o.follow, "follow", "f", false, "keep printing new lines until the run ends")
	cmd.Flags().StringVar(&o.artifacts, "artifacts", "", "artifact store of runs executed on Temporal, file:///shared/dir or s3://bucket (env "+artifacts.EnvURL+")")
	return cmd
}

// logTail is how far one log file has been printed.
type logTail struct {
	task string
	// runDir and rel locate the log on this machine: rel is inside runDir.
	runDir, rel string
	offset      int64
	// remote opens the task's log in the artifact store, for a run
	// executed on Temporal, when path does not exist here; nil otherwise.
	remote func() (io.ReadCloser, error)
}

func runRunsLogs(ctx context.Context, w io.Writer, g *globals, o *runsLogsOptions, id string) error {
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	r, err := getRun(ctx, st, id)
	if err != nil {
		return err
	}
	trs, err := st.ListTasks(ctx, id)
	if err != nil {
		return err
	}
	dir := runstate.New(g.stateDir).Run(id)
	var tails []*logTail
	known := map[string]bool{}
	for _, t := range trs {
		known[t.TaskID] = true
		if o.task == "" || o.task == t.TaskID {
			tails = append(tails, &logTail{task: t.TaskID, runDir: dir, rel: logPath(dir, t.TaskID)})
		}
	}
	if r.WorkflowID != "" {
		arts, err := remoteLogs(ctx, o, r, tails)
		if err != nil {
			return err
		}
		if arts != nil {
			defer arts.Close()
		}
	}
	if o.task != "" && !known[o.task] {
		ids := make([]string, 0, len(known))
		for k := range known {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return exitcode.Wrap(exitcode.Invalid, fmt.Errorf("--task %q: run %s has no such task (its tasks: %s)", o.task, id, strings.Join(ids, ", ")))
	}
	printed := false
	drain := func() error {
		for _, t := range tails {
			n, err := printNew(w, t, o.task == "")
			if err != nil {
				return err
			}
			printed = printed || n > 0
		}
		return nil
	}
	if err := drain(); err != nil {
		return err
	}
	for o.follow && !r.Status.Terminal() {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(o.poll):
		}
		if r, err = st.GetRun(ctx, id); err != nil {
			return err
		}
		if err := drain(); err != nil {
			return err
		}
	}
	if !printed && !o.follow {
		fmt.Fprintf(w, "run %s has no task logs (tasks that succeed without output write none)\n", id)
	}
	return nil
}

// checkTaskArg refuses a TASK that is no task id: an empty one would
// print every task's log, and one with a path in it names no task.
func checkTaskArg(task string) error {
	if task == "" || task == "." || task == ".." || strings.ContainsAny(task, `/\`) {
		return fmt.Errorf("%w: TASK %q is not a task id: give the id of one of the run's tasks (see hotpass runs show RUN_ID), or leave it out for all of them", errUsage, task)
	}
	return nil
}

// logPath is a task's log file relative to the run directory: as run.json
// records it, else the state layout's naming rule. A recorded path that
// leaves the run directory is not followed: run.json is a file anyone
// with the state directory can edit (nor is a symlink leading out of it:
// see runstate.OpenInRun).
func logPath(runDir, task string) string {
	if rec, err := engine.ReadRunRecord(runstate.RecordPath(runDir)); err == nil {
		if t := rec.Task(task); t != nil && t.Log != "" && filepath.IsLocal(t.Log) {
			return t.Log
		}
	}
	return runstate.TaskLog(task)
}

// remoteLogs points the tails of a run executed on Temporal whose log
// files this machine lacks at the artifact store the workers keep them in,
// and returns the store for the caller to close; nil when every log is
// here. Without a store named, it says how to name one.
func remoteLogs(ctx context.Context, o *runsLogsOptions, r store.Run, tails []*logTail) (*artifacts.Store, error) {
	var missing []*logTail
	for _, t := range tails {
		if _, err := os.Lstat(filepath.Join(t.runDir, t.rel)); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	url := artifactsURL(o.artifacts)
	if url == "" {
		return nil, exitcode.Wrap(exitcode.Invalid, fmt.Errorf(
			"run %s ran on Temporal (workflow %s) and its task logs are not on this machine: pass --artifacts with the store the workers use, or set %s",
			r.ID, r.WorkflowID, artifacts.EnvURL))
	}
	arts, err := artifacts.Open(ctx, url)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.Invalid, err)
	}
	for _, t := range missing {
		task := t.task
		t.remote = func() (io.ReadCloser, error) { return arts.OpenLog(ctx, r.ID, task) }
	}
	return arts, nil
}

// openTail opens t's log positioned at t.offset, from this machine or
// else from the artifact store; nil when it does not exist (yet).
func openTail(t *logTail) (io.ReadCloser, error) {
	f, err := runstate.OpenInRun(t.runDir, t.rel)
	if err == nil {
		if _, err := f.Seek(t.offset, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if t.remote == nil {
		return nil, nil
	}
	rc, err := t.remote()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A stored log is one object written whole: skip what was printed.
	if _, err := io.CopyN(io.Discard, rc, t.offset); err != nil && !errors.Is(err, io.EOF) {
		rc.Close()
		return nil, err
	}
	return rc, nil
}

// printNew prints what was appended to t's log since the last call, under
// a header the first time. A log that does not exist (yet) prints nothing.
func printNew(w io.Writer, t *logTail, header bool) (int64, error) {
	f, err := openTail(t)
	if f == nil || err != nil {
		return 0, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		return 0, err
	}
	if header && t.offset == 0 {
		fmt.Fprintf(w, "==> %s <==\n", t.task)
	}
	t.offset += int64(len(data))
	_, err = w.Write(data)
	return int64(len(data)), err
}

func newRunsPruneCmd(g *globals) *cobra.Command {
	var olderThan string
	var keep int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "prune (--older-than AGE | --keep N) [--dry-run]",
		Short: "Delete finished runs older than AGE, or the kept outputs of all but each pipeline's last N runs",
		Long: "--older-than deletes the runs that finished and were created more than AGE ago (e.g. 30d, 12h,\n" +
			"90m), with their task history and their directories under <state-dir>/runs/. Pending and\n" +
			"running runs are kept whatever their age.\n\n" +
			"--keep N deletes the kept output tables (<task>.parquet) of every pipeline's runs but the\n" +
			"latest N, as keep_outputs: all with keep_runs: N does when a run finishes. Records and logs\n" +
			"stay; runs that can be resumed (failed, cancelled, crashed) keep their outputs.\n\n" +
			"--dry-run prints what would go without deleting anything.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("keep") {
				if olderThan != "" {
					return fmt.Errorf("%w: give --older-than or --keep, not both", errUsage)
				}
				return runRunsPruneKeep(cmd.OutOrStdout(), g, keep, dryRun)
			}
			return runRunsPrune(cmd.Context(), cmd.OutOrStdout(), g, olderThan, dryRun)
		},
	}
	cmd.Flags().StringVar(&olderThan, "older-than", "", "age of the runs to delete: a duration with units d, h, m or s")
	cmd.Flags().IntVar(&keep, "keep", runstate.DefaultKeepRuns, "keep the outputs of each pipeline's latest N runs, delete older ones")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be deleted, delete nothing")
	return cmd
}

// runRunsPruneKeep removes the kept outputs of every pipeline's runs but
// the latest keep (see runstate.Expired).
func runRunsPruneKeep(w io.Writer, g *globals, keep int, dryRun bool) error {
	if keep < 1 {
		return fmt.Errorf("%w: --keep must be at least 1, got %d", errUsage, keep)
	}
	policy := func(string) runstate.Policy { return runstate.Policy{Keep: runstate.KeepAll, Runs: keep} }
	removed, err := runstate.New(g.stateDir).ApplyRetention("", policy, dryRun)
	verb := "removed"
	if dryRun {
		verb = "would remove"
	}
	var total int64
	for _, r := range removed {
		total += r.Kept
		fmt.Fprintf(w, "%s %s\t%s\t%s\n", verb, r.ID, r.Pipeline, decode.FormatByteSize(r.Kept))
	}
	fmt.Fprintf(w, "%s the kept outputs of %d runs (%s); each pipeline keeps its latest %d\n", verb, len(removed), decode.FormatByteSize(total), keep)
	return err
}

// parseAge reads a duration that may use days ("30d", "1d12h").
func parseAge(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if d, after, ok := strings.Cut(rest, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q: want a number of days before d, such as 30d", s)
		}
		total = time.Duration(n) * 24 * time.Hour
		rest = after
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("%q: want a duration such as 30d, 12h or 90m", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q: must be positive", s)
	}
	return total, nil
}

func runRunsPrune(ctx context.Context, w io.Writer, g *globals, olderThan string, dryRun bool) error {
	if olderThan == "" {
		return fmt.Errorf("%w: --older-than or --keep is required, e.g. --older-than 30d or --keep 20", errUsage)
	}
	age, err := parseAge(olderThan)
	if err != nil {
		return fmt.Errorf("%w: --older-than %v", errUsage, err)
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	cut := time.Now().Add(-age)
	// The store deletes by age; list first so the directories of exactly
	// the deleted runs can be removed after.
	var doomed []string
	cursor := store.RunCursor{CreatedAt: cut}
	for {
		page, err := st.ListRuns(ctx, store.RunFilter{Before: cursor, Limit: 1000})
		if err != nil {
			return err
		}
		for _, r := range page {
			if r.Status.Terminal() && r.CreatedAt.Before(cut) {
				doomed = append(doomed, r.ID)
			}
		}
		if len(page) < 1000 {
			break
		}
		cursor = page[len(page)-1].Cursor()
	}
	if dryRun {
		for _, id := range doomed {
			fmt.Fprintf(w, "would prune %s\n", id)
		}
		fmt.Fprintf(w, "would prune %d runs created before %s\n", len(doomed), fmtTime(cut))
		return nil
	}
	n, err := st.PruneRuns(ctx, cut)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range doomed {
		if _, err := st.GetRun(ctx, id); !errors.Is(err, store.ErrNotFound) {
			continue // kept after all (resumed meanwhile)
		}
		if err := os.RemoveAll(runstate.New(g.stateDir).Run(id)); err != nil {
			errs = append(errs, fmt.Errorf("remove run directory of %s: %w", id, err))
		}
	}
	fmt.Fprintf(w, "pruned %d runs created before %s\n", n, fmtTime(cut))
	return errors.Join(errs...)
}
