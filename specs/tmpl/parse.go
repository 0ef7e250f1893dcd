package tmpl

import (
	"strconv"
	"strings"
	"unicode"
)

// maxDepth bounds the nesting of expressions and {% if %} blocks, so that
// checking, code generation and the rendering engine's recursive parser all
// run in bounded stack space.
const maxDepth = 64

// node is an element of a parsed template: *textNode, *outputNode or *ifNode.
type node interface{ isNode() }

type textNode struct{ text string }

// outputNode is {{ x }}. text is the expression's source, for hints.
type outputNode struct {
	at   int
	x    expr
	text string
	site int
}

// ifNode is an if/elif/else chain: bodies[i] belongs to conds[i]; a final
// extra body is the else branch.
type ifNode struct {
	at     int
	conds  []expr
	bodies [][]node
}

func (*textNode) isNode()   {}
func (*outputNode) isNode() {}
func (*ifNode) isNode()     {}

// expr is an expression node. pos is the byte offset reported in errors
// about the expression as a whole.
type expr interface{ pos() int }

type litKind int

const (
	litString litKind = iota
	litInt
	litFloat
	litBool
)

// litExpr is a literal; raw is its source (numbers are emitted as written),
// val the decoded string value.
type litExpr struct {
	at   int
	kind litKind
	raw  string
	val  string
}

// pathExpr is a dotted name such as params.db or run.ts.
type pathExpr struct {
	names []string
	ats   []int
}

// callExpr is a function call; only env_var exists.
type callExpr struct {
	at   int
	name string
	args []expr
	site int
}

// filterExpr is in|name or in|name:arg. site numbers it for errors
// raised while rendering.
type filterExpr struct {
	at   int // the filter name
	in   expr
	name string
	arg  expr // nil when absent
	site int
}

type unaryExpr struct {
	at int
	op string // "-", "+" or "not"
	x  expr
}

type binaryExpr struct {
	at   int // the operator
	op   string
	l, r expr
	site int // for +, which may build a string; errors while rendering point here
}

func (e *litExpr) pos() int    { return e.at }
func (e *pathExpr) pos() int   { return e.ats[0] }
func (e *callExpr) pos() int   { return e.at }
func (e *filterExpr) pos() int { return e.at }
func (e *unaryExpr) pos() int  { return e.at }
func (e *binaryExpr) pos() int { return e.at }

// template is a parsed template. sites maps the numbers given to outputs and
// env_var calls to their byte offsets, so that errors raised while rendering
// point at the right place.
type template struct {
	nodes []node
	sites []int
}

// parse lexes and parses src. Errors carry a byte offset; callers locate them.
func parse(src string) (*template, *Error) {
	pieces, err := lex(src)
	if err != nil {
		return nil, err
	}
	trimPieces(pieces)
	d := &docParser{src: src, pieces: pieces, t: &template{}}
	nodes, stop, err := d.body(0)
	if err != nil {
		return nil, err
	}
	if stop != nil {
		return nil, errAt(stop.start, "{% "+stop.toks[0].val+" %} without a matching {% if %}", "")
	}
	d.t.nodes = nodes
	return d.t, nil
}

// trimPieces applies the "-" whitespace markers to the neighbouring text,
// as Jinja does: all whitespace, line breaks included, is removed.
func trimPieces(pieces []piece) {
	for i := range pieces {
		p := &pieces[i]
		if p.trimBefore && i > 0 && pieces[i-1].kind == pieceText {
			pieces[i-1].text = strings.TrimRightFunc(pieces[i-1].text, unicode.IsSpace)
		}
		if p.trimAfter && i+1 < len(pieces) && pieces[i+1].kind == pieceText {
			pieces[i+1].text = strings.TrimLeftFunc(pieces[i+1].text, unicode.IsSpace)
		}
	}
}

type docParser struct {
	src    string
	pieces []piece
	i      int
	t      *template
}

func (d *docParser) site(off int) int {
	d.t.sites = append(d.t.sites, off)
	return len(d.t.sites) - 1
}

