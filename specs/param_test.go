package specs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/specs"
)

const constrainedSpec = `version: 1
name: c
params:
  region: {type: string, enum: [za, us], default: za}
  code: {type: string, pattern: '[a-z]{2}[0-9]', max_length: 3}
  n: {type: integer, min: 1, max: 10}
  ratio: {type: number, min: 0, max: 0.5}
  tags: {type: list, pattern: '[a-z]+', max_length: 4, enum: [ab, cd, efgh]}
  day: {type: date, pattern: '2024-.*'}
  note: {type: string, max_length: 5}
tasks: {a: {type: noop}}
`

func TestParamConstraints(t *testing.T) {
	t.Parallel()
	s, err := specs.Parse("c.yaml", []byte(constrainedSpec), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		json  map[string]any
		flags map[string]string
		want  string // "" when the values are accepted
	}{
		{"all within", map[string]any{"tags": []any{"ab", "efgh"}, "ratio": 0.5}, map[string]string{"region": "us", "code": "ab1", "n": "10", "day": "2024-02-03", "note": "héllo"}, ""},
		{"enum", nil, map[string]string{"region": "uk"}, `param "region": must be one of "za", "us"; got "uk"`},
		{"enum is exact", nil, map[string]string{"region": "ZA"}, `must be one of`},
		{"enum over json", map[string]any{"region": "x; id"}, nil, `param "region": must be one of "za", "us"; got "x; id"`},
		{"pattern is anchored at the end", nil, map[string]string{"code": "ab1; id"}, `param "code": must be at most 3 characters long; got 7`},
		{"pattern is anchored", nil, map[string]string{"code": "1ab"}, `param "code": must match the pattern "[a-z]{2}[0-9]"; got "1ab"`},
		{"pattern on a date", nil, map[string]string{"day": "2023-01-01"}, `param "day": must match the pattern "2024-.*"`},
		{"min", nil, map[string]string{"n": "0"}, `param "n": must be at least 1; got 0`},
		{"max", map[string]any{"n": 11.0}, nil, `param "n": must be at most 10; got 11`},
		{"number max", map[string]any{"ratio": 0.75}, nil, `param "ratio": must be at most 0.5; got 0.75`},
		{"number min", nil, map[string]string{"ratio": "-0.1"}, `param "ratio": must be at least 0; got -0.1`},
		{"max_length counts characters", nil, map[string]string{"note": "héllo!"}, `param "note": must be at most 5 characters long; got 6`},
		{"list item enum", map[string]any{"tags": []any{"ab", "zz"}}, nil, `param "tags": item 2: must be one of "ab", "cd", "efgh"; got "zz"`},
		{"list item from flags", nil, map[string]string{"tags": "ab,CD"}, `param "tags": item 2: must be one of`},
		{"empty string", nil, map[string]string{"code": ""}, `param "code": must match the pattern`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := specs.ResolveParams(s, tc.json, tc.flags)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ResolveParams: %v", err)
				}
				return
			}
			var pe *specs.ParamError
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, specs.ErrInvalid) || !errors.As(err, &pe) {
				t.Fatalf("ResolveParams = %v, want a *ParamError containing %q", err, tc.want)
			}
			// Each rejected case passes one param: the error names it.
			for name := range tc.flags {
				if pe.Name != name {
					t.Errorf("ParamError.Name = %q, want %q", pe.Name, name)
				}
			}
			for name := range tc.json {
				if pe.Name != name {
					t.Errorf("ParamError.Name = %q, want %q", pe.Name, name)
				}
			}
		})
	}
}

