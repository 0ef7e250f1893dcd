// Package decode is the one position-keeping YAML decoder of Hotpass: the
// spec loader, task options (tasks.Decode), datasource blocks and backfill
// blocks all go through it. Every problem it finds points at the node it
// is about, so that callers can report file:line:col.
//
// Options are declared once, as a Go struct with tags, and from that one
// declaration come the decoding (Into), the JSON Schema editors and
// `hotpass validate` use (Schema), and the checks of which options apply
// when (the only tag, Applies, and rules). The tags are:
//
//	yaml:"name"          the option's name (as yaml.v3 reads it)
//	doc:"..."            its description
//	enum:"a|b"           the values a string option accepts
//	min:"0" max:"1"      bounds of a number, both included
//	gt:"0"               a bound the number must exceed
//	minlen:"1"           least length of a string (blanks aside), or items
//	                     of a list
//	hint:"..."           what to do, added to the option's problems
//	examples:"a|b"       examples for editors, each JSON or else a string
//	type:"string,integer" the JSON types, overriding those of the Go type
//	hotpass:"required"   the option must be written (checked by the schema,
//	                     which sees the spec before templates are rendered)
//	only:"csv,xlsx"      the option applies only under these selectors
//	                     (datasource formats): see Applies
//	schema:"-"           decoded but left out of the schema
//
// Numbers, booleans and durations are template-aware: a string that
// renders to "4", "0.5", "true" or "30s" decodes into an int, float, bool
// or time.Duration field, and an empty string leaves the field unset, so a
// pipeline can pass a param through whether or not the user gave it.
package decode

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/suggest"
)

// Kind classifies a Problem, so that a caller can word it in its own terms.
type Kind int

// Problem kinds.
const (
	// Invalid is a value the option does not accept; Msg says why.
	Invalid Kind = iota
	// Unknown is a key the struct declares no option for; Suggest and
	// Known help the user find the right one.
	Unknown
	// Type is a value of the wrong type; Want names the type expected.
	Type
	// Range is a number outside its bounds; Bound is the bound and Op one
	// of ">=", "<=" or ">".
	Range
	// Broken is a broken rule between options (see OneOf, AnyOf).
	Broken
)

// Problem is one thing wrong with a decoded block.
type Problem struct {
	Kind Kind
	// Key is the option's path from the decoded block ("count",
	// "lookups[1].path"); "" means the block itself.
	Key string
	// Node is where the problem is: the value, or the key for Unknown.
	Node *yaml.Node
	Msg  string
	Hint string
	// Want is the expected type of a Type problem.
	Want string
	// Suggest is the known option closest to an Unknown key ("" if none
	// is close); Known lists every option of its block, sorted.
	Suggest string
	Known   []string
	// Bound and Op describe a Range problem.
	Bound string
	Op    string
}

// Problems is every problem of one decode. As an error it joins them.
type Problems []Problem

// Error lists the problems, one per line, with their lines and columns.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		where := "block"
		if p.Key != "" {
			where = p.Key
		}
		line, col := 0, 0
		if p.Node != nil {
			line, col = p.Node.Line, p.Node.Column
		}
		lines[i] = fmt.Sprintf("%d:%d: %s: %s", line, col, where, p.Msg)
	}
	return strings.Join(lines, "\n")
}

// Block records where each top-level option of a decoded mapping was
// written, for checks the declaration cannot express.
type Block struct {
	// Node is the mapping (nil when the block was absent or null).
	Node   *yaml.Node
	keys   map[string]*yaml.Node
	values map[string]*yaml.Node
}

// Has reports whether the option was written.
func (b *Block) Has(name string) bool {
	_, ok := b.values[name]
	return ok
}

// Key returns the node of an option's key, or nil.
func (b *Block) Key(name string) *yaml.Node { return b.keys[name] }

// Value returns the node of an option's value, or nil.
func (b *Block) Value(name string) *yaml.Node { return b.values[name] }

// Names lists the options written, in file order.
func (b *Block) Names() []string {
	if b.Node == nil {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(b.Node.Content); i += 2 {
		if _, ok := b.keys[b.Node.Content[i].Value]; ok {
			out = append(out, b.Node.Content[i].Value)
		}
	}
	return out
}

// maxAliasChain bounds how many aliases Deref follows: yaml.v3 refuses
// cycles, but a hand-built node need not.
const maxAliasChain = 100

// Deref follows aliases to the node they name.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < maxAliasChain; i++ {
		n = n.Alias
	}
	return n
}

