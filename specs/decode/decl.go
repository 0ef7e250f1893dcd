package decode

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// field is one declared option.
type field struct {
	name     string
	index    []int
	typ      reflect.Type
	doc      string
	hint     string
	enum     []string
	min, max *float64
	gt       *float64
	minLen   int
	examples []any
	types    []any
	required bool
	only     []string
	noSchema bool
}

// decl is what a struct declares: its options and rules.
type decl struct {
	fields []*field
	byName map[string]*field
	names  []string // sorted
	rules  []Rule
}

// Ruler is implemented by option structs with rules between their
// options, such as "give exactly one of command and argv".
type Ruler interface {
	OptionRules() []Rule
}

// declared holds the declarations read by Declare. It is filled from init
// functions only and read-only afterwards, so it needs no lock.
var declared = map[reflect.Type]*decl{}

// Declare reads the declaration of options, a pointer to an options
// struct, and of every options struct it holds, once, so that decoding
// them does not read their tags again for every block. It must be called
// from an init function (tasks.Register does it for task types); a
// struct not declared is read each time it is decoded, with the same
// result.
func Declare(options any) {
	declare(reflect.TypeOf(options))
}

func declare(t reflect.Type) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if n, ok := reflect.Zero(t).Interface().(interface{ Type() reflect.Type }); ok && t.Kind() == reflect.Struct && t.NumField() == 1 {
		declare(n.Type()) // a Node[T]: T is decoded later
		return
	}
	if t.Kind() != reflect.Struct || opaque(t) || declared[t] != nil {
		return
	}
	d := readDecl(t)
	declared[t] = d
	for _, f := range d.fields {
		declare(f.typ)
	}
}

// declOf returns the declaration of struct type t.
func declOf(t reflect.Type) *decl {
	if d, ok := declared[t]; ok {
		return d
	}
	return readDecl(t)
}

// readDecl reads the declaration of struct type t. A malformed tag is a
// programming error and panics, which every test that decodes the struct
// finds.
func readDecl(t reflect.Type) *decl {
	d := &decl{byName: map[string]*field{}}
	collect(t, nil, d)
	d.names = slices.Sorted(maps.Keys(d.byName))
	if r, ok := reflect.New(t).Interface().(Ruler); ok {
		d.rules = r.OptionRules()
	}
	return d
}

func collect(t reflect.Type, index []int, d *decl) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, flags, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		idx := append(append([]int(nil), index...), i)
		if flags == "inline" && sf.Type.Kind() == reflect.Struct {
			collect(sf.Type, idx, d)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f := &field{name: name, index: idx, typ: sf.Type, doc: sf.Tag.Get("doc"), hint: sf.Tag.Get("hint"), noSchema: sf.Tag.Get("schema") == "-"}
		if s := sf.Tag.Get("enum"); s != "" {
			f.enum = strings.Split(s, "|")
		}
		f.min = floatTag(sf, "min")
		f.max = floatTag(sf, "max")
		f.gt = floatTag(sf, "gt")
		if s := sf.Tag.Get("minlen"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				panic(fmt.Sprintf("decode: %s.%s: minlen %q is not a number", t, sf.Name, s))
			}
			f.minLen = n
		}
		if s := sf.Tag.Get("examples"); s != "" {
			for _, e := range strings.Split(s, "|") {
				var v any
				if json.Unmarshal([]byte(e), &v) != nil {
					v = e
				}
				f.examples = append(f.examples, v)
			}
		}
		if s := sf.Tag.Get("type"); s != "" {
			for _, tp := range strings.Split(s, ",") {
				f.types = append(f.types, tp)
			}
		}
		for _, fl := range strings.Split(sf.Tag.Get("hotpass"), ",") {
			if fl == "required" {
				f.required = true
			}
		}
		if s := sf.Tag.Get("only"); s != "" {
			f.only = strings.Split(s, ",")
		}
		d.fields = append(d.fields, f)
		d.byName[name] = f
	}
}

func floatTag(sf reflect.StructField, key string) *float64 {
	s := sf.Tag.Get(key)
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(fmt.Sprintf("decode: field %s: %s %q is not a number", sf.Name, key, s))
	}
	return &v
}

// Option describes one declared option, for callers that walk a
// declaration (tests, documentation).
type Option struct {
	Name string
	// Type is the Go type of the field.
	Type reflect.Type
	// Only lists the selectors the option applies to (nil: all).
	Only []string
}

