package temporal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/redact"
	"github.com/hotpass/hotpass/internal/runner"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// Activity names, as the workflow schedules them.
const (
	PlanActivityName = "hotpass.plan"
	TaskActivityName = "hotpass.task"
)

// Application error types the workflow and the CLI tell apart. Both are
// never retried: running the same spec again on the same worker fails the
// same way.
const (
	// ErrTypeSpec is a spec a worker cannot prepare: invalid, changed since
	// submit (hash mismatch), or naming a task type the worker lacks.
	ErrTypeSpec = "HotpassSpecError"
	// ErrTypeTaskFailed is a task whose last attempt failed.
	ErrTypeTaskFailed = "HotpassTaskFailed"
)

// TaskInfo is what the workflow needs of one task to schedule it.
type TaskInfo struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	// Deps are indexes into PlanOutput.Tasks.
	Deps       []int         `json:"deps,omitempty"`
	Key        string        `json:"key,omitempty"`
	Retries    int           `json:"retries,omitempty"`
	RetryDelay time.Duration `json:"retry_delay,omitempty"`
	Timeout    time.Duration `json:"timeout,omitempty"`
}

// PlanOutput is the shape of a compiled spec: names, dependencies and
// scheduling settings only, never rendered options (they may hold secrets).
type PlanOutput struct {
	Pipeline string `json:"pipeline"`
	SpecHash string `json:"spec_hash"`
	// SourceHash is the hash of the source the run is pinned to: the one
	// submitted, or with RunInput.LoadSpec the one read when it started.
	SourceHash string         `json:"source_hash,omitempty"`
	Tasks      []TaskInfo     `json:"tasks"`
	Max        int            `json:"max,omitempty"`
	FailFast   bool           `json:"fail_fast,omitempty"`
	Keys       map[string]int `json:"keys,omitempty"`
	// Reused lists the tasks a resumed run takes from the earlier run.
	Reused []string `json:"reused,omitempty"`
}

// TaskInput is the input of one task activity. Run has no Source: the
// worker reads the pinned source from the artifact store once per run.
type TaskInput struct {
	Run    RunInput       `json:"run"`
	TaskID string         `json:"task_id"`
	Inputs map[string]Ref `json:"inputs,omitempty"`
}

