package splink

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/linkage/strptime"
)

// operand is one side of a level's test: a column of the left or right
// record, read as text, optionally narrowed to the first match of a regex.
type operand struct {
	column     string
	side       byte // 'l' or 'r'
	regex      string
	dateFormat string
	n          node
}

// unsupported builds the error for a part of sql Hotpass does not run.
func unsupported(sql string, n node, msg string) error {
	from, _ := n.span()
	return &SyntaxError{SQL: sql, Pos: from, Msg: msg}
}

// textTypes are the casts that leave a text value as it is.
var textTypes = map[string]bool{"TEXT": true, "VARCHAR": true, "STRING": true}

// readOperand reads an operand of a level condition.
func readOperand(sql string, n node) (operand, error) {
	switch x := n.(type) {
	case *colRef:
		if q := strings.ToLower(x.qualifier); q == "l" || q == "r" {
			return operand{column: x.name, side: q[0], n: n}, nil
		} else if x.qualifier != "" {
			return operand{}, unsupported(sql, n, fmt.Sprintf("column %s.%s: only the l. and r. qualifiers are known", x.qualifier, x.name))
		}
		switch {
		case strings.HasSuffix(x.name, "_l"):
			return operand{column: strings.TrimSuffix(x.name, "_l"), side: 'l', n: n}, nil
		case strings.HasSuffix(x.name, "_r"):
			return operand{column: strings.TrimSuffix(x.name, "_r"), side: 'r', n: n}, nil
		}
		return operand{}, unsupported(sql, n, fmt.Sprintf("column %q names neither record of the pair: Splink names them with the suffixes _l and _r", x.name))
	case *cast:
		if !textTypes[x.typ] {
			return operand{}, unsupported(sql, n, fmt.Sprintf("cast to %s is not supported: Hotpass compares text (TEXT and VARCHAR casts are)", x.typ))
		}
		return readOperand(sql, x.x)
	case *call:
		if x.name == "try_strptime" {
			return readDate(sql, x)
		}
		if x.name != "nullif" {
			return operand{}, unsupported(sql, n, fmt.Sprintf("function %s is not supported here: Hotpass runs NULLIF(regexp_extract(col, pattern, 0), ''), try_strptime(col, layout), casts to text and plain columns as level operands", x.name))
		}
		if len(x.args) != 2 {
			return operand{}, unsupported(sql, n, "NULLIF takes two arguments")
		}
		if s, ok := x.args[1].(*strLit); !ok || s.val != "" {
			return operand{}, unsupported(sql, x.args[1], "only NULLIF(..., '') is supported: it makes an empty value null, as Hotpass does")
		}
		re, ok := x.args[0].(*call)
		if !ok || re.name != "regexp_extract" {
			return operand{}, unsupported(sql, x.args[0], "only NULLIF(regexp_extract(col, pattern, 0), '') is supported")
		}
		if len(re.args) < 2 || len(re.args) > 3 {
			return operand{}, unsupported(sql, re, "regexp_extract takes a column, a pattern and optionally group 0")
		}
		pat, ok := re.args[1].(*strLit)
		if !ok {
			return operand{}, unsupported(sql, re.args[1], "the pattern of regexp_extract must be a string literal")
		}
		if len(re.args) == 3 {
			if g, ok := re.args[2].(*numLit); !ok || g.text != "0" {
				return operand{}, unsupported(sql, re.args[2], "only group 0 (the whole match) of regexp_extract is supported")
			}
		}
		inner, err := plainOperand(sql, re.args[0], "regexp_extract")
		if err != nil {
			return operand{}, err
		}
		inner.regex, inner.n = pat.val, n
		return inner, nil
	}
	return operand{}, unsupported(sql, n, "expected a column of the pair (\"col_l\", \"col_r\"), a text cast of one or NULLIF(regexp_extract(...), '')")
}

// readDate reads try_strptime(col, 'layout') with a date-only layout.
func readDate(sql string, x *call) (operand, error) {
	if len(x.args) != 2 {
		return operand{}, unsupported(sql, x, "try_strptime takes a column and a layout")
	}
	layout, ok := x.args[1].(*strLit)
	if !ok {
		return operand{}, unsupported(sql, x.args[1], "the layout of try_strptime must be a string literal")
	}
	if err := strptime.Check(layout.val); err != nil {
		return operand{}, unsupported(sql, x.args[1], err.Error())
	}
	inner, err := plainOperand(sql, x.args[0], "try_strptime")
	if err != nil {
		return operand{}, err
	}
	inner.dateFormat, inner.n = layout.val, x
	return inner, nil
}

