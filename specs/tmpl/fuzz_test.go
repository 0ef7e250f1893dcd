package tmpl

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"postgres://{{ env_var('USER','app') }}@db/{{ params.s }}",
	"{% if params.b and params.n > 2 %}{{ params.f * 2 }}{% elif not params.b %}{{ -params.n }}{% else %}x{% endif %}",
	"{{ params.l|join:',' }} {{ params.s|default:'x'|upper }} {{ run.ts|date:\"2006-01-02\" }}",
	"{{- ' a ' -}} {# c #} {{ 'x' + params.n }} {{ (1 + 2) * 3 == 9 }}",
	"{{ x | default('y') }}", "{{ params.l }}", "{% for x in y %}", "{{ a", "{ {#- c -#} {",
	"{{ env_var('A' + params.s, params.s) }}", "{{ params.s|length }}{{ params.l|length }}",
	"{{ 'it\\'s' }}{{ \"q\\\"\" }}", "{{ params.n == 3.0 }}", "{% if params.s %}{% endif %}",
	"{{ params.w + params.w + params.w + params.w }}", "{{ params.L|join:params.w }}", "{{ params.L|join|upper }}",
	"{% if params.w + params.w + params.w == '' %}{% endif %}{{ params.w|title }}",
	"echo '{{ params.s }}' \"{{ params.s }}\" $({{ params.s }}) # {{ params.s }}", "cat <<E\n{{ params.s }}\nE",
	"echo `{{ params.s }}` ${X:-{{ params.s }}} \\{{ params.s }} ${{ params.s }}",
}

// wide is a long param value, so that filters and + can reach the output
// limit within a few operations.
var wide = strings.Repeat("wide ", 60<<10)

func fuzzVars(s string, n int64, f float64, b bool) *Vars {
	return &Vars{
		Params: map[string]any{"s": s, "n": n, "f": f, "b": b, "l": []string{s, "x"},
			"w": wide, "L": []string{wide, s, wide, wide}},
		Run:       Run{ID: "id", Date: "2024-01-02", TS: testTS},
		LookupEnv: func(name string) (string, bool) { return name, len(name)%2 == 0 },
		Lenient:   n%2 == 0,
	}
}

// FuzzRender checks that no template crashes the renderer, that the
// generated code always compiles and runs (no "internal error"), that
// errors point inside the template, and that whatever renders also passes
// the static Check.
func FuzzRender(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "sales", int64(3), 0.5, true)
	}
	e := New()
	f.Fuzz(func(t *testing.T, src, s string, n int64, fl float64, b bool) {
		res, err := e.Render(src, fuzzVars(s, n, fl, b))
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Render(%q) error %T %v, want *Error", src, err, err)
			}
			if strings.Contains(te.Msg, "internal error") {
				t.Fatalf("Render(%q): %v", src, err)
			}
			checkPosition(t, src, te)
			return
		}
		if len(res.Value) > MaxOutputSize {
			t.Fatalf("Render(%q) output of %d bytes exceeds the limit", src, len(res.Value))
		}
		if err := e.Check(src, []string{"s", "n", "f", "b", "l", "w", "L"}); err != nil {
			t.Fatalf("Render(%q) succeeded but Check failed: %v", src, err)
		}
	})
}

// FuzzRenderShell checks that rendering a shell command line never
// crashes, fails only with positioned errors, stays within the output
// limit, fails only where plain rendering fails or where a value cannot be
// quoted safely, and never lets a single quote of a value through outside
// the quoting it adds.
func FuzzRenderShell(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "x; id > f 'q' \"d\" $(id)", int64(3), 0.5, true)
	}
	e := New()
	f.Fuzz(func(t *testing.T, src, s string, n int64, fl float64, b bool) {
		v := fuzzVars(s, n, fl, b)
		res, err := e.RenderShell(src, v)
		plain, perr := e.Render(src, v)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("RenderShell(%q) error %T %v, want *Error", src, err, err)
			}
			if strings.Contains(te.Msg, "internal error") {
				t.Fatalf("RenderShell(%q): %v", src, err)
			}
			checkPosition(t, src, te)
			if perr != nil && !strings.Contains(src, "\x00") && !strings.Contains(te.Msg, "limit") && te.Error() != perr.Error() {
				t.Fatalf("RenderShell(%q) = %v but Render = %v", src, err, perr)
			}
			return
		}
		if perr != nil {
			t.Fatalf("RenderShell(%q) succeeded but Render failed: %v", src, perr)
		}
		if len(res.Value) > MaxOutputSize {
			t.Fatalf("RenderShell(%q) output of %d bytes exceeds the limit", src, len(res.Value))
		}
		if strings.IndexByte(res.Value, 0) >= 0 {
			t.Fatalf("RenderShell(%q) left a placeholder in %q", src, res.Value)
		}
		if !HasTemplate(src) && res.Value != src {
			t.Fatalf("RenderShell(%q) changed text without a template: %q", src, res.Value)
		}
		if HasTemplate(src) && !strings.ContainsAny(plain.Value, "'\"\\$`") && res.Value != plain.Value &&
			!strings.Contains(res.Value, "'") {
			t.Fatalf("RenderShell(%q) = %q differs from Render %q without quoting", src, res.Value, plain.Value)
		}
	})
}

// FuzzScan checks that Scan never crashes, agrees with Check on syntax
// errors, and reports env_var positions that point at the call.
func FuzzScan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	e := New()
	f.Fuzz(func(t *testing.T, src string) {
		refs, err := Scan(src)
		if err != nil {
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("Scan(%q) error %T %v, want *Error", src, err, err)
			}
			checkPosition(t, src, te)
			if cerr := e.Check(src, refs.Params); cerr == nil || cerr.Error() != err.Error() {
				t.Fatalf("Scan(%q) = %v but Check = %v", src, err, cerr)
			}
			return
		}
		lines := strings.Split(src, "\n")
		for _, r := range refs.Env {
			if r.Line < 1 || r.Line > len(lines) {
				t.Fatalf("Scan(%q): env ref %+v has a line outside the template", src, r)
			}
			line := []rune(lines[r.Line-1])
			if r.Col < 1 || !strings.HasPrefix(string(line[min(r.Col-1, len(line)):]), "env_var") {
				t.Fatalf("Scan(%q): env ref %+v does not point at env_var", src, r)
			}
		}
	})
}

// checkPosition fails unless a positioned error lies inside src (or just
// past its end, for "expected more" errors).
func checkPosition(t *testing.T, src string, te *Error) {
	t.Helper()
	if te.Line == 0 {
		return
	}
	lines := strings.Split(src, "\n")
	if te.Line > len(lines) || te.Col < 1 || te.Col > utf8.RuneCountInString(lines[te.Line-1])+1 {
		t.Fatalf("error %v for %q lies outside the template", te, src)
	}
}