// TaskOutput is what one task hands downstream and to the run record.
type TaskOutput struct {
	// Output is set when the task produced a table.
	Output  *Ref           `json:"output,omitempty"`
	RowsIn  int64          `json:"rows_in,omitempty"`
	RowsOut int64          `json:"rows_out,omitempty"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	// Log says the task's log was kept in the artifact store.
	Log bool `json:"log,omitempty"`
	// Attempt is the attempt that succeeded, counting from 1.
	Attempt int `json:"attempt,omitempty"`
}

// Activities runs plans and tasks on a worker. Register it with
// RegisterActivities.
type Activities struct {
	// Loader parses and compiles specs with this worker's task registry.
	Loader *engine.Loader
	// Store is the shared artifact store.
	Store Artifacts
	// StateDir holds the worker's local run directories (task logs and
	// kept outputs while a task runs); empty means engine.DefaultStateDir.
	StateDir string
	// LookupEnv renders env_var templates; nil means os.LookupEnv. Secrets
	// are read here, on the worker, and never leave it.
	LookupEnv func(string) (string, bool)
	// Heartbeat is how often a running task heartbeats; zero means 5s.
	Heartbeat time.Duration
	// Client reaches the cluster's key semaphores (see SemaphoreWorkflow);
	// TaskQueue is where a semaphore this worker starts runs. Without a
	// client, runs that use cluster-wide keys fail their keyed tasks.
	Client    client.Client
	TaskQueue string
	// History records runs and tasks in the shared run history (Postgres
	// in production) so `hotpass runs` shows them; nil records nothing.
	History store.HistoryStore

	mu    sync.Mutex
	cache map[string]*preparedRun
}

// preparedRun is a spec rendered and compiled for one run on this worker.
type preparedRun struct {
	prep *engine.Prepared
	red  *redact.Redactor

	hashOnce sync.Once
	hashes   map[string]string
}

// definitionHash is task id's definition hash, computed for all tasks on
// first use.
func (p *preparedRun) definitionHash(id string) string {
	p.hashOnce.Do(func() { p.hashes = p.prep.Plan.DefinitionHashes() })
	return p.hashes[id]
}

// maxCachedRuns bounds the compiled plans a worker keeps: enough for the
// runs a worker serves at once, small enough not to grow without end.
const maxCachedRuns = 32

// SourceHash returns the hex sha256 RunInput.SourceHash carries.
func SourceHash(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// specError is a non-retryable application error for a spec the worker
// cannot prepare.
func specError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeSpec, errors.New(msg))
}

// Plan checks the pinned source, keeps it in the artifact store for the
// run's task activities, compiles it and returns its shape.
func (a *Activities) Plan(ctx context.Context, in RunInput) (PlanOutput, error) {
	if in.LoadSpec {
		src, err := readSpec(in.SpecPath)
		if err != nil {
			return PlanOutput{}, specError("run %s: %v", in.RunID, err)
		}
		in.Source, in.SourceHash = src, SourceHash(src)
	}
	if got := SourceHash(in.Source); got != in.SourceHash {
		return PlanOutput{}, specError("spec %s: source hash %s does not match the submitted hash %s; submit the run again", in.SpecPath, got, in.SourceHash)
	}
	if err := a.Store.PutLog(ctx, in.RunID, specObject, bytes.NewReader(in.Source)); err != nil {
		return PlanOutput{}, fmt.Errorf("keep spec of run %s: %w", in.RunID, err)
	}
	pr, err := a.prepare(ctx, in, in.Source)
	if err != nil {
		return PlanOutput{}, err
	}
	if err := a.recordStart(ctx, in, pr); err != nil {
		return PlanOutput{}, err
	}
	plan := pr.prep.Plan
	spec := plan.Spec()
	out := PlanOutput{Pipeline: spec.Name, SpecHash: spec.Hash, SourceHash: in.SourceHash, Max: spec.Concurrency.Max, FailFast: spec.FailFast, Keys: spec.Concurrency.Keys}
	index := make(map[string]int, len(spec.Tasks))
	for i, t := range spec.Tasks {
		index[t.ID] = i
	}
	out.Tasks = make([]TaskInfo, len(spec.Tasks))
	for i, t := range spec.Tasks {
		ti := TaskInfo{ID: t.ID, Type: t.Type, Key: t.ConcurrencyKey, Retries: t.Retries, RetryDelay: t.RetryDelay, Timeout: t.Timeout}
		for _, d := range plan.Deps(t.ID) {
			ti.Deps = append(ti.Deps, index[d])
		}
		out.Tasks[i] = ti
	}
	out.Reused = in.Resume.reusable(plan)
	return out, nil
}

// readSpec reads the spec a scheduled run names: a file on this worker or
// a built-in profile's pipeline (profile:NAME).
func readSpec(path string) ([]byte, error) {
	if name, ok := strings.CutPrefix(path, runner.ProfilePrefix); ok {
		src, err := profiles.PipelineSpec(name)
		if err != nil {
			return nil, fmt.Errorf("spec %s: %w", path, err)
		}
		return src, nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec on worker: %w; the deployment's spec must be at the same path on every worker", err)
	}
	return src, nil
}

// Task runs one attempt of one task; Temporal retries it by the task's
// retry policy.
func (a *Activities) Task(ctx context.Context, in TaskInput) (TaskOutput, error) {
	pr, err := a.preparedFor(ctx, in.Run)
	if err != nil {
		return TaskOutput{}, err
	}
	inputs := make(map[string]*engine.Result, len(in.Inputs))
	for id, ref := range in.Inputs {
		t, err := a.Store.GetTable(ctx, ref)
		if err != nil {
			return TaskOutput{}, fmt.Errorf("input %s of task %s: %w", id, in.TaskID, err)
		}
		inputs[id] = &engine.Result{Output: t, RowsOut: int64(t.NumRows())}
	}
	runDir, err := a.runDir(in.Run.RunID)
	if err != nil {
		return TaskOutput{}, err
	}
	hbCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.heartbeat(hbCtx)
	info := activity.GetInfo(ctx)
	typ := ""
	if t := pr.prep.Plan.Spec().Task(in.TaskID); t != nil {
		typ = t.Type
	}
	tr := store.TaskRun{RunID: in.Run.RunID, TaskID: in.TaskID, Type: typ, Status: engine.StatusRunning,
		Attempts: int(info.Attempt), StartedAt: info.ScheduledTime.UTC(), DefinitionHash: pr.definitionHash(in.TaskID)}
	a.recordTask(ctx, tr)
	res, runErr := pr.prep.Plan.RunAttempt(ctx, engine.Attempt{
		RunID: in.Run.RunID, RunDir: runDir, TaskID: in.TaskID, Attempt: int(info.Attempt),
		Inputs: inputs, Redactor: pr.red,
	})
	stop()
	out := TaskOutput{Attempt: int(info.Attempt)}
	if res.Log != "" {
		out.Log = true
		if err := a.keepLog(ctx, in.Run.RunID, in.TaskID, filepath.Join(runDir, res.Log)); err != nil {
			return TaskOutput{}, err
		}
	}
	if errors.Is(runErr, engine.ErrUnknownTask) {
		return TaskOutput{}, specError("%s", runErr)
	}
	if runErr != nil {
		tr.Status, tr.Error, tr.EndedAt = engine.StatusFailed, pr.red.String(runErr.Error()), time.Now().UTC()
		tr.Status = "retrying"
		// The error text is the task's own (already redacted by the log,
		// masked here for history).
		msg := pr.red.String(runErr.Error())
		retries := 0
		if t := pr.prep.Plan.Spec().Task(in.TaskID); t != nil {
			retries = t.Retries
		}
		failed, err := a.countFailure(ctx, in)
		if err != nil {
			return TaskOutput{}, err
		}
		if failed > retries {
			// The task's own retries are spent; the attempts Temporal may
			// still have are for workers that die, not for task errors.
			tr.Status = engine.StatusFailed
			a.recordTask(ctx, tr)
			return TaskOutput{}, temporal.NewApplicationErrorWithOptions(msg, ErrTypeTaskFailed,
				temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{failed}})
		}
		a.recordTask(ctx, tr)
		return TaskOutput{}, temporal.NewApplicationError(msg, ErrTypeTaskFailed, failed)
	}
	if r := res.Result; r != nil {
		out.RowsIn, out.RowsOut = r.RowsIn, r.RowsOut
		out.Attrs = maskAttrs(pr.red, r.Attrs)
		if t, ok := r.Output.(*table.Table); ok {
			ref, err := a.Store.PutTable(ctx, in.Run.RunID, in.TaskID, t)
			if err != nil {
				return TaskOutput{}, fmt.Errorf("keep output of task %s: %w", in.TaskID, err)
			}
			out.Output = &ref
		}
		// The copies of upstream outputs the task discarded (raw personal
		// data a compliance task masked) leave the shared store too.
		for _, id := range engine.DiscardOutputs(r.Attrs) {
			if err := a.Store.DeleteTable(ctx, in.Run.RunID, id); err != nil {
				return TaskOutput{}, fmt.Errorf("task %s: %w", in.TaskID, err)
			}
		}
	}
	tr.Status, tr.EndedAt, tr.RowsIn, tr.RowsOut = engine.StatusSucceeded, time.Now().UTC(), out.RowsIn, out.RowsOut
	a.recordTask(ctx, tr)
	return out, nil
}

// runDir returns the worker's local directory of a run, shared by the
// run's tasks on this worker (so it already exists for all but the first).
func (a *Activities) runDir(runID string) (string, error) {
	if runID == "" || !filepath.IsLocal(runID) || strings.ContainsAny(runID, `/\`) {
		return "", specError("run id %q cannot name a directory; use letters, digits, '-' and '_'", runID)
	}
	dir := runstate.New(a.StateDir).Run(runID)
	if err := os.MkdirAll(runstate.LogsPath(dir), 0o755); err != nil {
		return "", fmt.Errorf("run directory of %s on this worker: %w", runID, err)
	}
	return dir, nil
}

// heartbeat tells Temporal the task is alive until ctx is done, so a
// worker that dies mid-task is noticed within the heartbeat timeout.
func (a *Activities) heartbeat(ctx context.Context) {
	every := a.Heartbeat
	if every <= 0 {
		every = 5 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			activity.RecordHeartbeat(ctx)
		}
	}
}

func (a *Activities) keepLog(ctx context.Context, runID, taskID, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("log of task %s: %w", taskID, err)
	}
	defer f.Close()
	if err := a.Store.PutLog(ctx, runID, taskID, f); err != nil {
		return fmt.Errorf("keep log of task %s: %w", taskID, err)
	}
	return nil
}

// preparedFor returns the run's compiled plan, from the cache or from the
// source the plan activity kept in the store.
func (a *Activities) preparedFor(ctx context.Context, in RunInput) (*preparedRun, error) {
	if pr := a.cached(cacheKey(in)); pr != nil {
		return pr, nil
	}
	rc, err := a.Store.OpenLog(ctx, in.RunID, specObject)
	if err != nil {
		return nil, fmt.Errorf("spec of run %s: %w", in.RunID, err)
	}
	src, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return nil, fmt.Errorf("spec of run %s: %w", in.RunID, err)
	}
	if got := SourceHash(src); got != in.SourceHash {
		return nil, specError("spec of run %s: stored source hash %s does not match the submitted hash %s", in.RunID, got, in.SourceHash)
	}
	return a.prepare(ctx, in, src)
}

// prepare renders and compiles src with this worker's environment and
// registry, and caches the result.
func (a *Activities) prepare(ctx context.Context, in RunInput, src []byte) (*preparedRun, error) {
	key := cacheKey(in)
	if pr := a.cached(key); pr != nil {
		return pr, nil
	}
	lookup := a.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	spec, _, err := a.Loader.ParseContext(ctx, in.SpecPath, src, false, lookup)
	if err != nil {
		return nil, specError("spec %s on worker: %s", in.SpecPath, describe(err))
	}
	spec.Dir = in.SpecDir
	prep, err := a.Loader.Prepare(spec, engine.PrepareOptions{
		ParamsJSON: in.ParamsJSON, ParamFlags: in.ParamFlags,
		Run:  tmpl.Run{ID: in.RunID, Date: in.Date, TS: in.TS},
		Only: in.Only, LookupEnv: lookup,
	})
	if err != nil {
		return nil, specError("spec %s on worker: %s", in.SpecPath, describe(err))
	}
	red := &redact.Redactor{}
	red.Add(prep.Rendered.Secrets...)
	pr := &preparedRun{prep: prep, red: red}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cache == nil {
		a.cache = map[string]*preparedRun{}
	}
	if len(a.cache) >= maxCachedRuns {
		for k := range a.cache {
			delete(a.cache, k)
			break
		}
	}
	a.cache[key] = pr
	return pr, nil
}

func (a *Activities) cached(key string) *preparedRun {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cache[key]
}

// cacheKey identifies what a compiled plan depends on besides the
// worker's environment.
func cacheKey(in RunInput) string {
	b, _ := json.Marshal(struct {
		R, H, D string
		P       map[string]any
		F       map[string]string
		O       []string
	}{in.RunID, in.SourceHash, in.Date, in.ParamsJSON, in.ParamFlags, in.Only})
	return string(b)
}

// describe renders an error, diagnostics included, on one message.
func describe(err error) string {
	if ds := specs.AsDiagnostics(err); len(ds) > 0 {
		return ds.Error()
	}
	return err.Error()
}

// maskAttrs masks secrets in string attribute values before they enter
// workflow history.
func maskAttrs(red *redact.Redactor, attrs map[string]any) map[string]any {
	if len(attrs) == 0 || red.Empty() {
		return attrs
	}
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		if s, ok := v.(string); ok {
			v = red.String(s)
		}
		out[k] = v
	}
	return out
}

// failuresObject names, in the artifact store, the count of a task's
// attempts that ended in the task's own error. Temporal counts an attempt
// lost with its worker like any other, so the count that decides whether
// the task's retries are spent is kept here, where every worker sees it.
// A leading dot keeps it apart from task logs, as specObject is.
func failuresObject(taskID string) string { return ".failures-" + taskID }

// countFailure adds one to the task's failure count and returns it.
func (a *Activities) countFailure(ctx context.Context, in TaskInput) (int, error) {
	n := 0
	rc, err := a.Store.OpenLog(ctx, in.Run.RunID, failuresObject(in.TaskID))
	switch {
	case err == nil:
		b, rerr := io.ReadAll(rc)
		_ = rc.Close()
		if rerr != nil {
			return 0, fmt.Errorf("read failure count of task %s: %w", in.TaskID, rerr)
		}
		if n, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			return 0, fmt.Errorf("failure count of task %s is not a number: %w", in.TaskID, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return 0, fmt.Errorf("read failure count of task %s: %w", in.TaskID, err)
	}
	n++
	if err := a.Store.PutLog(ctx, in.Run.RunID, failuresObject(in.TaskID), strings.NewReader(strconv.Itoa(n))); err != nil {
		return 0, fmt.Errorf("keep failure count of task %s: %w", in.TaskID, err)
	}
	return n, nil
}
