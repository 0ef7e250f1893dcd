package engine_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/specs"
)

func TestCompileOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		defs []tdef
		want []string
	}{
		{"empty", nil, []string{}},
		{"independent keep file order", []tdef{{id: "b"}, {id: "a"}, {id: "c"}}, []string{"b", "a", "c"}},
		{"dependency declared later", []tdef{
			{id: "c", needs: []string{"a", "b"}},
			{id: "a"},
			{id: "b", needs: []string{"a"}},
			{id: "d"},
		}, []string{"a", "d", "b", "c"}},
		{"inputs are edges", []tdef{{id: "y", inputs: []string{"x"}}, {id: "x"}}, []string{"x", "y"}},
		{"needs and inputs naming the same task", []tdef{{id: "y", needs: []string{"x"}, inputs: []string{"x"}}, {id: "x"}}, []string{"x", "y"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, mkSpec(tc.defs...), newFnType())
			if got := p.Order(); !slices.Equal(got, tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileOrderRandomDAG(t *testing.T) {
	t.Parallel()
	p := compile(t, randomSpec(2000, 3, 7, "fn"), newFnType())
	order := p.Order()
	pos := make(map[string]int, len(order))
	for i, id := range order {
		pos[id] = i
	}
	if len(pos) != 2000 {
		t.Fatalf("order has %d distinct tasks, want 2000", len(pos))
	}
	for _, id := range order {
		for _, d := range p.Deps(id) {
			if pos[d] >= pos[id] {
				t.Fatalf("%s comes before its dependency %s", id, d)
			}
		}
	}
	if !slices.Equal(order, compile(t, randomSpec(2000, 3, 7, "fn"), newFnType()).Order()) {
		t.Fatal("order differs between two compilations of the same spec")
	}
}

func TestCompileDepsAndGraph(t *testing.T) {
	t.Parallel()
	p := compile(t, mkSpec(
		tdef{id: "a"},
		tdef{id: "b", needs: []string{"a"}},
		tdef{id: "c", needs: []string{"a"}, inputs: []string{"b"}},
	), newFnType())
	if got := p.Deps("c"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Deps(c) = %v", got)
	}
	if got := p.Dependents("a"); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("Dependents(a) = %v", got)
	}
	if p.Deps("nope") != nil || p.Dependents("nope") != nil {
		t.Error("unknown ids should give nil")
	}
	adj, err := p.Graph().AdjacencyMap()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := adj["a"]["c"]; !ok || len(adj["a"]) != 2 || len(adj["c"]) != 0 {
		t.Errorf("graph adjacency %v", adj)
	}
	if p.Len() != 3 {
		t.Errorf("Len = %d", p.Len())
	}
}

func TestCompileDiagnostics(t *testing.T) {
	t.Parallel()
	pos := func(line, col int) specs.Pos { return specs.Pos{File: "pipeline.yaml", Line: line, Col: col} }
	tests := []struct {
		name  string
		defs  []tdef
		types []engine.Type
		want  []specs.Diagnostic // Pos, Message, Hint compared
	}{
		{
			name: "three-task cycle reported at the closing reference",
			defs: []tdef{
				{id: "a", needs: []string{"c"}},
				{id: "b", needs: []string{"a"}},
				{id: "c", needs: []string{"b"}},
				{id: "after", needs: []string{"a"}},
			},
			want: []specs.Diagnostic{{Pos: pos(13, 10), Message: "dependency cycle: a -> c -> b -> a",
				Hint: "each task needs the next one; remove one of these references to break the cycle"}},
		},
		{
			name: "cycle through inputs starts at the first declared task",
			defs: []tdef{
				{id: "x"},
				{id: "q", needs: []string{"x"}, inputs: []string{"p"}},
				{id: "p", needs: []string{"q"}},
			},
			want: []specs.Diagnostic{{Pos: pos(23, 10), Message: "dependency cycle: q -> p -> q",
				Hint: "each task needs the next one; remove one of these references to break the cycle"}},
		},
		{
			name: "self dependency",
			defs: []tdef{{id: "ok"}, {id: "loop", needs: []string{"ok", "loop"}}},
			want: []specs.Diagnostic{{Pos: pos(13, 20), Message: `task "loop" depends on itself`,
				Hint: `remove "loop" from its own needs/inputs`}},
		},
		{
			name: "two separate cycles",
			defs: []tdef{
				{id: "a", needs: []string{"b"}},
				{id: "b", needs: []string{"a"}},
				{id: "c", needs: []string{"c"}},
			},
			want: []specs.Diagnostic{
				{Pos: pos(13, 10), Message: "dependency cycle: a -> b -> a",
					Hint: "each task needs the next one; remove one of these references to break the cycle"},
				{Pos: pos(23, 10), Message: `task "c" depends on itself`, Hint: `remove "c" from its own needs/inputs`},
			},
		},
		{
			name: "unknown references with and without a close match",
			defs: []tdef{
				{id: "load_crm"},
				{id: "refine", needs: []string{"load_cmr", "zzz"}, inputs: []string{"load_crn"}},
			},
			want: []specs.Diagnostic{
				{Pos: pos(13, 10), Message: `task "refine" needs unknown task "load_cmr"`, Hint: `did you mean "load_crm"?`},
				{Pos: pos(13, 20), Message: `task "refine" needs unknown task "zzz"`, Hint: "name a task declared under `tasks:`"},
				{Pos: pos(14, 10), Message: `task "refine" reads the output of unknown task "load_crn"`, Hint: `did you mean "load_crm"?`},
			},
		},
		{
			name:  "unknown type",
			defs:  []tdef{{id: "a", typ: "fm"}, {id: "b", typ: "qqqqqq"}},
			types: []engine.Type{newFnType(), badType{}},
			want: []specs.Diagnostic{
				{Pos: pos(2, 11), Message: `task "a": unknown task type "fm"`, Hint: `did you mean "fn"? known types: bad, fn`},
				{Pos: pos(12, 11), Message: `task "b": unknown task type "qqqqqq"`, Hint: "known types: bad, fn"},
			},
		},
		{
			name:  "every prepare error is collected",
			defs:  []tdef{{id: "a", typ: "bad"}, {id: "b", typ: "bad"}, {id: "c", typ: "plain"}},
			types: []engine.Type{badType{}, plainErrType{}},
			want: []specs.Diagnostic{
				{Pos: pos(6, 7), Message: `task "a": first problem`},
				{Pos: pos(7, 7), Message: `task "a": second problem`},
				{Pos: pos(16, 7), Message: `task "b": first problem`},
				{Pos: pos(17, 7), Message: `task "b": second problem`},
				{Pos: pos(21, 3), Message: `task "c": cannot prepare`},
			},
		},
		{
			name: "all kinds at once",
			defs: []tdef{{id: "a", typ: "nope", needs: []string{"a"}}, {id: "b", needs: []string{"xyz"}}},
			want: []specs.Diagnostic{
				{Pos: pos(2, 11), Message: `task "a": unknown task type "nope"`, Hint: "known types: fn"},
				{Pos: pos(3, 10), Message: `task "a" depends on itself`, Hint: `remove "a" from its own needs/inputs`},
				{Pos: pos(13, 10), Message: `task "b" needs unknown task "xyz"`, Hint: "name a task declared under `tasks:`"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			types := tc.types
			if types == nil {
				types = []engine.Type{newFnType()}
			}
			p, err := engine.Compile(mkSpec(tc.defs...), registry(t, types...))
			if err == nil {
				t.Fatalf("compiled, order %v", p.Order())
			}
			if !errors.Is(err, specs.ErrInvalid) {
				t.Errorf("error does not wrap specs.ErrInvalid: %v", err)
			}
			var ds specs.Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("error is %T, want specs.Diagnostics", err)
			}
			if len(ds) != len(tc.want) {
				t.Fatalf("got %d diagnostics, want %d:\n%v", len(ds), len(tc.want), err)
			}
			for i, w := range tc.want {
				g := ds[i]
				if g.Pos != w.Pos || g.Message != w.Message || g.Hint != w.Hint || g.Severity != specs.SeverityError {
					t.Errorf("diagnostic %d:\n got %v %q hint %q\nwant %v %q hint %q", i, g.Pos, g.Message, g.Hint, w.Pos, w.Message, w.Hint)
				}
			}
		})
	}
}

func TestCompileDuplicateIDs(t *testing.T) {
	t.Parallel()
	_, err := engine.Compile(mkSpec(tdef{id: "a"}, tdef{id: "a"}), registry(t, newFnType()))
	if err == nil || !strings.Contains(err.Error(), `task "a" is declared twice`) {
		t.Fatalf("err = %v", err)
	}
}

func TestCompileQuotesSourceLine(t *testing.T) {
	t.Parallel()
	s := mkSpec(tdef{id: "a", needs: []string{"b"}})
	s.Source = []byte("tasks:\n  a:\n    needs: [b]\n")
	s.Tasks[0].Needs[0].Pos = specs.Pos{File: s.Path, Line: 3, Col: 13}
	_, err := engine.Compile(s, registry(t, newFnType()))
	ds := specs.AsDiagnostics(err)
	if len(ds) != 1 || ds[0].Line != "    needs: [b]" {
		t.Fatalf("diagnostics %#v", ds)
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	s := mkSpec(
		tdef{id: "load"},
		tdef{id: `we"ird`, needs: []string{"load"}},
		tdef{id: "publish", typ: "fn", needs: []string{"load"}, inputs: []string{`we"ird`}},
	)
	s.Name = "demo"
	p := compile(t, s, newFnType())
	wantMermaid := `flowchart LR
  n0["load<br/><small>fn</small>"]
  n1["we#quot;ird<br/><small>fn</small>"]
  n2["publish<br/><small>fn</small>"]
  n0 --> n1
  n0 --> n2
  n1 --> n2
`
	if got := p.Mermaid(); got != wantMermaid {
		t.Errorf("Mermaid:\n%s\nwant:\n%s", got, wantMermaid)
	}
	wantDOT := `digraph "demo" {
  rankdir=LR;
  node [shape=box];
  "load" [label="load\nfn"];
  "we\"ird" [label="we\"ird\nfn"];
  "publish" [label="publish\nfn"];
  "load" -> "we\"ird";
  "load" -> "publish";
  "we\"ird" -> "publish";
}
`
	if got := p.DOT(); got != wantDOT {
		t.Errorf("DOT:\n%s\nwant:\n%s", got, wantDOT)
	}
}

// randomSpec builds the spec specgen.RandomDAG describes, in Go.
func randomSpec(n int, edges float64, seed int64, typ string) *specs.Spec {
	deps := specgen.RandomDeps(n, edges, seed)
	defs := make([]tdef, n)
	for i := range defs {
		defs[i] = tdef{id: specgen.ID(i, n), typ: typ}
		for _, d := range deps[i] {
			defs[i].needs = append(defs[i].needs, specgen.ID(d, n))
		}
	}
	return mkSpec(defs...)
}
