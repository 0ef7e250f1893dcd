package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/progress"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// Values of --engine.
const (
	engineEmbedded = "embedded"
	engineTemporal = "temporal"
)

// temporalRun is one run to submit to Temporal.
type temporalRun struct {
	// spec is a spec file, or profile:NAME for a built-in pipeline.
	spec           string
	paramsJSON     map[string]any
	paramFlags     map[string]string
	date, runID    string
	only           []string
	maxConcurrency int
	deployment     string
	noProgress     bool
	// resume is a Temporal run to resume, reusing its succeeded tasks.
	resume string
	// detach starts the run and returns without following it.
	detach bool
}

// runOnTemporal is `hotpass run --engine temporal`.
func runOnTemporal(ctx context.Context, stdout, stderr io.Writer, g *globals, o *runOptions, fromJSON map[string]any, flags map[string]string, path string) error {
	return submitToTemporal(ctx, stdout, stderr, g, &o.temporal, temporalRun{
		spec: path, paramsJSON: fromJSON, paramFlags: flags, date: o.date, runID: o.runID, only: o.only,
		maxConcurrency: o.maxConcurrency, noProgress: o.noProgress, resume: o.resume,
	})
}

// specBytes returns the source a SPEC argument names, the path it is
// known by and the directory its relative paths mean.
func specBytes(arg string) (src []byte, path, dir string, err error) {
	if name, ok := strings.CutPrefix(arg, runner.ProfilePrefix); ok {
		src, err = profiles.PipelineSpec(name)
		if err != nil {
			return nil, "", "", err // wraps profiles.ErrUnknown
		}
		// Relative paths of a profile's pipeline mean the current
		// directory, as for a local run; workers need the same layout.
		dir, err = os.Getwd()
		return src, "builtin:" + name + ".pipeline.yaml", dir, err
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return nil, "", "", err
	}
	src, err = os.ReadFile(abs)
	if err != nil {
		return nil, "", "", fmt.Errorf("%w: read spec: %w", errUsage, err)
	}
	return src, abs, filepath.Dir(abs), nil
}

// submitToTemporal checks, renders and compiles the spec here as a local
// run would, then submits its source to Temporal and follows the run with
// the same display, summary and exit status. Ctrl-C cancels the workflow.
func submitToTemporal(ctx context.Context, stdout, stderr io.Writer, g *globals, tf *temporalFlags, r temporalRun) error {
	src, path, dir, err := specBytes(r.spec)
	if err != nil {
		return err
	}
	loader, err := newLoader()
	if err != nil {
		return err
	}
	spec, diags, err := loader.ParseContext(ctx, path, src, false, nil)
	if err != nil {
		return err
	}
	_ = diags.Print(stderr)
	spec.Dir = dir
	ts := time.Now().UTC()
	if r.date == "" {
		r.date = ts.Format(time.DateOnly)
	}
	if r.runID == "" {
		r.runID = engine.NewRunID(ts)
	}
	// Rendered and compiled here only to refuse a bad spec or params before
	// anything is submitted; the workers render the same source again.
	if _, err := loader.Prepare(spec, engine.PrepareOptions{
		ParamsJSON: r.paramsJSON, ParamFlags: r.paramFlags, Run: tmpl.Run{ID: r.runID, Date: r.date, TS: ts}, Only: r.only,
	}); err != nil {
		return err
	}
	c, err := tf.conn.Dial(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	var resume *hptemporal.Resume
	if r.resume != "" {
		if resume, err = resumeOnTemporal(ctx, g, c, r.resume); err != nil {
			return err
		}
	}
	run, err := hptemporal.Submit(ctx, c, tf.taskQueue, hptemporal.RunInput{
		RunID: r.runID, SpecPath: path, SpecDir: dir, Source: src, SourceHash: hptemporal.SourceHash(src),
		ParamsJSON: r.paramsJSON, ParamFlags: r.paramFlags, Date: r.date, TS: ts, Only: r.only,
		MaxConcurrency: r.maxConcurrency, TaskQueue: tf.taskQueue, Deployment: r.deployment, Resume: resume,
	})
	if err != nil {
		return err
	}
	if r.detach {
		fmt.Fprintf(stdout, "started run %s on Temporal (workflow %s, task queue %s); `hotpass runs show %s` shows it once a worker has taken it up\n",
			r.runID, run.GetID(), cmp.Or(tf.taskQueue, hptemporal.DefaultTaskQueue), r.runID)
		return nil
	}
	display := progress.New(stderr, isTerminal(stderr) && !r.noProgress)
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

// resumeOnTemporal reads what run id, an earlier Temporal run, left to
// reuse; the workers decide which tasks are unchanged.
func resumeOnTemporal(ctx context.Context, g *globals, c client.Client, id string) (*hptemporal.Resume, error) {
	st, err := openStore(ctx, g)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return hptemporal.ResumeOf(ctx, c, st, id)
}
