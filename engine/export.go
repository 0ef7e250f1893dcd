package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/dominikbraun/graph"
)

// Mermaid renders the plan as a Mermaid flowchart, left to right, drawn
// from its Graph. Nodes are named n0, n1, ... in file order (task ids may
// hold characters Mermaid does not accept in a node name) and labelled with
// the task id and type; edges run from a dependency to its dependent and
// are listed in file order, so the output is stable across runs and diffs
// well.
func (p *Plan) Mermaid() string {
	vs := drawing(p.Graph())
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, v := range vs {
		fmt.Fprintf(&b, "  n%d[\"%s<br/><small>%s</small>\"]\n", i, mermaidText.Replace(v.id), mermaidText.Replace(v.typ))
	}
	for i, v := range vs {
		for _, d := range v.deps {
			fmt.Fprintf(&b, "  n%d --> n%d\n", d, i)
		}
	}
	return b.String()
}

// mermaidText escapes a label for a double-quoted Mermaid node text, where
// HTML entities are the only escape mechanism.
var mermaidText = strings.NewReplacer(
	"&", "#amp;",
	`"`, "#quot;",
	"<", "#lt;",
	">", "#gt;",
	"\n", " ",
)

// DOT renders the plan as a Graphviz digraph, left to right, drawn from its
// Graph, with nodes and edges in file order. Each node is labelled with the
// task id and type.
//
// The graph library's own DOT writer (draw.DOT) is not used: it lists
// vertices and edges in map order, different on every call, and writes ids
// and attributes without escaping, so a quote in a task id would break the
// file.
func (p *Plan) DOT() string {
	vs := drawing(p.Graph())
	var b strings.Builder
	name := p.spec.Name
	if name == "" {
		name = "pipeline"
	}
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(name))
	b.WriteString("  rankdir=LR;\n  node [shape=box];\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s [label=%s];\n", dotQuote(v.id), dotQuote(v.id+"\n"+v.typ))
	}
	for _, v := range vs {
		for _, d := range v.deps {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotQuote(vs[d].id), dotQuote(v.id))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotText escapes the inside of a DOT double-quoted string. A newline
// becomes the \n escape, which Graphviz renders as a centred line break.
var dotText = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func dotQuote(s string) string { return `"` + dotText.Replace(s) + `"` }

// drawnTask is a vertex of a drawing.
type drawnTask struct {
	id, typ string
	deps    []int // indexes of the tasks it depends on, in its order
}

// drawing lays out g for the text renderers: tasks in file order (vertex
// weight), each with its dependencies in the order it lists them (edge
// weight), as buildGraph records them. The graph keeps both in maps, so
// the weights are what makes a drawing the same on every call. Reading
// Plan.Graph cannot fail; an error would be a bug.
func drawing(g graph.Graph[string, string]) []drawnTask {
	preds, err := g.PredecessorMap()
	if err != nil {
		panic(fmt.Sprintf("engine: graph: %v", err))
	}
	type vertex struct {
		id    string
		props graph.VertexProperties
	}
	vs := make([]vertex, 0, len(preds))
	for id := range preds {
		_, props, err := g.VertexWithProperties(id)
		if err != nil {
			panic(fmt.Sprintf("engine: graph: %v", err))
		}
		vs = append(vs, vertex{id, props})
	}
	slices.SortFunc(vs, func(a, b vertex) int {
		return cmp.Or(cmp.Compare(a.props.Weight, b.props.Weight), strings.Compare(a.id, b.id))
	})
	index := make(map[string]int, len(vs))
	for i, v := range vs {
		index[v.id] = i
	}
	out := make([]drawnTask, len(vs))
	for i, v := range vs {
		in := make([]graph.Edge[string], 0, len(preds[v.id]))
		for _, e := range preds[v.id] {
			in = append(in, e)
		}
		slices.SortFunc(in, func(a, b graph.Edge[string]) int {
			return cmp.Or(cmp.Compare(a.Properties.Weight, b.Properties.Weight), cmp.Compare(index[a.Source], index[b.Source]))
		})
		deps := make([]int, len(in))
		for k, e := range in {
			deps[k] = index[e.Source]
		}
		out[i] = drawnTask{id: v.id, typ: v.props.Attributes[TypeAttribute], deps: deps}
	}
	return out
}
