package engine_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dominikbraun/graph"

	"github.com/hotpass/hotpass/engine"
)

// The drawings come from the plan's graph, which keeps vertices and edges
// in maps: every compile of the same spec must still draw the same text,
// with tasks in file order and dependencies in the order each task lists
// them.
func TestExportFollowsSpecOrder(t *testing.T) {
	t.Parallel()
	s := randomSpec(300, 3, 11, "fn")
	// Reverse the declarations so that file order is not topological, and
	// each task's needs so that they are not in file order either.
	for i, j := 0, len(s.Tasks)-1; i < j; i, j = i+1, j-1 {
		s.Tasks[i], s.Tasks[j] = s.Tasks[j], s.Tasks[i]
	}
	for _, task := range s.Tasks {
		for i, j := 0, len(task.Needs)-1; i < j; i, j = i+1, j-1 {
			task.Needs[i], task.Needs[j] = task.Needs[j], task.Needs[i]
		}
	}
	first := compile(t, s, newFnType())
	index := map[string]int{}
	var want strings.Builder
	want.WriteString("flowchart LR\n")
	for i, task := range s.Tasks {
		index[task.ID] = i
		fmt.Fprintf(&want, "  n%d[\"%s<br/><small>fn</small>\"]\n", i, task.ID)
	}
	for i, task := range s.Tasks {
		for _, d := range first.Deps(task.ID) {
			fmt.Fprintf(&want, "  n%d --> n%d\n", index[d], i)
		}
	}
	dot := first.DOT()
	for range 5 {
		p := compile(t, s, newFnType())
		if got := p.Mermaid(); got != want.String() {
			t.Fatalf("Mermaid differs from the spec's order:\n%s\nwant:\n%s", got, want.String())
		}
		if got := p.DOT(); got != dot {
			t.Fatalf("DOT differs between two compiles of the same spec:\n%s\nthen:\n%s", dot, got)
		}
	}
}

// The graph carries what a drawing needs: the type of each task and the
// order of tasks and of each task's dependencies.
func TestGraphProperties(t *testing.T) {
	t.Parallel()
	p := compile(t, mkSpec(
		tdef{id: "b", needs: []string{"c", "a"}},
		tdef{id: "a"},
		tdef{id: "c", typ: "other"},
	), newFnType(), &fnType{name: "other", fns: map[string]runFunc{}})
	g := p.Graph()
	for i, want := range []struct{ id, typ string }{{"b", "fn"}, {"a", "fn"}, {"c", "other"}} {
		_, props, err := g.VertexWithProperties(want.id)
		if err != nil {
			t.Fatal(err)
		}
		if props.Weight != i || props.Attributes[engine.TypeAttribute] != want.typ {
			t.Errorf("vertex %s: weight %d, type %q; want %d, %q", want.id, props.Weight, props.Attributes[engine.TypeAttribute], i, want.typ)
		}
	}
	for _, want := range []struct {
		from, to string
		weight   int
	}{{"c", "b", 0}, {"a", "b", 1}} {
		e, err := g.Edge(want.from, want.to)
		if err != nil {
			t.Fatalf("edge %s -> %s: %v", want.from, want.to, err)
		}
		if e.Properties.Weight != want.weight {
			t.Errorf("edge %s -> %s: weight %d, want %d", want.from, want.to, e.Properties.Weight, want.weight)
		}
	}
	if _, err := g.Edge("b", "c"); !errors.Is(err, graph.ErrEdgeNotFound) {
		t.Errorf("edge b -> c: %v, want ErrEdgeNotFound", err)
	}
}