// plainOperand reads the argument of fn, which must be a column (or a text
// cast of one): a level has one regex or one date layout, not a chain.
func plainOperand(sql string, n node, fn string) (operand, error) {
	o, err := readOperand(sql, n)
	if err != nil {
		return operand{}, err
	}
	if o.regex != "" || o.dateFormat != "" {
		return operand{}, unsupported(sql, n, fn+" of a derived value is not supported")
	}
	return o, nil
}

// pairOperands reads a and b and checks they are the same value of the two
// records.
func pairOperands(sql string, a, b node) (operand, error) {
	x, err := readOperand(sql, a)
	if err != nil {
		return operand{}, err
	}
	y, err := readOperand(sql, b)
	if err != nil {
		return operand{}, err
	}
	if x.side == y.side {
		return operand{}, unsupported(sql, b, fmt.Sprintf("both sides read the %c record: a level compares the left record with the right one", x.side))
	}
	if x.column != y.column || x.regex != y.regex || x.dateFormat != y.dateFormat {
		return operand{}, unsupported(sql, b, fmt.Sprintf("compares column %q with %q: Hotpass levels compare one column (and one regex) of both records", x.column, y.column))
	}
	return x, nil
}

// similarity maps functions to level types; distance reports whether the
// level holds at or below its threshold (edit distances) rather than at
// or above (similarities).
var similarity = map[string]struct {
	typ      settings.LevelType
	distance bool
}{
	"jaro_winkler_similarity": {settings.JaroWinkler, false},
	"jaro_similarity":         {settings.Jaro, false},
	"levenshtein":             {settings.Levenshtein, true},
	"damerau_levenshtein":     {settings.DamerauLevenshtein, true},
}

// TranslateLevel turns a Splink sql_condition into a level test: its type,
// column, threshold and regex (probabilities are the caller's). Anything
// outside the supported subset is an error with a caret under it.
func TranslateLevel(sql string) (settings.Level, error) {
	if strings.EqualFold(strings.TrimSpace(sql), "ELSE") {
		return settings.Level{Type: settings.Else}, nil
	}
	n, err := parseSQL(sql)
	if err != nil {
		return settings.Level{}, err
	}
	switch x := n.(type) {
	case *binary:
		switch x.op {
		case "OR":
			a, aok := x.l.(*isNull)
			b, bok := x.r.(*isNull)
			if !aok || !bok || a.not || b.not {
				return settings.Level{}, &SyntaxError{SQL: sql, Pos: x.opAt, Msg: "OR is supported only in a null level (\"c_l\" IS NULL OR \"c_r\" IS NULL)"}
			}
			o, err := pairOperands(sql, a.x, b.x)
			if err != nil {
				return settings.Level{}, err
			}
			return settings.Level{Type: settings.Null, Column: o.column, Regex: o.regex, DateFormat: o.dateFormat}, nil
		case "AND":
			return settings.Level{}, &SyntaxError{SQL: sql, Pos: x.opAt, Msg: "AND is not supported in a level: a Hotpass level tests one column"}
		case "=":
			o, err := pairOperands(sql, x.l, x.r)
			if err != nil {
				return settings.Level{}, err
			}
			return settings.Level{Type: settings.Exact, Column: o.column, Regex: o.regex, DateFormat: o.dateFormat}, nil
		case ">=", ">", "<=", "<":
			return thresholdLevel(sql, x)
		}
		return settings.Level{}, &SyntaxError{SQL: sql, Pos: x.opAt, Msg: fmt.Sprintf("operator %s is not supported in a level", x.op)}
	case *call:
		return settings.Level{}, unsupported(sql, n, fmt.Sprintf("function %s is not supported as a level condition", x.name))
	}
	return settings.Level{}, unsupported(sql, n, "not a supported level condition: use equality, a null test, a similarity or distance with a threshold, or ELSE")
}

// secondsPerDay converts the seconds of an EPOCH difference into days.
const secondsPerDay = 86400

