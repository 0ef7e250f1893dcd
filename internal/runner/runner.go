// Package runner implements package hotpass's run path, the one by which
// a spec runs whoever asks (`hotpass run`, orchestrate, `deployment run
// --wait`, the serve worker, backfills and their child runs): it loads and
// renders the spec, creates the run in the state store, runs the plan with
// the history recorder and the caller's observers, and records the
// outcome. Callers go through hotpass.Runner; the run queue (Enqueue,
// Claim, Queued) lives here too.
package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/history"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// ErrUnknownRun is wrapped by errors about a run id that is not in the
// store. It is a bad argument: exit status 2 (exitcode.Invalid).
var ErrUnknownRun = exitcode.New(exitcode.Invalid, "unknown run id")

// ErrNotResumable is wrapped when the run named by Options.ResumeFrom
// cannot be resumed (still running, or of another pipeline); exit status 2.
var ErrNotResumable = exitcode.New(exitcode.Invalid, "run cannot be resumed")

// ErrCancelRequested is the cause of a run's context being cancelled because
// the store holds a cancel request for it.
var ErrCancelRequested = errors.New("cancelled by request")

// finishTimeout bounds the final store writes of a run, which happen even
// when the run's context was cancelled.
const finishTimeout = 30 * time.Second

// Store is the part of the state store a run needs: the run and its
// task runs. store.Store has it all.
type Store interface {
	history.Store
	CreateRun(ctx context.Context, r store.Run) (store.Run, error)
	GetRun(ctx context.Context, id string) (store.Run, error)
	ListTasks(ctx context.Context, runID string) ([]store.TaskRun, error)
}

// Options describe one run.
type Options struct {
	// Store records the run; Loader loads the spec.
	Store  Store
	Loader *engine.Loader
	// StateDir holds runs/<run-id>/; empty means engine.DefaultStateDir.
	StateDir string
	// Source is the spec to run.
	Source Source
	// LookupEnv reads the environment variables templates ask for; nil
	// means os.LookupEnv. Every value read through it is a secret.
	LookupEnv func(string) (string, bool)
	// Secrets are masked, besides those the spec's templates read, in
	// everything the run writes and logs.
	Secrets []string
	// ParentID is recorded as the run that started this one (a backfill's
	// child runs). With telemetry on in ctx, the run is then traced through
	// it, in a trace of its own linked to the span active in ctx.
	ParentID string
	// StartedBy is recorded with a run that is not Queued; empty means
	// store.StartedCLI, or store.StartedBackfill when ParentID is set.
	StartedBy string
	// ParamsJSON and ParamFlags are parameter values, flags winning.
	ParamsJSON map[string]any
	ParamFlags map[string]string
	// Date is the logical date (run.date), YYYY-MM-DD; empty means today (UTC).
	Date string
	// RunID names the run; empty means a new id.
	RunID string
	// Queued says the run already exists in the store as pending (a
	// scheduled or triggered run). A spec that fails to load or render
	// then fails that run in the store, with the error recorded.
	Queued bool
	// Deployment is recorded with a run that is not Queued.
	Deployment string
	// Only, MaxConcurrency and CancelGrace are passed to the engine.
	Only           []string
	MaxConcurrency int
	CancelGrace    time.Duration
	// ResumeFrom is the id of a finished run whose unchanged successful
	// tasks this run reuses. Its params are the base of this run's.
	ResumeFrom string
	// Display shows progress (nil for none); Observers get every event too.
	Display   engine.Observer
	Observers []engine.Observer
	// Logger builds the run's logger once the secrets to mask are known;
	// nil discards logs.
	Logger func(*redact.Redactor) *slog.Logger
	// Warnings receives the spec's warnings; nil discards them.
	Warnings io.Writer
	// Slots shares concurrency limits with other runs (serve); nil keeps
	// the run's own limits only.
	Slots engine.Slots
	// TraceID is recorded with the run when set.
	TraceID string
	// Telemetry configures OpenTelemetry export for the run; it is on when
	// Telemetry.Enabled is set or the spec says `observability: {enabled: true}`.
	Telemetry TelemetryOptions
}

