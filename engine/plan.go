package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/dominikbraun/graph"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/specs"
)

// Plan is a compiled spec: every task prepared by its type, and the dependency
// graph checked to be acyclic and put in a topological order. A Plan is
// read-only and may be run any number of times.
type Plan struct {
	spec  *specs.Spec
	nodes []*node // file order
	index map[string]int
	order []int // topological, ties broken by file order of readiness

	graphOnce sync.Once
	g         graph.Graph[string, string]
}

// node is one task of the plan. deps and dependents are indexes into
// Plan.nodes, kept as slices because the scheduler walks them for every task.
type node struct {
	task       *specs.Task
	typ        Type
	prepared   Task
	deps       []int
	dependents []int
}

// Compile checks spec against the registry and builds its plan. Every problem
// found (unknown task types, references to unknown tasks, cycles, options a
// task type rejects) is returned at once as specs.Diagnostics, sorted by
// position, so a user fixes them in one pass.
func Compile(spec *specs.Spec, reg Registry) (*Plan, error) {
	if spec == nil {
		return nil, errors.New("compile: nil spec")
	}
	if reg == nil {
		return nil, errors.New("compile: nil task registry")
	}
	p := &Plan{
		spec:  spec,
		nodes: make([]*node, len(spec.Tasks)),
		index: make(map[string]int, len(spec.Tasks)),
	}
	var diags specs.Diagnostics
	for i, t := range spec.Tasks {
		if j, dup := p.index[t.ID]; dup {
			diags = append(diags, specs.Errorf(t.Pos, "task %q is declared twice", t.ID).
				WithHint("the first declaration is at %s; rename one of them", spec.Tasks[j].Pos))
			continue
		}
		p.index[t.ID] = i
		p.nodes[i] = &node{task: t}
	}
	if diags.HasErrors() {
		// Without unique ids every later message could name the wrong task.
		return nil, finish(spec, diags)
	}
	diags = append(diags, p.resolveTypes(reg)...)
	diags = append(diags, p.link()...)
	diags = append(diags, p.sort()...)
	if err := finish(spec, diags); err != nil {
		return nil, err
	}
	return p, nil
}

// finish sorts diagnostics, quotes their source lines and returns them as an
// error when any is an error.
func finish(spec *specs.Spec, diags specs.Diagnostics) error {
	if !diags.HasErrors() {
		return nil
	}
	diags.Sort()
	diags.AttachSource(spec.Path, spec.Source)
	return diags
}

// resolveTypes looks up every task's type and prepares the task with it.
func (p *Plan) resolveTypes(reg Registry) specs.Diagnostics {
	var diags specs.Diagnostics
	var known []string
	for _, n := range p.nodes {
		t := n.task
		typ, ok := reg.Lookup(t.Type)
		if !ok {
			if known == nil {
				for _, kt := range reg.Types() {
					known = append(known, kt.Name())
				}
			}
			diags = append(diags, unknownType(t, known))
			continue
		}
		n.typ = typ
		prepared, err := typ.Prepare(p.spec, t)
		if err != nil {
			diags = append(diags, prepareDiagnostics(t, err)...)
			continue
		}
		if prepared == nil {
			diags = append(diags, specs.Errorf(t.TypePos, "task %q: type %q prepared no runnable task", t.ID, t.Type).
				WithHint("this is a bug in the task type; please report it"))
			continue
		}
		n.prepared = prepared
	}
	return diags
}

func unknownType(t *specs.Task, known []string) specs.Diagnostic {
	pos := t.TypePos
	if pos.Line == 0 {
		pos = t.Pos
	}
	list := strings.Join(known, ", ")
	if t.Type == "" {
		return specs.Errorf(pos, "task %q has no type", t.ID).WithHint("add `type:` with one of: %s", list)
	}
	d := specs.Errorf(pos, "task %q: unknown task type %q", t.ID, t.Type)
	if s := suggest.Closest(t.Type, known); s != "" {
		return d.WithHint("did you mean %q? known types: %s", s, list)
	}
	return d.WithHint("known types: %s", list)
}

