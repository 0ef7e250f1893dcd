package tmpl

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// shellValues are param values that would change a command line if they
// were pasted into it as they are.
var shellValues = []struct{ name, v string }{
	{"plain", "za"},
	{"empty", ""},
	{"space", "a b  c"},
	{"single quote", "it's"},
	{"single quotes around", "'x'"},
	{"double quote", `say "hi"`},
	{"backslash", `a\b\`},
	{"newline", "a\nb"},
	{"command substitution", "$(touch injected)"},
	{"backticks", "`touch injected`"},
	{"variable", "$HOME ${HOME}"},
	{"separator", "x; touch injected"},
	{"pipe and redirect", "x | cat > injected"},
	{"glob", "*"},
	{"tilde", "~"},
	{"assignment", "PATH=/nowhere"},
	{"comment", "#x"},
	{"option", "-n"},
	{"utf-8", "Zürich ü"},
}

// TestRenderShellRunsValueAsOneWord renders the same value into every
// quoting context and runs the command with /bin/sh: printf must print the
// value exactly, and no value may run anything.
func TestRenderShellRunsValueAsOneWord(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	contexts := []struct {
		name, src string
		wrap      func(string) string
	}{
		{"unquoted", "printf %s {{ params.v }}", nil},
		{"inside a word", "printf %s pre{{ params.v }}post", func(v string) string { return "pre" + v + "post" }},
		{"single quotes", "printf %s '<{{ params.v }}>'", func(v string) string { return "<" + v + ">" }},
		{"double quotes", `printf %s "<{{ params.v }}>"`, func(v string) string { return "<" + v + ">" }},
		{"command substitution", `printf %s "$(printf %s {{ params.v }})"`, nil},
		{"subshell", `(printf %s {{ params.v }})`, nil},
		{"chosen by if", "{% if params.v == '' %}printf %s ''{% else %}printf '%s' {% endif %}{{ params.v }}", nil},
		{"two values", "printf %s {{ params.v }}{{ params.v }}", func(v string) string { return v + v }},
		{"filtered", "printf %s {{ params.v|default:'d' }}", func(v string) string {
			if v == "" {
				return "d"
			}
			return v
		}},
		{"after a comment line", "# {{ params.w }}\nprintf %s {{ params.v }}", nil},
	}
	e := New()
	for _, c := range contexts {
		for _, val := range shellValues {
			t.Run(c.name+"/"+val.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				res, err := e.RenderShell(c.src, &Vars{Params: map[string]any{"v": val.v, "w": "a;b"}})
				if err != nil {
					t.Fatalf("RenderShell: %v", err)
				}
				cmd := exec.Command("/bin/sh", "-c", res.Value)
				cmd.Dir = dir
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("sh -c %q: %v", res.Value, err)
				}
				want := val.v
				if c.wrap != nil {
					want = c.wrap(val.v)
				}
				if c.name == "command substitution" {
					want = strings.TrimRight(want, "\n")
				}
				if string(out) != want {
					t.Errorf("sh -c %q printed %q, want %q", res.Value, out, want)
				}
				if entries, _ := exec.Command("ls", "-A", dir).Output(); len(entries) > 0 {
					t.Errorf("sh -c %q created %s", res.Value, entries)
				}
			})
		}
	}
}

func TestRenderShellQuoting(t *testing.T) {
	t.Parallel()
	e := New()
	tests := []struct {
		name, src, v, want string
	}{
		{"bare word stays bare", "./export.sh --region {{ params.v }}", "za", "./export.sh --region za"},
		{"injection quoted as one word", "echo param={{ params.v }}", "x; id > f", "echo param='x; id > f'"},
		{"empty is an empty word", "run {{ params.v }} x", "", "run '' x"},
		{"quote inside single quotes", "echo '{{ params.v }}'", "it's", `echo 'it'\''s'`},
		{"double quotes escape $ and `", `echo "{{ params.v }}"`, "$(id) `id` \\ \"", `echo "\$(id) \` + "`id\\`" + ` \\ \""`},
		{"literal text is kept", "echo {{ 'a' }} ; ls *", "", "echo a ; ls *"},
		{"if chooses literal text", "{% if params.v == '' %}ls -l{% else %}ls{% endif %} {{ params.v|default:'.' }}", "", "ls -l ."},
		{"number", "sleep {{ 1 + 2 }}", "", "sleep 3"},
		{"escaped quote is literal", `echo \'{{ params.v }}`, "a b", `echo \''a b'`},
		{"no template", "echo $HOME", "", "echo $HOME"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := e.RenderShell(tc.src, &Vars{Params: map[string]any{"v": tc.v}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Value != tc.want {
				t.Errorf("RenderShell(%q) = %q, want %q", tc.src, res.Value, tc.want)
			}
		})
	}
}

func TestRenderShellRefusesUnsafePlaces(t *testing.T) {
	t.Parallel()
	e := New()
	tests := []struct {
		name, src string
		col       int
		msg       string
	}{
		{"after a backslash", `echo \{{ params.v }}`, 10, `cannot follow "\\"`},
		{"after a dollar", `echo ${{ params.v }}`, 10, `cannot follow "$"`},
		{"after a dollar in double quotes", `echo "${{ params.v }}"`, 11, `cannot follow "$"`},
		{"backticks", "echo `echo {{ params.v }}`", 15, "inside `...`"},
		{"parameter expansion", "echo ${X:-{{ params.v }}}", 14, "inside ${...}"},
		{"here-document", "cat <<EOF\n{{ params.v }}\nEOF", 4, "here-document"},
		{"ansi-c quotes", "echo $'{{ params.v }}'", 11, "$'...'"},
		{"line break in a comment", "ls # {{ params.v }}", 9, "line break"},
		{"case inside $(...)", "echo \"$(case a in a) echo {{ params.v }};; esac)\"", 30, "case"},
		{"quotes inside ${...}", "echo ${X:-'}'} \"{{ params.v }}\"", 20, "inside ${...}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.RenderShell(tc.src, &Vars{Params: map[string]any{"v": "a\nb"}})
			var te *Error
			if !errors.As(err, &te) {
				t.Fatalf("RenderShell(%q) = %v, want an *Error", tc.src, err)
			}
			if !strings.Contains(te.Msg, tc.msg) || te.Col != tc.col || te.Hint == "" {
				t.Errorf("RenderShell(%q) = %v (col %d), want %q at col %d with a hint", tc.src, err, te.Col, tc.msg, tc.col)
			}
		})
	}
	if _, err := e.RenderShell("echo \x00{{ 1 }}", nil); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("a NUL in a shell template: %v", err)
	}
	if _, err := e.RenderShell("echo {{ params.v }}", &Vars{Params: map[string]any{"v": "a\x00b"}}); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("a NUL in a value: %v", err)
	}
}

