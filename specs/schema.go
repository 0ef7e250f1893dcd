package specs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// SchemaURL is the $id of the composed pipeline schema.
const SchemaURL = "https://hotpass.dev/schemas/pipeline.schema.json"

// TypeSchema is the JSON Schema of one task or datasource type's options.
type TypeSchema struct {
	Name   string
	Schema json.RawMessage
}

// Validator checks spec documents against the pipeline JSON Schema: the base
// schema with every task type's `with:` schema and every datasource type's
// schema composed in.
type Validator struct {
	doc      map[string]any
	pretty   []byte
	compiled *jsonschema.Schema
	tasks    []string
	sources  []string
}

// NewValidator composes base (the pipeline schema without types) with the given
// task and datasource type schemas and compiles the result.
func NewValidator(base []byte, tasks, datasources []TypeSchema) (*Validator, error) {
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("base pipeline schema: %w", err)
	}
	defs, _ := doc["$defs"].(map[string]any)
	if defs == nil {
		return nil, fmt.Errorf("base pipeline schema has no $defs")
	}
	v := &Validator{doc: doc}
	if err := compose(defs, "task", "with", tasks, &v.tasks); err != nil {
		return nil, err
	}
	if err := compose(defs, "datasource", "", datasources, &v.sources); err != nil {
		return nil, err
	}
	pretty, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode pipeline schema: %w", err)
	}
	v.pretty = append(pretty, '\n')

	// Compile from the encoded bytes so the compiler sees plain JSON values.
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(v.pretty))
	if err != nil {
		return nil, fmt.Errorf("pipeline schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(SchemaURL, inst); err != nil {
		return nil, fmt.Errorf("pipeline schema: %w", err)
	}
	v.compiled, err = c.Compile(SchemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile pipeline schema: %w", err)
	}
	return v, nil
}

// compose adds one `if type == X then <field> matches X's schema` branch per
// type to $defs[def], and lists the type names in its `type` enum. With an empty
// field the type schema applies to the object itself (datasources).
func compose(defs map[string]any, def, field string, types []TypeSchema, names *[]string) error {
	obj, _ := defs[def].(map[string]any)
	if obj == nil {
		return fmt.Errorf("base pipeline schema has no $defs/%s", def)
	}
	sorted := append([]TypeSchema(nil), types...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var branches []any
	var enum []any
	for _, t := range sorted {
		var s any
		if err := json.Unmarshal(t.Schema, &s); err != nil {
			return fmt.Errorf("schema of %s type %q: %w", def, t.Name, err)
		}
		key := def + "." + t.Name
		defs[key] = s
		ref := map[string]any{"$ref": "#/$defs/" + key}
		then := ref
		if field != "" {
			then = map[string]any{"properties": map[string]any{field: ref}}
		}
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"type": map[string]any{"const": t.Name}}, "required": []any{"type"}},
			"then": then,
		})
		enum = append(enum, t.Name)
		*names = append(*names, t.Name)
	}
	if len(sorted) == 0 {
		return nil
	}
	props, _ := obj["properties"].(map[string]any)
	if props != nil {
		if tp, ok := props["type"].(map[string]any); ok {
			tp["enum"] = enum
		}
	}
	obj["allOf"] = branches
	return nil
}

// JSON returns the composed schema, indented, as `hotpass schema` prints it.
func (v *Validator) JSON() []byte { return v.pretty }

// TaskTypes returns the task type names the validator knows, sorted.
func (v *Validator) TaskTypes() []string { return v.tasks }

// DatasourceTypes returns the datasource type names the validator knows, sorted.
func (v *Validator) DatasourceTypes() []string { return v.sources }

// validate checks the document rooted at root and maps every schema violation
// to a diagnostic at the offending node.
func (v *Validator) validate(ctx context.Context, file string, root *yaml.Node) Diagnostics {
	inst, diags := toJSONValue(ctx, file, root)
	if diags.HasErrors() || ctx.Err() != nil {
		return diags
	}
	err := v.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return Diagnostics{Errorf(Pos{File: file}, "schema validation: %v", err)}
	}
	var found Diagnostics
	v.collect(file, root, ve, &found)
	// An unknown key next to a missing required one is almost always the
	// same mistake (a misspelt key): report it once, as the unknown key.
	unknownAt := map[string]bool{}
	for _, d := range found {
		if strings.HasPrefix(d.Message, "unknown key") {
			unknownAt[d.Pos.File+":"+strconv.Itoa(d.Pos.Line)] = true
		}
	}
	seen := map[string]bool{}
	for _, d := range found {
		if (strings.Contains(d.Message, "missing required") || strings.Contains(d.Message, "needs one of")) && unknownAt[d.Pos.File+":"+strconv.Itoa(d.Pos.Line)] {
			continue
		}
		key := d.Error()
		if seen[key] {
			continue
		}
		seen[key] = true
		diags = append(diags, d)
	}
	return diags
}

