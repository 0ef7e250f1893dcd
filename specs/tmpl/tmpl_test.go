package tmpl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var testTS = time.Date(2024, 3, 9, 14, 5, 7, 0, time.UTC)

func testVars() *Vars {
	return &Vars{
		Params: map[string]any{
			"db": "sales", "n": int64(3), "zero": int64(0), "small": 7, "ratio": 0.25, "big": 2.0,
			"full": true, "off": false, "regions": []string{"eu", "us"}, "empty": "", "none": []string{},
		},
		Run: Run{ID: "r-42", Date: "2024-03-09", TS: testTS},
		LookupEnv: func(name string) (string, bool) {
			v, ok := map[string]string{"USER": "alice", "DSN": "postgres://x", "BLANK": ""}[name]
			return v, ok
		},
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	e := New()
	tests := []struct {
		name, src, want string
		secrets         []string
	}{
		{"plain text", "no template here", "no template here", nil},
		{"plain text keeps braces", "a { b } c }}", "a { b } c }}", nil},
		{"typical scalar", "postgres://{{ env_var('USER','app') }}@db/{{ params.db }}", "postgres://alice@db/sales", []string{"alice"}},
		{"env default used", "{{ env_var('NOPE', 'app') }}", "app", nil},
		{"env set to empty", "[{{ env_var('BLANK', 'x') }}]", "[]", nil},
		{"secret listed once", "{{ env_var('DSN') }} {{ env_var('DSN') }}", "postgres://x postgres://x", []string{"postgres://x"}},
		{"env name from expression", "{{ env_var('US' + 'ER') }}", "alice", []string{"alice"}},
		{"run fields", "{{ run.id }} {{ run.date }}", "r-42 2024-03-09", nil},
		{"run.ts date filter", `{{ run.ts|date:"2006-01-02T15:04" }}`, "2024-03-09T14:05", nil},
		{"run.ts rfc3339", "{{ run.ts }}", "2024-03-09T14:05:07Z", nil},
		{"no html escaping", `{{ "a<b & 'c'" }}{{ params.db + '>' }}`, "a<b & 'c'sales>", nil},
		{"booleans lower case", "{{ params.full }} {{ params.off }} {{ true }} {{ False }}", "true false true false", nil},
		{"integers", "{{ params.n }} {{ params.small }} {{ 007 }} {{ -params.n }}", "3 7 7 -3", nil},
		{"floats shortest", "{{ params.ratio }} {{ params.big }} {{ 0.1 + 0.2 }} {{ 1.50 }}", "0.25 2 0.30000000000000004 1.5", nil},
		{"arithmetic", "{{ params.n * 2 + 1 }} {{ 10 - params.n - 2 }} {{ params.n + params.ratio }}", "7 5 3.25", nil},
		{"unary precedence", "{{ -2 * 3 }} {{ +4 }} {{ - -1 }}", "-6 4 1", nil},
		{"string concatenation", "{{ 'v' + params.n + '-' + params.db }}", "v3-sales", nil},
		{"parentheses", "{{ (1 + 2) * 3 }}", "9", nil},
		{"comparisons", "{{ params.n == 3 }} {{ params.n != 3 }} {{ params.n < 4 }} {{ params.ratio >= 0.5 }} {{ params.db == 'sales' }}", "true false true false true", nil},
		{"and binds tighter than or", "{{ true or false and false }} {{ false and true or true }}", "true true", nil},
		{"not binds looser than comparison", "{{ not params.n == 4 }}", "true", nil},
		{"not on a boolean", "{{ not params.full }}", "false", nil},
		{"if", "{% if params.full %}yes{% endif %}", "yes", nil},
		{"if else", "{% if params.off %}yes{% else %}no{% endif %}", "no", nil},
		{"elif", "{% if params.n == 1 %}one{% elif params.n == 3 %}three{% else %}many{% endif %}", "three", nil},
		{"truthiness in conditions", "{% if params.empty %}a{% elif params.db and params.regions %}b{% endif %}", "b", nil},
		{"not on string in condition", "{% if not params.empty %}unset{% else %}set{% endif %}", "unset", nil},
		{"nested if", "{% if true %}{% if params.n > 1 %}x{% endif %}y{% endif %}", "xy", nil},
		{"untaken branch does not read env", "{% if false %}{{ env_var('NOPE') }}{% endif %}ok", "ok", nil},
		{"filters lower upper title capfirst trim", "{{ 'MiXed'|lower }} {{ 'up'|upper }} {{ 'hello wORLD'|title }} {{ 'abc'|capfirst }} [{{ '  x '|trim }}]", "mixed UP Hello World Abc [x]", nil},
		{"filter chain", "{{ ' ab '|trim|upper }} {{ params.db|upper|lower }}", "AB sales", nil},
		{"default", "{{ params.empty|default:'none' }} {{ params.db|default:'none' }} {{ params.zero|default:5 }}", "none sales 5", nil},
		{"default with env", "{{ params.empty|default:env_var('USER') }}", "alice", []string{"alice"}},
		{"join", `{{ params.regions|join:"," }} {{ params.regions|join }} [{{ params.none|join:"," }}]`, "eu,us euus []", nil},
		{"length", "{{ params.regions|length }} {{ 'héllo'|length }}", "2 5", nil},
		{"comment dropped", "a{# note\nacross lines #}b", "ab", nil},
		{"whitespace control", "a  {{- 'b' -}}  \n c {%- if true -%} d {%- endif %}", "abcd", nil},
		{"newline inside block", "{{\n params.db\n}}", "sales", nil},
		{"escapes in strings", `{{ 'it\'s' }} {{ "say \"hi\"" }} {{ 'back\\slash' }}`, `it's say "hi" back\slash`, nil},
		{"brace before block survives trimming", "a{ {#- c -#} {b", "a{{b", nil},
		{"brace at end of text", "{{ 'x' }}{", "x{", nil},
		{"unicode text", "é-{{ params.db }}-ü", "é-sales-ü", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.Render(tt.src, testVars())
			if err != nil {
				t.Fatalf("Render(%q): %v", tt.src, err)
			}
			if got.Value != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.src, got.Value, tt.want)
			}
			if !reflect.DeepEqual(got.Secrets, tt.secrets) {
				t.Errorf("Secrets = %q, want %q", got.Secrets, tt.secrets)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	e := New()
	tests := []struct {
		name, src string
		line, col int
		msg, hint string // substrings
	}{
		{"unknown variable", "x {{ parms.db }}", 1, 6, `unknown variable "parms"`, `did you mean "params"?`},
		{"bare param name", "{{ db }}", 1, 4, `unknown variable "db"`, "did you mean params.db?"},
		{"undeclared param", "{{ params.dbb }}", 1, 11, `unknown param "dbb"`, "did you mean params.db?"},
		{"params alone", "{{ params }}", 1, 4, "params is not a value", "params.NAME"},
		{"params attribute", "{{ params.db.x }}", 1, 14, "has no attribute", ""},
		{"unknown run attribute", "{{ run.day }}", 1, 8, "unknown attribute run.day", "id, date and ts"},
		{"run alone", "{{ run }}", 1, 4, "run is not a value", "run.id"},
		{"run.ts attribute", "{{ run.ts.Year }}", 1, 11, "run.ts has no attributes", "|date:"},
		{"run.ts method", "{{ run.ts.Format('x') }}", 1, 17, "methods are not supported", ""},
		{"unknown function", "{{ now() }}", 1, 4, `unknown function "now"`, "env_var"},
		{"misspelt env_var", "{{ env_vr('X') }}", 1, 4, `unknown function "env_vr"`, "did you mean env_var?"},
		{"env_var not called", "{{ env_var }}", 1, 4, "env_var is a function", "env_var('NAME')"},
		{"env_var no args", "{{ env_var() }}", 1, 4, "env_var takes", ""},
		{"env_var three args", "{{ env_var('a', 'b', 'c') }}", 1, 4, "env_var takes", ""},
		{"env_var number arg", "{{ env_var(5) }}", 1, 12, "must be strings", ""},
		{"env unset strict", "a\n  {{ env_var('NOPE') }}", 2, 6, `environment variable "NOPE" is not set`, "env_var('NOPE', '...')"},
		{"unknown filter", "{{ params.db|lowercase }}", 1, 14, `unknown filter "lowercase"`, "supported filters"},
		{"misspelt filter", "{{ params.db|uper }}", 1, 14, `unknown filter "uper"`, `did you mean "upper"?`},
		{"jinja filter call", "{{ x | default('y') }}", 1, 15, "parentheses", "write |default:'y' (filters take one argument after a colon)"},
		{"jinja filter call on param", "{{ params.db|default( 'a b' ) }}", 1, 21, "parentheses", "write |default:'a b'"},
		{"jinja filter call no args", "{{ params.db|upper() }}", 1, 19, "parentheses", "without parentheses"},
		{"jinja filter call two args", "{{ params.db|default('x', true) }}", 1, 21, "parentheses", "one argument"},
		{"filter missing argument", "{{ params.db|default }}", 1, 14, "needs an argument", "|default:'value'"},
		{"filter extra argument", "{{ params.db|upper:'x' }}", 1, 20, "takes no argument", ""},
		{"filter on list", "{{ params.regions|upper }}", 1, 19, "works on strings, not a list", "|join"},
		{"join on string", "{{ params.db|join:',' }}", 1, 14, "works on lists", ""},
		{"date on run.date", "{{ run.date|date:'2006' }}", 1, 13, "works on timestamps", "run.date is already"},
		{"strftime layout", "{{ run.ts|date:'%Y-%m-%d' }}", 1, 16, "strftime", `write |date:"2006-01-02"`},
		{"layout without element", "{{ run.ts|date:'YYYY' }}", 1, 16, "no date or time element", ""},
		{"default of other type", "{{ params.n|default:'x' }}", 1, 21, "the default is a string", ""},
		{"list rendered", "{{ params.regions }}", 1, 4, "is a list", `{{ params.regions|join:"," }}`},
		{"or on strings rendered", "{{ params.db or 'x' }}", 1, 4, "only give true or false", "|default:'y'"},
		{"not on int rendered", "{{ not params.n }}", 1, 4, "only give true or false", ""},
		{"add string and bool", "{{ 'a' + true }}", 1, 8, "cannot add a string and a boolean", ""},
		{"add string and float", "{{ 'a' + params.ratio }}", 1, 8, "cannot add", ""},
		{"minus on strings", "{{ 'a' - 'b' }}", 1, 8, "needs numbers", ""},
		{"compare strings with <", "{{ 'a' < 'b' }}", 1, 8, "compares numbers", ""},
		{"compare int with float", "{{ params.n == 3.0 }}", 1, 13, "cannot compare an integer with a decimal number", ""},
		{"compare lists", "{{ params.regions == params.regions }}", 1, 19, "does not work on lists", ""},
		{"chained comparison", "{{ 1 < params.n < 5 }}", 1, 17, "chained comparisons", "and"},
		{"division", "{{ 4 / 2 }}", 1, 6, `operator "/" is not supported`, "+ - *"},
		{"modulo", "{{ 4 % 2 }}", 1, 6, `operator "%" is not supported`, ""},
		{"double ampersand", "{{ true && false }}", 1, 9, `operator "&&"`, "write and"},
		{"tilde", "{{ 'a' ~ 'b' }}", 1, 8, `operator "~"`, "write +"},
		{"subscript", "{{ params['db'] }}", 1, 10, "indexing", ""},
		{"index by number", "{{ params.regions.0 }}", 1, 19, "expected a name after '.'", "indexing"},
		{"in operator", "{{ 'eu' in params.regions }}", 1, 9, "membership", ""},
		{"is test", "{{ params.db is defined }}", 1, 14, "tests", ""},
		{"inline if", "{{ 'a' if true else 'b' }}", 1, 8, "inline if", ""},
		{"filter after parenthesis", "{{ (params.db)|upper }}", 1, 15, "cannot follow a parenthesised", ""},
		{"literal method", "{{ 'a'.upper() }}", 1, 7, "methods and indexing", ""},
		{"unsupported tag", "{% for x in params.regions %}{% endfor %}", 1, 4, `tag "for" is not supported`, "if, elif, else, endif"},
		{"include banned", "{% include 'x.html' %}", 1, 4, `tag "include" is not supported`, ""},
		{"set banned", "{% set x = 1 %}", 1, 4, `tag "set" is not supported`, ""},
		{"verbatim banned", "{% verbatim %}{{ x }}{% endverbatim %}", 1, 4, `tag "verbatim"`, ""},
		{"unclosed output", "ab\n{{ params.db", 2, 1, `"{{" opened here is never closed`, "}}"},
		{"unclosed tag", "{% if true", 1, 1, `"{%" opened here is never closed`, "%}"},
		{"unclosed comment", "x {# c", 1, 3, "comment opened here is never closed", "#}"},
		{"if without endif", "a {% if true %}b", 1, 3, "never closed", "{% endif %}"},
		{"endif without if", "a{% endif %}", 1, 2, "without a matching {% if %}", ""},
		{"else twice", "{% if true %}{% else %}{% else %}{% endif %}", 1, 24, "second {% else %}", ""},
		{"elif after else", "{% if true %}{% else %}{% elif false %}{% endif %}", 1, 24, "after {% else %}", ""},
		{"if without condition", "{% if %}{% endif %}", 1, 7, "needs a condition", ""},
		{"endif with argument", "{% if true %}{% endif x %}", 1, 23, "takes no arguments", ""},
		{"empty output", "{{ }}", 1, 1, "empty {{ }}", ""},
		{"unclosed string", "{{ 'abc }}", 1, 4, "never closed", ""},
		{"bad escape", `{{ 'a\nb' }}`, 1, 6, "unsupported escape", ""},
		{"bad character", "{{ params.db @ 1 }}", 1, 14, `unexpected character '@'`, ""},
		{"missing operator", "{{ params.db params.n }}", 1, 14, `unexpected "params"`, ""},
		{"unclosed parenthesis", "{{ (1 + 2 }}", 1, 11, "expected ')'", ""},
		{"malformed number", "{{ 1abc }}", 1, 4, "malformed number", ""},
		{"integer overflow", "{{ 99999999999999999999 }}", 1, 4, "too large", ""},
		{"column counts code points", "éü {{ nope }}", 1, 7, `unknown variable "nope"`, ""},
		{"reserved attribute", "{{ params.in }}", 1, 11, "reserved word", ""},
		{"too deep", "{{ " + strings.Repeat("(", 70) + "1" + strings.Repeat(")", 70) + " }}", 1, 68, "nested too deeply", ""},
		{"long chain too deep", "{{ 1" + strings.Repeat(" + 1", 70) + " }}", 1, 0, "nested too deeply", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.Render(tt.src, testVars())
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Render(%q) error = %v, want *Error", tt.src, err)
			}
			if te.Line != tt.line || (tt.col != 0 && te.Col != tt.col) {
				t.Errorf("position = %d:%d, want %d:%d (%v)", te.Line, te.Col, tt.line, tt.col, te)
			}
			if !strings.Contains(te.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", te.Msg, tt.msg)
			}
			if !strings.Contains(te.Hint, tt.hint) {
				t.Errorf("Hint = %q, want it to contain %q", te.Hint, tt.hint)
			}
		})
	}
}

