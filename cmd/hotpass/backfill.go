package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/backfill"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/telemetry"
)

type backfillOptions struct {
	config           string
	start, end       string
	versions         []string
	archiveRoot      string
	restoreRoot      string
	archivePattern   string
	concurrencyLimit int
	concurrencyKey   string
	force            bool
	failFast         bool
	dryRun           bool
	noProgress       bool
	observability    bool
	format           string
	engine           string
	temporal         temporalFlags
}

func newBackfillCmd(g *globals) *cobra.Command {
	o := &backfillOptions{}
	cmd := &cobra.Command{
		Use:   "backfill --config FILE",
		Short: "Replay archived inputs for a range of dates and versions",
		Long: "Replay the input archives of past dates through a pipeline, as set in the orchestrator.backfill block\n" +
			"of --config (a spec, or JSON). Runs are every day from the start date to the end date inclusive, times\n" +
			"the versions (--version, else the config's windows, else \"latest\"). Each run verifies and extracts\n" +
			"its archive into <restore_root>/<date>--<version>/ and runs the pipeline with params input_dir and\n" +
			"output_path and run.date set to the date. A run that already succeeded for the same archive is\n" +
			"skipped unless --force, so re-running after a failure or Ctrl-C does only what is left.\n" +
			"With --fail-fast (or fail_fast: true) no run starts after the first failure; runs already going finish\n" +
			"and the rest are reported not_started, for the next backfill to do.\n" +
			"Flags override the config. The summary is printed and written to <restore_root>/backfill-summary.json.\n" +
			"Exit status: 0 every run succeeded or was skipped, 1 a run failed, 2 invalid config or usage, 130 interrupted.",
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBackfill(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "spec or JSON file with an orchestrator.backfill block (required)")
	f.StringVar(&o.start, "start-date", "", "first logical date, YYYY-MM-DD (with --end-date, replaces the config's windows)")
	f.StringVar(&o.end, "end-date", "", "last logical date, YYYY-MM-DD, included")
	f.StringArrayVar(&o.versions, "version", nil, "version to run for each date (repeatable)")
	f.StringVar(&o.archiveRoot, "archive-root", "", "directory holding the input archives")
	f.StringVar(&o.restoreRoot, "restore-root", "", "directory archives are extracted under")
	f.StringVar(&o.archivePattern, "archive-pattern", "", "archive file name with {date:<strftime>} and {version}")
	f.IntVar(&o.concurrencyLimit, "concurrency-limit", 0, "runs at once across processes sharing the state store; 0 = one after another")
	f.StringVar(&o.concurrencyKey, "concurrency-key", "", "slot pool the concurrency limit applies to")
	f.BoolVar(&o.force, "force", false, "rerun dates that already succeeded for the same archive")
	f.BoolVar(&o.failFast, "fail-fast", false, "start no run after the first failure (overrides fail_fast; --fail-fast=false turns it off)")
	f.BoolVar(&o.dryRun, "dry-run", false, "list the runs, their archives and whether they exist; change nothing")
	f.BoolVar(&o.noProgress, "no-progress", false, "print one line per finished run instead of a live status line")
	f.BoolVar(&o.observability, "enable-observability", false, "export traces, metrics and logs with OpenTelemetry (configured by OTEL_* variables)")
	addFormatFlag(cmd, &o.format)
	f.StringVar(&o.engine, "engine", engineEmbedded, "where the runs go: embedded (this process) or temporal (a child workflow per run on a Temporal cluster)")
	o.temporal.add(cmd)
	return cmd
}

func runBackfill(cmd *cobra.Command, g *globals, o *backfillOptions) error {
	ctx, stdout, stderr := cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr()
	if err := checkFormat(o.format); err != nil {
		return err
	}
	if o.format == formatJSON && !o.dryRun {
		return fmt.Errorf("%w: --format json needs --dry-run (a backfill writes its summary as JSON to <restore_root>/%s)", errUsage, backfill.SummaryFile)
	}
	if o.config == "" {
		return fmt.Errorf("%w: --config is required (a spec or JSON file with an orchestrator.backfill block)", errUsage)
	}
	l, err := newLoader()
	if err != nil {
		return err
	}
	cfg, err := backfill.LoadConfig(l, o.config)
	if err != nil {
		return err
	}
	if err := applyBackfillFlags(cmd, cfg, o); err != nil {
		return err
	}
	jobs, err := cfg.Jobs(backfill.Selection{Start: o.start, End: o.end, Versions: o.versions})
	if err != nil {
		return err
	}
	if o.dryRun {
		plan, err := backfill.Inspect(cfg, jobs)
		if err != nil {
			return err
		}
		if o.format == formatJSON {
			return writeJSON(stdout, newBackfillPlanJSON(cfg, plan, o))
		}
		if err := backfill.WritePlan(stdout, plan, cfg.OnMissing, o.force); err != nil {
			return err
		}
		return writeVersionNotes(stdout, cfg, o.versions)
	}
	switch o.engine {
	case engineEmbedded:
	case engineTemporal:
		return backfillOnTemporal(ctx, stdout, g, cfg, jobs, o)
	default:
		return fmt.Errorf("%w: --engine must be %s or %s, got %q", errUsage, engineEmbedded, engineTemporal, o.engine)
	}
	live := isTerminal(stderr) && !o.noProgress
	// Progress, logs and telemetry warnings come from several goroutines;
	// the display serialises them and keeps its status line below them.
	printer := progress.NewBackfill(stderr, live)
	stderr = printer
	logger := newLogger(stderr, g.logLevel)
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	tel, err := telemetry.Setup(ctx, telemetry.Config{Enabled: o.observability, ServiceVersion: buildVersion(),
		Pipeline: "backfill", Profile: cfg.Pipeline.Profile, Stderr: stderr})
	if err != nil {
		return exitcode.Wrap(exitcode.Invalid, fmt.Errorf("telemetry: %w", err))
	}
	defer func() {
		if err := tel.Shutdown(context.Background()); err != nil {
			fmt.Fprintln(stderr, telemetry.Warning(err))
		}
	}()
	// The backfill is one trace; each replayed run is a child trace linked to it.
	ctx, span := tel.Tracer().Start(telemetry.NewContext(ctx, tel), "hotpass.backfill")
	defer span.End()
	// Each run's own log is in its run directory; the engine's lines would
	// repeat what the progress lines say, so they show only when asked for.
	opts := []hotpass.Option{hotpass.WithStore(st), hotpass.WithLoader(l), hotpass.WithStateDir(g.stateDir)}
	if g.logLevel == "debug" || g.logLevel == "info" {
		opts = append(opts, hotpass.WithLogHandler(logger.Handler()))
	}
	runs, err := hotpass.New(opts...)
	if err != nil {
		return err
	}
	parent, err := startBackfillRun(ctx, st, o.config)
	if err != nil {
		return err
	}
	bo := backfill.Options{
		Pipeline: &backfill.RunnerPipeline{Runner: runs, ParentID: parent},
		Force:    o.force,
		Logger:   logger,
		Progress: printer.Observe,
	}
	if cfg.ConcurrencyLimit > 0 {
		bo.Store = st
	}
	sum, err := backfill.Run(ctx, cfg, jobs, bo)
	finishBackfillRun(ctx, st, parent, sum, err)
	printer.Close()
	if sum == nil {
		return err
	}
	return backfillOutcome(ctx, stdout, cfg, sum, err)
}

// startBackfillRun records the backfill itself in the run history, so
// that its child runs, each recorded with it as parent, can be listed
// together (`hotpass runs ls --parent ID`). It returns the run's id.
func startBackfillRun(ctx context.Context, st store.Store, config string) (string, error) {
	now := time.Now()
	id := engine.NewRunID(now)
	host, _ := os.Hostname()
	if _, err := st.CreateRun(ctx, store.Run{ID: id, Pipeline: "backfill", SpecPath: config, Status: store.RunRunning,
		CreatedAt: now, StartedAt: now, HeartbeatAt: now, PID: os.Getpid(), Hostname: host}); err != nil {
		return "", fmt.Errorf("record the backfill run: %w", err)
	}
	return id, nil
}

// finishBackfillRun records how the backfill ended: succeeded when every
// child run succeeded or was skipped, cancelled when interrupted, failed
// otherwise.
func finishBackfillRun(ctx context.Context, st store.Store, id string, sum *backfill.Summary, runErr error) {
	u := store.RunUpdate{Status: store.RunSucceeded}
	switch {
	case ctx.Err() != nil:
		u = store.RunUpdate{Status: store.RunCancelled, Error: "backfill interrupted"}
	case runErr != nil:
		u = store.RunUpdate{Status: store.RunFailed, Error: runErr.Error()}
	case sum == nil || !sum.OK():
		u = store.RunUpdate{Status: store.RunFailed}
		if sum != nil {
			u.Error = sum.Problem()
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, _ = st.UpdateRun(fctx, id, u)
}

// backfillOutcome prints the summary and maps it to the exit status.
func backfillOutcome(ctx context.Context, stdout io.Writer, cfg *backfill.Config, sum *backfill.Summary, err error) error {
	if werr := sum.WriteTable(stdout); werr != nil {
		return werr
	}
	fmt.Fprintf(stdout, "summary: %s\n", filepath.Join(cfg.RestoreRoot, backfill.SummaryFile))
	switch {
	case err != nil:
		return err
	case sum.Cancelled > 0 && ctx.Err() != nil:
		return reported(exitcode.Wrap(exitcode.Cancelled, errors.New("backfill interrupted")))
	case !sum.OK():
		return reported(errors.New(sum.Problem()))
	}
	return nil
}

// applyBackfillFlags lets the flags that were given override the config.
// Paths on the command line are relative to the working directory.
func applyBackfillFlags(cmd *cobra.Command, cfg *backfill.Config, o *backfillOptions) error {
	changed := cmd.Flags().Changed
	var err error
	if changed("archive-root") {
		if cfg.ArchiveRoot, err = absFlag("archive-root", o.archiveRoot); err != nil {
			return err
		}
	}
	if changed("restore-root") {
		if cfg.RestoreRoot, err = absFlag("restore-root", o.restoreRoot); err != nil {
			return err
		}
	}
	if changed("archive-pattern") {
		p, err := backfill.ParsePattern(o.archivePattern)
		if err != nil {
			return fmt.Errorf("%w: --archive-pattern: %v", errUsage, err)
		}
		cfg.ArchivePattern = p
	}
	if changed("concurrency-limit") {
		if o.concurrencyLimit < 0 {
			return fmt.Errorf("%w: --concurrency-limit must be 0 or more, got %d", errUsage, o.concurrencyLimit)
		}
		cfg.ConcurrencyLimit = o.concurrencyLimit
	}
	if changed("fail-fast") {
		cfg.FailFast = o.failFast
	}
	if changed("concurrency-key") {
		if o.concurrencyKey == "" {
			return fmt.Errorf("%w: --concurrency-key must not be empty", errUsage)
		}
		cfg.ConcurrencyKey = o.concurrencyKey
	}
	return nil
}

func absFlag(name, p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: --%s must not be empty", errUsage, name)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", name, err)
	}
	return abs, nil
}

// versionNote is a version given with a "v" the archive pattern already
// writes, and the version it stands for.
type versionNote struct {
	Given   string `json:"given"`
	Version string `json:"version"`
}

// versionNotes lists the versions given (by flag, else by the config's
// windows) with a "v" the archive pattern already writes (--version v1 with
// the default -v{version}).
func versionNotes(cfg *backfill.Config, flagVersions []string) []versionNote {
	given := flagVersions
	if len(given) == 0 {
		for _, win := range cfg.Windows {
			given = append(given, win.Versions...)
		}
	}
	notes := []versionNote{}
	seen := map[string]bool{}
	for _, v := range given {
		canon := cfg.ArchivePattern.Version(v)
		if canon == v || seen[v] {
			continue
		}
		seen[v] = true
		notes = append(notes, versionNote{Given: v, Version: canon})
	}
	return notes
}

// writeVersionNotes tells a dry run's reader which versions were given with
// a "v" the pattern writes itself, so that the archive names above do not
// come as a surprise.
func writeVersionNotes(w io.Writer, cfg *backfill.Config, flagVersions []string) error {
	for _, n := range versionNotes(cfg, flagVersions) {
		if _, err := fmt.Fprintf(w, "version %s is version %s: the archive pattern %s writes the %q itself\n",
			n.Given, n.Version, cfg.ArchivePattern, n.Given[:1]); err != nil {
			return err
		}
	}
	return nil
}

// backfillPlanJSON is what `backfill --dry-run --format json` prints.
type backfillPlanJSON struct {
	ArchivePattern string            `json:"archive_pattern"`
	OnMissing      string            `json:"on_missing"`
	Runs           []backfillPlanned `json:"runs"`
	Total          int               `json:"total"`
	ToRun          int               `json:"to_run"`
	AlreadyDone    int               `json:"already_done"`
	Missing        int               `json:"missing"`
	VersionNotes   []versionNote     `json:"version_notes"`
}

// backfillPlanned is one run of a dry run: its date and version, the
// archive it looks for, and what a real run would do.
type backfillPlanned struct {
	Date          string `json:"date"`
	Version       string `json:"version"`
	Archive       string `json:"archive"`
	ArchiveExists bool   `json:"archive_exists"`
	Action        string `json:"action"`
	RestoreDir    string `json:"restore_dir"`
	OutputPath    string `json:"output_path"`
}

func newBackfillPlanJSON(cfg *backfill.Config, plan []backfill.Planned, o *backfillOptions) backfillPlanJSON {
	out := backfillPlanJSON{ArchivePattern: cfg.ArchivePattern.String(), OnMissing: string(cfg.OnMissing),
		Runs: make([]backfillPlanned, len(plan)), Total: len(plan), VersionNotes: versionNotes(cfg, o.versions)}
	for i, p := range plan {
		a := p.Action(o.force)
		switch a {
		case backfill.ActionRun:
			out.ToRun++
		case backfill.ActionSkip:
			out.AlreadyDone++
		case backfill.ActionMissing:
			out.Missing++
		}
		out.Runs[i] = backfillPlanned{Date: p.DateString(), Version: p.Version, Archive: p.Archive, ArchiveExists: p.Exists,
			Action: string(a), RestoreDir: p.RestoreDir, OutputPath: p.OutputPath}
	}
	return out
}
