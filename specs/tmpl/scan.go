package tmpl

// Refs lists what a template refers to.
type Refs struct {
	Params []string // params.NAME, each name once, in order of first use
	Env    []EnvRef // env_var calls whose name is a string literal, in order
	// Output lists each params.NAME inside a {{ }}, whose value may reach
	// the rendered text (those only in {% if %} conditions choose text but
	// never become it), in order.
	Output []ParamRef
}

// ParamRef is one use of params.NAME.
type ParamRef struct {
	Name      string
	Line, Col int // of "params", inside the template, 1-based, Col in code points
}

// EnvRef is one env_var call.
type EnvRef struct {
	Name       string
	HasDefault bool
	Line, Col  int // of the call, inside the template, 1-based, Col in code points
}

// Scan parses src and lists the params and environment variables it refers
// to, in every branch, for "unused param" and "variable not set" warnings.
// It checks syntax only; names are checked by Engine.Check. env_var calls
// whose name is computed are not listed. The error is an *Error.
func Scan(src string) (Refs, error) {
	var refs Refs
	if !HasTemplate(src) {
		return refs, nil
	}
	if len(src) > MaxTemplateSize {
		return refs, sizeError(src)
	}
	t, err := parse(src)
	if err != nil {
		return refs, err.locate(src)
	}
	s := &scanner{src: src, seen: map[string]bool{}}
	s.nodes(t.nodes)
	return s.refs, nil
}

type scanner struct {
	src      string
	refs     Refs
	seen     map[string]bool
	inOutput bool // scanning the expression of a {{ }}
}

func (s *scanner) nodes(ns []node) {
	for _, n := range ns {
		switch n := n.(type) {
		case *outputNode:
			s.inOutput = true
			s.expr(n.x)
			s.inOutput = false
		case *ifNode:
			for _, c := range n.conds {
				s.expr(c)
			}
			for _, b := range n.bodies {
				s.nodes(b)
			}
		}
	}
}

func (s *scanner) expr(x expr) {
	switch x := x.(type) {
	case *pathExpr:
		if len(x.names) < 2 || x.names[0] != "params" {
			return
		}
		if !s.seen[x.names[1]] {
			s.seen[x.names[1]] = true
			s.refs.Params = append(s.refs.Params, x.names[1])
		}
		if s.inOutput {
			pos := errAt(x.ats[0], "", "").locate(s.src)
			s.refs.Output = append(s.refs.Output, ParamRef{Name: x.names[1], Line: pos.Line, Col: pos.Col})
		}
	case *callExpr:
		for _, a := range x.args {
			s.expr(a)
		}
		if x.name != "env_var" || len(x.args) == 0 {
			return
		}
		if lit, ok := x.args[0].(*litExpr); ok && lit.kind == litString {
			pos := errAt(x.at, "", "").locate(s.src)
			s.refs.Env = append(s.refs.Env, EnvRef{Name: lit.val, HasDefault: len(x.args) == 2, Line: pos.Line, Col: pos.Col})
		}
	case *filterExpr:
		s.expr(x.in)
		if x.arg != nil {
			s.expr(x.arg)
		}
	case *unaryExpr:
		s.expr(x.x)
	case *binaryExpr:
		s.expr(x.l)
		s.expr(x.r)
	}
}
