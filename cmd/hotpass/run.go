package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hotpass/hotpass"
	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/runstate"
)

type runOptions struct {
	params         paramOptions
	only           []string
	maxConcurrency int
	noProgress     bool
	date           string
	runID          string
	resume         string
	observability  bool
	engine         string
	temporal       temporalFlags
}

func newRunCmd(g *globals) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run SPEC",
		Short: "Run a pipeline spec",
		Long: "Run the tasks of a pipeline spec as a DAG with bounded concurrency. Each run gets an id and a\n" +
			"directory <state-dir>/runs/<run-id>/ with run.json and one log file per task, and is recorded in\n" +
			"the run history (`hotpass runs ls`).\n" +
			"--resume RUN_ID reuses the tasks that succeeded in that run and whose definition (type, rendered\n" +
			"options, upstream definitions) is unchanged, and runs the rest; the params of that run are the\n" +
			"defaults of this one.\n" +
			"Exit status: 0 success, 1 a task failed, 2 invalid spec or usage, 130 interrupted.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, args[0])
		},
	}
	f := cmd.Flags()
	addParamFlags(cmd, &o.params, "this run")
	f.StringArrayVar(&o.only, "only", nil, "run only this task and what it depends on (repeatable)")
	f.IntVar(&o.maxConcurrency, "max-concurrency", 0, "override the spec's global concurrency limit")
	f.BoolVar(&o.noProgress, "no-progress", false, "print plain log lines instead of live progress")
	f.StringVar(&o.date, "date", "", "logical date of the run (run.date), YYYY-MM-DD; default today (UTC)")
	f.StringVar(&o.runID, "run-id", "", "use this run id instead of a generated one")
	f.StringVar(&o.resume, "resume", "", "reuse the unchanged successful tasks of this earlier run (failed, cancelled or crashed)")
	f.BoolVar(&o.observability, "enable-observability", false, "export traces, metrics and logs with OpenTelemetry (configured by OTEL_* variables)")
	f.StringVar(&o.engine, "engine", engineEmbedded, "where the tasks run: embedded (this process) or temporal (workers of a Temporal cluster)")
	o.temporal.add(cmd)
	return cmd
}

func runRun(ctx context.Context, stdout, stderr io.Writer, g *globals, o *runOptions, path string) error {
	if o.maxConcurrency < 0 {
		return fmt.Errorf("%w: --max-concurrency must be at least 1, got %d", errUsage, o.maxConcurrency)
	}
	fromJSON, flags, err := o.params.parse()
	if err != nil {
		return err
	}
	if o.date != "" {
		if _, err := time.Parse(time.DateOnly, o.date); err != nil {
			return fmt.Errorf("%w: --date must be YYYY-MM-DD, got %q", errUsage, o.date)
		}
	}
	switch o.engine {
	case engineEmbedded:
	case engineTemporal:
		return runOnTemporal(ctx, stdout, stderr, g, o, fromJSON, flags, path)
	default:
		return fmt.Errorf("%w: --engine must be %s or %s, got %q", errUsage, engineEmbedded, engineTemporal, o.engine)
	}
	st, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer st.Close()
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	r, err := newRunner(st, g, display, stderr,
		// Export warnings share the terminal with the display, through it.
		hotpass.WithEnvTelemetry(hotpass.EnvTelemetry{Enabled: o.observability, ServiceVersion: buildVersion(), Stderr: display}))
	if err != nil {
		return err
	}
	res, runErr := r.Run(ctx, specSource(path), hotpass.Params(fromJSON), hotpass.ParamText(flags), hotpass.Date(o.date),
		hotpass.RunID(o.runID), hotpass.Only(o.only...), hotpass.MaxConcurrency(o.maxConcurrency), hotpass.ResumeFrom(o.resume))
	display.Close()
	return runOutcome(stdout, g, record(res), runErr)
}

// newRunner returns the Runner a command runs specs with: runs recorded in
// st and kept under the state directory, their progress shown on display,
// their log records written through it (so they never tear its live
// lines) and the specs' warnings written to warnings.
func newRunner(st store.Store, g *globals, display *progress.Display, warnings io.Writer, opts ...hotpass.Option) (*hotpass.Runner, error) {
	return hotpass.New(append([]hotpass.Option{
		hotpass.WithStore(st), hotpass.WithStateDir(g.stateDir), hotpass.WithObserver(display),
		hotpass.WithLogHandler(newLogHandler(display, g.logLevel)), hotpass.WithWarnings(warnings),
	}, opts...)...)
}

// specSource is what a SPEC argument names: a spec file, or a built-in
// profile's pipeline written as profile:NAME.
func specSource(arg string) hotpass.Source {
	if name, ok := strings.CutPrefix(arg, runner.ProfilePrefix); ok {
		return hotpass.Profile(name)
	}
	return hotpass.File(arg)
}

// record is the record of a run that started, or nil.
func record(res *hotpass.Result) *engine.RunRecord {
	if res == nil {
		return nil
	}
	return res.Record
}

// runOutcome prints a finished run's summary and returns the run's error,
// which carries its exit status (see engine.Plan.Run), marked as reported:
// the summary has said what went wrong.
func runOutcome(stdout io.Writer, g *globals, rec *engine.RunRecord, runErr error) error {
	if rec == nil {
		if runErr == nil {
			return errors.New("run produced no record")
		}
		return runErr
	}
	printSummary(stdout, rec, runstate.New(g.stateDir).Run(rec.RunID))
	if rec.Status == engine.StatusSucceeded {
		// Every task succeeded; failing to write a record snapshot does not
		// undo that.
		return nil
	}
	if runErr == nil {
		runErr = fmt.Errorf("run %s %s", rec.RunID, rec.Status)
	}
	return reported(runErr)
}

func parseParamFlags(kvs []string) (map[string]string, error) {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%w: --param takes name=value, got %q", errUsage, kv)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

func parseParamsJSON(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("%w: --params must be a JSON object: %v", errUsage, err)
	}
	return m, nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newLogger builds the process logger: text lines on w.
func newLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(newLogHandler(w, level))
}

// newLogHandler writes text lines on w from level up (info when level is
// not a level name). A run masks its secrets before records reach it.
func newLogHandler(w io.Writer, level string) slog.Handler {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})
}