// TelemetryOptions say whether and how a run exports traces, metrics and logs.
type TelemetryOptions struct {
	Enabled        bool
	ServiceVersion string
	// Profile is the hotpass.profile resource attribute; empty means the
	// profile the Source names, if any.
	Profile string
	// Provided, when set, records every run through providers the caller
	// built (telemetry.FromRegistry) instead of ones set up from OTEL_*.
	Provided *telemetry.Telemetry
	// Stderr receives console output and export warnings; nil is os.Stderr.
	Stderr io.Writer
}

// ErrTelemetryConfig is wrapped when the OTEL_* settings are invalid; the
// run does not start, and the command exits with status 2.
var ErrTelemetryConfig = exitcode.New(exitcode.Invalid, "invalid telemetry settings")

// Run runs a spec as o describes and returns its record. The record is nil
// when the run never started: the spec is invalid (the error wraps
// specs.ErrInvalid), a param is wrong, ResumeFrom names no run (ErrUnknownRun),
// or the store or run directory cannot be written. Otherwise the error
// wraps engine.ErrRunFailed or engine.ErrRunCancelled when the run did not
// succeed.
func Run(ctx context.Context, o Options) (*engine.RunRecord, error) {
	if o.Store == nil || o.Loader == nil {
		return nil, errors.New("runner: Store and Loader are required")
	}
	ts := time.Now().UTC()
	if o.RunID == "" {
		o.RunID = engine.NewRunID(ts)
	}
	prep, resume, err := prepare(ctx, o, ts)
	if err != nil {
		if o.Queued {
			failQueued(ctx, o.Store, o.RunID, err)
		}
		return nil, err
	}
	spec := prep.Rendered.Spec
	red := &redact.Redactor{}
	red.Add(prep.Rendered.Secrets...)
	red.Add(o.Secrets...)
	paramsJSON, err := encodeParams(red, prep.Params)
	if err != nil {
		return nil, err
	}
	// Set up before the run is recorded: invalid settings refuse the run,
	// which must not leave a record of one that never started.
	tel, traced, owned, err := runTelemetry(ctx, o, spec, red)
	if err != nil {
		if o.Queued {
			failQueued(ctx, o.Store, o.RunID, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrTelemetryConfig, err)
	}
	if owned {
		defer shutdownTelemetry(tel, o.Telemetry.Stderr)
	}
	if !o.Queued {
		// Created running, not pending: a pending run of a deployment is
		// queued work that a serve worker would pick up.
		now := time.Now()
		if _, err := o.Store.CreateRun(ctx, store.Run{
			ID: o.RunID, Pipeline: spec.Name, SpecPath: o.Source.Label(), SpecHash: spec.Hash,
			Deployment: o.Deployment, ParentID: o.ParentID, StartedBy: startedBy(o), Params: paramsJSON, Status: store.RunRunning,
			CreatedAt: now, StartedAt: now, HeartbeatAt: now, PID: os.Getpid(), Hostname: hostname(),
		}); err != nil {
			return nil, fmt.Errorf("record run: %w", err)
		}
	}
	hashes := prep.Plan.DefinitionHashes()
	tasks := make([]history.Task, 0, len(spec.Tasks))
	for _, t := range spec.Tasks {
		tasks = append(tasks, history.Task{ID: t.ID, Type: t.Type, DefinitionHash: hashes[t.ID]})
	}
	ctx = traced.Context(ctx)
	logger := slog.New(slog.DiscardHandler)
	if o.Logger != nil {
		logger = o.Logger(red)
	}
	if tel.Enabled() {
		// The local handler masks as it writes; the OTel exporter does not.
		logger = slog.New(traced.LogHandler(redact.Handler(tel.LogHandler(logger.Handler()), red)))
	}
	// A cancel request in the store (from `hotpass runs cancel` or the API,
	// maybe in another process) stops the run as Ctrl-C would.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	rec := history.New(o.Store, history.Options{RunID: o.RunID, Tasks: tasks, TraceID: o.TraceID, Logger: logger,
		OnCancel: func() { stop(ErrCancelRequested) }})
	if err := rec.Start(ctx); err != nil {
		if o.Queued {
			failQueued(ctx, o.Store, o.RunID, err)
		}
		return nil, err
	}
	observers := append([]engine.Observer{o.Display, rec}, o.Observers...)
	var traceID func() string
	if tel.Enabled() {
		observers = append(observers, traced)
		traceID = traced.TraceID
	}
	// Tasks may add values to mask, such as the personal data a compliance
	// policy keeps out of logs and run records.
	ctx = redact.NewContext(ctx, red)
	out, runErr := prep.Plan.Run(ctx, engine.RunOptions{
		RunID:          o.RunID,
		StateDir:       o.StateDir,
		MaxConcurrency: o.MaxConcurrency,
		Only:           o.Only,
		Params:         prep.Params,
		Redactor:       red,
		Logger:         logger,
		Observer:       engine.MultiObserver(observers...),
		CancelGrace:    o.CancelGrace,
		Resume:         resume,
		Slots:          o.Slots,
		TraceID:        traceID,
	})
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	if err := rec.Finish(fctx, out, runErr); err != nil {
		// The run itself is over; its record on disk is complete.
		logger.Error("run history incomplete", "run_id", o.RunID, "error", err)
		if out == nil {
			return nil, errors.Join(runErr, err)
		}
	}
	return out, runErr
}