// dateDiffLevel reads ABS(EPOCH(a) - EPOCH(b)) <= seconds, a and b dates
// read by try_strptime.
func dateDiffLevel(sql string, abs *call, x *binary) (settings.Level, error) {
	if len(abs.args) != 1 {
		return settings.Level{}, unsupported(sql, abs, "ABS takes one argument")
	}
	diff, ok := abs.args[0].(*binary)
	if !ok || diff.op != "-" {
		return settings.Level{}, unsupported(sql, abs.args[0], "expected EPOCH(try_strptime(...)) - EPOCH(try_strptime(...))")
	}
	var sides [2]node
	for k, n := range []node{diff.l, diff.r} {
		ep, ok := n.(*call)
		if !ok || ep.name != "epoch" || len(ep.args) != 1 {
			return settings.Level{}, unsupported(sql, n, "expected EPOCH(try_strptime(col, layout))")
		}
		sides[k] = ep.args[0]
	}
	o, err := pairOperands(sql, sides[0], sides[1])
	if err != nil {
		return settings.Level{}, err
	}
	if o.dateFormat == "" {
		return settings.Level{}, unsupported(sql, sides[0], "EPOCH needs a date: read the column with try_strptime(col, layout)")
	}
	if x.op != "<=" {
		return settings.Level{}, &SyntaxError{SQL: sql, Pos: x.opAt, Msg: fmt.Sprintf("ABS(...) %s is not supported: write ABS(...) <= seconds", x.op)}
	}
	lit, ok := x.r.(*numLit)
	if !ok {
		return settings.Level{}, unsupported(sql, x.r, "the threshold must be a number of seconds")
	}
	secs, err := strconv.ParseFloat(lit.text, 64)
	if err != nil || math.IsInf(secs, 0) || secs < 0 {
		return settings.Level{}, unsupported(sql, x.r, fmt.Sprintf("threshold %s is not a number of seconds", lit.text))
	}
	// Dates differ by whole days, so |Δdays|·86400 <= secs exactly when
	// |Δdays| <= secs/86400: the division cannot move a whole day across
	// the bound.
	return settings.Level{Type: settings.DateDiff, Column: o.column, DateFormat: o.dateFormat, Threshold: secs / secondsPerDay, Unit: settings.Days}, nil
}

// thresholdLevel reads fn(a, b) OP number.
func thresholdLevel(sql string, x *binary) (settings.Level, error) {
	if fn, ok := x.l.(*call); ok && fn.name == "abs" {
		return dateDiffLevel(sql, fn, x)
	}
	fn, ok := x.l.(*call)
	if !ok {
		return settings.Level{}, unsupported(sql, x.l, "expected a similarity or distance function on the left of the comparison")
	}
	switch fn.name {
	case "array_length", "len", "length":
		if len(fn.args) == 1 {
			if in, ok := fn.args[0].(*call); ok && (in.name == "list_intersect" || in.name == "array_intersect") {
				return settings.Level{}, unsupported(sql, fn, "array levels need list columns, which Hotpass inputs do not hold (tables are flat): store the elements as text and use an array_intersect level with a separator")
			}
		}
	}
	sim, known := similarity[fn.name]
	if !known {
		return settings.Level{}, unsupported(sql, fn, fmt.Sprintf("function %s is not supported: use jaro_winkler_similarity, jaro_similarity, levenshtein or damerau_levenshtein", fn.name))
	}
	if len(fn.args) != 2 {
		return settings.Level{}, unsupported(sql, fn, fmt.Sprintf("%s takes two arguments", fn.name))
	}
	o, err := pairOperands(sql, fn.args[0], fn.args[1])
	if err != nil {
		return settings.Level{}, err
	}
	if o.dateFormat != "" {
		return settings.Level{}, unsupported(sql, fn.args[0], fmt.Sprintf("%s of a date is not supported: compare the text", fn.name))
	}
	lit, ok := x.r.(*numLit)
	if !ok {
		return settings.Level{}, unsupported(sql, x.r, "the threshold must be a number")
	}
	thr, err := strconv.ParseFloat(lit.text, 64)
	if err != nil || math.IsInf(thr, 0) {
		return settings.Level{}, unsupported(sql, x.r, fmt.Sprintf("threshold %s is not a number", lit.text))
	}
	lv := settings.Level{Type: sim.typ, Column: o.column, Regex: o.regex, Threshold: thr}
	switch {
	case !sim.distance && x.op == ">=":
	case sim.distance && x.op == "<=":
	case sim.distance && x.op == "<" && thr == math.Trunc(thr):
		// Distances are whole numbers: d < k is d <= k-1.
		lv.Threshold = thr - 1
	default:
		return settings.Level{}, &SyntaxError{SQL: sql, Pos: x.opAt, Msg: fmt.Sprintf("%s %s is not supported: write %s(...) %s threshold", fn.name, x.op, fn.name, map[bool]string{false: ">=", true: "<="}[sim.distance])}
	}
	return lv, nil
}