// Options lists the options struct type t declares, sorted by name.
func Options(t reflect.Type) []Option {
	d := declOf(t)
	out := make([]Option, 0, len(d.names))
	for _, n := range d.names {
		f := d.byName[n]
		out = append(out, Option{Name: n, Type: f.typ, Only: f.only})
	}
	return out
}

// Applies checks the options of v (a struct, or a pointer to one) that
// have an only tag against selector: an option that is set (not its zero
// value, nor an empty list or map) but does not list selector is a
// problem keyed by its name, with no node. Callers position it.
func Applies(v any, selector string) []Problem {
	rv := reflect.Indirect(reflect.ValueOf(v))
	d := declOf(rv.Type())
	var out []Problem
	for _, f := range d.fields {
		if f.only == nil || !isSet(rv.FieldByIndex(f.index)) || contains(f.only, selector) {
			continue
		}
		out = append(out, Problem{Kind: Invalid, Key: f.name, Msg: fmt.Sprintf("does not apply to %s", selector),
			Hint: fmt.Sprintf("%s is an option of %s", f.name, strings.Join(f.only, ", "))})
	}
	return out
}

// OnlyFor lists the options of struct type t that apply under selector:
// those without an only tag and those whose tag lists it.
func OnlyFor(t reflect.Type, selector string) map[string]bool {
	d := declOf(t)
	out := map[string]bool{}
	for _, f := range d.fields {
		if f.only == nil || contains(f.only, selector) {
			out[f.name] = true
		}
	}
	return out
}

// isSet reports whether a field holds a value the user gave.
func isSet(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
		return !z.IsZero()
	}
	switch v.Kind() {
	case reflect.Map:
		return v.Len() > 0
	case reflect.Slice:
		return !v.IsNil()
	}
	return !v.IsZero()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Rule is a rule between the options of one struct. It shapes the schema
// (oneOf or anyOf of required options). A rule given its wording
// (WhenNone, WhenSeveral) is checked
// by Into too; one without is left to the schema, which sees every spec
// before it is rendered and so before any task is prepared (rendering
// changes values, never which options are written).
type Rule struct {
	names []string
	// exactly one (OneOf) or at least one (AnyOf)
	exactly bool
	// none and several word the problems (with their hints) when no
	// option, or more than one, is written.
	none, noneHint       string
	several, severalHint string
}

// OneOf is the rule that exactly one of the options is written.
func OneOf(names ...string) Rule { return Rule{names: names, exactly: true} }

// AnyOf is the rule that at least one of the options is written.
func AnyOf(names ...string) Rule { return Rule{names: names} }

// WhenNone words the problem of no option written, and makes Into check
// the rule.
func (r Rule) WhenNone(msg, hint string) Rule {
	r.none, r.noneHint = msg, hint
	return r
}

// WhenSeveral words the problem of more than one option written (OneOf),
// and makes Into check the rule.
func (r Rule) WhenSeveral(msg, hint string) Rule {
	r.several, r.severalHint = msg, hint
	return r
}

// check reports a broken rule. A problem for several options written is
// at the key of the second of them.
func (r Rule) check(b *Block) (Problem, bool) {
	if r.none == "" && r.several == "" {
		return Problem{}, false
	}
	var given []string
	for _, n := range r.names {
		if b.Has(n) {
			given = append(given, n)
		}
	}
	switch {
	case len(given) == 0:
		msg := r.none
		if msg == "" {
			msg = "needs " + orList(r.names)
		}
		return Problem{Kind: Broken, Msg: msg, Hint: r.noneHint}, true
	case r.exactly && len(given) > 1:
		msg := r.several
		if msg == "" {
			msg = "give only one of " + orList(r.names)
		}
		return Problem{Kind: Broken, Msg: msg, Hint: r.severalHint, Node: b.Key(given[1])}, true
	}
	return Problem{}, false
}

// schema is the rule as a JSON Schema keyword and its value.
func (r Rule) schema() (string, []any) {
	alts := make([]any, len(r.names))
	for i, n := range r.names {
		alts[i] = map[string]any{"required": []any{n}}
	}
	if r.exactly {
		return "oneOf", alts
	}
	return "anyOf", alts
}
