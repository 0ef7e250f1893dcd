package temporal

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/exitcode"
)

// ErrNotResumable is wrapped when the run named to resume cannot be: it
// succeeded, or left no record. It carries exit status 2.
var ErrNotResumable = exitcode.New(exitcode.Invalid, "run cannot be resumed")

// Resume is what a resumed run knows of the earlier run: its succeeded
// tasks with their definition hashes and the references to their kept
// tables, which every worker reads from the artifact store.
type Resume struct {
	RunID string                `json:"run_id"`
	Tasks map[string]ReusedTask `json:"tasks"`
}

// ReusedTask is one succeeded task of the earlier run.
type ReusedTask struct {
	DefinitionHash string `json:"definition_hash"`
	// Output is nil for a task that kept no table.
	Output  *Ref  `json:"output,omitempty"`
	RowsIn  int64 `json:"rows_in,omitempty"`
	RowsOut int64 `json:"rows_out,omitempty"`
}

func (r *Resume) from() string {
	if r == nil {
		return ""
	}
	return r.RunID
}

// reusable lists, in plan order, the tasks the new run may take from the
// earlier one, as the embedded engine decides: succeeded there with the
// same definition hash, with every dependency reused too. Hashes are
// computed here, on the worker, from the spec as the worker renders it.
func (r *Resume) reusable(plan *engine.Plan) []string {
	if r == nil {
		return nil
	}
	hashes := plan.DefinitionHashes()
	reused := map[string]bool{}
	var out []string
	for _, id := range plan.Order() {
		prev, ok := r.Tasks[id]
		if !ok || prev.DefinitionHash == "" || prev.DefinitionHash != hashes[id] {
			continue
		}
		ok = true
		for _, d := range plan.Deps(id) {
			ok = ok && reused[d]
		}
		if ok {
			reused[id] = true
			out = append(out, id)
		}
	}
	return out
}

// reuse marks the tasks the plan reuses as succeeded, with the earlier
// run's outputs, so that run schedules only the others.
func (s *scheduler) reuse() {
	if s.in.Resume == nil {
		return
	}
	for _, id := range s.plan.Reused {
		i := -1
		for j, t := range s.plan.Tasks {
			if t.ID == id {
				i = j
			}
		}
		if i < 0 {
			continue
		}
		prev := s.in.Resume.Tasks[id]
		t := &s.rec.Tasks[i]
		t.Status, t.RowsIn, t.RowsOut = engine.StatusSucceeded, prev.RowsIn, prev.RowsOut
		t.Attrs = map[string]any{engine.ReusedFromAttr: s.in.Resume.RunID}
		if prev.Output != nil {
			s.outputs[id] = *prev.Output
		}
	}
}

// ResumeOf reads the Temporal run runID to resume it: its workflow must
// have ended failed or cancelled. Its succeeded tasks come from the
// workflow's result, their definition hashes from the run history.
func ResumeOf(ctx context.Context, c client.Client, hist store.Store, runID string) (*Resume, error) {
	var res RunResult
	err := c.GetWorkflow(ctx, WorkflowID(runID), "").Get(ctx, &res)
	if err == nil {
		return nil, fmt.Errorf("%w: run %s succeeded; there is nothing to resume", ErrNotResumable, runID)
	}
	if !resultDetails(err, &res) {
		return nil, fmt.Errorf("%w: run %s: its workflow %s left no run record: %w", ErrNotResumable, runID, WorkflowID(runID), err)
	}
	tasks, err := hist.ListTasks(ctx, runID)
	if err != nil {
		return nil, fmt.Errorf("resume %s: read its tasks from the run history: %w", runID, err)
	}
	hashes := make(map[string]string, len(tasks))
	for _, t := range tasks {
		hashes[t.TaskID] = t.DefinitionHash
	}
	return ResumeFrom(runID, res, hashes)
}

// ResumeFrom is the Resume of a run that ended with res; hashes are its
// tasks' definition hashes as the run history keeps them.
func ResumeFrom(runID string, res RunResult, hashes map[string]string) (*Resume, error) {
	rec, err := res.RunRecord()
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", runID, err)
	}
	var outputs map[string]Ref
	if len(res.Outputs) > 0 {
		if err := res.Outputs.unpack(&outputs); err != nil {
			return nil, fmt.Errorf("resume %s: outputs: %w", runID, err)
		}
	}
	// A succeeded task that discarded upstream outputs deleted them from
	// the store, so those tasks run again.
	discarded := map[string]bool{}
	for _, t := range rec.Tasks {
		if t.Status == engine.StatusSucceeded {
			for _, id := range engine.DiscardOutputs(t.Attrs) {
				discarded[id] = true
			}
		}
	}
	r := &Resume{RunID: runID, Tasks: map[string]ReusedTask{}}
	for _, t := range rec.Tasks {
		if t.Status != engine.StatusSucceeded || discarded[t.ID] {
			continue
		}
		rt := ReusedTask{DefinitionHash: hashes[t.ID], RowsIn: t.RowsIn, RowsOut: t.RowsOut}
		if ref, ok := outputs[t.ID]; ok {
			rt.Output = &ref
		}
		r.Tasks[t.ID] = rt
	}
	return r, nil
}