// collect walks the error tree down to its leaves, describing each. Choices
// (oneOf/anyOf) between required keys are described as one choice, not as
// one "missing" error per branch.
func (v *Validator) collect(file string, root *yaml.Node, e *jsonschema.ValidationError, out *Diagnostics) {
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		keys := v.choiceKeys(e.SchemaURL)
		if len(keys) > 0 {
			_, val := nodeAt(root, e.InstanceLocation)
			where := describeLocation(e.InstanceLocation)
			if one, ok := k.(*kind.OneOf); ok && len(one.Subschemas) > 1 {
				*out = append(*out, Errorf(PosOf(file, val), "%s: set only one of %s", where, quoteStrings(keys)))
				return
			}
			if allRequired(e) {
				*out = append(*out, Errorf(PosOf(file, val), "%s: needs one of %s", where, quoteStrings(keys)))
				return
			}
		}
	}
	if len(e.Causes) == 0 {
		if _, val := nodeAt(root, e.InstanceLocation); isTemplate(val) && rendered(e.InstanceLocation) {
			// Its rendered text is what counts: the task's decoder
			// checks it (a "{{ params.n }}" may well become 4).
			return
		}
		*out = append(*out, v.describe(file, root, e))
		return
	}
	for _, c := range e.Causes {
		v.collect(file, root, c, out)
	}
}

// rendered reports whether the value at loc is rendered before it is
// used: task options and datasource options (but a datasource's type,
// like a task's, must be known before anything is rendered).
func rendered(loc []string) bool {
	switch {
	case len(loc) >= 4 && loc[0] == "tasks" && loc[2] == "with":
		return true
	case len(loc) >= 3 && loc[0] == "datasources" && loc[2] != "type":
		return true
	}
	return false
}

// isTemplate reports whether n is a string holding a template.
func isTemplate(n *yaml.Node) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" && tmpl.HasTemplate(n.Value)
}

func allRequired(e *jsonschema.ValidationError) bool {
	if len(e.Causes) == 0 {
		_, ok := e.ErrorKind.(*kind.Required)
		return ok
	}
	for _, c := range e.Causes {
		if !allRequired(c) {
			return false
		}
	}
	return true
}

// choiceKeys lists the keys required by the branches of a oneOf/anyOf when
// every branch is just `required: [...]`.
func (v *Validator) choiceKeys(url string) []string {
	s, _ := v.schemaAt(url)
	m, _ := s.(map[string]any)
	if m == nil {
		return nil
	}
	var keys []string
	for _, kw := range []string{"oneOf", "anyOf"} {
		branches, _ := m[kw].([]any)
		for _, b := range branches {
			bm, _ := b.(map[string]any)
			req, _ := bm["required"].([]any)
			if len(bm) != 1 || len(req) == 0 {
				return nil
			}
			for _, r := range req {
				keys = append(keys, fmt.Sprint(r))
			}
		}
	}
	return keys
}

func quoteStrings(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	if len(q) == 2 {
		return q[0] + " or " + q[1]
	}
	return strings.Join(q, ", ")
}

