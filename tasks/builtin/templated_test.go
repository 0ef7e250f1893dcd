package builtin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
)

// scalarOption is an option (at path, "[]" marking a list item) whose
// value a template may give as text.
type scalarOption struct {
	path []string
	// rendered is the text the template renders; literal the same value
	// written in YAML without a template.
	rendered, literal string
}

// scalarOptions walks a declared options struct down to its numbers,
// booleans and durations.
func scalarOptions(t reflect.Type, path []string, format string) []scalarOption {
	var out []scalarOption
	for _, o := range decode.Options(t) {
		if format != "" && o.Only != nil && !slices.Contains(o.Only, format) {
			continue
		}
		p := append(append([]string(nil), path...), o.Name)
		typ := o.Type
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() == reflect.Slice {
			if elem := declared(typ.Elem()); elem != nil {
				out = append(out, scalarOptions(elem, append(p, "[]"), "")...)
			}
			continue
		}
		if n, ok := reflect.Zero(typ).Interface().(typed); ok && n.Type().Kind() == reflect.Struct {
			out = append(out, scalarOptions(n.Type(), p, "")...)
			continue
		}
		switch kind := scalarKind(typ); kind {
		case "struct":
			out = append(out, scalarOptions(typ, p, "")...)
		case "integer":
			out = append(out, scalarOption{p, "4", "4"})
		case "number":
			out = append(out, scalarOption{p, "0.5", "0.5"})
		case "boolean":
			out = append(out, scalarOption{p, "true", "true"})
		case "duration":
			out = append(out, scalarOption{p, "30s", "30s"})
		}
	}
	return out
}

var durationType = reflect.TypeFor[tasks.Duration]()

// typed is decode.Node[T], a node its owner decodes as a T.
type typed interface{ Type() reflect.Type }

// declared returns the options struct a list item is decoded into, if any.
func declared(t reflect.Type) reflect.Type {
	if n, ok := reflect.Zero(t).Interface().(typed); ok && n.Type().Kind() == reflect.Struct {
		return n.Type()
	}
	if t.Kind() == reflect.Struct && !decodesItself(t) {
		return t
	}
	return nil
}

// canon is v with every decode.Node decoded as its owner would, so that
// values compare by what they mean.
func canon(t *testing.T, v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		return canon(t, v.Elem())
	}
	if n, ok := v.Interface().(typed); ok && n.Type().Kind() == reflect.Struct {
		node := v.FieldByName("Node").Interface().(*yaml.Node)
		if node == nil {
			return nil
		}
		return canon(t, decodeAll(t, reflect.New(n.Type()).Interface(), node, "item"))
	}
	switch v.Kind() {
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			out := make([]any, v.Len())
			for i := range out {
				out[i] = canon(t, v.Index(i))
			}
			return out
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[yaml.Node]() || decodesItself(v.Type()) {
			return v.Interface()
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				out[v.Type().Field(i).Name] = canon(t, v.Field(i))
			}
		}
		return out
	}
	return v.Interface()
}

// decodesItself reports whether t is decoded by its own UnmarshalYAML (or
// is a raw node), so that its fields are not options.
func decodesItself(t reflect.Type) bool {
	_, ok := reflect.New(t).Interface().(yaml.Unmarshaler)
	return ok || t == reflect.TypeFor[yaml.Node]()
}

// scalarKind tells numbers, booleans and durations by their Go kind or,
// for types that decode themselves, by the JSON types they declare.
func scalarKind(t reflect.Type) string {
	if t == durationType {
		return "duration"
	}
	if s, ok := reflect.New(t).Interface().(decode.Schemer); ok {
		sch := s.JSONSchema()
		types := fmt.Sprint(sch["type"])
		for _, k := range []string{"integer", "number", "boolean"} {
			if strings.Contains(types, k) {
				return k
			}
		}
		if strings.Contains(fmt.Sprint(sch["enum"]), "true") {
			return "boolean" // true, false or a word, as header is
		}
		return ""
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Struct:
		if !decodesItself(t) {
			return "struct"
		}
	}
	return ""
}

// flow writes value at path as YAML flow style: {a: {b: [{c: value}]}}.
func flow(path []string, value string) string {
	out := value
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == "[]" {
			out = "[" + out + "]"
		} else {
			out = "{" + path[i] + ": " + out + "}"
		}
	}
	return out
}