// body parses nodes until a tag that closes a block (elif, else, endif) or
// the end. It returns that tag's piece, or nil at the end.
func (d *docParser) body(depth int) ([]node, *piece, *Error) {
	var nodes []node
	for d.i < len(d.pieces) {
		p := &d.pieces[d.i]
		d.i++
		switch p.kind {
		case pieceText:
			if p.text != "" {
				nodes = append(nodes, &textNode{text: p.text})
			}
		case pieceComment:
		case pieceOutput:
			if len(p.toks) == 0 {
				return nil, nil, errAt(p.start, "empty {{ }}", "put an expression inside, e.g. {{ params.name }}")
			}
			x, err := d.expr(p)
			if err != nil {
				return nil, nil, err
			}
			last := p.toks[len(p.toks)-1]
			text := d.src[p.toks[0].at : last.at+len(last.raw)]
			nodes = append(nodes, &outputNode{at: p.toks[0].at, x: x, text: text, site: d.site(p.toks[0].at)})
		case pieceTag:
			if len(p.toks) == 0 || p.toks[0].kind != tokIdent {
				return nil, nil, errAt(p.start, "expected a tag name after {%", "supported tags: if, elif, else, endif")
			}
			switch name := p.toks[0].val; name {
			case "if":
				n, err := d.ifBlock(p, depth)
				if err != nil {
					return nil, nil, err
				}
				nodes = append(nodes, n)
			case "elif", "else", "endif":
				return nodes, p, nil
			default:
				return nil, nil, errAt(p.toks[0].at, "tag "+quote(name)+" is not supported",
					"supported tags: if, elif, else, endif")
			}
		}
	}
	return nodes, nil, nil
}

// ifBlock parses an if/elif/else/endif chain whose opening tag is open.
func (d *docParser) ifBlock(open *piece, depth int) (*ifNode, *Error) {
	if depth >= maxDepth {
		return nil, errAt(open.start, "{% if %} blocks are nested too deeply", "at most 64 levels")
	}
	n := &ifNode{at: open.start}
	cond, err := d.cond(open)
	if err != nil {
		return nil, err
	}
	n.conds = append(n.conds, cond)
	inElse := false
	for {
		body, stop, err := d.body(depth + 1)
		if err != nil {
			return nil, err
		}
		n.bodies = append(n.bodies, body)
		if stop == nil {
			return nil, errAt(open.start, "{% if %} opened here is never closed", "add {% endif %}")
		}
		switch stop.toks[0].val {
		case "elif":
			if inElse {
				return nil, errAt(stop.start, "{% elif %} after {% else %}", "move it before {% else %}")
			}
			cond, err := d.cond(stop)
			if err != nil {
				return nil, err
			}
			n.conds = append(n.conds, cond)
		case "else":
			if inElse {
				return nil, errAt(stop.start, "second {% else %} in one {% if %}", "")
			}
			if err := noArgs(stop); err != nil {
				return nil, err
			}
			inElse = true
		case "endif":
			if err := noArgs(stop); err != nil {
				return nil, err
			}
			return n, nil
		}
	}
}

func noArgs(p *piece) *Error {
	if len(p.toks) > 1 {
		return errAt(p.toks[1].at, "{% "+p.toks[0].val+" %} takes no arguments", "")
	}
	return nil
}

// cond parses the condition of an if or elif tag.
func (d *docParser) cond(p *piece) (expr, *Error) {
	if len(p.toks) == 1 {
		return nil, errAt(p.closeAt, "{% "+p.toks[0].val+" %} needs a condition", "e.g. {% if params.full %}")
	}
	sub := *p
	sub.toks = p.toks[1:]
	return d.expr(&sub)
}

// expr parses the whole token list of p as one expression.
func (d *docParser) expr(p *piece) (expr, *Error) {
	e := &exprParser{src: d.src, toks: p.toks, end: p.closeAt, doc: d}
	x, err := e.or()
	if err != nil {
		return nil, err
	}
	if e.i < len(e.toks) {
		return nil, e.unexpected(e.toks[e.i])
	}
	return x, nil
}

// exprParser is a recursive-descent parser with Jinja's precedence, from
// loosest to tightest: or, and, not, comparisons, + -, *, unary - +,
// filters, primaries.
type exprParser struct {
	src   string
	toks  []token
	i     int
	end   int
	depth int
	doc   *docParser
}

func (e *exprParser) peek() *token {
	if e.i < len(e.toks) {
		return &e.toks[e.i]
	}
	return nil
}

func (e *exprParser) isOp(op string) bool {
	t := e.peek()
	return t != nil && t.kind == tokOp && t.val == op
}

func (e *exprParser) isWord(w string) bool {
	t := e.peek()
	return t != nil && t.kind == tokIdent && t.val == w
}