// TestParamConstraintErrors checks that a constraint that cannot apply, or
// a default that breaks one, is reported at its line and column.
func TestParamConstraintErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, param string
		want        string
	}{
		{"default outside enum", "{type: string, enum: [a, b], default: c}", `c.yaml:4:44: error: param "p": default must be one of "a", "b"; got "c" (change the default or the constraint)`},
		{"default over max", "{type: integer, max: 3, default: 4}", `c.yaml:4:39: error: param "p": default must be at most 3; got 4 (change the default or the constraint)`},
		{"default against pattern", "{type: string, pattern: 'x+', default: xy}", `c.yaml:4:45: error: param "p": default must match the pattern "x+"; got "xy" (change the default or the constraint)`},
		{"list default item too long", "{type: list, max_length: 1, default: [a, bc]}", `c.yaml:4:43: error: param "p": default item 2: must be at most 1 characters long; got 2 (change the default or the constraint)`},
		{"bad pattern", "{type: string, pattern: 'a('}", `c.yaml:4:30: error: param "p": pattern is not a valid RE2 regular expression: missing closing ): ` + "`^(?:a()$`" + ` (see https://github.com/google/re2/wiki/Syntax)`},
		{"pattern on an integer", "{type: integer, pattern: '1'}", `c.yaml:4:31: error: param "p": pattern: only string, date and list params take a pattern (use min and max for numbers)`},
		{"min on a string", "{type: string, min: 1}", `c.yaml:4:26: error: param "p": min: only integer and number params take min (use max_length, enum or pattern for text)`},
		{"min over max", "{type: number, min: 2, max: 1}", `c.yaml:4:34: error: param "p": max: 1 is less than min 2 (swap them)`},
		{"max_length on a number", "{type: integer, max_length: 2}", `c.yaml:4:34: error: param "p": max_length: only string and list params take max_length (use min and max for numbers)`},
		{"enum of the wrong type", "{type: integer, enum: [1, two]}", `c.yaml:4:32: error: param "p": enum value must be an integer, got "two"`},
		{"enum on a boolean", "{type: boolean, enum: [true]}", `c.yaml:4:28: error: param "p": enum: a boolean param takes no enum (remove it)`},
		{"enum value against its own pattern", "{type: string, enum: [a, bb], pattern: 'a'}", `c.yaml:4:31: error: param "p": enum value must match the pattern "a"; got "bb"`},
		{"schema: max_length negative", "{type: string, max_length: -1}", `c.yaml:4:33`},
		{"schema: unknown constraint", "{type: string, min_length: 1}", `c.yaml:4:21`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := "version: 1\nname: c\nparams:\n  p: " + tc.param + "\ntasks: {a: {type: noop}}\n"
			_, err := specs.Parse("c.yaml", []byte(src), testValidator(t))
			ds := specs.AsDiagnostics(err)
			if len(ds) != 1 {
				t.Fatalf("diagnostics = %v, want one", err)
			}
			if got := ds[0].Error(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestCheckWarnsFreeFormParamInShell checks the warning about a string or
// list param without enum or pattern written into a shell command: once
// per param and option, at its first use, and not for constrained params,
// other types, params only in conditions, or options that are no shell.
func TestCheckWarnsFreeFormParamInShell(t *testing.T) {
	t.Parallel()
	src := `version: 1
name: w
params:
  free: {type: string, default: a}
  tags: {type: list, default: [a]}
  short: {type: string, max_length: 3, default: a}
  region: {type: string, enum: [za], default: za}
  code: {type: string, pattern: '[a-z]+', default: a}
  n: {type: integer, default: 1}
  flag: {type: string, default: x}
tasks:
  a:
    type: copy
    with: {input: b, path: "echo {{ params.free }}"}
  b:
    type: noop
    with: {sleep: "{{ params.free }} {{ params.tags|join }} {{ params.short }} {{ params.region }} {{ params.code }} {{ params.n }}{% if params.flag == 'y' %}{% endif %} {{ params.free }}"}
`
	s, err := specs.Parse("w.yaml", []byte(src), testValidator(t))
	if err != nil {
		t.Fatal(err)
	}
	ds := specs.Check(s, specs.CheckOptions{ShellOptions: map[string][]string{"noop": {"sleep"}}})
	var got []string
	for _, d := range ds {
		if strings.Contains(d.Message, "shell") {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`w.yaml:17:23: warning: free-form param "free" is written into the shell command of task "b" (it is quoted as one shell word, but whoever sets it chooses any text: declare enum or pattern for it under params:)`,
		`w.yaml:17:41: warning: free-form param "tags" is written into the shell command of task "b" (it is quoted as one shell word, but whoever sets it chooses any text: declare enum or pattern for it under params:)`,
		`w.yaml:17:64: warning: free-form param "short" is written into the shell command of task "b" (it is quoted as one shell word, but whoever sets it chooses any text: declare enum or pattern for it under params:)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("shell warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ds.HasErrors() {
		t.Errorf("warnings only, got %v", ds)
	}
}