func TestRenderLenient(t *testing.T) {
	t.Parallel()
	e := New()
	v := testVars()
	v.Lenient = true
	got, err := e.Render("a={{ env_var('NOPE') }} b={{ env_var('NOPE') }} c={{ env_var('GONE', 'd') }} u={{ env_var('USER') }}", v)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a= b= c=d u=alice"; got.Value != want {
		t.Errorf("Value = %q, want %q", got.Value, want)
	}
	if !reflect.DeepEqual(got.MissingEnv, []string{"NOPE"}) {
		t.Errorf("MissingEnv = %q, want [NOPE]", got.MissingEnv)
	}
	if !reflect.DeepEqual(got.Secrets, []string{"alice"}) {
		t.Errorf("Secrets = %q, want [alice]", got.Secrets)
	}
}

func TestRenderDefaultsToProcessEnvironment(t *testing.T) {
	t.Setenv("HOTPASS_TMPL_TEST", "from-env")
	got, err := New().Render("{{ env_var('HOTPASS_TMPL_TEST') }}", nil)
	if err != nil || got.Value != "from-env" {
		t.Fatalf("Render = %q, %v; want from-env", got.Value, err)
	}
}

func TestRenderParamTypes(t *testing.T) {
	t.Parallel()
	e := New()
	_, err := e.Render("{{ params.x }}", &Vars{Params: map[string]any{"x": []int{1}}})
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(te.Msg, "unsupported type []int") {
		t.Fatalf("error = %v, want unsupported type", err)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	e := New()
	long := "{{ 'x' }}" + strings.Repeat("a", MaxTemplateSize)
	if _, err := e.Render(long, nil); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("Render of a long template: %v, want a size error", err)
	}
	if err := e.Check(long, nil); err == nil {
		t.Error("Check of a long template: want a size error")
	}
	if _, err := Scan(long); err == nil {
		t.Error("Scan of a long template: want a size error")
	}
	big := strings.Repeat("x", MaxOutputSize/2+1)
	_, err := e.Render("{{ params.a }}{{ params.a }}", &Vars{Params: map[string]any{"a": big}})
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(te.Msg, "longer than the limit") || te.Col != 18 {
		t.Errorf("Render of a long output: %v, want an output limit error at 1:18", err)
	}
}

