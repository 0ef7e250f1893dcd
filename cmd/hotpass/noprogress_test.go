package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestNoProgressOnEveryWorkCommand parses --no-progress with each command
// that does work, as the CLI would, and checks that the list of such
// commands covers every visible runnable command not known to be
// read-only or bookkeeping, so that a new command cannot miss the flag.
func TestNoProgressOnEveryWorkCommand(t *testing.T) {
	t.Parallel()
	root := newRootCmd()
	for _, path := range workCommands {
		cmd, rest, err := root.Find(strings.Fields(path))
		if err != nil || cmd == root || len(rest) > 0 {
			t.Errorf("%s: not a command (%v, left %v)", path, err, rest)
			continue
		}
		if err := cmd.ParseFlags([]string{"--no-progress"}); err != nil {
			t.Errorf("hotpass %s --no-progress: %v", path, err)
			continue
		}
		if on, err := cmd.Flags().GetBool("no-progress"); err != nil || !on {
			t.Errorf("hotpass %s --no-progress: value %v, %v", path, on, err)
		}
	}

	// Commands that only read or manage state, or write a few fixed files
	// (init); each shows no progress.
	noWork := map[string]bool{
		"validate": true, "graph": true, "schema": true, "init": true, "version": true, "serve": true, "worker": true, "deploy": true, "linkage export-splink": true,
		"profiles ls": true, "profiles show": true,
		"runs ls": true, "runs show": true, "runs logs": true, "runs prune": true, "runs cancel": true,
		"deployment ls": true, "deployment show": true, "deployment pause": true, "deployment resume": true, "deployment rm": true,
		"completion bash": true, "completion zsh": true, "completion fish": true, "completion powershell": true,
		"privacy verify-audit": true,
	}
	work := map[string]bool{}
	for _, p := range workCommands {
		work[p] = true
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if !sub.IsAvailableCommand() {
				continue
			}
			walk(sub)
			if sub.HasSubCommands() {
				continue
			}
			path := strings.TrimPrefix(sub.CommandPath(), "hotpass ")
			if !work[path] && !noWork[path] {
				t.Errorf("hotpass %s is in neither list: add it to workCommands or to this test's read-only list", path)
			}
		}
	}
	walk(root)
}

// TestNoProgressThroughTheCLI runs a command that has no live display with
// --no-progress: the flag is accepted and changes nothing.
func TestNoProgressThroughTheCLI(t *testing.T) {
	t.Parallel()
	_, stderr, code := cli(t, "archive", "--no-progress")
	if code != exitInvalid || strings.Contains(stderr, "unknown flag") || !strings.Contains(stderr, "--input-dir is required") {
		t.Errorf("archive --no-progress: exit %d, stderr %q; want the missing --input-dir, not an unknown flag", code, stderr)
	}
	_, stderr, code = cli(t, "resolve", "--no-progress", "--input", "nope.csv")
	if code != exitInvalid || strings.Contains(stderr, "unknown flag") || !strings.Contains(stderr, "--output not set") {
		t.Errorf("resolve --no-progress: exit %d, stderr %q; want the missing --output, not an unknown flag", code, stderr)
	}
}