// runTelemetry returns the Telemetry a run records through and its
// observer: the backfill's for a child run when the backfill is traced
// (the child's trace is linked to the backfill's span), the caller's
// providers when given, else those OTEL_* describes. owned says the run
// shuts it down (for the caller's providers that only flushes); a
// backfill's is shut down by the backfill, once, at its end.
func runTelemetry(ctx context.Context, o Options, spec *specs.Spec, red *redact.Redactor) (tel *telemetry.Telemetry, obs *telemetry.RunObserver, owned bool, err error) {
	if parent := telemetry.FromContext(ctx); o.ParentID != "" && parent.Enabled() {
		return parent, telemetry.ChildRunObserver(ctx, spec.Name, telemetry.Masking(red)), false, nil
	}
	tel = o.Telemetry.Provided
	if tel == nil {
		tel, err = telemetry.Setup(ctx, telemetry.Config{
			Enabled: o.Telemetry.Enabled || spec.Observability.Enabled, ServiceVersion: o.Telemetry.ServiceVersion,
			Pipeline: spec.Name, Profile: cmp.Or(o.Telemetry.Profile, o.Source.Profile), RunID: o.RunID, Stderr: o.Telemetry.Stderr,
		})
		if err != nil {
			return nil, nil, false, err
		}
	}
	return tel, telemetry.NewRunObserver(tel, spec.Name, telemetry.Masking(red)), true, nil
}

// shutdownTelemetry flushes what is pending, bounded by the telemetry
// package to a few seconds: an unreachable collector costs a warning, never
// the run.
func shutdownTelemetry(tel *telemetry.Telemetry, stderr io.Writer) {
	if err := tel.Shutdown(context.Background()); err != nil {
		if stderr == nil {
			stderr = os.Stderr
		}
		fmt.Fprintln(stderr, telemetry.Warning(err))
	}
}

// prepare loads the spec, gathers what a resume needs, resolves params and
// compiles the plan.
func prepare(ctx context.Context, o Options, ts time.Time) (*engine.Prepared, *engine.Resume, error) {
	spec, diags, err := o.Source.Load(ctx, o.Loader, false, nil)
	// A refused spec's error carries every diagnostic and the caller prints
	// it; printing them here as well showed each one twice.
	if o.Warnings != nil && err == nil {
		_ = diags.Print(o.Warnings)
	}
	if err != nil {
		return nil, nil, err
	}
	paramsJSON := o.ParamsJSON
	var resume *engine.Resume
	if o.ResumeFrom != "" {
		var base map[string]any
		resume, base, err = loadResume(ctx, o, spec.Name)
		if err != nil {
			return nil, nil, err
		}
		paramsJSON = mergeParams(base, o.ParamsJSON)
	}
	run := tmpl.Run{ID: o.RunID, TS: ts, Date: o.Date}
	prep, err := o.Loader.Prepare(spec, engine.PrepareOptions{ParamsJSON: paramsJSON, ParamFlags: o.ParamFlags, Run: run, LookupEnv: o.LookupEnv, Only: o.Only})
	if err != nil {
		return nil, nil, err
	}
	return prep, resume, nil
}