// nest guards recursion; every call is paired with a deferred unnest.
func (e *exprParser) nest(at int) *Error {
	e.depth++
	if e.depth > maxDepth {
		return errAt(at, "expression is nested too deeply", "at most 64 levels")
	}
	return nil
}

func (e *exprParser) unnest() { e.depth-- }

func (e *exprParser) or() (expr, *Error) {
	return e.binaryChain("or", e.and)
}

func (e *exprParser) and() (expr, *Error) {
	return e.binaryChain("and", e.not)
}

// binaryChain parses next (word next)*, left-associative. The tree grows
// one level per operator, so the chain counts towards the nesting limit.
func (e *exprParser) binaryChain(word string, next func() (expr, *Error)) (expr, *Error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	levels := 0
	defer func() { e.depth -= levels }()
	for e.isWord(word) {
		op := e.toks[e.i]
		if err := e.nest(op.at); err != nil {
			return nil, err
		}
		levels++
		e.i++
		r, err := next()
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{at: op.at, op: word, l: l, r: r}
	}
	return l, nil
}

func (e *exprParser) not() (expr, *Error) {
	if !e.isWord("not") {
		return e.compare()
	}
	t := e.toks[e.i]
	e.i++
	if err := e.nest(t.at); err != nil {
		return nil, err
	}
	defer e.unnest()
	x, err := e.not()
	if err != nil {
		return nil, err
	}
	return &unaryExpr{at: t.at, op: "not", x: x}, nil
}

func isCompare(t *token) bool {
	if t == nil || t.kind != tokOp {
		return false
	}
	switch t.val {
	case "==", "!=", "<", ">", "<=", ">=":
		return true
	}
	return false
}

func (e *exprParser) compare() (expr, *Error) {
	l, err := e.add()
	if err != nil {
		return nil, err
	}
	t := e.peek()
	if !isCompare(t) {
		return l, nil
	}
	op := *t
	e.i++
	r, err := e.add()
	if err != nil {
		return nil, err
	}
	if t2 := e.peek(); isCompare(t2) {
		return nil, errAt(t2.at, "chained comparisons are not supported",
			"combine two comparisons with and: a < b and b < c")
	}
	return &binaryExpr{at: op.at, op: op.val, l: l, r: r}, nil
}

func (e *exprParser) add() (expr, *Error) {
	return e.arith(e.mul, "+", "-")
}

func (e *exprParser) mul() (expr, *Error) {
	return e.arith(e.unary, "*")
}

// arith parses next (op next)* for the given operators, left-associative.
func (e *exprParser) arith(next func() (expr, *Error), opsHere ...string) (expr, *Error) {
	l, err := next()
	if err != nil {
		return nil, err
	}
	levels := 0
	defer func() { e.depth -= levels }()
	for {
		t := e.peek()
		if t == nil || t.kind != tokOp {
			return l, nil
		}
		found := false
		for _, op := range opsHere {
			found = found || t.val == op
		}
		if !found {
			return l, nil
		}
		op := *t
		if err := e.nest(op.at); err != nil {
			return nil, err
		}
		levels++
		e.i++
		r, err := next()
		if err != nil {
			return nil, err
		}
		b := &binaryExpr{at: op.at, op: op.val, l: l, r: r}
		if op.val == "+" {
			b.site = e.doc.site(op.at)
		}
		l = b
	}
}

func (e *exprParser) unary() (expr, *Error) {
	if !e.isOp("-") && !e.isOp("+") {
		return e.postfix()
	}
	t := e.toks[e.i]
	e.i++
	if err := e.nest(t.at); err != nil {
		return nil, err
	}
	defer e.unnest()
	x, err := e.unary()
	if err != nil {
		return nil, err
	}
	return &unaryExpr{at: t.at, op: t.val, x: x}, nil
}