// Pairs calls fn with each key and (dereferenced) value of a mapping, in
// file order; it does nothing for anything else.
func Pairs(n *yaml.Node, fn func(k, v *yaml.Node)) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], Deref(n.Content[i+1]))
	}
}

// IsNull reports whether n is absent or a YAML null.
func IsNull(n *yaml.Node) bool {
	n = Deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Into decodes the mapping n into dst, a pointer to a struct declaring its
// options with tags (see the package documentation). Each option is
// decoded on its own, so that every problem is reported, each at its own
// node. A missing or null n decodes as empty. The error is Problems, or a
// plain error when dst is not a pointer to a struct.
func Into(n *yaml.Node, dst any) (*Block, error) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("decode: destination must be a pointer to a struct, got %T", dst)
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	var d decoder
	b := d.object("", n, rv.Elem())
	if len(d.problems) > 0 {
		return b, d.problems
	}
	return b, nil
}

type decoder struct {
	problems Problems
}

func (d *decoder) add(p Problem) { d.problems = append(d.problems, p) }

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// object decodes a mapping into the struct v.
func (d *decoder) object(path string, n *yaml.Node, v reflect.Value) *Block {
	n = Deref(n)
	b := &Block{}
	decl := declOf(v.Type())
	if !IsNull(n) && n.Kind != yaml.MappingNode {
		d.add(Problem{Kind: Type, Key: path, Node: n, Want: "mapping", Msg: "must be a mapping of options"})
		return b
	}
	if !IsNull(n) {
		b.Node = n
		d.fields(path, n, v, decl, b)
	}
	for _, r := range decl.rules {
		if p, bad := r.check(b); bad {
			p.Key = path
			if p.Node == nil {
				p.Node = b.Node
			}
			d.add(p)
		}
	}
	return b
}

// fields decodes each key of the mapping n into its field of v.
func (d *decoder) fields(path string, n *yaml.Node, v reflect.Value, decl *decl, b *Block) {
	if len(n.Content) == 0 {
		return // {}: nothing to record
	}
	b.keys = make(map[string]*yaml.Node, len(n.Content)/2)
	b.values = make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f, ok := decl.byName[k.Value]
		if !ok {
			d.add(Problem{Kind: Unknown, Key: join(path, k.Value), Node: k, Msg: "unknown option " + k.Value,
				Suggest: suggest.Closest(k.Value, decl.names), Known: decl.names})
			continue
		}
		b.keys[k.Value], b.values[k.Value] = k, val
		d.value(join(path, k.Value), val, v.FieldByIndex(f.index), f)
	}
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	nodeType        = reflect.TypeFor[yaml.Node]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// opaque reports whether values of t are decoded by yaml.v3 as they are:
// types with their own UnmarshalYAML, raw nodes, maps and interfaces.
func opaque(t reflect.Type) bool {
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return true
	}
	switch t.Kind() {
	case reflect.Map, reflect.Interface:
		return true
	}
	return false
}

// value decodes n into v, the field declared by f.
func (d *decoder) value(path string, n *yaml.Node, v reflect.Value, f *field) {
	n = Deref(n)
	t := v.Type()
	switch {
	case opaque(t):
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.add(yamlProblem(path, n, err))
		}
		return
	case t.Kind() == reflect.Pointer:
		if IsNull(n) || (isScalarType(t.Elem()) && emptyScalar(n)) {
			return
		}
		e := reflect.New(t.Elem())
		d.value(path, n, e.Elem(), f)
		v.Set(e)
		return
	case isScalarType(t):
		d.scalar(path, n, v, f)
		return
	case t.Kind() == reflect.Struct:
		d.object(path, n, v)
		return
	case t.Kind() == reflect.Slice && !opaque(t.Elem()) && t.Elem().Kind() != reflect.String &&
		(t.Elem().Kind() == reflect.Struct || isScalarType(t.Elem())):
		if IsNull(n) {
			return
		}
		if n.Kind != yaml.SequenceNode {
			p := yamlProblem(path, n, n.Decode(v.Addr().Interface()))
			p.Kind, p.Want = Type, "list"
			d.add(p)
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			// The field's constraints are the list's, not its items'.
			d.value(fmt.Sprintf("%s[%d]", path, i), c, s.Index(i), nil)
		}
		v.Set(s)
	default:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.add(yamlProblem(path, n, err))
			return
		}
	}
	d.checkLen(path, n, v, f)
}