// TranslateRule turns a Splink blocking rule into the Hotpass rule syntax:
// a conjunction of equalities of l and r on the same key, where a key is a
// column (optionally cast to text) or SUBSTR(col, 1, n).
func TranslateRule(sql string) (string, error) {
	n, err := parseSQL(sql)
	if err != nil {
		return "", err
	}
	var keys []string
	var walk func(n node) error
	walk = func(n node) error {
		b, ok := n.(*binary)
		if !ok {
			return unsupported(sql, n, "a blocking rule must be equalities of l and r joined by AND")
		}
		switch b.op {
		case "AND":
			if err := walk(b.l); err != nil {
				return err
			}
			return walk(b.r)
		case "OR":
			return &SyntaxError{SQL: sql, Pos: b.opAt, Msg: "OR is not supported in a blocking rule: write each alternative as a rule of its own"}
		case "=":
			l, err := ruleKey(sql, b.l)
			if err != nil {
				return err
			}
			r, err := ruleKey(sql, b.r)
			if err != nil {
				return err
			}
			if l.side == r.side || l.text != r.text {
				return unsupported(sql, b.r, fmt.Sprintf("must be the same key of the other record as the left side (%s)", l.text))
			}
			keys = append(keys, l.text)
			return nil
		}
		return &SyntaxError{SQL: sql, Pos: b.opAt, Msg: fmt.Sprintf("operator %s is not supported in a blocking rule: only = (joined by AND)", b.op)}
	}
	if err := walk(n); err != nil {
		return "", err
	}
	out := strings.Join(keys, " + ")
	if _, err := rule.Parse(out); err != nil {
		return "", unsupported(sql, n, err.Error())
	}
	return out, nil
}

type key struct {
	text string // in the Hotpass rule syntax
	side byte
}

func ruleKey(sql string, n node) (key, error) {
	switch x := n.(type) {
	case *colRef:
		q := strings.ToLower(x.qualifier)
		if q != "l" && q != "r" {
			return key{}, unsupported(sql, n, fmt.Sprintf("column %q must be qualified with l. or r.", x.name))
		}
		return key{text: x.name, side: q[0]}, nil
	case *cast:
		if !textTypes[x.typ] {
			return key{}, unsupported(sql, n, fmt.Sprintf("cast to %s is not supported in a blocking rule", x.typ))
		}
		return ruleKey(sql, x.x)
	case *call:
		if x.name != "substr" && x.name != "substring" {
			return key{}, unsupported(sql, n, fmt.Sprintf("function %s is not supported in a blocking rule: only SUBSTR(col, 1, n)", x.name))
		}
		if len(x.args) != 3 {
			return key{}, unsupported(sql, n, "SUBSTR takes a column, start 1 and a length")
		}
		if s, ok := x.args[1].(*numLit); !ok || s.text != "1" {
			return key{}, unsupported(sql, x.args[1], "only prefixes (start 1) are supported")
		}
		v := 0
		if ln, ok := x.args[2].(*numLit); ok {
			v, _ = strconv.Atoi(ln.text)
		}
		if v <= 0 {
			return key{}, unsupported(sql, x.args[2], "the length must be a positive whole number")
		}
		inner, err := ruleKey(sql, x.args[0])
		if err != nil {
			return key{}, err
		}
		if strings.Contains(inner.text, "(") {
			return key{}, unsupported(sql, x.args[0], "SUBSTR of a derived key is not supported")
		}
		return key{text: fmt.Sprintf("%s(%s, %d)", rule.FuncSubstr, inner.text, v), side: inner.side}, nil
	}
	return key{}, unsupported(sql, n, "expected l.col, r.col or SUBSTR(l.col, 1, n)")
}
