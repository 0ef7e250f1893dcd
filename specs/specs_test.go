package specs_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/tmpl"
)

// testValidator composes the real base schema with two small task types of
// the kind the registry provides.
func testValidator(t testing.TB) *specs.Validator {
	t.Helper()
	v, err := specs.NewValidator(schemas.PipelineBase,
		[]specs.TypeSchema{
			{Name: "noop", Schema: []byte(`{"type":"object","additionalProperties":false,"properties":{"sleep":{"type":"string"}}}`)},
			{Name: "copy", Schema: []byte(`{"type":"object","additionalProperties":false,"required":["input"],"properties":{"input":{"type":"string"},"inputs":{"type":"array","items":{"type":"string"}},"path":{"type":"string"}}}`)},
		},
		[]specs.TypeSchema{
			{Name: "csv", Schema: []byte(`{"type":"object","additionalProperties":false,"properties":{"type":{},"path":{"type":"string"}}}`)},
		})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseModel(t *testing.T) {
	t.Parallel()
	src := `version: 1
name: model
description: a test
params:
  region: {type: string, default: za}
  limit: {type: integer, default: 5}
  tags: {type: list, default: [a, b]}
  day: {type: date, required: true}
datasources:
  contacts: {type: csv, path: "data/{{ params.region }}.csv"}
concurrency:
  max: 3
  keys: {db: 2}
defaults: {retries: 2, retry_delay: 3s, timeout: 1m}
fail_fast: true
tasks:
  load:
    type: noop
  copy:
    type: copy
    needs: [load]
    retries: 0
    timeout: 2d
    concurrency_key: db
    with: {input: load, path: out.csv}
  merge:
    type: copy
    with: {input: copy, inputs: [load, copy]}
`
	s, err := specs.Parse("dir/model.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if s.Name != "model" || s.Version != 1 || !s.FailFast || s.Concurrency.Max != 3 || s.Concurrency.Keys["db"] != 2 {
		t.Errorf("top level decoded wrong: %+v", s)
	}
	if len(s.Params) != 4 || s.Params[1].Default != int64(5) || !s.Params[3].Required || s.Params[3].HasDefault {
		t.Errorf("params decoded wrong: %+v %+v", s.Params[1], s.Params[3])
	}
	if got := s.Params[2].Default.([]string); strings.Join(got, ",") != "a,b" {
		t.Errorf("list default = %v", got)
	}
	ids := []string{}
	for _, task := range s.Tasks {
		ids = append(ids, task.ID)
	}
	if strings.Join(ids, ",") != "load,copy,merge" {
		t.Errorf("task order = %v, want file order", ids)
	}
	load, cp, merge := s.Task("load"), s.Task("copy"), s.Task("merge")
	if load.Retries != 2 || load.RetryDelay != 3*time.Second || load.Timeout != time.Minute {
		t.Errorf("defaults not applied: %+v", load)
	}
	if cp.Retries != 0 || cp.Timeout != 48*time.Hour || cp.ConcurrencyKey != "db" {
		t.Errorf("task overrides not applied: %+v", cp)
	}
	if len(cp.Needs) != 1 || cp.Needs[0].Pos.Line != 21 || cp.Needs[0].Pos.Col != 13 {
		t.Errorf("needs position = %+v, want line 21 col 13", cp.Needs)
	}
	deps := merge.Deps()
	if len(deps) != 2 || deps[0].ID != "copy" || deps[1].ID != "load" {
		t.Errorf("merge deps = %+v, want copy then load without duplicates", deps)
	}
	if s.Datasource("contacts").Type != "csv" {
		t.Errorf("datasource type not decoded")
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		line, col int
		msg, hint string
	}{
		{"unknown top key", "version: 1\nname: x\ntaks: {}\n", 3, 1, `unknown key "taks" at top level`, `did you mean "tasks"?`},
		{"unknown task key", "version: 1\nname: x\ntasks:\n  a:\n    type: noop\n    retires: 2\n", 6, 5, `unknown key "retires" in task "a"`, `did you mean "retries"?`},
		{"unknown option", "version: 1\nname: x\ntasks:\n  a:\n    type: noop\n    with: {slep: 1s}\n", 6, 12, `unknown key "slep" in the options (with:) of task "a"`, `did you mean "sleep"?`},
		{"unknown type", "version: 1\nname: x\ntasks:\n  a:\n    type: nop\n", 5, 11, `unknown task type "nop"`, `did you mean "noop"?`},
		{"wrong type", "version: 1\nname: x\ntasks:\n  a:\n    type: noop\n    retries: \"three\"\n", 6, 14, `retries must be integer, got str "three"`, "without quotes"},
		{"negative concurrency", "version: 1\nname: x\nconcurrency: {max: -1}\ntasks: {a: {type: noop}}\n", 3, 20, "concurrency.max must be at least 1, got -1", ""},
		{"bad duration", "version: 1\nname: x\ntasks:\n  a: {type: noop, timeout: 5 minutes}\n", 4, 28, `"5 minutes" is not valid`, "500ms, 30s"},
		{"duplicate task", "version: 1\nname: x\ntasks:\n  a: {type: noop}\n  a: {type: noop}\n", 5, 3, `duplicate task id "a"`, "first defined at line 4"},
		{"missing type", "version: 1\nname: x\ntasks:\n  a: {needs: []}\n", 4, 6, `missing required key "type"`, ""},
		{"no tasks", "version: 1\nname: x\n", 1, 1, "spec has no tasks", ""},
		{"wrong version", "version: 2\nname: x\ntasks: {}\n", 1, 10, "version must be 1", ""},
		{"templated needs", "version: 1\nname: x\ntasks:\n  a: {type: noop}\n  b: {type: noop, needs: ['{{ params.x }}']}\n", 5, 27, "needs entries cannot be templates", ""},
		{"templated input", "version: 1\nname: x\ntasks:\n  a: {type: noop}\n  b: {type: copy, with: {input: '{{ x }}'}}\n", 5, 33, "input cannot be a template", ""},
		{"merge key", "version: 1\nname: x\nbase: &b {type: noop}\ntasks:\n  a:\n    <<: *b\n", 6, 5, "merge keys", ""},
		{"tab", "version: 1\nname: x\ntasks:\n\ta: {type: noop}\n", 4, 1, "tab character used for indentation", "only spaces"},
		{"binary", "version: 1\x00\n", 1, 11, "file is binary", ""},
		{"invalid utf8", "version: 1\nname: \xff\n", 2, 7, "invalid UTF-8", ""},
		{"empty", "  \n\n", 1, 1, "spec file is empty", ""},
		{"not a mapping", "- a\n", 1, 1, "must be a mapping", ""},
		{"two documents", "version: 1\nname: x\ntasks: {}\n---\nname: y\n", 4, 1, "one YAML document", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := specs.Parse("s.yaml", []byte(tt.src), testValidator(t))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if !errors.Is(err, specs.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			ds := specs.AsDiagnostics(err)
			if len(ds) == 0 {
				t.Fatal("no diagnostics")
			}
			d := ds[0]
			if d.Pos.File != "s.yaml" || d.Pos.Line != tt.line || d.Pos.Col != tt.col {
				t.Errorf("position = %s, want s.yaml:%d:%d (%s)", d.Pos, tt.line, tt.col, d.Message)
			}
			if !strings.Contains(d.Message, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", d.Message, tt.msg)
			}
			if !strings.Contains(d.Hint, tt.hint) {
				t.Errorf("hint = %q, want it to contain %q", d.Hint, tt.hint)
			}
		})
	}
}

func TestDiagnosticPrintCaret(t *testing.T) {
	t.Parallel()
	_, err := specs.Parse("s.yaml", []byte("version: 1\nname: x\ntasks:\n  a:\n    type: noop\n    retires: 2\n"), testValidator(t))
	var b strings.Builder
	if perr := specs.AsDiagnostics(err).Print(&b); perr != nil {
		t.Fatal(perr)
	}
	want := "s.yaml:6:5: error: unknown key \"retires\" in task \"a\"\n" +
		" 6 |     retires: 2\n" +
		"   |     ^\n" +
		"  hint: did you mean \"retries\"?\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestRenderAndSecrets(t *testing.T) {
	t.Parallel()
	src := "version: 1\nname: x\nparams:\n  region: {type: string, default: za}\n" +
		"datasources:\n  db: {type: csv, path: \"{{ env_var('DB_PATH') }}/{{ params.region }}.csv\"}\n" +
		"tasks:\n  a:\n    type: copy\n    with:\n      input: a0\n      path: |\n        out/{{ run.date }}/{{ params.region|upper }}\n  a0: {type: noop}\n"
	s, err := specs.Parse("s.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) (string, bool) {
		if k == "DB_PATH" {
			return "/secret/path", true
		}
		return "", false
	}
	r, diags := specs.Render(s, specs.RenderOptions{
		Params: map[string]any{"region": "us"}, Run: tmpl.Run{ID: "r1", Date: "2026-01-02"}, LookupEnv: env,
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := r.Tasks[0].With.Content[3].Value; got != "out/2026-01-02/US\n" {
		t.Errorf("rendered path = %q", got)
	}
	if got := r.Datasources[0].Options.Content[3].Value; got != "/secret/path/us.csv" {
		t.Errorf("rendered datasource path = %q", got)
	}
	// The variable's value and the whole value rendered from it.
	if !reflect.DeepEqual(r.Secrets, []string{"/secret/path", "/secret/path/us.csv"}) {
		t.Errorf("secrets = %v", r.Secrets)
	}
	if s.Datasources[0].Options.Content[3].Value == r.Datasources[0].Options.Content[3].Value {
		t.Error("rendering modified the parsed spec")
	}

	// Unset variable: an error in strict rendering, a warning when lenient.
	none := func(string) (string, bool) { return "", false }
	_, diags = specs.Render(s, specs.RenderOptions{Params: map[string]any{"region": "us"}, LookupEnv: none})
	if !diags.HasErrors() || diags[0].Pos.Line != 6 || !strings.Contains(diags[0].Message, "DB_PATH") {
		t.Errorf("strict render of unset env var: %v", diags)
	}
	_, diags = specs.Render(s, specs.RenderOptions{Params: map[string]any{"region": "us"}, LookupEnv: none, Lenient: true})
	if diags.HasErrors() || len(diags.Warnings()) != 1 {
		t.Errorf("lenient render of unset env var: %v", diags)
	}
}

func TestTemplateErrorPositions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		line, col   int
	}{
		{"plain", "command: echo {{ nope }}", 7, 24},
		{"double quoted", `command: "echo {{ nope }}"`, 7, 25},
		{"single quoted", `command: 'echo {{ nope }}'`, 7, 25},
		{"literal block", "command: |\n        echo one\n        echo {{ nope }}", 9, 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A free-form with: block, so that any option name is accepted.
			v, _ := specs.NewValidator(schemas.PipelineBase, []specs.TypeSchema{{Name: "any", Schema: []byte(`{"type":"object"}`)}}, nil)
			s2, err := specs.Parse("s.yaml", []byte("version: 1\nname: x\ntasks:\n  a:\n    type: any\n    with:\n      "+tt.value+"\n"), v)
			if err != nil {
				t.Fatal(err)
			}
			ds := specs.Check(s2, specs.CheckOptions{})
			if len(ds) != 1 {
				t.Fatalf("diagnostics = %v", ds)
			}
			if ds[0].Pos.Line != tt.line || ds[0].Pos.Col != tt.col {
				t.Errorf("position = %d:%d, want %d:%d (%s)", ds[0].Pos.Line, ds[0].Pos.Col, tt.line, tt.col, ds[0].Message)
			}
		})
	}
}

