package temporal

import (
	"context"
	"fmt"
	"slices"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// Cluster-wide concurrency keys. Every key has one long-lived semaphore
// workflow (id SemaphoreID(key)) that hands out permits: a run asks for one
// with SignalWithStart (from a local activity, since workflow code cannot
// start other workflows by signal), waits for GrantSignal, runs the task
// and signals ReleaseSignal. One workflow per key serialises every grant
// of that key across all runs and workers, so the limit holds however many
// workers there are; per-key task queues with bounded worker slots would
// only bound each worker, not the cluster.
const (
	// SemaphoreWorkflowName is the registered name of the key semaphore.
	SemaphoreWorkflowName = "hotpass.semaphore"
	// AcquireSignal asks a semaphore for a permit (a PermitRequest).
	AcquireSignal = "acquire"
	// ReleaseSignal returns a permit or withdraws a request (a PermitRequest).
	ReleaseSignal = "release"
	// GrantSignal tells a run a permit is its (a PermitRequest).
	GrantSignal = "hotpass.granted"
	// acquireActivityName is the local activity that signals-with-start.
	acquireActivityName = "hotpass.acquire"
	// semaphoreHistoryLimit is where a semaphore continues as new.
	semaphoreHistoryLimit = 4000
)

// SemaphoreID is the workflow id of key's semaphore.
func SemaphoreID(key string) string { return "hotpass-key-" + key }

// PermitRequest names one task of one run asking for, holding or giving
// back a permit of a key.
type PermitRequest struct {
	Key string `json:"key"`
	// WorkflowID is the requesting run's workflow, which GrantSignal goes to.
	WorkflowID string `json:"workflow_id"`
	TaskID     string `json:"task_id"`
	// Limit is the key's limit as the requesting spec states it; the
	// semaphore applies the limit of the request it considers.
	Limit int `json:"limit"`
}

func (r PermitRequest) same(o PermitRequest) bool {
	return r.WorkflowID == o.WorkflowID && r.TaskID == o.TaskID
}

// SemaphoreState is a semaphore's input: its holders and queue, carried
// over continue-as-new.
type SemaphoreState struct {
	Key     string          `json:"key"`
	Holders []PermitRequest `json:"holders,omitempty"`
	Queue   []PermitRequest `json:"queue,omitempty"`
}

// grantable pops the requests that may hold a permit now, in arrival
// order. Kept apart from the workflow so the rule is plain to read: a
// request is granted while fewer than its limit hold permits.
func (s *SemaphoreState) grantable() []PermitRequest {
	var out []PermitRequest
	for len(s.Queue) > 0 && len(s.Holders) < max(1, s.Queue[0].Limit) {
		r := s.Queue[0]
		s.Queue = s.Queue[1:]
		s.Holders = append(s.Holders, r)
		out = append(out, r)
	}
	return out
}

// add queues r unless it is queued or holding already (a retried signal).
func (s *SemaphoreState) add(r PermitRequest) {
	if slices.ContainsFunc(s.Holders, r.same) || slices.ContainsFunc(s.Queue, r.same) {
		return
	}
	s.Queue = append(s.Queue, r)
}

// remove drops r from holders and queue.
func (s *SemaphoreState) remove(r PermitRequest) {
	s.Holders = slices.DeleteFunc(s.Holders, r.same)
	s.Queue = slices.DeleteFunc(s.Queue, r.same)
}

// SemaphoreWorkflow grants the permits of one key. It never ends on its
// own; it continues as new when its history grows.
func SemaphoreWorkflow(ctx workflow.Context, st SemaphoreState) error {
	acquire := workflow.GetSignalChannel(ctx, AcquireSignal)
	release := workflow.GetSignalChannel(ctx, ReleaseSignal)
	if err := workflow.SetQueryHandler(ctx, "state", func() (SemaphoreState, error) { return st, nil }); err != nil {
		return err
	}
	rc := newReclaimer(ctx)
	sel := workflow.NewSelector(ctx)
	sel.AddReceive(acquire, func(c workflow.ReceiveChannel, _ bool) {
		var r PermitRequest
		c.Receive(ctx, &r)
		st.add(r)
	})
	sel.AddReceive(release, func(c workflow.ReceiveChannel, _ bool) {
		var r PermitRequest
		c.Receive(ctx, &r)
		st.remove(r)
	})
	for {
		for _, r := range st.grantable() {
			// A run that ended meanwhile cannot take its permit; give it
			// back so the key does not leak.
			if err := workflow.SignalExternalWorkflow(ctx, r.WorkflowID, "", GrantSignal, r).Get(ctx, nil); err != nil {
				st.remove(r)
			}
		}
		if workflow.GetInfo(ctx).GetCurrentHistoryLength() >= semaphoreHistoryLimit {
			// Signals already delivered but not received would be lost by
			// continuing; take them into the carried state first.
			for {
				var r PermitRequest
				if acquire.ReceiveAsync(&r) {
					st.add(r)
				} else if release.ReceiveAsync(&r) {
					st.remove(r)
				} else {
					break
				}
			}
			return workflow.NewContinueAsNewError(ctx, SemaphoreWorkflowName, st)
		}
		rc.arm(ctx, sel, &st)
		sel.Select(ctx)
	}
}

// Acquire is the local activity that sends r to its key's semaphore,
// starting the semaphore if it is not running.
func (a *Activities) Acquire(ctx context.Context, r PermitRequest) error {
	if a.Client == nil {
		return fmt.Errorf("concurrency key %s: this worker has no Temporal client to reach the key's semaphore", r.Key)
	}
	_, err := a.Client.SignalWithStartWorkflow(ctx, SemaphoreID(r.Key), AcquireSignal, r,
		client.StartWorkflowOptions{ID: SemaphoreID(r.Key), TaskQueue: a.TaskQueue},
		SemaphoreWorkflowName, SemaphoreState{Key: r.Key})
	if err != nil {
		return fmt.Errorf("concurrency key %s: ask for a permit: %w", r.Key, err)
	}
	return nil
}

// permitReleases are the release signals a workflow sent to semaphores.
type permitReleases []workflow.Future

// add gives r back, or withdraws the request. It uses a disconnected
// context: a cancelled workflow must still hand its permits back.
func (p *permitReleases) add(ctx workflow.Context, r PermitRequest) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	*p = append(*p, workflow.SignalExternalWorkflow(dctx, SemaphoreID(r.Key), "", ReleaseSignal, r))
}

// await waits until every release signal was delivered: a signal still
// pending when the workflow run closes is never sent, and its permit would
// be held for ever.
func (p *permitReleases) await(ctx workflow.Context) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	for _, f := range *p {
		// A semaphore that is gone holds nothing to give back.
		_ = f.Get(dctx, nil)
	}
	*p = nil
}
