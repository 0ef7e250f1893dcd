package datasource

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/schemas"
)

// compileJSON compiles one schema given as a Go value.
func compileJSON(t *testing.T, s any) *jsonschema.Schema {
	t.Helper()
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("encoding.json", inst); err != nil {
		t.Fatal(err)
	}
	cs, err := c.Compile("encoding.json")
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestEncodingSchemaAgreesWithReaders: the schema editors check specs and
// profiles with accepts an encoding exactly when the readers and writers
// do, aliases and case included.
func TestEncodingSchemaAgreesWithReaders(t *testing.T) {
	t.Parallel()
	spellings := []string{"ebcdic", "utf-32", "latin-9", "utf–8", "utf 8", "utf-8x", "xutf-8", "cp1252 cp1252", "windows", "16"}
	for _, e := range append(append([]string{}, csvio.Encodings...), csvio.EncodingAliases()...) {
		spellings = append(spellings, e, strings.ToUpper(e), strings.ReplaceAll(e, "-", "_"), " "+e+" ", strings.ToUpper(e[:1])+e[1:])
	}
	ds := compileJSON(t, encodingSchema())
	var profile map[string]any
	if err := json.Unmarshal(schemas.Profile, &profile); err != nil {
		t.Fatal(err)
	}
	pe := profile["$defs"].(map[string]any)["read"].(map[string]any)["properties"].(map[string]any)["encoding"].(map[string]any)
	ps := compileJSON(t, pe)
	for _, e := range spellings {
		_, cerr := csvio.NormalizeEncoding(e)
		for _, s := range []struct {
			name   string
			schema *jsonschema.Schema
		}{{"pipeline", ds}, {"profile", ps}} {
			serr := s.schema.Validate(e)
			if (cerr == nil) != (serr == nil) {
				t.Errorf("%s schema and readers disagree on %q: readers %v, schema %v", s.name, e, cerr, serr)
			}
		}
	}
	// The profile schema is written by hand: its choices must be the
	// generated ones.
	var want map[string]any
	raw, _ := json.Marshal(csvio.EncodingSchema())
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pe["anyOf"], want["anyOf"]) {
		t.Errorf("schemas/profile.schema.json $defs.read.properties.encoding.anyOf differs from csvio.EncodingSchema():\n%v\n%v", pe["anyOf"], want["anyOf"])
	}
}