// postfix parses a primary followed by filters.
func (e *exprParser) postfix() (expr, *Error) {
	x, grouped, err := e.primary()
	if err != nil {
		return nil, err
	}
	levels := 0
	defer func() { e.depth -= levels }()
	for e.isOp("|") {
		bar := e.toks[e.i]
		if grouped {
			return nil, errAt(bar.at, "a filter cannot follow a parenthesised expression",
				"apply filters to a name, call or literal, e.g. (params.a|lower) + 'x'")
		}
		if err := e.nest(bar.at); err != nil {
			return nil, err
		}
		levels++
		e.i++
		name := e.peek()
		if name == nil || name.kind != tokIdent {
			return nil, errAt(e.posOf(name), "expected a filter name after |", "supported filters: "+filterList)
		}
		e.i++
		f := &filterExpr{at: name.at, in: x, name: name.val, site: e.doc.site(name.at)}
		switch {
		case e.isOp("("):
			return nil, e.filterCallError(name)
		case e.isOp(":"):
			e.i++
			arg, err := e.filterArg()
			if err != nil {
				return nil, err
			}
			f.arg = arg
		}
		x = f
	}
	if t := e.peek(); t != nil && t.kind == tokOp && (t.val == "." || t.val == "(" || t.val == "[") && levels > 0 {
		return nil, errAt(t.at, quote(t.val)+" cannot follow a filter", "filters come last: params.a|lower")
	}
	return x, nil
}

// filterArg parses the single argument after "|name:". The rendering engine
// accepts only a literal, a name or a call there.
func (e *exprParser) filterArg() (expr, *Error) {
	t := e.peek()
	if t == nil || t.kind == tokOp {
		return nil, errAt(e.posOf(t), "expected a filter argument after ':'",
			"the argument is a literal, params.NAME, run.X or env_var(...), e.g. |default:'x'")
	}
	x, _, err := e.primary()
	return x, err
}

// filterCallError explains that filters take their argument after a colon,
// showing the user's own argument in the accepted form.
func (e *exprParser) filterCallError(name *token) *Error {
	open := e.toks[e.i]
	depth, commas, closeIdx := 0, 0, -1
	for j := e.i; j < len(e.toks) && closeIdx < 0; j++ {
		t := e.toks[j]
		if t.kind != tokOp {
			continue
		}
		switch t.val {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				closeIdx = j
			}
		case ",":
			if depth == 1 {
				commas++
			}
		}
	}
	msg := "filters do not take arguments in parentheses (|" + name.val + "(...))"
	switch {
	case closeIdx < 0:
		return errAt(open.at, msg, "write |"+name.val+":ARGUMENT")
	case closeIdx == e.i+1:
		return errAt(open.at, msg, "write |"+name.val+" without parentheses")
	case commas > 0:
		return errAt(open.at, msg, "filters take one argument, written after a colon: |"+name.val+":ARGUMENT")
	}
	arg := strings.TrimSpace(e.src[e.toks[e.i+1].at:e.toks[closeIdx].at])
	return errAt(open.at, msg, "write |"+name.val+":"+arg+" (filters take one argument after a colon)")
}

// primary parses a literal, a parenthesised expression, a name path or a
// call. grouped reports a parenthesised expression.
func (e *exprParser) primary() (x expr, grouped bool, err *Error) {
	t := e.peek()
	if t == nil {
		return nil, false, errAt(e.end, "expected a value here", supportedHint)
	}
	switch t.kind {
	case tokString:
		e.i++
		return &litExpr{at: t.at, kind: litString, raw: t.raw, val: t.val}, false, e.noMember()
	case tokInt:
		e.i++
		if _, err := strconv.ParseInt(t.raw, 10, 64); err != nil {
			return nil, false, errAt(t.at, "integer "+t.raw+" is too large", "")
		}
		return &litExpr{at: t.at, kind: litInt, raw: t.raw, val: t.raw}, false, e.noMember()
	case tokFloat:
		e.i++
		return &litExpr{at: t.at, kind: litFloat, raw: t.raw, val: t.raw}, false, e.noMember()
	case tokIdent:
		return e.name()
	}
	if t.val == "(" {
		e.i++
		if err := e.nest(t.at); err != nil {
			return nil, false, err
		}
		defer e.unnest()
		x, err := e.or()
		if err != nil {
			return nil, false, err
		}
		if !e.isOp(")") {
			return nil, false, errAt(e.posOf(e.peek()), "expected ')' to close the '(' at column "+
				strconv.Itoa(colOf(e.src, t.at)), "")
		}
		e.i++
		return x, true, nil
	}
	return nil, false, e.unexpected(*t)
}

// noMember rejects method calls and indexing on literals ('a'.upper()).
func (e *exprParser) noMember() *Error {
	if t := e.peek(); t != nil && t.kind == tokOp && (t.val == "." || t.val == "[") {
		return errAt(t.at, "methods and indexing are not supported", "use filters: 'a'|upper")
	}
	return nil
}

