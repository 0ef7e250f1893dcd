package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
)

// schemaURL identifies the profile schema to the compiler.
const schemaURL = "https://hotpass.dev/schemas/profile.schema.json"

// SchemaURL is where the profile schema is published, for editors of
// profiles kept outside this repository.
const SchemaURL = schemaURL

// compiled returns the profile schema, compiled at first use (not at
// start-up: commands that load no profile should not pay for it) and
// read-only afterwards.
var compiled = sync.OnceValue(mustCompile)

func mustCompile() *jsonschema.Schema {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.Profile))
	if err != nil {
		panic(fmt.Sprintf("profiles: profile schema: %v", err))
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, inst); err != nil {
		panic(fmt.Sprintf("profiles: profile schema: %v", err))
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		panic(fmt.Sprintf("profiles: compile profile schema: %v", err))
	}
	return s
}

// validateSchema checks root against the profile schema and describes
// each leaf error at its position.
func validateSchema(file string, root *yaml.Node) specs.Diagnostics {
	inst, err := toJSON(root, 0)
	if err != nil {
		return specs.Diagnostics{specs.Errorf(specs.PosOf(file, root), "%v", err)}
	}
	verr := compiled().Validate(inst)
	if verr == nil {
		return nil
	}
	ve, ok := verr.(*jsonschema.ValidationError)
	if !ok {
		return specs.Diagnostics{specs.Errorf(specs.Pos{File: file}, "schema validation: %v", verr)}
	}
	var out specs.Diagnostics
	seen := map[string]bool{}
	collect(file, root, ve, func(d specs.Diagnostic) {
		if k := d.Error(); !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	})
	return out
}

func collect(file string, root *yaml.Node, e *jsonschema.ValidationError, emit func(specs.Diagnostic)) {
	if _, ok := e.ErrorKind.(*kind.PropertyNames); ok {
		// The validator reports these at a reused, unreliable location;
		// Profile.Check reports unknown field names at the key instead.
		return
	}
	if len(e.Causes) == 0 {
		emit(describe(file, root, e))
		return
	}
	for _, c := range e.Causes {
		collect(file, root, c, emit)
	}
}

func toPath(loc []string) []any {
	out := make([]any, len(loc))
	for i, p := range loc {
		if n, err := strconv.Atoi(p); err == nil {
			out[i] = n
		} else {
			out[i] = p
		}
	}
	return out
}

func where(loc []string) string {
	if len(loc) == 0 {
		return "the profile"
	}
	var b strings.Builder
	for _, p := range loc {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func describe(file string, root *yaml.Node, e *jsonschema.ValidationError) specs.Diagnostic {
	loc := e.InstanceLocation
	_, val := nodeAt(root, toPath(loc))
	pos := specs.PosOf(file, val)
	w := where(loc)
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		name := k.Properties[0]
		kn, _ := nodeAt(root, toPath(append(append([]string(nil), loc...), name)))
		return specs.Errorf(specs.PosOf(file, kn), "unknown key %q in %s", name, w)
	case *kind.Required:
		return specs.Errorf(pos, "%s: missing required key %q", w, k.Missing[0])
	case *kind.Type:
		return specs.Errorf(pos, "%s must be %s", w, strings.Join(k.Want, " or "))
	case *kind.Enum:
		return specs.Errorf(pos, "%s: %q is not one of %s", w, val.Value, quoteAll(k.Want))
	case *kind.Pattern:
		return specs.Errorf(pos, "%s: %q does not match %s", w, k.Got, k.Want)
	case *kind.MinItems:
		return specs.Errorf(pos, "%s needs at least %d item(s)", w, k.Want)
	case *kind.MinLength:
		return specs.Errorf(pos, "%s must not be empty", w)
	case *kind.Minimum:
		return specs.Errorf(pos, "%s must be at least %s", w, ratString(k.Want))
	case *kind.Maximum:
		return specs.Errorf(pos, "%s must be at most %s", w, ratString(k.Want))
	case *kind.UniqueItems:
		return specs.Errorf(pos, "%s lists the same item twice (items %d and %d)", w, k.Duplicates[0]+1, k.Duplicates[1]+1)
	case *kind.Const:
		return specs.Errorf(pos, "%s must be %s", w, quoteAll([]any{k.Want}))
	}
	// The library formats its other messages through a printer; a nil one
	// panics.
	return specs.Errorf(pos, "%s: %s", w, strings.TrimSpace(e.ErrorKind.LocalizedString(message.NewPrinter(language.English))))
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func quoteAll(vals []any) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return strings.Join(q, ", ")
}

// toJSON converts a YAML tree into the values the validator expects.
func toJSON(n *yaml.Node, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("profile is nested too deeply")
	}
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := toJSON(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := toJSON(c, depth+1)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, nil
			}
		case "!!int", "!!float":
			var f float64
			if n.Decode(&f) == nil {
				return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
			}
		}
		return n.Value, nil
	}
	return nil, nil
}
