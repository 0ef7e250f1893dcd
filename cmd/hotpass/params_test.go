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
