package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDynamicCompletion asks the CLI for completions as a shell does, through
// the hidden __complete command.
func TestDynamicCompletion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := paramSpec(t, dir)
	state := filepath.Join(dir, "state")
	for _, args := range [][]string{
		{"deploy", "--name", "nightly", "--spec", spec, "--schedule", "0 2 * * *"},
		{"deploy", "--name", "adhoc", "--spec", spec},
		{"deployment", "run", "nightly", "--wait", "--no-progress"},
	} {
		if stdout, stderr, code := cli(t, append(args, "--state-dir", state)...); code != exitOK {
			t.Fatalf("hotpass %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	runID := lastRunID(t, state)
	empty := filepath.Join(dir, "no-state-yet")
	tests := []struct {
		name string
		args []string
		want []string // completion lines before the directive, in order
	}{
		{"profile names", []string{"profiles", "show", ""}, []string{"aviation\t", "generic\t"}},
		{"profile flag", []string{"orchestrate", "--profile", "g"}, []string{"generic\t"}},
		{"deploy profile flag", []string{"deploy", "--profile", "av"}, []string{"aviation\t"}},
		{"deployment names", []string{"--state-dir", state, "deployment", "run", ""}, []string{"adhoc\ton demand", "nightly\t0 2 * * *"}},
		{"deployment prefix", []string{"--state-dir", state, "deployment", "pause", "ni"}, []string{"nightly\t0 2 * * *"}},
		{"deployment flag", []string{"--state-dir", state, "runs", "ls", "--deployment", "a"}, []string{"adhoc\ton demand"}},
		{"run ids", []string{"--state-dir", state, "runs", "show", ""}, []string{runID + "\tnightly succeeded"}},
		{"run ids for logs", []string{"--state-dir", state, "runs", "logs", runID[:8]}, []string{runID + "\tnightly succeeded"}},
		{"task ids", []string{"--state-dir", state, "runs", "logs", runID, "--task", ""}, []string{"a\tsucceeded"}},
		{"spec task ids", []string{"run", "testdata/good/diamond.yaml", "--only", ""}, []string{"start\tnoop", "left\tnoop", "right\tnoop", "join\tnoop"}},
		{"spec task prefix", []string{"run", "testdata/good/diamond.yaml", "--only", "j"}, []string{"join\tnoop"}},
		{"spec missing", []string{"run", "testdata/good/nosuch.yaml", "--only", ""}, nil},
		{"one run id only", []string{"--state-dir", state, "runs", "show", runID, ""}, nil},
		{"format values", []string{"runs", "ls", "--format", ""}, []string{"text", "json"}},
		{"format values of validate", []string{"validate", "--format", "j"}, []string{"json"}},
		{"no history yet", []string{"--state-dir", empty, "runs", "show", ""}, nil},
	}
	// The group returns once its parallel cases have finished.
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				stdout, stderr, code := cli(t, append([]string{"__complete"}, tt.args...)...)
				if code != exitOK {
					t.Fatalf("exit %d\n%s", code, stderr)
				}
				lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], ":") {
					t.Fatalf("no directive line:\n%s", stdout)
				}
				got := lines[:len(lines)-1]
				if len(got) != len(tt.want) {
					t.Fatalf("completions:\n%s\nwant prefixes %q", strings.Join(got, "\n"), tt.want)
				}
				for i, w := range tt.want {
					if !strings.HasPrefix(got[i], w) {
						t.Errorf("completion %d = %q, want it to start with %q", i, got[i], w)
					}
				}
			})
		}
	})
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("completing created the state directory %s", empty)
	}
}
