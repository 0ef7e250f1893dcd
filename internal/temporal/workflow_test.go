package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/hotpass/hotpass/internal/artifacts"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/exec"
	"github.com/hotpass/hotpass/tasks/noop"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// recorder watches probe tasks: the order they start in and the most that
// ran at once, per concurrency key and overall.
type recorder struct {
	mu      sync.Mutex
	started []string
	ended   map[string]bool
	running map[string]int
	peak    map[string]int
	total   int
	peakAll int
	// violations lists tasks that started before a dependency ended.
	violations []string
}

func newRecorder() *recorder {
	return &recorder{ended: map[string]bool{}, running: map[string]int{}, peak: map[string]int{}}
}

// probe is the noop task type under another name, recording every attempt.
type probe struct {
	noop.Type
	rec *recorder
}

func (probe) Name() string { return "probe" }

func (p probe) Prepare(spec *specs.Spec, task *specs.Task) (engine.Task, error) {
	inner, err := p.Type.Prepare(spec, task)
	if err != nil {
		return nil, err
	}
	pt := &probeTask{inner: inner, id: task.ID, key: task.ConcurrencyKey, rec: p.rec}
	for _, n := range task.Needs {
		pt.deps = append(pt.deps, n.ID)
	}
	return pt, nil
}

type probeTask struct {
	inner engine.Task
	id    string
	key   string
	deps  []string
	rec   *recorder
}

func (t *probeTask) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) {
	r := t.rec
	r.mu.Lock()
	for _, d := range t.deps {
		if !r.ended[d] {
			r.violations = append(r.violations, t.id+" before "+d)
		}
	}
	r.started = append(r.started, t.id)
	r.running[t.key]++
	r.peak[t.key] = max(r.peak[t.key], r.running[t.key])
	r.total++
	r.peakAll = max(r.peakAll, r.total)
	r.mu.Unlock()
	res, err := t.inner.Run(ctx, env)
	r.mu.Lock()
	r.running[t.key]--
	r.total--
	if err == nil {
		r.ended[t.id] = true
	}
	r.mu.Unlock()
	return res, err
}

// harness runs specs through RunWorkflow in a test environment with the
// real activities.
type harness struct {
	t      testing.TB
	rec    *recorder
	acts   *hptemporal.Activities
	suite  testsuite.WorkflowTestSuite
	dir    string
	source []byte
}

func newHarness(t testing.TB, spec string) *harness {
	t.Helper()
	rec := newRecorder()
	return newHarnessOf(t, spec, rec, noop.Type{}, probe{rec: rec}, exec.Type{})
}

