package compliance

import (
	"slices"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

// A task's kept output goes only when nothing outside the compliance
// path reads it: then no other task can still be reading the file.
func TestRawUpstream(t *testing.T) {
	t.Parallel()
	task := func(id string, deps ...string) *specs.Task {
		tk := &specs.Task{ID: id}
		for _, d := range deps {
			tk.Inputs = append(tk.Inputs, specs.Ref{ID: d})
		}
		return tk
	}
	for _, tc := range []struct {
		name         string
		tasks        []*specs.Task
		remove, stay []string
	}{
		{"chain", []*specs.Task{task("read"), task("refine", "read"), task("c", "refine"), task("save", "c")},
			[]string{"read", "refine"}, nil},
		{"shared with a side branch", []*specs.Task{task("read"), task("refine", "read"), task("side", "read"), task("c", "refine")},
			[]string{"refine"}, []string{"read"}},
		{"diamond upstream", []*specs.Task{task("a"), task("b", "a"), task("d", "a"), task("c", "b", "d")},
			[]string{"a", "b", "d"}, nil},
		{"downstream reader of an ancestor", []*specs.Task{task("a"), task("c", "a"), task("report", "c", "a")},
			nil, []string{"a"}},
		{"no inputs", []*specs.Task{task("c"), task("other")}, nil, nil},
	} {
		remove, stay := rawUpstream(&specs.Spec{Tasks: tc.tasks}, "c")
		if !slices.Equal(remove, tc.remove) || !slices.Equal(stay, tc.stay) {
			t.Errorf("%s: remove %v stay %v, want %v and %v", tc.name, remove, stay, tc.remove, tc.stay)
		}
	}
}
