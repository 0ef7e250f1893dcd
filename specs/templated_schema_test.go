package specs_test

import (
	"strings"
	"testing"

	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
)

// The schema sees a spec before its templates are rendered: a templated
// value is left to the task's decoder, which sees what it renders to,
// while literal values keep every check.
func TestSchemaLeavesTemplatesToTheDecoder(t *testing.T) {
	t.Parallel()
	typ := specs.TypeSchema{Name: "t", Schema: []byte(`{"type": "object", "additionalProperties": false,
		"properties": {"n": {"type": "integer", "minimum": 0}, "b": {"type": "boolean"}, "m": {"enum": ["x", "y"]}}}`)}
	v, err := specs.NewValidator(schemas.PipelineBase, []specs.TypeSchema{typ}, []specs.TypeSchema{{Name: "csv", Schema: []byte(`{"type": "object"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ with, want string }{
		{`{n: "{{ params.n }}", b: "{{ params.b }}", m: "{{ params.m }}"}`, ""},
		{`{n: "{{ params.n }}0"}`, ""},
		{`{n: "four"}`, "with.n"},
		{`{n: -1}`, "with.n"},
		{`{b: "yes"}`, "with.b"},
		{`{m: z}`, "with.m"},
		{`{nn: "{{ params.n }}"}`, `unknown key "nn"`},
	}
	for _, tc := range tests {
		_, err := specs.Parse("s.yaml", []byte("version: 1\nname: x\ntasks:\n  a:\n    type: t\n    with: "+tc.with+"\n"), v)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.with, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one about %s", tc.with, err, tc.want)
		}
	}
	// Values outside task and datasource options are never rendered, so
	// a template there is checked as the text it is.
	for _, src := range []string{
		"version: 1\nname: x\ntasks:\n  a:\n    type: \"{{ params.t }}\"\n",
		"version: 1\nname: x\ntasks:\n  a:\n    type: t\n    retries: \"{{ params.r }}\"\n",
		"version: 1\nname: x\ndatasources:\n  d: {type: \"{{ params.f }}\"}\ntasks:\n  a: {type: t}\n",
	} {
		if _, err := specs.Parse("s.yaml", []byte(src), v); err == nil {
			t.Errorf("a template outside the options passed the schema:\n%s", src)
		}
	}
}