// prepareDiagnostics turns a Prepare error into diagnostics, positioning
// plain errors at the task so that nothing is reported without a place.
func prepareDiagnostics(t *specs.Task, err error) specs.Diagnostics {
	var ds specs.Diagnostics
	var d specs.Diagnostic
	var pd *specs.Diagnostic
	if errors.As(err, &ds) || errors.As(err, &d) || errors.As(err, &pd) {
		out := specs.AsDiagnostics(err)
		for i := range out {
			if out[i].Pos.File == "" && out[i].Pos.Line == 0 {
				out[i].Pos = t.Pos
			}
		}
		return out
	}
	return specs.Diagnostics{specs.Errorf(t.Pos, "task %q: %v", t.ID, err)}
}

// link resolves every dependency reference to a node index.
func (p *Plan) link() specs.Diagnostics {
	var diags specs.Diagnostics
	var ids []string // built only when a reference is unknown
	unknown := func(t *specs.Task, r specs.Ref, what string) {
		if ids == nil {
			ids = make([]string, len(p.nodes))
			for i, n := range p.nodes {
				ids[i] = n.task.ID
			}
		}
		d := specs.Errorf(r.Pos, "task %q %s unknown task %q", t.ID, what, r.ID)
		if s := suggest.Closest(r.ID, ids); s != "" {
			d = d.WithHint("did you mean %q?", s)
		} else {
			d = d.WithHint("name a task declared under `tasks:`")
		}
		diags = append(diags, d)
	}
	for i, n := range p.nodes {
		t := n.task
		for _, r := range t.Needs {
			if _, ok := p.index[r.ID]; !ok {
				unknown(t, r, "needs")
			}
		}
		for _, r := range t.Inputs {
			if _, ok := p.index[r.ID]; !ok {
				unknown(t, r, "reads the output of")
			}
		}
		deps := t.Deps()
		n.deps = make([]int, 0, len(deps))
		for _, r := range deps {
			j, ok := p.index[r.ID]
			if !ok {
				continue
			}
			n.deps = append(n.deps, j)
			p.nodes[j].dependents = append(p.nodes[j].dependents, i)
		}
	}
	return diags
}

// sort computes a topological order with Kahn's algorithm in O(V+E). Tasks
// left over are on or behind a cycle; each distinct cycle is reported once.
func (p *Plan) sort() specs.Diagnostics {
	indeg := make([]int, len(p.nodes))
	queue := make([]int, 0, len(p.nodes))
	for i, n := range p.nodes {
		indeg[i] = len(n.deps)
		if indeg[i] == 0 {
			queue = append(queue, i)
		}
	}
	for head := 0; head < len(queue); head++ {
		for _, d := range p.nodes[queue[head]].dependents {
			indeg[d]--
			if indeg[d] == 0 {
				queue = append(queue, d)
			}
		}
	}
	p.order = queue
	if len(queue) == len(p.nodes) {
		return nil
	}
	return p.cycles(indeg)
}

// cycles reports the cycles among the nodes Kahn's algorithm could not order
// (indeg > 0). Every such node has a dependency that is also left over, so
// following one such dependency from any of them must come back to a node
// already on the walk: that closes a cycle. Each node is walked at most once,
// which keeps this linear too.
func (p *Plan) cycles(indeg []int) specs.Diagnostics {
	const (
		unseen = iota
		onWalk
		walked
	)
	state := make([]uint8, len(p.nodes))
	var diags specs.Diagnostics
	for start := range p.nodes {
		if indeg[start] == 0 || state[start] != unseen {
			continue
		}
		var walk []int
		cur := start
		for state[cur] == unseen {
			state[cur] = onWalk
			walk = append(walk, cur)
			next := -1
			for _, d := range p.nodes[cur].deps {
				if indeg[d] > 0 {
					next = d
					break
				}
			}
			cur = next
		}
		if state[cur] == onWalk {
			at := 0
			for walk[at] != cur {
				at++
			}
			diags = append(diags, p.cycleDiagnostic(walk[at:]))
		}
		for _, w := range walk {
			state[w] = walked
		}
	}
	return diags
}

