package temporal

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
)

// finishActivityName records a run's end in the run history.
const finishActivityName = "hotpass.finish"

// FinishInput is the input of the finish activity.
type FinishInput struct {
	RunID  string    `json:"run_id"`
	Result RunResult `json:"result"`
}

// recordStart creates the run in the history with every task pending. A
// retried plan activity finds the run there already, which is fine.
func (a *Activities) recordStart(ctx context.Context, in RunInput, pr *preparedRun) error {
	if a.History == nil {
		return nil
	}
	plan := pr.prep.Plan
	spec := plan.Spec()
	params, err := json.Marshal(maskAttrs(pr.red, pr.prep.Params))
	if err != nil {
		return fmt.Errorf("record run %s: params: %w", in.RunID, err)
	}
	now := time.Now().UTC()
	host, _ := os.Hostname()
	startedBy := in.StartedBy
	if startedBy == "" {
		startedBy = store.StartedCLI
	}
	_, err = a.History.CreateRun(ctx, store.Run{
		ID: in.RunID, Pipeline: spec.Name, SpecPath: in.SpecPath, SpecHash: spec.Hash, StartedBy: startedBy, Deployment: in.Deployment,
		ParentID: in.ParentID, ResumeFrom: in.Resume.from(),
		Params: params, Status: store.RunRunning, CreatedAt: now, StartedAt: now, HeartbeatAt: now,
		Hostname: host, WorkflowID: activity.GetInfo(ctx).WorkflowExecution.ID,
	})
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record run %s: %w", in.RunID, err)
	}
	tasks := make([]store.TaskRun, len(spec.Tasks))
	for i, t := range spec.Tasks {
		tasks[i] = store.TaskRun{RunID: in.RunID, TaskID: t.ID, Type: t.Type, Status: engine.StatusPending, DefinitionHash: pr.definitionHash(t.ID)}
	}
	if err := a.History.RecordTasks(ctx, tasks); err != nil {
		return fmt.Errorf("record tasks of run %s: %w", in.RunID, err)
	}
	return nil
}

// recordTask records one task's state as an attempt starts or ends. A
// history that cannot be written must not fail the task: the finish
// activity writes every task's final state again.
func (a *Activities) recordTask(ctx context.Context, tr store.TaskRun) {
	if a.History == nil {
		return
	}
	if err := a.History.RecordTask(ctx, tr); err != nil {
		activity.GetLogger(ctx).Warn("run history not updated", "run_id", tr.RunID, "task", tr.TaskID, "error", err.Error())
	}
}

// Finish records the run's final state and every task's.
func (a *Activities) Finish(ctx context.Context, in FinishInput) error {
	if a.History == nil {
		return nil
	}
	rec, err := in.Result.RunRecord()
	if err != nil {
		return fmt.Errorf("finish run %s: %w", in.RunID, err)
	}
	// The definition hashes were recorded at the start; the record has none.
	hashes := map[string]string{}
	if prev, err := a.History.ListTasks(ctx, rec.RunID); err == nil {
		for _, t := range prev {
			hashes[t.TaskID] = t.DefinitionHash
		}
	}
	tasks := make([]store.TaskRun, len(rec.Tasks))
	for i, t := range rec.Tasks {
		attrs, err := json.Marshal(t.Attrs)
		if err != nil || len(t.Attrs) == 0 {
			attrs = nil
		}
		tasks[i] = store.TaskRun{RunID: rec.RunID, TaskID: t.ID, Type: t.Type, Status: t.Status, Attempts: t.Attempts,
			StartedAt: t.StartedAt, EndedAt: t.EndedAt, Error: cmp.Or(t.Error, t.SkipReason), Output: t.Log,
			RowsIn: t.RowsIn, RowsOut: t.RowsOut, Attrs: attrs, DefinitionHash: hashes[t.ID]}
	}
	if err := a.History.RecordTasks(ctx, tasks); err != nil {
		return fmt.Errorf("finish run %s: %w", in.RunID, err)
	}
	_, err = a.History.UpdateRun(ctx, rec.RunID, store.RunUpdate{Status: rec.Status, Error: rec.Error, EndedAt: rec.EndedAt})
	if errors.Is(err, store.ErrInvalidTransition) {
		return nil // recorded by an earlier attempt
	}
	if err != nil {
		return fmt.Errorf("finish run %s: %w", in.RunID, err)
	}
	return nil
}