// describe turns one schema violation into a message a person can act on.
func (v *Validator) describe(file string, root *yaml.Node, e *jsonschema.ValidationError) Diagnostic {
	loc := e.InstanceLocation
	keyNode, valNode := nodeAt(root, loc)
	where := describeLocation(loc)
	pos := PosOf(file, valNode)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		name := k.Properties[0]
		kn, _ := nodeAt(root, append(append([]string(nil), loc...), name))
		allowed := v.allowedKeys(e.SchemaURL)
		d := Errorf(PosOf(file, kn), "unknown key %q%s", name, inWhere(where))
		if len(loc) == 3 && loc[0] == "tasks" && loc[2] == "with" {
			d.Message = fmt.Sprintf("unknown key %q in the options (with:) of task %q", name, loc[1])
		}
		if s := closest(name, allowed); s != "" {
			return d.WithHint("did you mean %q?", s)
		}
		if len(allowed) > 0 {
			return d.WithHint("allowed keys: %s", strings.Join(allowed, ", "))
		}
		return d
	case *kind.Required:
		if len(loc) == 0 {
			return Errorf(Pos{File: file, Line: 1, Col: 1}, "missing required top-level key %q", k.Missing[0])
		}
		return Errorf(pos, "%s: missing required key %q", where, k.Missing[0])
	case *kind.Type:
		return Errorf(pos, "%s must be %s, got %s", where, strings.Join(k.Want, " or "), nodeKindName(valNode)).
			WithHint("%s", typeHint(k.Want, valNode))
	case *kind.Enum:
		if len(loc) >= 3 && loc[len(loc)-1] == "type" && (loc[0] == "tasks" || loc[0] == "datasources") {
			names := v.tasks
			what := "task type"
			if loc[0] == "datasources" {
				names, what = v.sources, "datasource type"
			}
			d := Errorf(pos, "unknown %s %q", what, valNode.Value)
			if s := closest(valNode.Value, names); s != "" {
				return d.WithHint("did you mean %q? known types: %s", s, strings.Join(names, ", "))
			}
			return d.WithHint("known types: %s", strings.Join(names, ", "))
		}
		return Errorf(pos, "%s: %s is not one of %s", where, nodeKindName(valNode), quoteAll(k.Want))
	case *kind.Const:
		return Errorf(pos, "%s must be %v, got %s", where, k.Want, nodeKindName(valNode))
	case *kind.Minimum:
		return Errorf(pos, "%s must be at least %s, got %s", where, ratString(k.Want), ratString(k.Got))
	case *kind.Maximum:
		return Errorf(pos, "%s must be at most %s, got %s", where, ratString(k.Want), ratString(k.Got))
	case *kind.ExclusiveMinimum:
		return Errorf(pos, "%s must be greater than %s, got %s", where, ratString(k.Want), ratString(k.Got))
	case *kind.Pattern:
		return Errorf(pos, "%s: %q is not valid", where, k.Got).WithHint("%s", v.patternHint(e.SchemaURL, k.Want))
	case *kind.MinItems:
		return Errorf(pos, "%s needs at least %d item(s), got %d", where, k.Want, k.Got)
	case *kind.MinLength:
		return Errorf(pos, "%s must not be empty", where)
	case *kind.UniqueItems:
		return Errorf(pos, "%s lists the same item twice (items %d and %d)", where, k.Duplicates[0]+1, k.Duplicates[1]+1)
	case *kind.PropertyNames:
		kn, _ := nodeAt(root, append(append([]string(nil), loc...), k.Property))
		return Errorf(PosOf(file, kn), "invalid name %q%s", k.Property, inWhere(where)).
			WithHint("names start with a letter and use letters, digits, '_' and '-'")
	case *kind.FalseSchema:
		if keyNode != nil {
			return Errorf(PosOf(file, keyNode), "key %q is not allowed here", keyNode.Value)
		}
	}
	return Errorf(pos, "%s: %s", where, strings.TrimSpace(e.ErrorKind.LocalizedString(nil)))
}

func inWhere(where string) string {
	if where == "" || where == "spec" {
		return " at top level"
	}
	return " in " + where
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func quoteAll(vals []any) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return strings.Join(s, ", ")
}

func typeHint(want []string, n *yaml.Node) string {
	if n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		for _, w := range want {
			if w == "integer" || w == "number" || w == "boolean" {
				return fmt.Sprintf("write the %s without quotes", w)
			}
		}
	}
	if len(want) == 1 && want[0] == "array" {
		return "write a list, e.g. [a, b]"
	}
	if len(want) == 1 && want[0] == "object" {
		return "write a mapping of keys to values"
	}
	return "see `hotpass schema` for the expected shape"
}

// describeLocation names an instance location the way users think of it:
// `task "load"`, `task "load": with.path`, `concurrency.max`.
func describeLocation(loc []string) string {
	if len(loc) == 0 {
		return "spec"
	}
	kinds := map[string]string{"tasks": "task", "datasources": "datasource", "params": "param"}
	if k, ok := kinds[loc[0]]; ok && len(loc) >= 2 {
		s := fmt.Sprintf("%s %q", k, loc[1])
		if len(loc) > 2 {
			s += ": " + joinPath(loc[2:])
		}
		return s
	}
	return joinPath(loc)
}

