package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunParamCannotInjectShell passes a param that tries to run a second
// command through --param and --params: the shell must see it as one word.
func TestRunParamCannotInjectShell(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--param", "n=x; id > f"},
		{"--params", `{"n": "x; id > f"}`},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			spec := filepath.Join(dir, "spec.yaml")
			src := "version: 1\nname: echo\nparams:\n  n: {type: string, default: a}\n" +
				"tasks:\n  say: {type: exec, with: {command: \"echo param={{ params.n }}\"}}\n"
			if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			state := t.TempDir()
			full := append([]string{"run", "--no-progress", "--state-dir", state}, append(args, spec)...)
			if stdout, stderr, code := cli(t, full...); code != exitOK {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "f")); !os.IsNotExist(err) {
				t.Errorf("the param ran a second command: file f exists (%v)", err)
			}
			logs, _ := filepath.Glob(filepath.Join(state, "runs", "*", "logs", "say.log"))
			if len(logs) != 1 {
				t.Fatalf("task log not found")
			}
			data, _ := os.ReadFile(logs[0])
			if !strings.Contains(string(data), "param=x; id > f\n") {
				t.Errorf("task log does not hold the literal param:\n%s", data)
			}
		})
	}
}

// TestParamConstraintsRefuseRun passes values outside a param's
// constraints on every command that starts or records a run: each exits 2
// naming the param, and nothing runs.
func TestParamConstraintsRefuseRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	src := "version: 1\nname: c\nparams:\n  region: {type: string, enum: [za, us], default: za}\n" +
		"  n: {type: integer, min: 1, max: 9, default: 1}\n" +
		"tasks:\n  say: {type: exec, with: {command: \"echo {{ params.region }} {{ params.n }} > out.txt\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"run --param enum", []string{"run", "--param", "region=uk", spec}, `param "region": must be one of "za", "us"; got "uk"`},
		{"run --params max", []string{"run", "--params", `{"n": 12}`, spec}, `param "n": must be at most 9; got 12`},
		{"deploy --params", []string{"deploy", "--name", "c", "--spec", spec, "--params", `{"region": "x; id"}`}, `param "region": must be one of`},
		{"deploy --param", []string{"deploy", "--name", "c", "--spec", spec, "--param", "n=12"}, `param "n": must be at most 9; got 12`},
		{"deploy --param type", []string{"deploy", "--name", "c", "--spec", spec, "--param", "n=many"}, `--param n: param "n":`},
		{"deploy --param unknown", []string{"deploy", "--name", "c", "--spec", spec, "--param", "regoin=za"}, `unknown param "regoin" (did you mean "region"?)`},
		{"deploy --param form", []string{"deploy", "--name", "c", "--spec", spec, "--param", "region"}, `--param takes name=value, got "region"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append(tc.args[:1:1], append([]string{"--state-dir", t.TempDir()}, tc.args[1:]...)...)
			_, stderr, code := cli(t, args...)
			if code != exitInvalid || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "out.txt")); !os.IsNotExist(err) {
		t.Errorf("a refused run ran its task (%v)", err)
	}
}

// TestValidateWarnsFreeFormParamInShell checks that validate points at a
// string param without enum or pattern written into an exec command, and
// that the spec stays valid.
func TestValidateWarnsFreeFormParamInShell(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	src := "version: 1\nname: w\nparams:\n  region: {type: string, default: za}\n  safe: {type: string, enum: [a], default: a}\n" +
		"tasks:\n  x:\n    type: exec\n    with:\n      command: ./export.sh --region {{ params.region }} {{ params.safe }}\n" +
		"  y: {type: exec, with: {argv: [echo, \"{{ params.region }}\"]}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := cli(t, "validate", spec)
	out := stdout + stderr
	want := spec + `:10:40: warning: free-form param "region" is written into the shell command of task "x"`
	if code != exitOK || !strings.Contains(out, want) || strings.Count(out, "warning:") != 1 {
		t.Errorf("exit %d, output:\n%s\nwant exit 0 and one warning: %s", code, out, want)
	}
}

// TestValidateRequiredConstrainedParams checks that validate, which renders
// required params with stand-in values, does not hold those values to the
// params' constraints, while a run does.
func TestValidateRequiredConstrainedParams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	src := "version: 1\nname: v\nparams:\n  v: {type: string, required: true, pattern: '[a-z]{2}'}\n" +
		"  n: {type: integer, required: true, min: 5}\n" +
		"tasks:\n  a: {type: exec, with: {command: \"echo {{ params.v }} {{ params.n }}\"}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := cli(t, "validate", spec); code != exitOK {
		t.Errorf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	_, stderr, code := cli(t, "run", "--no-progress", "--state-dir", t.TempDir(), "--param", "v=ab", "--param", "n=4", spec)
	if code != exitInvalid || !strings.Contains(stderr, `param "n": must be at least 5; got 4`) {
		t.Errorf("run: exit %d\n%s", code, stderr)
	}
}

// TestParamFlagsOnEveryRunCommand gives --param and --params to each command
// that starts or schedules a run: deploy stores --param values typed as the
// spec declares them, deployment run merges both over the deployment's.
func TestParamFlagsOnEveryRunCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.yaml")
	src := "version: 1\nname: p\nparams:\n  region: {type: string, default: za}\n  n: {type: integer, default: 1}\n" +
		"  full: {type: boolean, default: false}\n" +
		"tasks:\n  say: {type: exec, with: {argv: [sh, -c, 'echo \"$0 $1 $2\" > out.txt', \"{{ params.region }}\", \"{{ params.n }}\", \"{{ params.full }}\"]}}\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	if stdout, stderr, code := cli(t, "deploy", "--state-dir", state, "--name", "p", "--spec", spec,
		"--params", `{"region": "us", "n": 2}`, "--param", "n=3", "--param", "full=true"); code != exitOK {
		t.Fatalf("deploy: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code := cli(t, "deployment", "show", "p", "--format", "json", "--state-dir", state)
	if code != exitOK || !strings.Contains(stdout, `"full": true`) || !strings.Contains(stdout, `"n": 3`) || !strings.Contains(stdout, `"region": "us"`) {
		t.Fatalf("stored params: exit %d, want full true, n 3 (typed, --param winning), region us\n%s%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cli(t, "deployment", "run", "p", "--wait", "--no-progress", "--state-dir", state,
		"--params", `{"region": "eu"}`, "--param", "n=4"); code != exitOK {
		t.Fatalf("deployment run: exit %d\n%s%s", code, stdout, stderr)
	}
	out, err := os.ReadFile(filepath.Join(dir, "out.txt"))
	if err != nil || string(out) != "eu 4 True\n" && string(out) != "eu 4 true\n" {
		t.Errorf("the run saw params %q (%v), want eu 4 true", out, err)
	}
}

// TestFlagAliases checks that the older names of renamed flags still parse,
// into the flag of the one name, and stay out of help.
func TestFlagAliases(t *testing.T) {
	t.Parallel()
	tests := []struct{ cmd, alias, name string }{
		{"resolve", "workers", "max-concurrency"},
	}
	for _, tt := range tests {
		root := newRootCmd()
		cmd, _, err := root.Find(strings.Fields(tt.cmd))
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags([]string{"--" + tt.alias, "3"}); err != nil {
			t.Errorf("%s --%s: %v", tt.cmd, tt.alias, err)
			continue
		}
		if f := cmd.Flags().Lookup(tt.name); f == nil || f.Value.String() != "3" || !f.Changed {
			t.Errorf("%s --%s did not set --%s", tt.cmd, tt.alias, tt.name)
		}
		if strings.Contains(cmd.UsageString(), "--"+tt.alias+" ") {
			t.Errorf("%s help shows the alias --%s", tt.cmd, tt.alias)
		}
	}
}
