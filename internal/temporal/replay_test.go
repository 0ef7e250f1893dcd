package temporal_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/hotpass/hotpass/engine"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

var update = flag.Bool("update", false, "record testdata/history.json again on the Temporal server at $HOTPASS_TEMPORAL_ADDRESS")

const goldenHistory = "testdata/history.json"

// TestReplayRecordedHistory replays a history recorded on a real Temporal
// server (retries, a failure that skips downstream, a cluster-wide
// concurrency key): a change to RunWorkflow that would break runs in
// flight fails here as a non-determinism error.
func TestReplayRecordedHistory(t *testing.T) {
	if *update {
		recordHistory(t)
	}
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(hptemporal.RunWorkflow, workflow.RegisterOptions{Name: hptemporal.WorkflowName})
	if err := r.ReplayWorkflowHistoryFromJSONFile(nil, goldenHistory); err != nil {
		t.Fatalf("replay %s: %v (if the change is meant to be incompatible, version it with workflow.GetVersion)", goldenHistory, err)
	}
}

// recordHistory runs testdata/replay.yaml on a real server with an
// in-process worker and writes the workflow's history.
func recordHistory(t *testing.T) {
	t.Helper()
	addr := os.Getenv(hptemporal.EnvAddress)
	if addr == "" {
		t.Fatalf("-update needs a Temporal server: set %s", hptemporal.EnvAddress)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := hptemporal.Conn{Address: addr}.Dial(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	src, err := os.ReadFile("testdata/replay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// A semaphore left by an earlier recording polls a queue nobody serves.
	_ = c.TerminateWorkflow(ctx, hptemporal.SemaphoreID("crm"), "", "re-recording the replay history")
	queue := "hotpass-replay-" + time.Now().Format("150405.000")
	h := newHarness(t, string(src))
	h.acts.Client, h.acts.TaskQueue = c, queue
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = hptemporal.Serve(wctx, c, queue, 0, h.acts) }()
	abs, _ := filepath.Abs("testdata/replay.yaml")
	runID := "replay-" + time.Now().UTC().Format("20060102T150405")
	run, err := hptemporal.Submit(ctx, c, queue, hptemporal.RunInput{
		RunID: runID, SpecPath: abs, SpecDir: filepath.Dir(abs), Source: src, SourceHash: hptemporal.SourceHash(src),
		Date: "2026-12-07", TS: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), TaskQueue: queue,
	})
	if err != nil {
		t.Fatal(err)
	}
	var res hptemporal.RunResult
	rec, err := hptemporal.Outcome(res, run.Get(ctx, &res))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != engine.StatusFailed || rec.Task("e").Status != engine.StatusSucceeded {
		t.Fatalf("recorded run %s with e %s, want failed (broken) with e succeeded", rec.Status, rec.Task("e").Status)
	}
	var hist history.History
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, 0)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenHistory, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
