package temporal_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/storetest"
)

// TestWorkflowRecordsRunHistory checks that a run on Temporal lands in the
// same run history as a local run, with its workflow id, so `hotpass runs`
// shows it.
func TestWorkflowRecordsRunHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t, `version: 1
name: history
tasks:
  a: {type: probe}
  b: {type: probe, needs: [a], with: {fail: true}}
  c: {type: probe, needs: [b]}
`)
	ctx := context.Background()
	st := h.withHistory()
	in := h.input()
	if _, err := h.run(in); err == nil {
		t.Fatal("the run succeeded although b fails")
	}
	run, err := st.GetRun(ctx, in.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != engine.StatusFailed || run.WorkflowID == "" || run.Pipeline != "history" || run.EndedAt.IsZero() {
		t.Errorf("run recorded as %s, workflow %q, pipeline %q, ended %v; want failed, with a workflow id, ended",
			run.Status, run.WorkflowID, run.Pipeline, run.EndedAt)
	}
	tasks, err := st.ListTasks(ctx, in.RunID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]engine.Status{"a": engine.StatusSucceeded, "b": engine.StatusFailed, "c": engine.StatusSkipped}
	if len(tasks) != len(want) {
		t.Fatalf("%d tasks recorded, want %d", len(tasks), len(want))
	}
	for _, tr := range tasks {
		if tr.Status != want[tr.TaskID] {
			t.Errorf("task %s recorded as %s, want %s", tr.TaskID, tr.Status, want[tr.TaskID])
		}
		if tr.DefinitionHash == "" {
			t.Errorf("task %s has no definition hash", tr.TaskID)
		}
	}
}

// withHistory gives the harness's activities a run history in a SQLite
// store of their own, closed when the test ends, and returns it.
func (h *harness) withHistory() store.Store {
	h.t.Helper()
	st := storetest.OpenAt(h.t, filepath.Join(h.dir, "hotpass.db"))
	h.acts.History = st
	return st
}
