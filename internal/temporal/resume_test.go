package temporal_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hotpass/hotpass/engine"
	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// TestWorkflowResume resumes a failed run after its failing task was
// fixed: the task upstream, unchanged, is reused and not run again; the
// fixed task and what depends on it run.
func TestWorkflowResume(t *testing.T) {
	t.Parallel()
	const broken = `version: 1
name: resume
tasks:
  a: {type: probe}
  b: {type: probe, needs: [a], with: {fail: %s}}
  c: {type: probe, needs: [b]}
`
	h := newHarness(t, spec(broken, "true"))
	ctx := context.Background()
	st := h.withHistory()
	first := h.input()
	env := h.env()
	env.ExecuteWorkflow(hptemporal.WorkflowName, first)
	werr := env.GetWorkflowError()
	if werr == nil {
		t.Fatal("the first run succeeded although b fails")
	}
	var res hptemporal.RunResult
	if !hptemporal.ResultDetails(werr, &res) {
		t.Fatalf("the failed run's error carries no result: %v", werr)
	}
	tasks, err := st.ListTasks(ctx, first.RunID)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{}
	for _, tr := range tasks {
		hashes[tr.TaskID] = tr.DefinitionHash
	}
	resume, err := hptemporal.ResumeFrom(first.RunID, res, hashes)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resume.Tasks["a"]; !ok || len(resume.Tasks) != 1 {
		t.Fatalf("resume holds tasks %v, want only a (the one that succeeded)", resume.Tasks)
	}

	fixed := []byte(spec(broken, "false"))
	second := first
	second.RunID, second.Source, second.SourceHash, second.Resume = first.RunID+"-resumed", fixed, hptemporal.SourceHash(fixed), resume
	rec, err := h.run(second)
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("resumed run: %s, %v; want succeeded", rec.Status, err)
	}
	if n := count(h.rec.started, "a"); n != 1 {
		t.Errorf("a ran %d times over both runs, want once (reused on resume): %v", n, h.rec.started)
	}
	if n := count(h.rec.started, "c"); n != 1 {
		t.Errorf("c ran %d times, want once (in the resumed run): %v", n, h.rec.started)
	}
	if got := rec.Tasks[0].Attrs[engine.ReusedFromAttr]; got != first.RunID {
		t.Errorf("a's %s = %v, want %s", engine.ReusedFromAttr, got, first.RunID)
	}
	run, err := st.GetRun(ctx, second.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.ResumeFrom != first.RunID {
		t.Errorf("history records the resumed run as resuming %q, want %q", run.ResumeFrom, first.RunID)
	}

	// b changed again: its definition hash no longer matches, so neither
	// b nor c, which needs it, is reused; a still is.
	again := second
	again.RunID = first.RunID + "-again"
	again.Resume = &hptemporal.Resume{RunID: second.RunID, Tasks: map[string]hptemporal.ReusedTask{
		"a": resume.Tasks["a"], "b": {DefinitionHash: "stale"}, "c": {DefinitionHash: hashes["c"]}}}
	before := len(h.rec.started)
	if _, err := h.run(again); err != nil {
		t.Fatal(err)
	}
	if got := h.rec.started[before:]; !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("ran %v, want b then c (a reused; b's definition changed, so c too)", got)
	}
}

func spec(format, fail string) string { return fmt.Sprintf(format, fail) }

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// A resume does not reuse the tasks whose outputs a succeeded task
// discarded from the store (the raw data upstream of a compliance task):
// their refs point at nothing, so they run again.
func TestResumeSkipsDiscardedOutputs(t *testing.T) {
	t.Parallel()
	rec := engine.RunRecord{RunID: "r1", Tasks: []engine.TaskRecord{
		{ID: "refine", Status: engine.StatusSucceeded},
		{ID: "validate", Status: engine.StatusSucceeded},
		{ID: "compliance", Status: engine.StatusSucceeded, Attrs: map[string]any{engine.DiscardOutputsAttr: []string{"refine", "validate"}}},
		{ID: "enrich", Status: engine.StatusFailed},
	}}
	res, err := hptemporal.ResultOf(rec)
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[string]string{"refine": "h1", "validate": "h2", "compliance": "h3", "enrich": "h4"}
	r, err := hptemporal.ResumeFrom("r1", res, hashes)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for id := range r.Tasks {
		got = append(got, id)
	}
	if !slices.Equal(got, []string{"compliance"}) {
		t.Errorf("reusable tasks %v, want compliance only", got)
	}
}