// TestExecuteRecoversPanics feeds pongo2 code the parser would never
// produce and that panics in pongo2 (integer division by zero, comparing
// slices), to show that such a panic becomes an error.
func TestExecuteRecoversPanics(t *testing.T) {
	t.Parallel()
	e := New()
	for _, code := range []string{
		"{{ _hp_out(0, 1 / 0) }}",
		"{{ _hp_out(0, params.l == params.l) }}",
	} {
		tpl, err := e.set.FromString(code)
		if err != nil {
			t.Fatalf("compile %q: %v", code, err)
		}
		c := &compiled{t: &template{sites: []int{0}}, tpl: tpl}
		_, err = execute(c, "src", &Vars{Params: map[string]any{"l": []string{"a"}}}, false)
		var te *Error
		if !errors.As(err, &te) || !strings.Contains(te.Msg, "internal error") {
			t.Errorf("execute(%q) = %v, want an internal error", code, err)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	e := New()
	declared := []string{"db", "regions", "n"}
	tests := []struct {
		name, src, wantErr string
	}{
		{"plain", "text", ""},
		{"params and run", "{{ params.db }}/{{ run.date }}/{{ run.ts|date:'2006' }}", ""},
		{"env needs no environment", "{{ env_var('SURELY_NOT_SET_ANYWHERE') }}", ""},
		{"unknown types pass", "{{ params.n + 1 }} {{ params.regions|join:',' }} {{ params.db|upper }}", ""},
		{"undeclared param", "{{ params.dbx }}", `unknown param "dbx"`},
		{"no params declared", "{{ params.db }}", ""},
		{"unknown variable", "{{ foo }}", `unknown variable "foo"`},
		{"unknown run attribute", "{{ run.x }}", "unknown attribute run.x"},
		{"unknown filter", "{{ params.db|slugify }}", `unknown filter "slugify"`},
		{"jinja call syntax", "{{ params.db|default('x') }}", "parentheses"},
		{"unknown tag", "{% with x = 1 %}", `tag "with"`},
		{"syntax", "{{ params.db", "never closed"},
		{"known types still checked", "{{ run.id|date:'2006' }}", "works on timestamps"},
		{"unknown function", "{{ lookup('x') }}", "unknown function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := declared
			if tt.name == "no params declared" {
				d = nil
				tt.wantErr = `unknown param "db"`
			}
			err := e.Check(tt.src, d)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.src, err)
				}
				return
			}
			var te *Error
			if !errors.As(err, &te) || !strings.Contains(te.Msg, tt.wantErr) {
				t.Fatalf("Check(%q) = %v, want *Error containing %q", tt.src, err, tt.wantErr)
			}
			if te.Line < 1 || te.Col < 1 {
				t.Errorf("Check(%q) error has no position: %+v", tt.src, te)
			}
		})
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      Refs
	}{
		{"plain", "no template", Refs{}},
		{"params in order, once", "{{ params.b }}{{ params.a|default:params.c }}{% if params.b %}{{ params.d }}{% endif %}",
			Refs{Params: []string{"b", "a", "c", "d"}, Output: []ParamRef{{"b", 1, 4}, {"a", 1, 18}, {"c", 1, 35}, {"d", 1, 66}}}},
		{"params only in conditions never reach the output", "{% if params.a == 'x' %}{{ params.b|length }}{% elif params.c %}y{% endif %}",
			Refs{Params: []string{"a", "c", "b"}, Output: []ParamRef{{"b", 1, 28}}}},
		{"env refs with positions", "x\n  {{ env_var('A') }} {{ env_var('B', 'd') }}\n{% if env_var('C') == '' %}{% endif %}",
			Refs{Env: []EnvRef{{Name: "A", Line: 2, Col: 6}, {Name: "B", HasDefault: true, Line: 2, Col: 25}, {Name: "C", Line: 3, Col: 7}}}},
		{"computed env name skipped", "{{ env_var('A' + params.x) }}", Refs{Params: []string{"x"}, Output: []ParamRef{{"x", 1, 18}}}},
		{"unknown names are not an error for Scan", "{{ foo.bar }}", Refs{}},
		{"env inside filter argument", "{{ params.a|default:env_var('E') }}",
			Refs{Params: []string{"a"}, Env: []EnvRef{{Name: "E", Line: 1, Col: 21}}, Output: []ParamRef{{"a", 1, 4}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Scan(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Scan(%q) = %+v, want %+v", tt.src, got, tt.want)
			}
		})
	}
	if _, err := Scan("{% if x %}"); err == nil {
		t.Error("Scan of an unclosed if: want an error")
	}
}

