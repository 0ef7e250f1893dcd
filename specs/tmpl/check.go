package tmpl

import (
	"sort"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/suggest"
)

// typ is the static type of an expression. Rendering knows every param's
// type; Check does not, and uses tUnknown for params.
type typ int

const (
	tUnknown typ = iota
	tString
	tInt
	tFloat
	tBool
	tList
	tTime
	// tTruth is what not/and/or give on values that are not booleans: usable
	// as a condition, but rendering it would print true/false where Jinja
	// prints an operand, so it is kept out of {{ }}.
	tTruth
)

func (t typ) String() string {
	return [...]string{"a value", "a string", "an integer", "a decimal number", "a boolean",
		"a list", "a timestamp", "a truth test"}[t]
}

func (t typ) isNumber() bool { return t == tInt || t == tFloat }

// filterList names the supported filters, in the order the docs list them.
const filterList = "lower, upper, title, capfirst, trim, default, join, length, date"

type argRule int

const (
	argNone argRule = iota
	argOptional
	argRequired
)

// filters maps each supported filter to its argument rule.
var filters = map[string]argRule{
	"lower": argNone, "upper": argNone, "title": argNone, "capfirst": argNone, "trim": argNone,
	"default": argRequired, "join": argOptional, "length": argNone, "date": argRequired,
}

var runAttrs = map[string]typ{"id": tString, "date": tString, "ts": tTime}

// checker resolves names and types over a parsed template.
type checker struct {
	params map[string]typ
	// anyParam accepts every params.NAME, of unknown type. Compilation uses
	// it to reject unknown names before pongo2 sees the code (pongo2 would
	// fail on some, such as its keywords, without a usable position).
	anyParam bool
}

func newChecker(params map[string]typ) *checker {
	return &checker{params: params}
}