func joinPath(loc []string) string {
	var b strings.Builder
	for i, p := range loc {
		if _, err := strconv.Atoi(p); err == nil {
			fmt.Fprintf(&b, "[%s]", p)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// schemaAt resolves the JSON pointer fragment of a schema URL in the composed document.
func (v *Validator) schemaAt(url string) (any, []string) {
	i := strings.IndexByte(url, '#')
	if i < 0 {
		return v.doc, nil
	}
	frag := strings.TrimPrefix(url[i+1:], "/")
	var cur any = v.doc
	var parts []string
	if frag != "" {
		parts = strings.Split(frag, "/")
	}
	for _, p := range parts {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(c) {
				return nil, parts
			}
			cur = c[n]
		default:
			return nil, parts
		}
	}
	return cur, parts
}

// allowedKeys lists the properties declared next to the additionalProperties
// keyword that rejected a key, for "did you mean" hints.
func (v *Validator) allowedKeys(url string) []string {
	s, _ := v.schemaAt(url)
	m, _ := s.(map[string]any)
	if m == nil {
		// The URL may point at the additionalProperties keyword itself.
		if i := strings.LastIndex(url, "/additionalProperties"); i >= 0 {
			s, _ = v.schemaAt(url[:i])
			m, _ = s.(map[string]any)
		}
	}
	props, _ := m["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// patternHint uses the schema's description of a pattern-constrained value, so
// that the error says what a valid value looks like instead of quoting a regexp.
func (v *Validator) patternHint(url, pattern string) string {
	s, _ := v.schemaAt(url)
	if m, ok := s.(map[string]any); ok {
		if h, ok := m["x-hint"].(string); ok {
			return h
		}
		if d, ok := m["description"].(string); ok {
			return d
		}
	}
	return "expected a value matching " + pattern
}

// nodeAt finds the key and value nodes at a JSON instance location.
func nodeAt(root *yaml.Node, loc []string) (key, val *yaml.Node) {
	val = root
	for _, p := range loc {
		val = deref(val)
		switch val.Kind {
		case yaml.MappingNode:
			var found bool
			for i := 0; i+1 < len(val.Content); i += 2 {
				if val.Content[i].Value == p {
					key, val, found = val.Content[i], val.Content[i+1], true
					break
				}
			}
			if !found {
				return key, val
			}
		case yaml.SequenceNode:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(val.Content) {
				return key, val
			}
			key, val = nil, val.Content[n]
		default:
			return key, val
		}
	}
	return key, deref(val)
}

func deref(n *yaml.Node) *yaml.Node { return decode.Deref(n) }

// maxJSONNodes bounds the expansion of YAML aliases ("billion laughs").
const maxJSONNodes = 1_000_000

// toJSONValue converts a YAML node tree into the plain values the schema
// validator works on (map[string]any, []any, string, bool, json.Number, nil).
// It gives up, returning nil, when ctx is done.
func toJSONValue(ctx context.Context, file string, n *yaml.Node) (any, Diagnostics) {
	count := 0
	var diags Diagnostics
	var conv func(n *yaml.Node, depth int) any
	conv = func(n *yaml.Node, depth int) any {
		count++
		if count%cancelCheckEvery == 0 && ctx.Err() != nil {
			return nil
		}
		if count > maxJSONNodes || depth > MaxDepth {
			if len(diags) == 0 {
				diags = append(diags, Errorf(PosOf(file, n), "document is too large or too deeply nested once aliases are expanded"))
			}
			return nil
		}
		n = deref(n)
		switch n.Kind {
		case yaml.MappingNode:
			m := make(map[string]any, len(n.Content)/2)
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Value == "<<" && k.Tag == "!!merge" {
					diags = append(diags, Errorf(PosOf(file, k), "YAML merge keys (<<) are not supported").
						WithHint("repeat the keys, or use an alias (*name) for a whole value"))
					continue
				}
				m[k.Value] = conv(n.Content[i+1], depth+1)
			}
			return m
		case yaml.SequenceNode:
			s := make([]any, len(n.Content))
			for i, c := range n.Content {
				s[i] = conv(c, depth+1)
			}
			return s
		case yaml.ScalarNode:
			return scalarJSON(n)
		}
		return nil
	}
	v := conv(n, 0)
	return v, diags
}

func scalarJSON(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			return json.Number(strconv.FormatUint(u, 10))
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !isNaNOrInf(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return n.Value
}

func isNaNOrInf(f float64) bool {
	return f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308
}
