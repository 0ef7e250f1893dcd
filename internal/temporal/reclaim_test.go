package temporal_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// TestSemaphoreReclaimsClosedHolders has two runs hold both permits of a
// key and never release them; one of them is closed (as if terminated).
// Two more runs wait. The semaphore must take the closed run's permit back
// and grant it to the first waiter, and leave the live holder's permit
// alone, so the second waiter keeps waiting.
func TestSemaphoreReclaimsClosedHolders(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(hptemporal.SemaphoreWorkflow, workflow.RegisterOptions{Name: hptemporal.SemaphoreWorkflowName})
	var mu sync.Mutex
	var granted, asked []string
	env.RegisterActivityWithOptions(func(_ context.Context, ids []string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, ids...)
		var closed []string
		for _, id := range ids {
			if id == "run-terminated" {
				closed = append(closed, id)
			}
		}
		return closed, nil
	}, activity.RegisterOptions{Name: hptemporal.ClosedHoldersActivityName})
	recordGrants(env, &mu, &granted)
	for i, run := range []string{"run-terminated", "run-live", "run-waiting-1", "run-waiting-2"} {
		r := hptemporal.PermitRequest{Key: "crm", WorkflowID: run, TaskID: "t", Limit: 2}
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(hptemporal.AcquireSignal, r) }, time.Duration(i+1)*time.Second)
	}
	var midway []string
	env.RegisterDelayedCallback(func() {
		mu.Lock()
		midway = slices.Clone(granted)
		mu.Unlock()
	}, 20*time.Second)
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(hptemporal.SemaphoreWorkflowName, hptemporal.SemaphoreState{Key: "crm"})
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"run-terminated", "run-live"}; !slices.Equal(midway, want) {
		t.Errorf("granted before the first check: %v, want %v", midway, want)
	}
	if want := []string{"run-terminated", "run-live", "run-waiting-1"}; !slices.Equal(granted, want) {
		t.Errorf("granted %v, want %v (the closed holder's permit to the first waiter only)", granted, want)
	}
	if !slices.Contains(asked, "run-live") || slices.Contains(asked, "run-waiting-2") {
		t.Errorf("holders checked: %v; want the holders, never a waiter", asked)
	}
}

// TestSemaphoreKeepsPermitsWhenCheckFails has the holder check fail (the
// server unreachable): no permit may be taken back on a failed check.
func TestSemaphoreKeepsPermitsWhenCheckFails(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(hptemporal.SemaphoreWorkflow, workflow.RegisterOptions{Name: hptemporal.SemaphoreWorkflowName})
	var mu sync.Mutex
	checks := 0
	var granted []string
	env.RegisterActivityWithOptions(func(context.Context, []string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		checks++
		return nil, context.DeadlineExceeded
	}, activity.RegisterOptions{Name: hptemporal.ClosedHoldersActivityName})
	recordGrants(env, &mu, &granted)
	for i, run := range []string{"run-holding", "run-waiting"} {
		r := hptemporal.PermitRequest{Key: "crm", WorkflowID: run, TaskID: "t", Limit: 1}
		env.RegisterDelayedCallback(func() { env.SignalWorkflow(hptemporal.AcquireSignal, r) }, time.Duration(i+1)*time.Second)
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, 10*time.Minute)
	env.ExecuteWorkflow(hptemporal.SemaphoreWorkflowName, hptemporal.SemaphoreState{Key: "crm"})
	mu.Lock()
	defer mu.Unlock()
	if checks < 2 {
		t.Errorf("holders checked %d times in 10 minutes; want a check every interval while a request waits", checks)
	}
	if want := []string{"run-holding"}; !slices.Equal(granted, want) {
		t.Errorf("granted %v, want %v", granted, want)
	}
}

// recordGrants appends the workflow id of every permit env's semaphore
// grants to granted.
func recordGrants(env *testsuite.TestWorkflowEnvironment, mu *sync.Mutex, granted *[]string) {
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", hptemporal.GrantSignal, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			*granted = append(*granted, arg.(hptemporal.PermitRequest).WorkflowID)
			return nil
		})
}