// keywords cannot start a value. Jinja's None and tests are listed so that
// the error says they are unsupported rather than unknown.
var keywords = map[string]string{
	"and": "", "or": "", "not": "", "in": "membership tests (x in y) are not supported",
	"is": "tests (x is defined) are not supported", "if": "inline if (a if c else b) is not supported; use {% if %}",
	"else": "inline if (a if c else b) is not supported; use {% if %}", "none": "none is not supported",
	"None": "None is not supported",
}

// reservedAfterDot lists the rendering engine's keywords, which it does not
// accept as attribute names (params.in).
var reservedAfterDot = map[string]bool{
	"in": true, "and": true, "or": true, "not": true, "true": true, "false": true, "as": true, "export": true,
}

// name parses a dotted name or a call, or the literals true and false.
func (e *exprParser) name() (expr, bool, *Error) {
	t := e.toks[e.i]
	switch t.val {
	case "true", "false", "True", "False":
		e.i++
		return &litExpr{at: t.at, kind: litBool, raw: strings.ToLower(t.val), val: strings.ToLower(t.val)}, false, e.noMember()
	}
	if _, ok := keywords[t.val]; ok {
		return nil, false, e.unexpected(t)
	}
	e.i++
	p := &pathExpr{names: []string{t.val}, ats: []int{t.at}}
	for e.isOp(".") {
		e.i++
		n := e.peek()
		if n == nil || n.kind != tokIdent {
			return nil, false, errAt(e.posOf(n), "expected a name after '.'",
				"indexing (x.0, x[0]) is not supported; write params.NAME or run.id")
		}
		if reservedAfterDot[n.val] {
			return nil, false, errAt(n.at, quote(n.val)+" is a reserved word and cannot be used as a name after '.'",
				"rename the param")
		}
		e.i++
		p.names = append(p.names, n.val)
		p.ats = append(p.ats, n.at)
	}
	if e.isOp("[") {
		return nil, false, errAt(e.toks[e.i].at, "indexing with [...] is not supported", "write params.NAME")
	}
	if !e.isOp("(") {
		return p, false, nil
	}
	open := e.toks[e.i]
	if len(p.names) > 1 {
		return nil, false, errAt(open.at, "methods are not supported ("+strings.Join(p.names, ".")+"(...))",
			"use filters, e.g. run.ts|date:\"2006-01-02\"")
	}
	e.i++
	if err := e.nest(open.at); err != nil {
		return nil, false, err
	}
	defer e.unnest()
	c := &callExpr{at: t.at, name: t.val}
	for !e.isOp(")") {
		if len(c.args) > 0 {
			if !e.isOp(",") {
				return nil, false, errAt(e.posOf(e.peek()), "expected ',' or ')' in the call to "+t.val, "")
			}
			e.i++
		}
		arg, err := e.or()
		if err != nil {
			return nil, false, err
		}
		c.args = append(c.args, arg)
	}
	e.i++
	c.site = e.doc.site(t.at)
	return c, false, e.noMember()
}

// unexpected explains a token that cannot appear where it is, naming the
// supported alternative where there is one.
func (e *exprParser) unexpected(t token) *Error {
	if t.kind == tokIdent {
		if why := keywords[t.val]; why != "" {
			return errAt(t.at, why, supportedHint)
		}
		return errAt(t.at, "unexpected "+quote(t.val), "is an operator or a closing bracket missing?")
	}
	if t.kind != tokOp {
		return errAt(t.at, "unexpected "+t.raw, "is an operator missing?")
	}
	alt := map[string]string{
		"&&": "write and", "||": "write or", "!": "write not", "<>": "write !=",
		"=": "write == to compare", "~": "write + to join strings",
		"/": "supported arithmetic: + - *", "//": "supported arithmetic: + - *",
		"%": "supported arithmetic: + - *", "**": "supported arithmetic: + - *", "^": "supported arithmetic: + - *",
		"[": "write params.NAME", "]": "write params.NAME",
	}
	if hint, ok := alt[t.val]; ok {
		return errAt(t.at, "operator "+quote(t.val)+" is not supported", hint)
	}
	return errAt(t.at, "unexpected "+quote(t.val), supportedHint)
}

// posOf returns the offset of t, or of the block's end when t is nil.
func (e *exprParser) posOf(t *token) int {
	if t == nil {
		return e.end
	}
	return t.at
}

// colOf is the 1-based column, in code points, of a byte offset.
func colOf(src string, off int) int {
	return (&Error{off: off}).locate(src).Col
}
