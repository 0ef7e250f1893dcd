package artifacts_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

// bigTable has far more bytes than Temporal accepts in one payload (2 MB).
func bigTable(t *testing.T, rows int) *table.Table {
	t.Helper()
	s := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String})
	b := table.NewBuilder(s, rows)
	for i := range rows {
		b.Column(0).AppendInt64(int64(i))
		b.Column(1).AppendString("Highveld Flight School (Pty) Ltd, hangar " + string(rune('A'+i%26)))
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// TestTableBetweenWorkers hands a table from an activity on one worker to
// an activity on another through the store, against a real Temporal
// server, and checks that the workflow history carries only the small Ref.
func TestTableBetweenWorkers(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	storeURL := (&url.URL{Scheme: "file", Path: t.TempDir()}).String()
	const rows = 100_000
	want := bigTable(t, rows)

	// Each "machine" opens the store itself and polls its own queue, so the
	// two activities cannot share memory.
	newWorker := func(queue string, register func(worker.Worker, *artifacts.Store)) {
		s, err := artifacts.Open(context.Background(), storeURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		w := worker.New(c, queue, worker.Options{Identity: queue})
		register(w, s)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	newWorker("machine-a", func(w worker.Worker, s *artifacts.Store) {
		w.RegisterWorkflowWithOptions(func(ctx workflow.Context, runID string) (int64, error) {
			opts := workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}}
			var ref artifacts.Ref
			opts.TaskQueue = "machine-a"
			if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), "produce", runID).Get(ctx, &ref); err != nil {
				return 0, err
			}
			var sum int64
			opts.TaskQueue = "machine-b"
			err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), "consume", ref).Get(ctx, &sum)
			return sum, err
		}, workflow.RegisterOptions{Name: "handoff"})
		w.RegisterActivityWithOptions(func(ctx context.Context, runID string) (artifacts.Ref, error) {
			return s.PutTable(ctx, runID, "produce", want)
		}, activity.RegisterOptions{Name: "produce"})
	})
	newWorker("machine-b", func(w worker.Worker, s *artifacts.Store) {
		w.RegisterActivityWithOptions(func(ctx context.Context, ref artifacts.Ref) (int64, error) {
			got, err := s.GetTable(ctx, ref)
			if err != nil {
				return 0, err
			}
			var sum int64
			for _, id := range got.Column(0).Int64s() {
				sum += id
			}
			return sum, nil
		}, activity.RegisterOptions{Name: "consume"})
	})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "handoff-run-1", TaskQueue: "machine-a"}, "handoff", "run-1")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := run.Get(ctx, &sum); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if wantSum := int64(rows) * (rows - 1) / 2; sum != wantSum {
		t.Fatalf("the second worker summed %d, want %d", sum, wantSum)
	}

	// Everything the history holds about the table is the Ref.
	var payloadBytes int
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			for _, p := range a.GetResult().GetPayloads() {
				payloadBytes += len(p.GetData())
			}
		}
	}
	if payloadBytes == 0 || payloadBytes > 1024 {
		t.Fatalf("activity results in the history total %d bytes, want a small Ref (under 1 KiB)", payloadBytes)
	}
}
