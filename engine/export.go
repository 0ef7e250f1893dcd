package engine

import (
	"fmt"
	"strings"
)

// Mermaid renders the plan as a Mermaid flowchart, left to right. Nodes are
// named n0, n1, ... in file order (task ids may hold characters Mermaid does
// not accept in a node name) and labelled with the task id and type; edges
// run from a dependency to its dependent and are listed in file order, so the
// output is stable across runs and diffs well.
func (p *Plan) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for i, n := range p.nodes {
		fmt.Fprintf(&b, "  n%d[\"%s<br/><small>%s</small>\"]\n", i, mermaidText(n.task.ID), mermaidText(n.task.Type))
	}
	for i, n := range p.nodes {
		for _, d := range n.deps {
			fmt.Fprintf(&b, "  n%d --> n%d\n", d, i)
		}
	}
	return b.String()
}

// mermaidText escapes a label for a double-quoted Mermaid node text, where
// HTML entities are the only escape mechanism.
func mermaidText(s string) string {
	return strings.NewReplacer(
		"&", "#amp;",
		`"`, "#quot;",
		"<", "#lt;",
		">", "#gt;",
		"\n", " ",
	).Replace(s)
}

// DOT renders the plan as a Graphviz digraph, left to right, with nodes and
// edges in file order. Each node is labelled with the task id and type.
func (p *Plan) DOT() string {
	var b strings.Builder
	name := p.spec.Name
	if name == "" {
		name = "pipeline"
	}
	fmt.Fprintf(&b, "digraph %s {\n", dotQuote(name))
	b.WriteString("  rankdir=LR;\n  node [shape=box];\n")
	for _, n := range p.nodes {
		fmt.Fprintf(&b, "  %s [label=%s];\n", dotQuote(n.task.ID), dotQuote(n.task.ID+"\n"+n.task.Type))
	}
	for _, n := range p.nodes {
		for _, d := range n.deps {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotQuote(p.nodes[d].task.ID), dotQuote(n.task.ID))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotQuote makes a DOT double-quoted string. A newline becomes the \n escape,
// which Graphviz renders as a centred line break.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
