package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/specs/tmpl"
)

type runOptions struct {
	params         []string
	paramsJSON     string
	only           []string
	maxConcurrency int
	noProgress     bool
	date           string
	runID          string
}

func newRunCmd(g *globals) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run SPEC",
		Short: "Run a pipeline spec",
		Long: "Run the tasks of a pipeline spec as a DAG with bounded concurrency. Each run gets an id and a\n" +
			"directory <state-dir>/runs/<run-id>/ with run.json and one log file per task.\n" +
			"Exit status: 0 success, 1 a task failed, 2 invalid spec or usage, 130 interrupted.",
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.params, "param", nil, "set a param: --param name=value (repeatable)")
	f.StringVar(&o.paramsJSON, "params", "", `set params from a JSON object, e.g. --params '{"region":"za"}'`)
	f.StringArrayVar(&o.only, "only", nil, "run only this task and what it depends on (repeatable)")
	f.IntVar(&o.maxConcurrency, "max-concurrency", 0, "override the spec's global concurrency limit")
	f.BoolVar(&o.noProgress, "no-progress", false, "print plain log lines instead of live progress")
	f.StringVar(&o.date, "date", "", "logical date of the run (run.date), YYYY-MM-DD; default today (UTC)")
	f.StringVar(&o.runID, "run-id", "", "use this run id instead of a generated one")
	return cmd
}

func runRun(ctx context.Context, stdout, stderr io.Writer, g *globals, o *runOptions, path string) error {
	if o.maxConcurrency < 0 {
		return fmt.Errorf("%w: --max-concurrency must be at least 1, got %d", errUsage, o.maxConcurrency)
	}
	flags, err := parseParamFlags(o.params)
	if err != nil {
		return err
	}
	fromJSON, err := parseParamsJSON(o.paramsJSON)
	if err != nil {
		return err
	}
	runInfo := tmpl.Run{ID: o.runID, TS: time.Now().UTC()}
	if runInfo.ID == "" {
		runInfo.ID = engine.NewRunID(runInfo.TS)
	}
	if o.date != "" {
		if _, err := time.Parse(time.DateOnly, o.date); err != nil {
			return fmt.Errorf("%w: --date must be YYYY-MM-DD, got %q", errUsage, o.date)
		}
		runInfo.Date = o.date
	}

	l, err := newLoader()
	if err != nil {
		return err
	}
	spec, diags, err := l.Load(path, false, nil)
	if err != nil {
		return err
	}
	_ = diags.Print(stderr)
	prep, err := l.Prepare(spec, engine.PrepareOptions{ParamsJSON: fromJSON, ParamFlags: flags, Run: runInfo})
	if err != nil {
		return err
	}

	red := &redact.Redactor{}
	red.Add(prep.Rendered.Secrets...)
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	// Log records go through the display so they never tear its live lines.
	logger := newLogger(display, g.logLevel, red)
	rec, runErr := prep.Plan.Run(ctx, engine.RunOptions{
		RunID:          runInfo.ID,
		StateDir:       g.stateDir,
		MaxConcurrency: o.maxConcurrency,
		Only:           o.only,
		Params:         prep.Params,
		Redactor:       red,
		Logger:         logger,
		Observer:       display,
	})
	display.Close()
	if rec != nil {
		printSummary(stdout, rec, filepath.Join(g.stateDir, "runs", rec.RunID))
	}
	if runErr != nil && rec == nil {
		return runErr
	}
	switch rec.Status {
	case engine.StatusSucceeded:
		return nil
	case engine.StatusCancelled:
		return reported(exitCancelled, errors.New("run cancelled"))
	default:
		return reported(exitFailed, fmt.Errorf("run %s %s", rec.RunID, rec.Status))
	}
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

// newLogger builds the process logger: text lines on stderr with secrets masked.
func newLogger(w io.Writer, level string, red *redact.Redactor) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(redactWriter{w: w, r: red}, &slog.HandlerOptions{Level: lv}))
}

// redactWriter masks secrets in whatever passes through it.
type redactWriter struct {
	w io.Writer
	r *redact.Redactor
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if rw.r.Empty() {
		return rw.w.Write(p)
	}
	if _, err := io.WriteString(rw.w, rw.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
