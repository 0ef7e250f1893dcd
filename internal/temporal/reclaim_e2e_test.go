package temporal_test

import (
	"context"
	"slices"
	"testing"
	"time"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
	"github.com/hotpass/hotpass/internal/temporaltest"
)

// TestClosedHoldersOnServer asks a real Temporal server about three
// workflows: one running, one terminated and one that never existed. The
// last two are closed; the running one is not.
func TestClosedHoldersOnServer(t *testing.T) {
	t.Parallel()
	c := temporaltest.Dial(t, temporaltest.Start(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Semaphores serve as workflows to ask about: starting one needs no
	// worker, and it runs until terminated.
	a := &hptemporal.Activities{Client: c, TaskQueue: "hotpass-closed-holders"}
	for _, key := range []string{"live", "gone"} {
		if err := a.Acquire(ctx, hptemporal.PermitRequest{Key: key, WorkflowID: "run-1", TaskID: "t", Limit: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.TerminateWorkflow(ctx, hptemporal.SemaphoreID("gone"), "", "a run terminated by an operator"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), hptemporal.SemaphoreID("live"), "", "test over") })
	closed, err := a.ClosedHolders(ctx, []string{hptemporal.SemaphoreID("live"), hptemporal.SemaphoreID("gone"), "never-started"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{hptemporal.SemaphoreID("gone"), "never-started"}; !slices.Equal(closed, want) {
		t.Errorf("closed holders %v, want %v", closed, want)
	}

	// A worker without a client cannot tell, and must not guess.
	if _, err := (&hptemporal.Activities{}).ClosedHolders(ctx, []string{"x"}); err == nil {
		t.Error("ClosedHolders without a client succeeded")
	}
}