func (c *checker) nodes(ns []node) *Error {
	for _, n := range ns {
		switch n := n.(type) {
		case *outputNode:
			t, err := c.typeOf(n.x)
			if err != nil {
				return err
			}
			switch t {
			case tList:
				return errAt(n.at, n.text+" is a list, which has no text form",
					"join it: {{ "+n.text+"|join:\",\" }}")
			case tTruth:
				return errAt(n.at, "not/and/or on values that are not booleans only give true or false",
					"to fall back on another value write x|default:'y'; to choose text use {% if %}")
			}
		case *ifNode:
			for _, cond := range n.conds {
				if _, err := c.typeOf(cond); err != nil {
					return err
				}
			}
			for _, body := range n.bodies {
				if err := c.nodes(body); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *checker) typeOf(x expr) (typ, *Error) {
	switch x := x.(type) {
	case *litExpr:
		return [...]typ{litString: tString, litInt: tInt, litFloat: tFloat, litBool: tBool}[x.kind], nil
	case *pathExpr:
		return c.path(x)
	case *callExpr:
		return c.call(x)
	case *filterExpr:
		return c.filter(x)
	case *unaryExpr:
		t, err := c.typeOf(x.x)
		if err != nil {
			return 0, err
		}
		if x.op == "not" {
			switch t {
			case tBool, tUnknown:
				return t, nil
			}
			return tTruth, nil
		}
		if t != tUnknown && !t.isNumber() {
			return 0, errAt(x.at, "unary "+x.op+" needs a number, not "+t.String(), "")
		}
		return t, nil
	case *binaryExpr:
		return c.binary(x)
	}
	return 0, errAt(noPos, "internal error: unknown expression", "")
}

func (c *checker) path(p *pathExpr) (typ, *Error) {
	switch root := p.names[0]; root {
	case "params":
		if len(p.names) == 1 {
			return 0, errAt(p.ats[0], "params is not a value on its own", "write params.NAME")
		}
		name := p.names[1]
		t, ok := c.params[name]
		if !ok && !c.anyParam {
			return 0, errAt(p.ats[1], "unknown param "+quote(name), c.paramHint(name))
		}
		if len(p.names) > 2 {
			return 0, errAt(p.ats[2], "params."+name+" has no attribute "+quote(p.names[2]), "")
		}
		return t, nil
	case "run":
		if len(p.names) == 1 {
			return 0, errAt(p.ats[0], "run is not a value on its own", "write run.id, run.date or run.ts")
		}
		name := p.names[1]
		t, ok := runAttrs[name]
		if !ok {
			hint := "run has id, date and ts"
			if s := suggest.Closest(name, []string{"id", "date", "ts"}); s != "" {
				hint = "did you mean run." + s + "?"
			}
			return 0, errAt(p.ats[1], "unknown attribute run."+name, hint)
		}
		if len(p.names) > 2 {
			hint := ""
			if name == "ts" {
				hint = "format it with run.ts|date:\"2006-01-02\""
			}
			return 0, errAt(p.ats[2], "run."+name+" has no attributes", hint)
		}
		return t, nil
	case "env_var":
		return 0, errAt(p.ats[0], "env_var is a function", "write env_var('NAME') or env_var('NAME', 'default')")
	default:
		return 0, errAt(p.ats[0], "unknown variable "+quote(root), c.nameHint(root))
	}
}

// nameHint suggests a top-level name, or a param the user may have meant.
func (c *checker) nameHint(name string) string {
	if s := suggest.Closest(name, []string{"params", "run", "env_var"}); s != "" {
		return "did you mean " + quote(s) + "?"
	}
	if _, ok := c.params[name]; ok {
		return "did you mean params." + name + "?"
	}
	if s := suggest.Closest(name, c.declared()); s != "" {
		return "did you mean params." + s + "?"
	}
	if _, ok := runAttrs[name]; ok {
		return "did you mean run." + name + "?"
	}
	return "available names: params.NAME, run.id, run.date, run.ts and env_var('NAME')"
}

func (c *checker) paramHint(name string) string {
	declared := c.declared()
	if s := suggest.Closest(name, declared); s != "" {
		return "did you mean params." + s + "?"
	}
	if len(declared) == 0 {
		return "no params are declared; declare it under params:"
	}
	if len(declared) > 10 {
		declared = append(declared[:10:10], "...")
	}
	return "declared params: " + strings.Join(declared, ", ")
}

func (c *checker) declared() []string {
	names := make([]string, 0, len(c.params))
	for n := range c.params {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (c *checker) call(x *callExpr) (typ, *Error) {
	switch x.name {
	case "env_var":
	case "params", "run":
		return 0, errAt(x.at, x.name+" is not a function", "")
	default:
		hint := "the only function is env_var('NAME') or env_var('NAME', 'default')"
		if s := suggest.Closest(x.name, []string{"env_var"}); s != "" {
			hint = "did you mean env_var?"
		}
		return 0, errAt(x.at, "unknown function "+quote(x.name), hint)
	}
	if len(x.args) == 0 || len(x.args) > 2 {
		return 0, errAt(x.at, "env_var takes a variable name and an optional default",
			"write env_var('NAME') or env_var('NAME', 'default')")
	}
	for _, a := range x.args {
		t, err := c.typeOf(a)
		if err != nil {
			return 0, err
		}
		if t != tString && t != tUnknown {
			return 0, errAt(a.pos(), "env_var arguments must be strings, not "+t.String(),
				"quote them: env_var('NAME', '5432')")
		}
	}
	if lit, ok := x.args[0].(*litExpr); ok && lit.val == "" {
		return 0, errAt(lit.at, "env_var needs a variable name, not an empty string", "")
	}
	return tString, nil
}

func (c *checker) filter(f *filterExpr) (typ, *Error) {
	if err := filterNameError(f); err != nil {
		return 0, err
	}
	rule := filters[f.name]
	switch {
	case rule == argNone && f.arg != nil:
		return 0, errAt(f.arg.pos(), "filter "+f.name+" takes no argument", "write |"+f.name)
	case rule == argRequired && f.arg == nil:
		example := map[string]string{"default": "|default:'value'", "date": "|date:\"2006-01-02\""}[f.name]
		return 0, errAt(f.at, "filter "+f.name+" needs an argument", "write "+example)
	}
	in, err := c.typeOf(f.in)
	if err != nil {
		return 0, err
	}
	arg := tUnknown
	if f.arg != nil {
		if arg, err = c.typeOf(f.arg); err != nil {
			return 0, err
		}
	}
	wrongInput := func(want string) *Error {
		hint := ""
		if in == tList {
			hint = "join the list first: |join:\",\"|" + f.name
		}
		return errAt(f.at, "filter "+f.name+" works on "+want+", not "+in.String(), hint)
	}
	switch f.name {
	case "lower", "upper", "title", "capfirst", "trim":
		if in != tString && in != tUnknown {
			return 0, wrongInput("strings")
		}
		return tString, nil
	case "length":
		if in != tString && in != tList && in != tUnknown {
			return 0, wrongInput("strings and lists")
		}
		return tInt, nil
	case "join":
		if in != tList && in != tUnknown {
			return 0, wrongInput("lists")
		}
		if arg != tString && arg != tUnknown {
			return 0, errAt(f.arg.pos(), "the separator of join must be a string, not "+arg.String(), "write |join:\",\"")
		}
		return tString, nil
	case "date":
		if in != tTime && in != tUnknown {
			hint := "only run.ts is a timestamp"
			if p, ok := f.in.(*pathExpr); ok && len(p.names) == 2 && p.names[0] == "run" && p.names[1] == "date" {
				hint = "run.date is already YYYY-MM-DD; to format the run's time write run.ts|date:\"...\""
			}
			return 0, errAt(f.at, "filter date works on timestamps, not "+in.String(), hint)
		}
		if arg != tString && arg != tUnknown {
			return 0, errAt(f.arg.pos(), "the layout of date must be a string, not "+arg.String(), "write |date:\"2006-01-02\"")
		}
		if lit, ok := f.arg.(*litExpr); ok {
			if err := checkLayout(lit); err != nil {
				return 0, err
			}
		}
		return tString, nil
	default: // default
		switch in {
		case tList, tTime, tTruth:
			return 0, wrongInput("strings, numbers and booleans")
		}
		if in != tUnknown && arg != tUnknown && in != arg {
			return 0, errAt(f.arg.pos(), "the default is "+arg.String()+" but the value it replaces is "+in.String(),
				"give a default of the same type")
		}
		if in == tUnknown {
			return arg, nil
		}
		return in, nil
	}
}

// filterNameError reports a filter that does not exist.
func filterNameError(f *filterExpr) *Error {
	if _, ok := filters[f.name]; ok {
		return nil
	}
	hint := "supported filters: " + filterList
	if s := suggest.Closest(f.name, strings.Split(filterList, ", ")); s != "" {
		hint = "did you mean " + quote(s) + "?"
	}
	return errAt(f.at, "unknown filter "+quote(f.name), hint)
}

// strftime maps the common strftime directives to Go layout elements, to
// turn a Jinja-style layout into a working hint.
var strftime = strings.NewReplacer("%Y", "2006", "%y", "06", "%m", "01", "%d", "02", "%H", "15",
	"%I", "03", "%M", "04", "%S", "05", "%p", "PM", "%b", "Jan", "%B", "January", "%a", "Mon",
	"%A", "Monday", "%j", "002", "%Z", "MST", "%z", "-0700", "%f", "000000", "%%", "%")

// checkLayout rejects layouts that would render literally: strftime codes,
// or text with no Go layout element at all.
func checkLayout(lit *litExpr) *Error {
	layout := lit.val
	if strings.Contains(layout, "%") {
		hint := "date takes a Go layout such as \"2006-01-02\""
		if g := strftime.Replace(layout); !strings.Contains(g, "%") {
			hint = "write |date:" + quote(g) + " (date takes a Go layout)"
		}
		return errAt(lit.at, "strftime codes such as %Y are not supported in date", hint)
	}
	ref := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if ref.Format(layout) == layout {
		return errAt(lit.at, "date layout "+quote(layout)+" has no date or time element",
			"Go layouts are written with the reference time, e.g. \"2006-01-02T15:04:05Z07:00\"")
	}
	return nil
}

func (c *checker) binary(x *binaryExpr) (typ, *Error) {
	l, err := c.typeOf(x.l)
	if err != nil {
		return 0, err
	}
	r, err := c.typeOf(x.r)
	if err != nil {
		return 0, err
	}
	switch x.op {
	case "and", "or":
		switch {
		case l == tBool && r == tBool:
			return tBool, nil
		case isKnownNonBool(l) || isKnownNonBool(r):
			return tTruth, nil
		}
		return tUnknown, nil
	}
	for _, t := range []typ{l, r} {
		if t == tTruth {
			return 0, errAt(x.at, "a not/and/or test on values that are not booleans can only be used as a condition",
				"compare first, e.g. params.a != ''")
		}
		if t == tList {
			return 0, errAt(x.at, "operator "+x.op+" does not work on lists",
				"join the list into a string first: params.NAME|join:\",\"")
		}
	}
	switch x.op {
	case "+":
		switch {
		case l == tUnknown || r == tUnknown:
			return tUnknown, nil
		case l == tString && r == tString:
			return tString, nil
		case l.isNumber() && r.isNumber():
			return numeric(l, r), nil
		case (l == tString && r == tInt) || (l == tInt && r == tString):
			return tString, nil
		}
		return 0, errAt(x.at, "cannot add "+l.String()+" and "+r.String(),
			"+ adds numbers, joins strings, or joins a string and an integer; render other values in their own {{ }}")
	case "-", "*":
		if (l != tUnknown && !l.isNumber()) || (r != tUnknown && !r.isNumber()) {
			return 0, errAt(x.at, "operator "+x.op+" needs numbers, not "+l.String()+" and "+r.String(), "")
		}
		if l == tUnknown || r == tUnknown {
			return tUnknown, nil
		}
		return numeric(l, r), nil
	case "==", "!=":
		if l != tUnknown && r != tUnknown && l != r {
			return 0, errAt(x.at, "cannot compare "+l.String()+" with "+r.String(),
				"compare values of the same type (an integer is written 1, a decimal number 1.0)")
		}
		return tBool, nil
	default: // < > <= >=
		ok := func(t typ) bool { return t == tUnknown || t.isNumber() || t == tTime }
		if !ok(l) || !ok(r) || (l == tTime) != (r == tTime) && l != tUnknown && r != tUnknown {
			return 0, errAt(x.at, "operator "+x.op+" compares numbers (or timestamps), not "+l.String()+" and "+r.String(),
				"strings can be compared with == and !=")
		}
		return tBool, nil
	}
}

func isKnownNonBool(t typ) bool { return t != tBool && t != tUnknown }

func numeric(l, r typ) typ {
	if l == tFloat || r == tFloat {
		return tFloat
	}
	return tInt
}
