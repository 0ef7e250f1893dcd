package tasks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
)

// Options is a task's decoded `with:` block together with where each option
// was written, so that a task type's own checks can point at the offending
// value.
type Options struct {
	file  string
	task  *specs.Task
	with  *yaml.Node
	block *decode.Block
}

// Has reports whether the option was written.
func (o *Options) Has(name string) bool {
	return o.block.Has(name)
}

// Pos returns the position of an option's value; for an option that was
// not written, the `with:` block's, or failing that the task's.
func (o *Options) Pos(name string) specs.Pos {
	if v := o.block.Value(name); v != nil {
		return specs.PosOf(o.file, v)
	}
	return o.blockPos()
}

// KeyPos returns the position of an option's key, like Pos otherwise.
func (o *Options) KeyPos(name string) specs.Pos {
	if k := o.block.Key(name); k != nil {
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

// Decode decodes task.With into dst, a pointer to a struct declaring the
// task's options with tags (see package specs/decode: the same declaration
// gives the type's schema through Schema). Each option is decoded on its
// own so that an error points at its own value, every problem is reported
// (not just the first), an option dst has no field for is an error with a
// did-you-mean hint, and numbers and booleans written as templates decode
// from the text they render to. A missing or null `with:` decodes as
// empty. The error, if any, is specs.Diagnostics.
func Decode(spec *specs.Spec, task *specs.Task, dst any) (*Options, error) {
	o := &Options{file: spec.Path, task: task, block: &decode.Block{}}
	with := decode.Deref(task.With)
	o.with = with
	if with != nil && !decode.IsNull(with) && with.Kind != yaml.MappingNode {
		return nil, specs.Diagnostics{specs.Errorf(specs.PosOf(spec.Path, with), "task %q: with must be a mapping of options", task.ID).
			WithHint("write options as `with: {name: value}`")}
	}
	b, err := decode.Into(with, dst)
	var ps decode.Problems
	if err != nil && !errors.As(err, &ps) {
		return nil, fmt.Errorf("tasks.Decode: %w", err)
	}
	o.block = b
	if len(ps) == 0 {
		return o, nil
	}
	diags := make(specs.Diagnostics, 0, len(ps))
	for _, p := range ps {
		diags = append(diags, o.problem(p))
	}
	return o, diags
}

// Problems words the error of decoding a part of an option (at path, such
// as "expectations[2]") with package decode as the task's diagnostics.
func (o *Options) Problems(path string, err error) specs.Diagnostics {
	var ps decode.Problems
	if !errors.As(err, &ps) {
		return specs.Diagnostics{o.Errorf(path, "%v", err)}
	}
	out := make(specs.Diagnostics, 0, len(ps))
	for _, p := range ps {
		p.Key = strings.TrimSuffix(path+"."+p.Key, ".")
		out = append(out, o.problem(p))
	}
	return out
}

// problem words a decoding problem as a diagnostic of the task.
func (o *Options) problem(p decode.Problem) specs.Diagnostic {
	pos := o.blockPos()
	if p.Node != nil {
		pos = specs.PosOf(o.file, p.Node)
	}
	var d specs.Diagnostic
	switch {
	case p.Kind == decode.Unknown:
		return specs.Errorf(pos, "task %q: unknown option with.%s for type %q", o.task.ID, p.Key, o.task.Type).
			WithHint("%s", p.UnknownHint("options of "+o.task.Type+": "))
	case p.Kind == decode.Broken:
		d = specs.Errorf(pos, "task %q: %s", o.task.ID, p.Msg)
	case p.Kind == decode.Range && p.Op == ">=" && p.Bound == "0":
		d = specs.Errorf(pos, "task %q: with.%s: must not be negative, got %s", o.task.ID, p.Key, p.Node.Value)
	default:
		d = specs.Errorf(pos, "task %q: with.%s: %s", o.task.ID, p.Key, p.Msg)
	}
	if p.Hint != "" {
		d = d.WithHint("%s", p.Hint)
	}
	return d
}

// Declarer is implemented by task and datasource types whose options are
// declared as a struct (see Decode and Schema): Options returns a pointer
// to a zero value of the struct their options decode into. Tests walk it
// to check every option of every registered type.
type Declarer interface {
	Options() any
}

// Schema is the JSON Schema of a task type's `with:` block, made from the
// declaration of its options (a pointer to the struct Prepare decodes
// into): title is the type's name, description what it does.
func Schema(title, description string, options any) json.RawMessage {
	return decode.TypeSchema(title, description, options)
}

// Duration is an option holding a duration string: Go syntax such as 500ms,
// 30s or 1h30m, plus d for days.
type Duration time.Duration

// UnmarshalYAML parses the duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	n = decode.Deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return durationError{msg: "must be a duration string"}
	}
	v, err := decode.Duration(n.Value)
	if err != nil {
		return durationError{msg: err.Error()}
	}
	*d = Duration(v)
	return nil
}

type durationError struct{ msg string }

func (e durationError) Error() string { return e.msg }
func (e durationError) Hint() string  { return decode.DurationHint }

// JSONSchema describes a duration option: a string.
func (Duration) JSONSchema() map[string]any { return map[string]any{"type": "string"} }