// loadResume reads the run to resume from the store: its tasks' outcomes
// and hashes, and its params.
func loadResume(ctx context.Context, o Options, pipeline string) (*engine.Resume, map[string]any, error) {
	prev, err := o.Store.GetRun(ctx, o.ResumeFrom)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("%w: --resume %s: no such run (list runs with `hotpass runs ls`)", ErrUnknownRun, o.ResumeFrom)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--resume %s: %w", o.ResumeFrom, err)
	}
	switch {
	case !prev.Status.Terminal():
		return nil, nil, fmt.Errorf("%w: --resume %s: the run is %s; wait for it to end (a run whose process died is marked crashed and can then be resumed)",
			ErrNotResumable, prev.ID, prev.Status)
	case prev.Pipeline != pipeline:
		return nil, nil, fmt.Errorf("%w: --resume %s: that run is of pipeline %q, this spec is %q",
			ErrNotResumable, prev.ID, prev.Pipeline, pipeline)
	}
	trs, err := o.Store.ListTasks(ctx, prev.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("--resume %s: %w", prev.ID, err)
	}
	r := &engine.Resume{
		FromRunID:  prev.ID,
		FromRunDir: RunDir(o.StateDir, prev.ID),
		Prev:       make(map[string]engine.PrevTask, len(trs)),
	}
	for _, tr := range trs {
		r.Prev[tr.TaskID] = engine.PrevTask{
			Succeeded:      tr.Status == engine.StatusSucceeded,
			DefinitionHash: tr.DefinitionHash,
		}
	}
	var params map[string]any
	if len(prev.Params) > 0 {
		if err := json.Unmarshal(prev.Params, &params); err != nil {
			return nil, nil, fmt.Errorf("--resume %s: params of the run are not a JSON object: %w", prev.ID, err)
		}
	}
	return r, params, nil
}

// mergeParams returns base with over's entries on top.
func mergeParams(base, over map[string]any) map[string]any {
	if len(base) == 0 {
		return over
	}
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// encodeParams renders params as the JSON object stored with the run,
// secrets masked as in run.json.
func encodeParams(red *redact.Redactor, params map[string]any) (json.RawMessage, error) {
	if len(params) == 0 {
		return nil, nil
	}
	data, err := json.Marshal(engine.MaskParams(red, params))
	if err != nil {
		return nil, fmt.Errorf("encode params: %w", err)
	}
	return data, nil
}

// failQueued records that a queued run could not start, so that the
// scheduler's history shows why (a spec that is gone or no longer valid).
func failQueued(ctx context.Context, st Store, runID string, cause error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	_, _ = st.UpdateRun(fctx, runID, store.RunUpdate{Status: store.RunFailed, Error: describe(cause)})
}

// describe renders an error for the run's error column: diagnostics with
// their positions, one per line.
func describe(err error) string {
	var ds specs.Diagnostics
	if errors.As(err, &ds) {
		var b strings.Builder
		_ = ds.Print(&b)
		return strings.TrimSpace(b.String())
	}
	return err.Error()
}

// RunDir is the directory of run id under stateDir.
func RunDir(stateDir, id string) string {
	return runstate.New(stateDir).Run(id)
}

// hostname is the machine's name, for queue claims.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown-host"
	}
	return h
}

// startedBy is how a run that is not queued started.
func startedBy(o Options) string {
	switch {
	case o.StartedBy != "":
		return o.StartedBy
	case o.ParentID != "":
		return store.StartedBackfill
	}
	return store.StartedCLI
}
