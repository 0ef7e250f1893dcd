package compliance

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/specs"
)

// rawUpstream splits the tasks upstream of task id (its dependencies, and
// theirs) in two: remove are those only the compliance path reads, whose
// kept outputs hold the raw personal data the policy was applied to and
// are no longer needed once the task succeeded; stay are those a task
// outside that path also reads, which may still be running.
func rawUpstream(spec *specs.Spec, id string) (remove, stay []string) {
	deps := map[string][]string{}
	readers := map[string][]string{}
	for _, t := range spec.Tasks {
		for _, d := range t.Deps() {
			deps[t.ID] = append(deps[t.ID], d.ID)
			readers[d.ID] = append(readers[d.ID], t.ID)
		}
	}
	ancestors := map[string]bool{}
	todo := slices.Clone(deps[id])
	for len(todo) > 0 {
		a := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if !ancestors[a] {
			ancestors[a] = true
			todo = append(todo, deps[a]...)
		}
	}
	for _, t := range spec.Tasks {
		if !ancestors[t.ID] {
			continue
		}
		only := true
		for _, r := range readers[t.ID] {
			only = only && (r == id || ancestors[r])
		}
		if only {
			remove = append(remove, t.ID)
		} else {
			stay = append(stay, t.ID)
		}
	}
	return remove, stay
}

// removeRawUpstream deletes the kept outputs of the tasks in ids from the
// run directory and returns the ids whose output was there. A resumed run
// finds no output to reuse and runs those tasks again.
func removeRawUpstream(env *engine.Env, ids []string) ([]string, error) {
	var removed []string
	for _, id := range ids {
		p := runstate.TaskOutput(env.RunDir, id)
		err := os.Remove(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("remove the kept output of task %q (%s), which holds personal data the policy masks: %w; delete it by hand", id, p, err)
		}
		removed = append(removed, id)
	}
	return removed, nil
}
