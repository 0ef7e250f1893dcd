package splink

import (
	"fmt"
	"slices"
	"strings"
)

// tokKind classifies a token of the SQL subset.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // bare identifier or keyword
	tQuoted         // "quoted identifier"
	tString         // 'string literal'
	tNumber         // 12, 0.92, 1e3
	tOp             // punctuation and operators
)

type token struct {
	kind tokKind
	text string // identifier, literal value or operator
	pos  int    // byte offset in the source
	end  int
}

// SyntaxError is a problem at a position of a SQL text: the text is
// quoted with a caret under the offending part, so a user can see which
// part of a rule or level Hotpass could not run.
type SyntaxError struct {
	SQL string
	Pos int
	Msg string
}

// Error renders the message, the SQL and a caret line.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at position %d:\n    %s\n    %s^", e.Msg, e.Pos+1, e.SQL, caretPad(e.SQL, e.Pos))
}

// caretPad is the run of spaces (tabs kept as tabs) that puts a caret
// under byte pos of sql.
func caretPad(sql string, pos int) string {
	var b strings.Builder
	for i, r := range sql {
		if i >= pos {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func lex(sql string) ([]token, error) {
	var out []token
	i := 0
	for i < len(sql) {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(sql) && isIdentPart(sql[j]) {
				j++
			}
			out = append(out, token{kind: tIdent, text: sql[i:j], pos: i, end: j})
			i = j
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i
			for j < len(sql) && (sql[j] >= '0' && sql[j] <= '9' || sql[j] == '.') {
				j++
			}
			if j < len(sql) && (sql[j] == 'e' || sql[j] == 'E') {
				k := j + 1
				if k < len(sql) && (sql[k] == '+' || sql[k] == '-') {
					k++
				}
				if k < len(sql) && sql[k] >= '0' && sql[k] <= '9' {
					for k < len(sql) && sql[k] >= '0' && sql[k] <= '9' {
						k++
					}
					j = k
				}
			}
			out = append(out, token{kind: tNumber, text: sql[i:j], pos: i, end: j})
			i = j
		case c == '"' || c == '\'' || c == '`':
			// Doubling the quote escapes it, as in SQL.
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(sql) {
					what := "string"
					if c != '\'' {
						what = "quoted name"
					}
					return nil, &SyntaxError{SQL: sql, Pos: i, Msg: "unterminated " + what}
				}
				if sql[j] == c {
					if j+1 < len(sql) && sql[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(sql[j])
				j++
			}
			k := tQuoted
			if c == '\'' {
				k = tString
			}
			out = append(out, token{kind: k, text: b.String(), pos: i, end: j + 1})
			i = j + 1
		default:
			op := ""
			for _, o := range []string{"<=", ">=", "<>", "!=", "::", "==", "||"} {
				if strings.HasPrefix(sql[i:], o) {
					op = o
					break
				}
			}
			if op == "" && strings.IndexByte("()=<>,.+-*/%", c) >= 0 {
				op = string(c)
			}
			if op == "" {
				return nil, &SyntaxError{SQL: sql, Pos: i, Msg: fmt.Sprintf("unexpected character %q", sql[i:i+1])}
			}
			out = append(out, token{kind: tOp, text: op, pos: i, end: i + len(op)})
			i += len(op)
		}
	}
	return append(out, token{kind: tEOF, pos: len(sql), end: len(sql)}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }

// node is an expression of the SQL subset. Every node records the span of
// source text it came from, for error carets.
type node interface{ span() (int, int) }

type pos struct{ from, to int }

func (p pos) span() (int, int) { return p.from, p.to }

// binary is a comparison, arithmetic or logical operation; op is upper
// case for keywords (AND, OR).
type binary struct {
	pos
	op   string
	opAt int
	l, r node
}

// isNull is "x IS NULL" or, with not, "x IS NOT NULL".
type isNull struct {
	pos
	x   node
	not bool
}

// unary is NOT x or -x.
type unary struct {
	pos
	op string
	x  node
}

// call is a function call; name is lower case.
type call struct {
	pos
	name string
	args []node
}

// cast is CAST(x AS type) or x::type; typ is upper case.
type cast struct {
	pos
	x   node
	typ string
}

// colRef is a column reference: qualifier is "l" or "r" for l.col, empty
// for a bare or quoted name.
type colRef struct {
	pos
	qualifier, name string
}

type strLit struct {
	pos
	val string
}

type numLit struct {
	pos
	text string
}

type parser struct {
	sql  string
	toks []token
	k    int
}

// parseSQL parses one boolean expression of the subset Splink writes.
func parseSQL(sql string) (node, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{sql: sql, toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t.pos, fmt.Sprintf("unexpected %s after the end of the expression", describe(t)))
	}
	return n, nil
}

func (p *parser) peek() token { return p.toks[p.k] }
func (p *parser) next() token {
	t := p.toks[p.k]
	if t.kind != tEOF {
		p.k++
	}
	return t
}

func (p *parser) errAt(at int, msg string) *SyntaxError {
	return &SyntaxError{SQL: p.sql, Pos: at, Msg: msg}
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of text"
	case tString:
		return fmt.Sprintf("string '%s'", t.text)
	case tQuoted:
		return fmt.Sprintf("name %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) keyword(words ...string) bool {
	t := p.peek()
	return t.kind == tIdent && len(words) > 0 && strings.EqualFold(t.text, words[0])
}

func (p *parser) isOp(op string) bool {
	t := p.peek()
	return t.kind == tOp && t.text == op
}

func (p *parser) expectOp(op string) (token, error) {
	t := p.next()
	if t.kind != tOp || t.text != op {
		return t, p.errAt(t.pos, fmt.Sprintf("expected %q, found %s", op, describe(t)))
	}
	return t, nil
}

func (p *parser) or() (node, error) {
	return p.leftAssoc(p.keywordOp("OR"), p.and)
}

func (p *parser) and() (node, error) {
	return p.leftAssoc(p.keywordOp("AND"), p.not)
}

// keywordOp matches the keyword word (any case) and names it in upper case.
func (p *parser) keywordOp(word string) func() (string, bool) {
	return func() (string, bool) { return word, p.keyword(word) }
}

// symbolOp matches any of the operator tokens ops.
func (p *parser) symbolOp(ops ...string) func() (string, bool) {
	return func() (string, bool) {
		t := p.peek()
		return t.text, t.kind == tOp && slices.Contains(ops, t.text)
	}
}

// leftAssoc parses operand (op operand)*, where match says whether the next
// token is one of the operators of this precedence level, into a
// left-associative tree.
func (p *parser) leftAssoc(match func() (string, bool), operand func() (node, error)) (node, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := match()
		if !ok {
			return l, nil
		}
		t := p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		from, _ := l.span()
		_, to := r.span()
		l = &binary{pos: pos{from, to}, op: op, opAt: t.pos, l: l, r: r}
	}
}

func (p *parser) not() (node, error) {
	if p.keyword("NOT") {
		t := p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		_, to := x.span()
		return &unary{pos: pos{t.pos, to}, op: "NOT", x: x}, nil
	}
	return p.comparison()
}

var comparisonOps = map[string]bool{"=": true, "==": true, "<>": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) comparison() (node, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	from, _ := l.span()
	if p.keyword("IS") {
		p.next()
		not := false
		if p.keyword("NOT") {
			p.next()
			not = true
		}
		t := p.next()
		if t.kind != tIdent || !strings.EqualFold(t.text, "NULL") {
			return nil, p.errAt(t.pos, fmt.Sprintf("expected NULL after IS, found %s", describe(t)))
		}
		return &isNull{pos: pos{from, t.end}, x: l, not: not}, nil
	}
	if t := p.peek(); t.kind == tOp && comparisonOps[t.text] {
		p.next()
		r, err := p.additive()
		if err != nil {
			return nil, err
		}
		_, to := r.span()
		op := t.text
		if op == "==" {
			op = "="
		}
		return &binary{pos: pos{from, to}, op: op, opAt: t.pos, l: l, r: r}, nil
	}
	return l, nil
}

func (p *parser) additive() (node, error) {
	return p.leftAssoc(p.symbolOp("+", "-", "||"), p.multiplicative)
}

func (p *parser) multiplicative() (node, error) {
	return p.leftAssoc(p.symbolOp("*", "/", "%"), p.unaryMinus)
}

func (p *parser) unaryMinus() (node, error) {
	if p.isOp("-") {
		t := p.next()
		x, err := p.unaryMinus()
		if err != nil {
			return nil, err
		}
		_, to := x.span()
		return &unary{pos: pos{t.pos, to}, op: "-", x: x}, nil
	}
	return p.postfix()
}

func (p *parser) postfix() (node, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.isOp("::") {
		p.next()
		typ, end, err := p.typeName()
		if err != nil {
			return nil, err
		}
		from, _ := x.span()
		x = &cast{pos: pos{from, end}, x: x, typ: typ}
	}
	return x, nil
}

// typeName reads a type such as TEXT, VARCHAR or DECIMAL(10, 2).
func (p *parser) typeName() (string, int, error) {
	t := p.next()
	if t.kind != tIdent {
		return "", 0, p.errAt(t.pos, fmt.Sprintf("expected a type name, found %s", describe(t)))
	}
	name, end := strings.ToUpper(t.text), t.end
	if p.isOp("(") {
		for {
			u := p.next()
			end = u.end
			if u.kind == tEOF {
				return "", 0, p.errAt(u.pos, "unclosed type parameters")
			}
			if u.kind == tOp && u.text == ")" {
				break
			}
		}
		name += p.sql[t.end:end]
	}
	return name, end, nil
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		return &numLit{pos: pos{t.pos, t.end}, text: t.text}, nil
	case tString:
		return &strLit{pos: pos{t.pos, t.end}, val: t.text}, nil
	case tQuoted:
		return p.qualified(t)
	case tIdent:
		if strings.EqualFold(t.text, "CAST") && p.isOp("(") {
			p.next()
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			if !p.keyword("AS") {
				u := p.peek()
				return nil, p.errAt(u.pos, fmt.Sprintf("expected AS in CAST, found %s", describe(u)))
			}
			p.next()
			typ, _, err := p.typeName()
			if err != nil {
				return nil, err
			}
			end, err := p.expectOp(")")
			if err != nil {
				return nil, err
			}
			return &cast{pos: pos{t.pos, end.end}, x: x, typ: typ}, nil
		}
		if p.isOp("(") {
			p.next()
			c := &call{name: strings.ToLower(t.text)}
			if !p.isOp(")") {
				for {
					a, err := p.or()
					if err != nil {
						return nil, err
					}
					c.args = append(c.args, a)
					if !p.isOp(",") {
						break
					}
					p.next()
				}
			}
			end, err := p.expectOp(")")
			if err != nil {
				return nil, err
			}
			c.pos = pos{t.pos, end.end}
			return c, nil
		}
		switch strings.ToUpper(t.text) {
		case "AND", "OR", "NOT", "IS", "AS", "ELSE", "THEN", "WHEN", "CASE", "END":
			return nil, p.errAt(t.pos, fmt.Sprintf("expected a value, found keyword %s", strings.ToUpper(t.text)))
		}
		return p.qualified(t)
	case tOp:
		if t.text == "(" {
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return x, nil
		}
	}
	return nil, p.errAt(t.pos, fmt.Sprintf("expected a value, found %s", describe(t)))
}

// qualified reads a name, or qualifier.name when a dot follows.
func (p *parser) qualified(t token) (node, error) {
	if !p.isOp(".") {
		return &colRef{pos: pos{t.pos, t.end}, name: t.text}, nil
	}
	p.next()
	u := p.next()
	if u.kind != tIdent && u.kind != tQuoted {
		return nil, p.errAt(u.pos, fmt.Sprintf("expected a column name after %q, found %s", t.text+".", describe(u)))
	}
	return &colRef{pos: pos{t.pos, u.end}, qualifier: t.text, name: u.text}, nil
}
