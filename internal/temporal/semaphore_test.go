package temporal_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// TestSemaphoreNeverExceedsLimit has 40 tasks of 8 runs ask one key with
// limit 3 for permits at staggered times; each holds its permit for a
// while. The semaphore must grant all of them and never more than 3 at
// once, and ignore a request signalled twice.
func TestSemaphoreNeverExceedsLimit(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(hptemporal.SemaphoreWorkflow, workflow.RegisterOptions{Name: hptemporal.SemaphoreWorkflowName})
	const limit = 3
	var mu sync.Mutex
	holding, peak, grants := 0, 0, map[string]int{}
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", hptemporal.GrantSignal, mock.Anything).Return(
		func(_, _, _, _ string, arg any) error {
			r := arg.(hptemporal.PermitRequest)
			mu.Lock()
			holding++
			peak = max(peak, holding)
			grants[r.WorkflowID+"/"+r.TaskID]++
			mu.Unlock()
			env.RegisterDelayedCallback(func() {
				mu.Lock()
				holding--
				mu.Unlock()
				env.SignalWorkflow(hptemporal.ReleaseSignal, r)
			}, 7*time.Second)
			return nil
		})
	for i := range 40 {
		r := hptemporal.PermitRequest{Key: "crm", WorkflowID: fmt.Sprintf("run-%d", i%8), TaskID: fmt.Sprintf("t%d", i), Limit: limit}
		env.RegisterDelayedCallback(func() {
			env.SignalWorkflow(hptemporal.AcquireSignal, r)
			if i == 5 {
				env.SignalWorkflow(hptemporal.AcquireSignal, r) // a retried signal
			}
		}, time.Duration(i)*time.Second)
	}
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(hptemporal.SemaphoreWorkflowName, hptemporal.SemaphoreState{Key: "crm"})
	mu.Lock()
	defer mu.Unlock()
	if peak > limit {
		t.Errorf("%d permits held at once, limit %d", peak, limit)
	}
	if peak < limit {
		t.Errorf("at most %d permits held at once: the limit %d was never used fully", peak, limit)
	}
	if len(grants) != 40 {
		t.Errorf("%d of 40 requests granted", len(grants))
	}
	for k, n := range grants {
		if n != 1 {
			t.Errorf("%s granted %d times", k, n)
		}
	}
}
