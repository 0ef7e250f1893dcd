package temporal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A run that is terminated, times out or otherwise closes without sending
// ReleaseSignal would hold its permits for ever. While permits are held and
// requests wait, the semaphore asks the server every reclaimInterval which
// holders are closed and takes their permits back. The question goes
// through a local activity: the answer is recorded in history, so replay
// takes the same decision.
const (
	// ClosedHoldersActivityName is the local activity that reports which
	// holders' workflows are closed.
	ClosedHoldersActivityName = "hotpass.closed-holders"
	// reclaimInterval is how long a waiter may wait behind a closed holder.
	reclaimInterval = 30 * time.Second
	// reclaimVersion marks semaphore histories that check their holders;
	// semaphores started before keep replaying without the check.
	reclaimVersion = "reclaim-closed-holders"
)

// ClosedHolders returns the workflow ids among ids whose latest run is no
// longer running, or that the server no longer knows (retention passed).
func (a *Activities) ClosedHolders(ctx context.Context, ids []string) ([]string, error) {
	if a.Client == nil {
		return nil, errors.New("checking permit holders: this worker has no Temporal client")
	}
	var closed []string
	for _, id := range ids {
		d, err := a.Client.DescribeWorkflow(ctx, id, "")
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf):
			closed = append(closed, id)
		case err != nil:
			return nil, fmt.Errorf("checking permit holder %s: %w", id, err)
		case d.Status != enums.WORKFLOW_EXECUTION_STATUS_RUNNING:
			closed = append(closed, id)
		}
	}
	return closed, nil
}

// reclaimer drives the periodic holder check of a semaphore workflow.
type reclaimer struct {
	enabled bool
	pending bool // a timer or a check is in flight
}

// newReclaimer decides, once per workflow run, whether this history
// checks its holders.
func newReclaimer(ctx workflow.Context) *reclaimer {
	v := workflow.GetVersion(ctx, reclaimVersion, workflow.DefaultVersion, 1)
	return &reclaimer{enabled: v == 1}
}

// waiting reports whether a closed holder could be keeping a waiter out.
func waiting(st *SemaphoreState) bool { return len(st.Holders) > 0 && len(st.Queue) > 0 }

// arm starts a timer on sel if requests wait behind holders and none is
// running; when it fires, the holders are checked and the closed ones
// dropped from st.
func (rc *reclaimer) arm(ctx workflow.Context, sel workflow.Selector, st *SemaphoreState) {
	// A cancelled workflow's timers fire at once; arming again would spin.
	if !rc.enabled || rc.pending || !waiting(st) || ctx.Err() != nil {
		return
	}
	rc.pending = true
	sel.AddFuture(workflow.NewTimer(ctx, reclaimInterval), func(f workflow.Future) {
		if err := f.Get(ctx, nil); err != nil {
			rc.enabled = false // cancelled: no more checks in this run
			return
		}
		if !waiting(st) {
			rc.pending = false
			return
		}
		var ids []string
		for _, h := range st.Holders {
			if !slices.Contains(ids, h.WorkflowID) {
				ids = append(ids, h.WorkflowID)
			}
		}
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: dialTimeout,
			RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
		})
		sel.AddFuture(workflow.ExecuteLocalActivity(lctx, ClosedHoldersActivityName, ids), func(f workflow.Future) {
			rc.pending = false
			var closed []string
			if err := f.Get(ctx, &closed); err != nil {
				// The server was unreachable; the next tick asks again.
				workflow.GetLogger(ctx).Warn("checking permit holders failed", "key", st.Key, "error", err)
				return
			}
			if len(closed) > 0 {
				workflow.GetLogger(ctx).Info("reclaiming permits of closed runs", "key", st.Key, "workflows", closed)
			}
			st.Holders = slices.DeleteFunc(st.Holders, func(h PermitRequest) bool { return slices.Contains(closed, h.WorkflowID) })
		})
	})
}
