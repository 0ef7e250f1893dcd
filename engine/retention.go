package engine

import "github.com/hotpass/hotpass/internal/runstate"

// applyRetention removes the kept outputs of this pipeline's runs that the
// spec's keep_outputs and keep_runs no longer keep (see runstate.Expired).
// It runs once the run's final record is written, so the run itself counts
// among the latest; runs that can be resumed keep what resuming needs.
func (r *run) applyRetention() {
	spec := r.plan.spec
	policy := runstate.Policy{Keep: spec.KeepOutputs, Runs: spec.KeepRuns}
	removed, err := runstate.New(r.opts.StateDir).ApplyRetention(spec.Name, func(string) runstate.Policy { return policy }, false)
	for _, x := range removed {
		r.log.Info("kept outputs removed", "run_id", x.ID, "bytes", x.Kept, "keep_outputs", policy.Keep)
	}
	if err != nil {
		r.log.Warn("kept outputs not all removed", "error", r.red.String(err.Error()))
	}
}