// cycleDiagnostic describes cycle (each node needs the next, the last needs
// the first), starting at the task declared first, and points at the
// reference that closes it.
func (p *Plan) cycleDiagnostic(cycle []int) specs.Diagnostic {
	first := 0
	for i, n := range cycle {
		if n < cycle[first] {
			first = i
		}
	}
	rot := append(append([]int(nil), cycle[first:]...), cycle[:first]...)
	last := p.nodes[rot[len(rot)-1]].task
	head := p.nodes[rot[0]].task
	pos := last.Pos
	for _, r := range last.Deps() {
		if r.ID == head.ID {
			pos = r.Pos
			break
		}
	}
	if len(rot) == 1 {
		return specs.Errorf(pos, "task %q depends on itself", head.ID).
			WithHint("remove %q from its own needs/inputs", head.ID)
	}
	ids := make([]string, 0, len(rot)+1)
	for _, i := range rot {
		ids = append(ids, p.nodes[i].task.ID)
	}
	ids = append(ids, head.ID)
	return specs.Errorf(pos, "dependency cycle: %s", strings.Join(ids, " -> ")).
		WithHint("each task needs the next one; remove one of these references to break the cycle")
}

// buildGraph mirrors the plan in a dominikbraun/graph value. Cycle
// prevention is off: it is quadratic, and the plan's own sort has already
// proven the graph acyclic. Adding a vertex or edge cannot fail here (ids
// are unique, endpoints exist, edges are deduplicated by Task.Deps), so an
// error would be a bug.
//
// The graph keeps vertices and edges in maps; the weights keep the order of
// the spec (see Graph), so that what is drawn from the graph reads like the
// spec and is the same on every call.
func buildGraph(p *Plan) graph.Graph[string, string] {
	g := graph.New(graph.StringHash, graph.Directed(), graph.Acyclic())
	for i, n := range p.nodes {
		if err := g.AddVertex(n.task.ID, graph.VertexWeight(i), graph.VertexAttribute(TypeAttribute, n.task.Type)); err != nil {
			panic(fmt.Sprintf("engine: graph: add task %q: %v", n.task.ID, err))
		}
	}
	for _, n := range p.nodes {
		for k, d := range n.deps {
			if err := g.AddEdge(p.nodes[d].task.ID, n.task.ID, graph.EdgeWeight(k)); err != nil {
				panic(fmt.Sprintf("engine: graph: add edge %q -> %q: %v", p.nodes[d].task.ID, n.task.ID, err))
			}
		}
	}
	return g
}

// Spec returns the spec the plan was compiled from.
func (p *Plan) Spec() *specs.Spec { return p.spec }

// Len returns the number of tasks.
func (p *Plan) Len() int { return len(p.nodes) }

// TypeAttribute is the vertex attribute of Graph that holds the task's type.
const TypeAttribute = "type"

// Graph returns the dependency graph as a dominikbraun/graph value, for
// graph algorithms and drawings (Mermaid, DOT): vertices are task ids and
// an edge runs from a task to each task that depends on it. A vertex's
// weight is the task's position in the spec and its TypeAttribute the
// task's type; an edge's weight is the dependency's position in the
// dependent's Deps. Do not modify it. It is built on first use: the
// library's map-based store costs more than the rest of Compile together
// (about 3x for 10,000 tasks), and the scheduler does not need it.
func (p *Plan) Graph() graph.Graph[string, string] {
	p.graphOnce.Do(func() { p.g = buildGraph(p) })
	return p.g
}

// Order returns task ids in a topological order: every task comes after all
// the tasks it depends on. The order is deterministic for a given spec.
func (p *Plan) Order() []string {
	out := make([]string, len(p.order))
	for i, n := range p.order {
		out[i] = p.nodes[n].task.ID
	}
	return out
}

// Deps returns the ids of the tasks id depends on (needs first, then
// inputs), or nil when id is unknown.
func (p *Plan) Deps(id string) []string {
	i, ok := p.index[id]
	if !ok {
		return nil
	}
	return p.ids(p.nodes[i].deps)
}

// Dependents returns the ids of the tasks that depend directly on id, in file
// order, or nil when id is unknown.
func (p *Plan) Dependents(id string) []string {
	i, ok := p.index[id]
	if !ok {
		return nil
	}
	return p.ids(p.nodes[i].dependents)
}

func (p *Plan) ids(idx []int) []string {
	out := make([]string, len(idx))
	for i, n := range idx {
		out[i] = p.nodes[n].task.ID
	}
	return out
}
