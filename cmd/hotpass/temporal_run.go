package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// Values of --engine.
const (
	engineEmbedded = "embedded"
	engineTemporal = "temporal"
)

// runOnTemporal checks, renders and compiles the spec here as a local run
// would, then submits its source to Temporal and follows the run with the
// same display, summary and exit status. Ctrl-C cancels the workflow.
func runOnTemporal(ctx context.Context, stdout, stderr io.Writer, g *globals, o *runOptions, fromJSON map[string]any, flags map[string]string, path string) error {
	if o.resume != "" {
		return fmt.Errorf("%w: --resume is not supported with --engine temporal yet; resume on the embedded engine", errUsage)
	}
	if strings.HasPrefix(path, runner.ProfilePrefix) {
		return fmt.Errorf("%w: --engine temporal runs spec files; write the profile's pipeline out with `hotpass profiles` first", errUsage)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return fmt.Errorf("%w: read spec: %w", errUsage, err)
	}
	loader, err := newLoader()
	if err != nil {
		return err
	}
	spec, diags, err := loader.ParseContext(ctx, abs, src, false, nil)
	if err != nil {
		return err
	}
	_ = diags.Print(stderr)
	spec.Dir = filepath.Dir(abs)
	ts := time.Now().UTC()
	date := o.date
	if date == "" {
		date = ts.Format(time.DateOnly)
	}
	runID := o.runID
	if runID == "" {
		runID = engine.NewRunID(ts)
	}
	// Rendered and compiled here only to refuse a bad spec or params before
	// anything is submitted; the workers render the same source again.
	if _, err := loader.Prepare(spec, engine.PrepareOptions{
		ParamsJSON: fromJSON, ParamFlags: flags, Run: tmpl.Run{ID: runID, Date: date, TS: ts}, Only: o.only,
	}); err != nil {
		return err
	}
	c, err := o.temporal.conn.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	run, err := hptemporal.Submit(ctx, c, o.temporal.taskQueue, hptemporal.RunInput{
		RunID: runID, SpecPath: abs, SpecDir: spec.Dir, Source: src, SourceHash: hptemporal.SourceHash(src),
		ParamsJSON: fromJSON, ParamFlags: flags, Date: date, TS: ts, Only: o.only, MaxConcurrency: o.maxConcurrency,
		TaskQueue: o.temporal.taskQueue,
	})
	if err != nil {
		return err
	}
	display := progress.New(stderr, isTerminal(stderr) && !o.noProgress)
	rec, runErr := hptemporal.Follow(ctx, c, run, display)
	display.Close()
	if rec != nil {
		// The summary points at run.json; keep the record the workflow
		// returned there, as a local run would have written it.
		if err := writeRunRecord(g.stateDir, rec); err != nil {
			fmt.Fprintf(stderr, "hotpass: warning: %v\n", err)
		}
	}
	return runOutcome(stdout, g, rec, runErr)
}

// writeRunRecord writes rec to <state-dir>/runs/<run-id>/run.json.
func writeRunRecord(stateDir string, rec *engine.RunRecord) error {
	dir := runstate.New(stateDir).Run(rec.RunID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("keep run record: %w", err)
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("keep run record: %w", err)
	}
	return atomicfile.WriteFile(runstate.RecordPath(dir), append(data, '\n'))
}