// renderedNode parses and renders a spec whose task or datasource has
// value at path, and returns the rendered options node.
func renderedNode(t *testing.T, typ, format string, path []string, value string, param any) *yaml.Node {
	t.Helper()
	var src string
	v, err := specs.NewValidator(schemas.PipelineBase,
		[]specs.TypeSchema{{Name: "any", Schema: json.RawMessage(`{"type":"object"}`)}, {Name: typ, Schema: json.RawMessage(`{"type":"object"}`)}},
		[]specs.TypeSchema{{Name: format, Schema: json.RawMessage(`{"type":"object"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if format != "" {
		src = fmt.Sprintf("version: 1\nname: t\ndatasources:\n  d: %s\ntasks:\n  x: {type: any}\n", flow(nil, strings.TrimSuffix(flow(path, value), "}")+", type: "+format+"}"))
	} else {
		src = fmt.Sprintf("version: 1\nname: t\ntasks:\n  x:\n    type: %s\n    with: %s\n", typ, flow(path, value))
	}
	spec, err := specs.Parse("t.yaml", []byte(src), v)
	if err != nil {
		t.Fatalf("%s\n%v", src, err)
	}
	r, diags := specs.Render(spec, specs.RenderOptions{Params: map[string]any{"v": param}})
	if diags.HasErrors() {
		t.Fatalf("render %s: %v", src, diags)
	}
	if format != "" {
		return r.Spec.Datasources[0].Options
	}
	return r.Spec.Tasks[0].With
}

// decodeAll decodes node into a new value of the declaration's type,
// failing on any problem but a rule between options (a lone option may
// well break one).
func decodeAll(t *testing.T, decl any, node *yaml.Node, where string) reflect.Value {
	t.Helper()
	dst := reflect.New(reflect.TypeOf(decl).Elem())
	_, err := decode.Into(node, dst.Interface())
	var ps decode.Problems
	if err != nil && !errors.As(err, &ps) {
		t.Fatalf("%s: %v", where, err)
	}
	for _, p := range ps {
		if p.Kind != decode.Broken {
			t.Errorf("%s: %s: %s", where, p.Key, p.Msg)
		}
	}
	return dst.Elem()
}

// TestTemplatedScalars renders "{{ params.v }}" into every number, boolean
// and duration option of every registered task type and datasource format
// and checks that it decodes to what the same value written literally
// does. Types are taken from the registry, so a new one is covered (and
// must declare its options) without touching this test.
func TestTemplatedScalars(t *testing.T) {
	t.Parallel()
	type subject struct {
		typ, format string
		decl        any
	}
	var subjects []subject
	reg := tasks.Default()
	for _, typ := range reg.Types() {
		d, ok := typ.(tasks.Declarer)
		if !ok {
			t.Errorf("task type %q does not declare its options (tasks.Declarer)", typ.Name())
			continue
		}
		subjects = append(subjects, subject{typ: typ.Name(), decl: d.Options()})
	}
	for _, ds := range reg.(engine.DatasourceRegistry).DatasourceTypes() {
		d, ok := ds.(tasks.Declarer)
		if !ok {
			t.Errorf("datasource type %q does not declare its options (tasks.Declarer)", ds.Name())
			continue
		}
		subjects = append(subjects, subject{typ: "ds", format: ds.Name(), decl: d.Options()})
	}
	if len(subjects) < 9+5 {
		t.Fatalf("only %d task and datasource types registered", len(subjects))
	}
	for _, s := range subjects {
		opts := scalarOptions(reflect.TypeOf(s.decl).Elem(), nil, s.format)
		for _, o := range opts {
			name := s.typ + "/" + s.format + "/" + strings.Join(o.path, ".")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				templated := renderedNode(t, s.typ, s.format, o.path, `"{{ params.v }}"`, o.rendered)
				literal := renderedNode(t, s.typ, s.format, o.path, o.literal, nil)
				got := decodeAll(t, s.decl, templated, "templated")
				want := decodeAll(t, s.decl, literal, "literal")
				if got.IsZero() {
					t.Fatalf("templated %q left the options empty", o.rendered)
				}
				if g, w := canon(t, got), canon(t, want); !reflect.DeepEqual(g, w) {
					t.Errorf("templated %q decoded to %+v, the literal to %+v", o.rendered, g, w)
				}
			})
		}
	}
}