func TestHasTemplate(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"plain": false, "a { b }": false, "}} %}": false, "{{ x }}": true, "{% if %}": true, "{# c #}": true, "{": false,
	} {
		if got := HasTemplate(s); got != want {
			t.Errorf("HasTemplate(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	e := &Error{Line: 2, Col: 5, Msg: `unknown variable "parms"`, Hint: `did you mean "params"?`}
	if got, want := e.Error(), `2:5: unknown variable "parms": did you mean "params"?`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := (&Error{Msg: "m"}).Error(); got != "m" {
		t.Errorf("Error() without position = %q, want m", got)
	}
}

// TestStringLiteralRoundTrip checks that quotes and backslashes survive the
// translation into pongo2's string syntax.
func TestStringLiteralRoundTrip(t *testing.T) {
	t.Parallel()
	e := New()
	for _, s := range []string{`\`, `\\`, `"`, `\"`, `"\`, `\\"`, `a"b\c'd`, `'`, `{{`, `{% x %}`, `}}`} {
		src := "{{ " + singleQuote(s) + " }}"
		got, err := e.Render(src, nil)
		if err != nil || got.Value != s {
			t.Errorf("Render(%s) = %q, %v; want %q", src, got.Value, err, s)
		}
	}
}

func TestConcurrentRender(t *testing.T) {
	t.Parallel()
	e := New()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				// Half the goroutines share sources, half compile new ones.
				src := fmt.Sprintf("{{ params.db }}-{{ %d + params.n }}-{{ env_var('USER') }}", i%5+g%2*(g*100))
				got, err := e.Render(src, testVars())
				want := fmt.Sprintf("sales-%d-alice", i%5+g%2*(g*100)+3)
				if err != nil || got.Value != want {
					errs <- fmt.Errorf("Render(%q) = %q, %v; want %q", src, got.Value, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	e := New()
	for i := range cacheSize + 10 {
		if _, err := e.Render(fmt.Sprintf("{{ %d }}", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	e.mu.RLock()
	n := len(e.cache)
	e.mu.RUnlock()
	if n > cacheSize {
		t.Errorf("cache holds %d templates, want at most %d", n, cacheSize)
	}
}

func BenchmarkRender(b *testing.B) {
	e := New()
	src := "postgres://{{ env_var('USER','app') }}@db/{{ params.db }}"
	v := &Vars{
		Params:    map[string]any{"db": "sales"},
		LookupEnv: func(string) (string, bool) { return "", false },
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(src, v); err != nil {
			b.Fatal(err)
		}
	}
}