// isScalarType reports whether t is decoded by coercion: numbers, booleans,
// durations and strings.
func isScalarType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func emptyScalar(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && strings.TrimSpace(n.Value) == ""
}

// scalar decodes a number, boolean, duration or string, accepting the text
// a template renders for the first three.
func (d *decoder) scalar(path string, n *yaml.Node, v reflect.Value, f *field) {
	t := v.Type()
	if t.Kind() == reflect.String {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			v.SetString(n.Value) // what yaml.v3 would do, without its decoder
		} else if err := n.Decode(v.Addr().Interface()); err != nil {
			d.add(yamlProblem(path, n, err))
			return
		}
		d.checkEnum(path, n, v.String(), f)
		d.checkLen(path, n, v, f)
		return
	}
	if IsNull(n) || emptyScalar(n) {
		return
	}
	if n.Kind != yaml.ScalarNode {
		// yaml.v3 words the mismatch ("cannot unmarshal !!seq into int").
		err := n.Decode(v.Addr().Interface())
		if err == nil {
			err = errors.New("must be a single value")
		}
		p := yamlProblem(path, n, err)
		p.Kind, p.Want = Type, jsonType(t)
		d.add(p)
		return
	}
	if n.ShortTag() != "!!str" && t != durationType {
		// YAML typed the value itself (3, 0x10, true): yaml.v3 decodes
		// it as it would anywhere.
		if err := n.Decode(v.Addr().Interface()); err != nil {
			p := yamlProblem(path, n, err)
			p.Kind, p.Want = Type, jsonType(t)
			d.add(p)
			return
		}
		switch {
		case v.CanInt():
			d.checkRange(path, n, float64(v.Int()), f)
		case v.CanUint():
			d.checkRange(path, n, float64(v.Uint()), f)
		case v.CanFloat():
			d.checkRange(path, n, v.Float(), f)
		}
		return
	}
	// A string, such as a rendered template holds.
	var err error
	switch {
	case t == durationType:
		var x time.Duration
		if x, err = Duration(n.Value); err == nil {
			v.SetInt(int64(x))
		} else {
			d.add(Problem{Kind: Type, Key: path, Node: n, Want: "duration", Msg: err.Error(), Hint: DurationHint})
			return
		}
	case t.Kind() == reflect.Bool:
		var x bool
		if x, err = Bool(n.Value); err == nil {
			v.SetBool(x)
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		var x float64
		if x, err = Float(n.Value); err == nil {
			v.SetFloat(x)
			d.checkRange(path, n, x, f)
		}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64:
		var x int64
		if x, err = Int(n.Value); err == nil && x >= 0 && !v.OverflowUint(uint64(x)) {
			v.SetUint(uint64(x))
			d.checkRange(path, n, float64(x), f)
		} else if err == nil {
			err = errors.New("out of range")
		}
	default:
		var x int64
		if x, err = Int(n.Value); err == nil && !v.OverflowInt(x) {
			v.SetInt(x)
			d.checkRange(path, n, float64(x), f)
		} else if err == nil {
			err = errors.New("out of range")
		}
	}
	if err != nil {
		// The value is not one a template could have meant either: let
		// yaml.v3 word the mismatch as it does for any other option.
		p := yamlProblem(path, n, n.Decode(v.Addr().Interface()))
		if p.Msg == "" {
			p.Msg = fmt.Sprintf("%q is not a %s", n.Value, jsonType(t))
		}
		p.Kind, p.Want = Type, jsonType(t)
		d.add(p)
	}
}

