package decode

import (
	"encoding/json"
	"maps"
	"reflect"

	"gopkg.in/yaml.v3"
)

// Schemer is implemented by option types that decode themselves
// (UnmarshalYAML) and so describe themselves too.
type Schemer interface {
	JSONSchema() map[string]any
}

var schemerType = reflect.TypeFor[Schemer]()

// FieldSchemer is implemented by option structs some of whose options are
// described by what only the program knows (an enum of the encodings a
// reader supports): FieldSchema returns the schema of option name, or
// nil for the one its field's type and tags give. The description comes
// from the doc tag all the same.
type FieldSchemer interface {
	FieldSchema(name string) map[string]any
}

// Schema returns the JSON Schema (draft 2020-12) of the options struct
// type t (or a pointer to one): an object with no other properties, each
// property from its field's type and tags, and the struct's rules. A
// number or boolean property has its JSON type only: the spec validator
// leaves a templated value to be checked once rendered, by Into.
func Schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d := declOf(t)
	fs, _ := reflect.New(t).Interface().(FieldSchemer)
	props := map[string]any{}
	var required []any
	for _, f := range d.fields {
		if f.noSchema {
			continue
		}
		props[f.name] = fieldSchema(f, fs)
		if f.required {
			required = append(required, f.name)
		}
	}
	s := map[string]any{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	switch len(d.rules) {
	case 0:
	case 1:
		k, v := d.rules[0].schema()
		s[k] = v
	default:
		var all []any
		for _, r := range d.rules {
			k, v := r.schema()
			all = append(all, map[string]any{k: v})
		}
		s["allOf"] = all
	}
	return s
}

// TypeSchema is Schema as a document of its own, with a title and a
// description: the `with:` schema of a task type, or a datasource type's.
func TypeSchema(title, description string, options any) json.RawMessage {
	s := Schema(reflect.TypeOf(options))
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	if title != "" {
		s["title"] = title
	}
	if description != "" {
		s["description"] = description
	}
	out, err := json.Marshal(s)
	if err != nil {
		panic("decode: schema of " + title + ": " + err.Error())
	}
	return out
}

func fieldSchema(f *field, fs FieldSchemer) map[string]any {
	var s map[string]any
	if fs != nil {
		s = maps.Clone(fs.FieldSchema(f.name))
	}
	if s == nil {
		s = typeSchema(f.typ, f)
	}
	if f.doc != "" {
		s["description"] = f.doc
	}
	if len(f.examples) > 0 {
		s["examples"] = f.examples
	}
	switch len(f.types) {
	case 0:
	case 1:
		s["type"] = f.types[0]
	default:
		s["type"] = f.types
	}
	return s
}

// typeSchema describes values of t; f (nil for list items and map
// values) adds the field's constraints.
func typeSchema(t reflect.Type, f *field) map[string]any {
	if t.Kind() == reflect.Pointer {
		return typeSchema(t.Elem(), f)
	}
	if t.Implements(schemerType) {
		return maps.Clone(reflect.Zero(t).Interface().(Schemer).JSONSchema())
	}
	if reflect.PointerTo(t).Implements(schemerType) {
		return maps.Clone(reflect.New(t).Interface().(Schemer).JSONSchema())
	}
	var s map[string]any
	switch t.Kind() {
	case reflect.String:
		s = map[string]any{"type": "string"}
		if f != nil && len(f.enum) > 0 {
			enum := make([]any, len(f.enum))
			for i, e := range f.enum {
				enum[i] = e
			}
			s = map[string]any{"enum": enum}
		}
		if f != nil && f.minLen > 0 {
			s["minLength"] = f.minLen
		}
		return s
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Float32, reflect.Float64:
		s = map[string]any{"type": "number"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t == durationType {
			return map[string]any{"type": "string"}
		}
		s = map[string]any{"type": "integer"}
	case reflect.Slice:
		s = map[string]any{"type": "array", "items": typeSchema(t.Elem(), nil)}
		if f != nil && f.minLen > 0 {
			s["minItems"] = f.minLen
		}
		return s
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return map[string]any{"type": "object"}
		}
		return map[string]any{"type": "object", "additionalProperties": typeSchema(t.Elem(), nil)}
	case reflect.Struct:
		if t == nodeType {
			return map[string]any{}
		}
		return Schema(t)
	default:
		return map[string]any{}
	}
	if f != nil {
		if f.min != nil {
			s["minimum"] = *f.min
		}
		if f.max != nil {
			s["maximum"] = *f.max
		}
		if f.gt != nil {
			s["exclusiveMinimum"] = *f.gt
		}
	}
	return s
}

// Node keeps a value's node, to be decoded later by its owner with the
// node's position at hand (a list item whose problems need their index,
// a date checked against another). Its schema is T's.
type Node[T any] struct{ *yaml.Node }

// UnmarshalYAML keeps the node.
func (n *Node[T]) UnmarshalYAML(v *yaml.Node) error {
	n.Node = v
	return nil
}

// JSONSchema describes T.
func (Node[T]) JSONSchema() map[string]any { return typeSchema(reflect.TypeFor[T](), nil) }

// Type is T, for code that walks declarations.
func (Node[T]) Type() reflect.Type { return reflect.TypeFor[T]() }
