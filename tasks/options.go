package tasks

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/specs"
)

// Options is a task's decoded `with:` block together with where each option
// was written, so that a task type's own checks can point at the offending
// value.
type Options struct {
	file string
	task *specs.Task
	with *yaml.Node
	keys map[string]*yaml.Node
	vals map[string]*yaml.Node
}

// Has reports whether the option was written.
func (o *Options) Has(name string) bool {
	_, ok := o.vals[name]
	return ok
}

// Pos returns the position of an option's value; for an option that was
// not written, the `with:` block's, or failing that the task's.
func (o *Options) Pos(name string) specs.Pos {
	if v, ok := o.vals[name]; ok {
		return specs.PosOf(o.file, v)
	}
	return o.blockPos()
}

// KeyPos returns the position of an option's key, like Pos otherwise.
func (o *Options) KeyPos(name string) specs.Pos {
	if k, ok := o.keys[name]; ok {
		return specs.PosOf(o.file, k)
	}
	return o.blockPos()
}

func (o *Options) blockPos() specs.Pos {
	if o.with != nil {
		return specs.PosOf(o.file, o.with)
	}
	return o.task.Pos
}

// Errorf returns an error diagnostic at an option's value, its message
// prefixed with the task and option: `task "x": with.argv: ...`.
func (o *Options) Errorf(name, format string, args ...any) specs.Diagnostic {
	return specs.Errorf(o.Pos(name), "task %q: with.%s: %s", o.task.ID, name, fmt.Sprintf(format, args...))
}

// hinter is implemented by decoding errors that know what the user should
// write instead.
type hinter interface{ Hint() string }

// lineRe matches the "line N: " prefix of yaml.v3 type errors, redundant
// once the error carries a position.
var lineRe = regexp.MustCompile(`^line \d+: `)

// Decode decodes task.With into dst, a pointer to a struct whose fields have
// yaml tags. Each option is decoded on its own so that an error points at
// its own value, every problem is reported (not just the first), and an
// option dst has no field for is an error with a did-you-mean hint. A
// missing or null `with:` decodes as empty. The error, if any, is
// specs.Diagnostics.
func Decode(spec *specs.Spec, task *specs.Task, dst any) (*Options, error) {
	o := &Options{file: spec.Path, task: task, keys: map[string]*yaml.Node{}, vals: map[string]*yaml.Node{}}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("tasks.Decode: destination must be a pointer to a struct, got %T", dst)
	}
	with := deref(task.With)
	o.with = with
	if with == nil || (with.Kind == yaml.ScalarNode && with.Tag == "!!null") {
		return o, nil
	}
	if with.Kind != yaml.MappingNode {
		return nil, specs.Diagnostics{specs.Errorf(specs.PosOf(spec.Path, with), "task %q: with must be a mapping of options", task.ID).
			WithHint("write options as `with: {name: value}`")}
	}
	if len(with.Content) == 0 {
		return o, nil
	}
	fields := fieldsByName(rv.Elem())
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	var diags specs.Diagnostics
	for i := 0; i+1 < len(with.Content); i += 2 {
		k, v := with.Content[i], with.Content[i+1]
		f, ok := fields[k.Value]
		if !ok {
			d := specs.Errorf(specs.PosOf(spec.Path, k), "task %q: unknown option with.%s for type %q", task.ID, k.Value, task.Type)
			if s := suggest.Closest(k.Value, names); s != "" {
				d = d.WithHint("did you mean %q?", s)
			} else {
				d = d.WithHint("options of %s: %s", task.Type, strings.Join(sortedCopy(names), ", "))
			}
			diags = append(diags, d)
			continue
		}
		o.keys[k.Value], o.vals[k.Value] = k, v
		if err := v.Decode(f.Addr().Interface()); err != nil {
			diags = append(diags, o.decodeError(k.Value, err))
		}
	}
	if len(diags) > 0 {
		return o, diags
	}
	return o, nil
}

func (o *Options) decodeError(name string, err error) specs.Diagnostic {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = lineRe.ReplaceAllString(te.Errors[0], "")
	}
	d := o.Errorf(name, "%s", msg)
	var h hinter
	if errors.As(err, &h) {
		d = d.WithHint("%s", h.Hint())
	}
	return d
}

// fieldsByName maps yaml option names to the struct's fields.
func fieldsByName(v reflect.Value) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, flags, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if flags == "inline" && sf.Type.Kind() == reflect.Struct {
			for k, f := range fieldsByName(v.Field(i)) {
				out[k] = f
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out[name] = v.Field(i)
	}
	return out
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// Duration is an option holding a duration string: Go syntax such as 500ms,
// 30s or 1h30m, plus d for days.
type Duration time.Duration

// UnmarshalYAML parses the duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return durationError{msg: "must be a duration string"}
	}
	v, err := specs.ParseDuration(n.Value)
	if err != nil {
		return durationError{msg: err.Error()}
	}
	*d = Duration(v)
	return nil
}

type durationError struct{ msg string }

func (e durationError) Error() string { return e.msg }
func (e durationError) Hint() string  { return "write a duration like 500ms, 30s, 5m or 1h30m" }