// newHarnessOf is newHarness with the given task types.
func newHarnessOf(t testing.TB, spec string, rec *recorder, types ...engine.Type) *harness {
	t.Helper()
	reg, err := engine.NewRegistry(types...)
	if err != nil {
		t.Fatal(err)
	}
	loader, err := engine.NewLoader(reg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "artifacts"), 0o755); err != nil {
		t.Fatal(err)
	}
	store, err := artifacts.Open(context.Background(), "file://"+filepath.Join(dir, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	acts := &hptemporal.Activities{Loader: loader, Store: store, StateDir: filepath.Join(dir, "state"), Heartbeat: time.Second}
	return &harness{t: t, rec: rec, acts: acts, dir: dir, source: []byte(spec)}
}

func (h *harness) input() hptemporal.RunInput {
	return hptemporal.RunInput{
		RunID: "20261207T000000Z-test", SpecPath: filepath.Join(h.dir, "spec.yaml"), SpecDir: h.dir,
		Source: h.source, SourceHash: hptemporal.SourceHash(h.source), Date: "2026-12-07",
		TS: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
	}
}

func (h *harness) env() *testsuite.TestWorkflowEnvironment {
	env := h.suite.NewTestWorkflowEnvironment()
	// The default 3 s is too short for compiling 10,000 tasks under -race
	// on a busy machine; the bound only guards against a hang.
	env.SetTestTimeout(2 * time.Minute)
	// Packing a 10,000-task record takes ~0.1 s, but ~0.8 s under -race:
	// too close to the 1 s deadlock detector.
	env.SetWorkerOptions(worker.Options{DeadlockDetectionTimeout: 10 * time.Second})
	hptemporal.Register(env, h.acts)
	return env
}

// run executes the workflow to its end and returns the record it carried.
func (h *harness) run(in hptemporal.RunInput) (engine.RunRecord, error) {
	h.t.Helper()
	env := h.env()
	env.ExecuteWorkflow(hptemporal.WorkflowName, in)
	if !env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	return result(h.t, env)
}

func result(t testing.TB, env *testsuite.TestWorkflowEnvironment) (engine.RunRecord, error) {
	t.Helper()
	var res hptemporal.RunResult
	err := env.GetWorkflowError()
	if err == nil {
		if gerr := env.GetWorkflowResult(&res); gerr != nil {
			t.Fatal(gerr)
		}
	}
	rec, _ := hptemporal.Outcome(res, err)
	return rec, err
}

func statuses(rec engine.RunRecord) map[string]string {
	out := map[string]string{}
	for _, t := range rec.Tasks {
		out[t.ID] = string(t.Status)
		if t.SkipReason != "" {
			out[t.ID] += " (" + t.SkipReason + ")"
		}
	}
	return out
}

func TestWorkflowSemantics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		spec    string
		status  engine.Status
		want    map[string]string
		wantErr string
	}{
		{
			name: "dependency order",
			spec: `version: 1
name: order
tasks:
  a: {type: probe}
  b: {type: probe, needs: [a]}
  c: {type: probe, needs: [b]}
  d: {type: probe, needs: [a, c]}
`,
			status: engine.StatusSucceeded,
			want:   map[string]string{"a": "succeeded", "b": "succeeded", "c": "succeeded", "d": "succeeded"},
		},
		{
			name: "failure skips downstream only",
			spec: `version: 1
name: skip
tasks:
  a: {type: probe, with: {fail: true}}
  b: {type: probe, needs: [a]}
  c: {type: probe, needs: [b]}
  other: {type: probe}
`,
			status:  engine.StatusFailed,
			wantErr: "failed on purpose",
			want: map[string]string{"a": "failed", "b": "skipped (upstream failed: a)",
				"c": "skipped (upstream failed: a)", "other": "succeeded"},
		},
		{
			name: "fail_fast skips the rest",
			spec: `version: 1
name: ff
fail_fast: true
concurrency: {max: 1}
tasks:
  a: {type: probe, with: {fail: true}}
  b: {type: probe}
  c: {type: probe}
`,
			status:  engine.StatusFailed,
			wantErr: "fail_fast stopped the run",
			want: map[string]string{"a": "failed", "b": "skipped (fail_fast: a failed)",
				"c": "skipped (fail_fast: a failed)"},
		},
		{
			name: "retries until success",
			spec: `version: 1
name: retry
tasks:
  flaky: {type: probe, retries: 2, retry_delay: 10ms, with: {fail_times: 2}}
  after: {type: probe, needs: [flaky]}
`,
			status: engine.StatusSucceeded,
			want:   map[string]string{"flaky": "succeeded", "after": "succeeded"},
		},
		{
			name: "runs out of retries",
			spec: `version: 1
name: retry
tasks:
  flaky: {type: probe, retries: 1, retry_delay: 10ms, with: {fail_times: 5}}
`,
			status:  engine.StatusFailed,
			wantErr: "attempt 2 of the first 5",
			want:    map[string]string{"flaky": "failed"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, tc.spec)
			rec, err := h.run(h.input())
			if rec.Status != tc.status {
				t.Fatalf("run status %q, want %q (error %v; tasks %s)", rec.Status, tc.status, err, taskErrors(rec))
			}
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error()+" "+rec.Error+" "+taskErrors(rec), tc.wantErr)) {
				t.Fatalf("error %v (record %q), want it to mention %q", err, rec.Error, tc.wantErr)
			}
			got := statuses(rec)
			for id, w := range tc.want {
				if got[id] != w {
					t.Errorf("task %s: %q, want %q", id, got[id], w)
				}
			}
			if len(h.rec.violations) > 0 {
				t.Errorf("tasks started before their dependencies: %v", h.rec.violations)
			}
		})
	}
}

func taskErrors(rec engine.RunRecord) string {
	var b strings.Builder
	for _, t := range rec.Tasks {
		b.WriteString(t.Error + " ")
	}
	return b.String()
}

func TestWorkflowRetryAttempts(t *testing.T) {
	t.Parallel()
	h := newHarness(t, `version: 1
name: retry
tasks:
  flaky: {type: probe, retries: 3, retry_delay: 10ms, with: {fail_times: 2}}
`)
	rec, err := h.run(h.input())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.rec.started); n != 3 {
		t.Fatalf("flaky ran %d times, want 3 (two failures, then success)", n)
	}
	if tr := rec.Tasks[0]; tr.Status != engine.StatusSucceeded || tr.Attempts != 3 {
		t.Fatalf("flaky %s after %d attempts, want succeeded after 3", tr.Status, tr.Attempts)
	}
}

func TestWorkflowConcurrencyLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("version: 1\nname: keys\nconcurrency:\n  max: 5\n  keys: {crm: 2}\ntasks:\n")
	for i := range 30 {
		key := ""
		switch i % 3 {
		case 0:
			key = ", concurrency_key: crm"
		case 1:
			key = ", concurrency_key: disk"
		}
		fmt.Fprintf(&b, "  t%02d: {type: probe%s, with: {sleep: 20ms}}\n", i, key)
	}
	h := newHarness(t, b.String())
	in := h.input()
	// Within the run only: cluster-wide keys are SemaphoreWorkflow's test.
	in.LocalKeysOnly = true
	rec, err := h.run(in)
	if err != nil {
		t.Fatal(err)
	}
	if c := rec.Counts()[engine.StatusSucceeded]; c != 30 {
		t.Fatalf("%d tasks succeeded, want 30", c)
	}
	if p := h.rec.peak["crm"]; p > 2 || p == 0 {
		t.Errorf("crm peaked at %d running tasks, limit 2", p)
	}
	if p := h.rec.peak["disk"]; p != 1 {
		t.Errorf("disk (no limit listed: one at a time) peaked at %d", p)
	}
	if h.rec.peakAll > 5 {
		t.Errorf("%d tasks ran at once, concurrency.max 5", h.rec.peakAll)
	}
}

func TestWorkflowCancellation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, `version: 1
name: cancel
tasks:
  slow: {type: probe, with: {sleep: 1h}}
  after: {type: probe, needs: [slow]}
`)
	env := h.env()
	env.SetTestTimeout(time.Minute)
	// Cancel once slow runs: the mock clock does not move while an
	// activity runs, so a delayed callback would never fire.
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == hptemporal.TaskActivityName {
			env.CancelWorkflow()
		}
	})
	env.ExecuteWorkflow(hptemporal.WorkflowName, h.input())
	rec, err := result(t, env)
	// The task learns of the cancellation on its next heartbeat and must
	// stop then rather than sleep its hour.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		h.rec.mu.Lock()
		n := h.rec.total
		h.rec.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled task is still running 10s later")
		}
	}
	if !temporal.IsCanceledError(err) {
		t.Fatalf("error %v, want a cancellation", err)
	}
	want := map[string]string{"slow": "cancelled", "after": "cancelled"}
	for id, w := range want {
		if got := statuses(rec)[id]; got != w {
			t.Errorf("task %s: %q, want %q", id, got, w)
		}
	}
	if rec.Status != engine.StatusCancelled {
		t.Errorf("run %s, want cancelled", rec.Status)
	}
}

func TestWorkflowUnknownTaskType(t *testing.T) {
	t.Parallel()
	h := newHarness(t, `version: 1
name: unknown
tasks:
  a: {type: probe}
  geo: {type: geocode_everything, needs: [a]}
`)
	_, err := h.run(h.input())
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != hptemporal.ErrTypeSpec || !ae.NonRetryable() {
		t.Fatalf("error %v, want a non-retryable %s", err, hptemporal.ErrTypeSpec)
	}
	if !strings.Contains(err.Error(), "geocode_everything") {
		t.Errorf("error %q does not name the unknown type", err)
	}
	if len(h.rec.started) != 0 {
		t.Errorf("tasks ran although the spec cannot be compiled: %v", h.rec.started)
	}
}

func TestWorkflowUsesPinnedSource(t *testing.T) {
	t.Parallel()
	h := newHarness(t, `version: 1
name: pinned
tasks:
  a: {type: probe}
`)
	in := h.input()
	// The file on disk changes after submit; the worker never reads it.
	if err := os.WriteFile(in.SpecPath, []byte("version: 1\nname: changed\ntasks:\n  z: {type: probe}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, err := h.run(in)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Pipeline != "pinned" || len(rec.Tasks) != 1 || rec.Tasks[0].ID != "a" {
		t.Fatalf("ran %s %v, want the submitted spec", rec.Pipeline, statuses(rec))
	}

	// Source that does not match its hash is refused.
	bad := h.input()
	bad.Source = []byte("version: 1\nname: tampered\ntasks:\n  a: {type: probe}\n")
	_, err = h.run(bad)
	if err == nil || !strings.Contains(err.Error(), "does not match the submitted hash") {
		t.Fatalf("error %v, want a hash mismatch", err)
	}
}
