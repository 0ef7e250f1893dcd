package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/history"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/tasks/noop"
)

// prepare loads and compiles a spec over the noop task type.
func prepare(t testing.TB, src string) *engine.Prepared {
	t.Helper()
	reg, err := engine.NewRegistry(noop.Type{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := engine.NewLoader(reg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return prep
}

func tasksOf(p *engine.Plan) []history.Task {
	h := p.DefinitionHashes()
	var out []history.Task
	for _, t := range p.Spec().Tasks {
		out = append(out, history.Task{ID: t.ID, Type: t.Type, DefinitionHash: h[t.ID]})
	}
	return out
}

const spec = `version: 1
name: hist
tasks:
  first: {type: noop}
  flaky:
    type: noop
    retries: 2
    retry_delay: 1ms
    needs: [first]
    with: {fail_times: 1}
  broken: {type: noop, with: {fail: true}}
  after: {type: noop, needs: [broken]}
`

func TestRecorderRecordsRunAndTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	prep := prepare(t, spec)
	runID := "20260101T000000Z-000001"
	if _, err := st.CreateRun(ctx, store.Run{ID: runID, Pipeline: "hist"}); err != nil {
		t.Fatal(err)
	}
	rec := history.New(st, history.Options{RunID: runID, Tasks: tasksOf(prep.Plan), TraceID: "abc123"})
	if err := rec.Start(ctx); err != nil {
		t.Fatal(err)
	}
	running, err := st.GetRun(ctx, runID)
	if err != nil || running.Status != store.RunRunning || running.PID != os.Getpid() || running.TraceID != "abc123" {
		t.Fatalf("run after Start: %+v %v", running, err)
	}
	pending, _ := st.ListTasks(ctx, runID)
	if len(pending) != 4 || pending[0].Status != "pending" || pending[0].DefinitionHash == "" {
		t.Fatalf("tasks after Start: %+v", pending)
	}
	out, runErr := prep.Plan.Run(ctx, engine.RunOptions{RunID: runID, StateDir: t.TempDir(), Observer: rec})
	if err := rec.Finish(ctx, out, runErr); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetRun(ctx, runID)
	if err != nil || got.Status != store.RunFailed || !strings.Contains(got.Error, "broken") || got.EndedAt.IsZero() {
		t.Fatalf("run: %+v %v", got, err)
	}
	trs, err := st.ListTasks(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	hashes := prep.Plan.DefinitionHashes()
	want := map[string]struct {
		status   engine.Status
		attempts int
		errPart  string
	}{
		"first":  {"succeeded", 1, ""},
		"flaky":  {"succeeded", 2, ""},
		"broken": {"failed", 1, "failed on purpose"},
		"after":  {"skipped", 0, "upstream failed: broken"},
	}
	for _, tr := range trs {
		w := want[tr.TaskID]
		if tr.Status != w.status || tr.Attempts != w.attempts || !strings.Contains(tr.Error, w.errPart) ||
			tr.Type != "noop" || tr.DefinitionHash != hashes[tr.TaskID] {
			t.Errorf("task %s: %+v, want %+v", tr.TaskID, tr, w)
		}
		if w.status != "skipped" && (tr.StartedAt.IsZero() || tr.EndedAt.Before(tr.StartedAt)) {
			t.Errorf("task %s times: %v %v", tr.TaskID, tr.StartedAt, tr.EndedAt)
		}
	}
}

func TestRecorderRunThatCouldNotStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := st.CreateRun(ctx, store.Run{ID: "r1", Pipeline: "p"}); err != nil {
		t.Fatal(err)
	}
	rec := history.New(st, history.Options{RunID: "r1"})
	if err := rec.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rec.Finish(ctx, nil, errors.New("run directory not writable")); err != nil {
		t.Fatal(err)
	}
	got, _ := st.GetRun(ctx, "r1")
	if got.Status != store.RunFailed || got.Error != "run directory not writable" {
		t.Errorf("run %+v", got)
	}
}

func TestRecorderStartUnknownRun(t *testing.T) {
	t.Parallel()
	rec := history.New(storetest.Open(t), history.Options{RunID: "missing"})
	err := rec.Start(context.Background())
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("err = %v", err)
	}
}

func TestRecorderAttrsAndOutput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := st.CreateRun(ctx, store.Run{ID: "r2", Pipeline: "p"}); err != nil {
		t.Fatal(err)
	}
	rec := history.New(st, history.Options{RunID: "r2", Tasks: []history.Task{{ID: "load", Type: "read", DefinitionHash: "h1"}}})
	if err := rec.Start(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	run := &engine.RunRecord{RunID: "r2", Status: engine.StatusSucceeded, EndedAt: now, Tasks: []engine.TaskRecord{{
		ID: "load", Type: "read", Status: engine.StatusSucceeded, Attempts: 0, RowsOut: 7,
		Attrs: map[string]any{engine.OutputAttr: "load.parquet", engine.ReusedFromAttr: "r1"},
	}}}
	if err := rec.Finish(ctx, run, nil); err != nil {
		t.Fatal(err)
	}
	trs, _ := st.ListTasks(ctx, "r2")
	var attrs map[string]any
	_ = json.Unmarshal(trs[0].Attrs, &attrs)
	if trs[0].Output != "load.parquet" || attrs[engine.ReusedFromAttr] != "r1" || trs[0].RowsOut != 7 || trs[0].DefinitionHash != "h1" {
		t.Errorf("task run %+v attrs %v", trs[0], attrs)
	}
}

func TestMarkCrashedLeavesLiveRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := st.CreateRun(ctx, store.Run{ID: "live", Pipeline: "p"}); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if _, err := st.UpdateRun(ctx, "live", store.RunUpdate{Status: store.RunRunning, PID: os.Getpid(), Hostname: host}); err != nil {
		t.Fatal(err)
	}
	if err := history.MarkCrashed(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetRun(ctx, "live"); got.Status != store.RunRunning {
		t.Errorf("live run marked %s", got.Status)
	}
}

// BenchmarkRecorderTransitions pushes task transitions through the
// recorder into SQLite (target: 10,000 transitions/s). Each task makes two
// transitions (started, finished); the time includes Finish, so every
// transition is in the database when the clock stops.
func BenchmarkRecorderTransitions(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b)
	const tasks = 5000
	defs := make([]history.Task, tasks)
	for i := range defs {
		defs[i] = history.Task{ID: fmt.Sprintf("t%05d", i), Type: "noop", DefinitionHash: "h"}
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		runID := fmt.Sprintf("run-%d", n)
		if _, err := st.CreateRun(ctx, store.Run{ID: runID, Pipeline: "bench"}); err != nil {
			b.Fatal(err)
		}
		rec := history.New(st, history.Options{RunID: runID, Tasks: defs})
		if err := rec.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		now := time.Now()
		for _, d := range defs {
			rec.Observe(engine.Event{Kind: engine.EventTaskStarted, Time: now, TaskID: d.ID, TaskType: "noop", Attempt: 1})
			rec.Observe(engine.Event{Kind: engine.EventTaskFinished, Time: now, TaskID: d.ID, TaskType: "noop", Attempt: 1, Status: engine.StatusSucceeded})
		}
		if err := rec.Finish(ctx, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(2*tasks*b.N)/b.Elapsed().Seconds(), "transitions/s")
}