func TestResolveParams(t *testing.T) {
	t.Parallel()
	s, err := specs.Parse("s.yaml", []byte("version: 1\nname: x\nparams:\n  n: {type: integer, default: 1}\n  f: {type: number}\n"+
		"  b: {type: boolean}\n  d: {type: date}\n  l: {type: list}\n  must: {type: string, required: true}\ntasks: {a: {type: noop}}\n"), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := specs.ResolveParams(s, map[string]any{"f": 1.5, "l": []any{"x", "y"}, "n": 3.0},
		map[string]string{"b": "yes", "d": "2026-02-03", "must": "ok", "n": "7"})
	if err != nil {
		t.Fatal(err)
	}
	if got["n"] != int64(7) || got["f"] != 1.5 || got["b"] != true || got["d"] != "2026-02-03" || got["must"] != "ok" {
		t.Errorf("resolved = %#v", got)
	}
	bad := []struct {
		flags map[string]string
		want  string
	}{
		{map[string]string{"must": "x", "nn": "1"}, `did you mean "n"?`},
		{map[string]string{"must": "x", "n": "1.5"}, "must be an integer"},
		{map[string]string{"must": "x", "d": "03/02/2026"}, "YYYY-MM-DD"},
		{map[string]string{"must": "x", "b": "maybe"}, "true or false"},
		{map[string]string{}, `param "must" is required`},
	}
	for _, b := range bad {
		_, err := specs.ResolveParams(s, nil, b.flags)
		if err == nil || !strings.Contains(err.Error(), b.want) || !errors.Is(err, specs.ErrInvalid) {
			t.Errorf("flags %v: error %v, want %q", b.flags, err, b.want)
		}
	}
}

// FuzzParse feeds arbitrary bytes to the loader: it must never panic and must
// return either a spec or positioned diagnostics.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"version: 1\nname: x\ntasks:\n  a: {type: noop}\n",
		"version: 1\nname: x\ntasks:\n  a: {type: copy, with: {input: b}}\n  b: {type: noop, needs: [a]}\n",
		"version: 1\nname: x\nparams: {p: {type: list, default: [1, 2]}}\ntasks: {a: {type: noop}}\n",
		"a: &x [*x]\n",
		"version: 1\nname: \"{{ x }}\"\ntasks: {}\n",
		"\t- ]\n",
		"",
		"version: 1\nname: x\ntasks: {a: {type: noop, with: {sleep: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "}}}\n",
		"version: 1\nname: x\ntasks:\n  a:\n" + strings.Repeat("   - ", 40) + "x\n",
		"a: &a [" + strings.Repeat("{b: ", 60) + "*a" + strings.Repeat("}", 60) + "]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	v := testValidator(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := specs.Parse("f.yaml", data, v)
		if err != nil {
			ds := specs.AsDiagnostics(err)
			if !ds.HasErrors() {
				t.Fatalf("error without error diagnostics: %v", err)
			}
			return
		}
		if s == nil {
			t.Fatal("nil spec without error")
		}
		if d := depth(s.Root); d > specs.MaxDepth {
			t.Fatalf("spec %d levels deep was accepted", d)
		}
		_ = specs.Check(s, specs.CheckOptions{LookupEnv: func(string) (string, bool) { return "", false }})
	})
}