func (d *decoder) checkRange(path string, n *yaml.Node, x float64, f *field) {
	if f == nil {
		return
	}
	fail := func(op string, bound float64, msg string) {
		d.add(Problem{Kind: Range, Key: path, Node: n, Op: op, Bound: formatFloat(bound), Msg: msg, Hint: f.hint})
	}
	switch {
	case f.min != nil && x < *f.min:
		fail(">=", *f.min, fmt.Sprintf("must be at least %s, got %s", formatFloat(*f.min), formatFloat(x)))
	case f.gt != nil && x <= *f.gt:
		fail(">", *f.gt, fmt.Sprintf("must be greater than %s, got %s", formatFloat(*f.gt), formatFloat(x)))
	case f.max != nil && x > *f.max:
		fail("<=", *f.max, fmt.Sprintf("must be at most %s, got %s", formatFloat(*f.max), formatFloat(x)))
	}
}

func (d *decoder) checkEnum(path string, n *yaml.Node, s string, f *field) {
	if f == nil || len(f.enum) == 0 || s == "" {
		return
	}
	for _, e := range f.enum {
		if e == s {
			return
		}
	}
	words := make([]string, len(f.enum))
	for i, e := range f.enum {
		words[i] = e
		if strings.Trim(e, "abcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			words[i] = strconv.Quote(e) // punctuation or blanks would be lost in the sentence
		}
	}
	d.add(Problem{Kind: Invalid, Key: path, Node: n, Msg: fmt.Sprintf("must be %s, got %q", orList(words), s), Hint: f.hint})
}

func (d *decoder) checkLen(path string, n *yaml.Node, v reflect.Value, f *field) {
	if f == nil || f.minLen == 0 || IsNull(n) {
		return
	}
	var l int
	switch v.Kind() {
	case reflect.String:
		// Blanks alone are no more a value than nothing.
		l = len(strings.TrimSpace(v.String()))
	case reflect.Slice:
		l = v.Len()
	default:
		return
	}
	if l < f.minLen {
		msg := "is empty"
		if f.minLen > 1 {
			msg = fmt.Sprintf("needs at least %d, got %d", f.minLen, l)
		}
		d.add(Problem{Kind: Invalid, Key: path, Node: n, Msg: msg, Hint: f.hint})
	}
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// hinter is implemented by decoding errors that know what the user should
// write instead.
type hinter interface{ Hint() string }

// lineRe matches the "line N: " prefix of yaml.v3 type errors, redundant
// once the problem carries a node.
var lineRe = regexp.MustCompile(`^line \d+: `)

// yamlProblem turns an error of yaml.v3 or of an UnmarshalYAML method into
// a problem at n.
func yamlProblem(path string, n *yaml.Node, err error) Problem {
	if err == nil {
		return Problem{Kind: Invalid, Key: path, Node: n}
	}
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = lineRe.ReplaceAllString(te.Errors[0], "")
	}
	p := Problem{Kind: Invalid, Key: path, Node: n, Msg: msg}
	var h hinter
	if errors.As(err, &h) {
		p.Hint = h.Hint()
	}
	return p
}

// DurationHint is what to write for a duration.
const DurationHint = "write a duration like 500ms, 30s, 5m or 1h30m"

// Duration parses a duration: Go syntax (500ms, 1h30m) with d for days.
// Negative durations are refused.
func Duration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if strings.HasSuffix(s, "d") {
		n, err := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64)
		if err == nil && n >= 0 {
			return time.Duration(n * float64(24*time.Hour)), nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return v, nil
}

// Int parses a whole number as a template writes it (3, -3, 1_000), in
// base 10: a rendered "010" is ten.
func Int(s string) (int64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	i, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return i, nil
}

// Float parses a number as a template writes it (0.9, 1e3, .5).
func Float(s string) (float64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return f, nil
}

// Bool parses a boolean in any case, as YAML 1.1 and templates write it
// (true, True, yes, on, 1 and their opposites).
func Bool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}

// UnknownHint is the hint of an Unknown problem: did you mean the closest
// option, or else the list of options after listPrefix.
func (p Problem) UnknownHint(listPrefix string) string {
	if p.Suggest != "" {
		return fmt.Sprintf("did you mean %q?", p.Suggest)
	}
	return listPrefix + strings.Join(p.Known, ", ")
}

// jsonType names the JSON type of values of t, for messages.
func jsonType(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "whole number"
	}
	return t.Kind().String()
}
