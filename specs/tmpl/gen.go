package tmpl

import (
	"strconv"
	"strings"
)

// Names the generated code uses for the runtime helpers. They start with an
// underscore-prefixed "hp" so that no user template can reach them: the
// checker rejects every top-level name except params, run and env_var.
const (
	fnOut    = "_hp_out"    // _hp_out(site, value): formats a {{ }} value, as safe text
	fnEnv    = "_hp_env"    // _hp_env(site, name[, default]): env_var
	fnFilter = "_hp_filter" // _hp_filter(site, name, value[, arg]): every filter, size-checked
	fnAdd    = "_hp_add"    // _hp_add(site, l, r): +, size-checked
)

// generate turns a checked template into pongo2 source. The generated code
// is canonical: every compound expression is parenthesised, so that pongo2's
// own precedence rules (which differ from Jinja's for not, and/or and chained
// comparisons) never come into play; every {{ }} goes through _hp_out, which
// formats the value and marks it safe, so pongo2's HTML autoescaping never
// applies; and literal text is emitted so that it cannot open a block.
func generate(t *template) string {
	var b strings.Builder
	genNodes(&b, t.nodes)
	return b.String()
}

func genNodes(b *strings.Builder, nodes []node) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *textNode:
			genText(b, n.text)
		case *outputNode:
			b.WriteString("{{ " + fnOut + "(" + strconv.Itoa(n.site) + ", ")
			genExpr(b, n.x)
			b.WriteString(") }}")
		case *ifNode:
			for i, cond := range n.conds {
				if i == 0 {
					b.WriteString("{% if ")
				} else {
					b.WriteString("{% elif ")
				}
				genExpr(b, cond)
				b.WriteString(" %}")
				genNodes(b, n.bodies[i])
			}
			if len(n.bodies) > len(n.conds) {
				b.WriteString("{% else %}")
				genNodes(b, n.bodies[len(n.conds)])
			}
			b.WriteString("{% endif %}")
		}
	}
}

// genText writes literal text. A '{' that the next character (possibly from
// the next piece, once comments are dropped or whitespace trimmed) could turn
// into "{{", "{%" or "{#" is written as an expression instead.
func genText(b *strings.Builder, s string) {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return
		}
		if i+1 < len(s) && s[i+1] != '{' && s[i+1] != '%' && s[i+1] != '#' {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(`{{ "{" }}`)
		s = s[i+1:]
	}
}

func genExpr(b *strings.Builder, x expr) {
	switch x := x.(type) {
	case *litExpr:
		if x.kind == litString {
			genString(b, x.val)
		} else {
			b.WriteString(x.raw)
		}
	case *pathExpr:
		b.WriteString(strings.Join(x.names, "."))
	case *callExpr:
		b.WriteString(fnEnv + "(" + strconv.Itoa(x.site))
		for _, a := range x.args {
			b.WriteString(", ")
			genExpr(b, a)
		}
		b.WriteString(")")
	case *filterExpr:
		b.WriteString(fnFilter + "(" + strconv.Itoa(x.site) + ", ")
		genString(b, x.name)
		b.WriteString(", ")
		genExpr(b, x.in)
		if x.arg != nil {
			b.WriteString(", ")
			genExpr(b, x.arg)
		}
		b.WriteString(")")
	case *unaryExpr:
		b.WriteString("(")
		if x.op != "+" {
			b.WriteString(x.op + " ")
		}
		b.WriteString("(")
		genExpr(b, x.x)
		b.WriteString("))")
	case *binaryExpr:
		if x.op == "+" {
			b.WriteString(fnAdd + "(" + strconv.Itoa(x.site) + ", ")
			genExpr(b, x.l)
			b.WriteString(", ")
			genExpr(b, x.r)
			b.WriteString(")")
			return
		}
		b.WriteString("(")
		genExpr(b, x.l)
		b.WriteString(" " + x.op + " ")
		genExpr(b, x.r)
		b.WriteString(")")
	}
}

// genString writes a double-quoted pongo2 string literal. pongo2 decodes \"
// and \\ only, which is all that is needed.
func genString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}
