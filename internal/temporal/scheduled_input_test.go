package temporal_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// scheduledInput is the input a deployment's Temporal Schedule starts
// every fire with: the spec named by path, no run id, date or source.
func scheduledInput(h *harness, tz string) hptemporal.RunInput {
	in := h.input()
	in.RunID, in.Date, in.TS, in.Source, in.SourceHash = "", "", time.Time{}, nil, ""
	in.LoadSpec, in.Timezone, in.Deployment = true, tz, "nightly"
	return in
}

// TestWorkflowLoadsDeploymentSpec: a scheduled fire reads the spec file as
// it is when the run starts (an edit between fires reaches the next fire),
// and names its own run after the fire time.
func TestWorkflowLoadsDeploymentSpec(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "")
	for i, spec := range []struct{ name, task string }{{"first", "a"}, {"edited", "b"}} {
		src := "version: 1\nname: " + spec.name + "\ntasks:\n  " + spec.task + ": {type: probe}\n"
		if err := os.WriteFile(h.input().SpecPath, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		env := h.env()
		start := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)
		env.SetStartTime(start)
		env.ExecuteWorkflow(hptemporal.WorkflowName, scheduledInput(h, "Africa/Johannesburg"))
		rec, err := result(t, env)
		if err != nil {
			t.Fatalf("fire %d: %v", i, err)
		}
		if rec.Pipeline != spec.name || len(rec.Tasks) != 1 || rec.Tasks[0].ID != spec.task {
			t.Fatalf("fire %d ran %s %v, want %s as the file then was", i, rec.Pipeline, statuses(rec), spec.name)
		}
		if !regexp.MustCompile(`^20261207T233000Z-[0-9a-f]{6}$`).MatchString(rec.RunID) {
			t.Errorf("fire %d: run id %q, want one named after the fire time", i, rec.RunID)
		}
	}
	in := scheduledInput(h, "")
	if err := os.Remove(in.SpecPath); err != nil {
		t.Fatal(err)
	}
	env := h.env()
	env.ExecuteWorkflow(hptemporal.WorkflowName, in)
	if _, err := result(t, env); err == nil || !strings.Contains(err.Error(), "same path on every worker") {
		t.Errorf("spec missing on the worker: error %v, want it to say where the spec must be", err)
	}
}