func TestRenderShellSecretsMaskedInQuotedForm(t *testing.T) {
	t.Parallel()
	v := &Vars{LookupEnv: func(string) (string, bool) { return "p'w $x", true }}
	res, err := New().RenderShell(`login {{ env_var('PW') }} "{{ env_var('PW') }}"`, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Secrets {
		res.Value = strings.ReplaceAll(res.Value, s, "***")
	}
	if strings.Contains(res.Value, "p") || strings.Contains(res.Value, "$x") {
		t.Errorf("after masking the secrets %q the command still shows a secret: %s", res.Secrets, res.Value)
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "''"}, {"za", "za"}, {"a-b_c.d/e:f@g%h+i,j", "a-b_c.d/e:f@g%h+i,j"}, {"a b", "'a b'"},
		{"it's", `'it'\''s'`}, {"'", `''\'''`}, {"a\nb", "'a\nb'"}, {"$(id)", "'$(id)'"},
		{"`id`", "'`id`'"}, {"x=1", "'x=1'"}, {"~", "'~'"}, {"*", "'*'"},
	}
	for _, tc := range tests {
		if got := ShellQuote(tc.in); got != tc.want {
			t.Errorf("ShellQuote(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzRenderShellRunsValueAsOneWord renders an arbitrary value into each
// quoting context, runs the command with /bin/sh, and checks that printf
// printed the value exactly and that nothing else ran.
func FuzzRenderShellRunsValueAsOneWord(f *testing.F) {
	if _, err := exec.LookPath("/bin/sh"); err != nil {
		f.Skip("no /bin/sh")
	}
	for _, v := range shellValues {
		f.Add(v.v, uint8(0))
	}
	f.Add("'\"$(touch x)\"'", uint8(1))
	f.Add("\\\"; touch x; \"", uint8(2))
	f.Add(")\"; touch x; echo \"(", uint8(3))
	contexts := []string{
		"printf %s {{ params.v }}",
		"printf %s '{{ params.v }}'",
		`printf %s "{{ params.v }}"`,
		`printf %s "$(printf %s {{ params.v }})"`,
		`printf %s "$(printf %s "{{ params.v }}")"`,
		"(printf %s a{{ params.v }}b)",
	}
	wraps := []func(string) string{nil, nil, nil, nil, nil, func(v string) string { return "a" + v + "b" }}
	dir := f.TempDir()
	e := New()
	f.Fuzz(func(t *testing.T, v string, which uint8) {
		i := int(which) % len(contexts)
		res, err := e.RenderShell(contexts[i], &Vars{Params: map[string]any{"v": v}})
		if err != nil {
			if strings.IndexByte(v, 0) < 0 {
				t.Fatalf("RenderShell(%q) with %q: %v", contexts[i], v, err)
			}
			return
		}
		cmd := exec.Command("/bin/sh", "-c", res.Value)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sh -c %q: %v", res.Value, err)
		}
		want := v
		if wraps[i] != nil {
			want = wraps[i](v)
		}
		if i == 3 || i == 4 {
			want = strings.TrimRight(want, "\n")
		}
		if string(out) != want {
			t.Fatalf("sh -c %q printed %q, want %q", res.Value, out, want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Fatalf("sh -c %q created %s", res.Value, entries[0].Name())
		}
	})
}
