package main

import (
	"strings"
	"testing"
)

// TestUnknownSubcommand checks that a mistyped subcommand at any level is a
// usage error with a suggestion, never a help page with exit status 0.
func TestUnknownSubcommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		args   []string
	}{
		{"unknown_runs_prnue", []string{"runs", "prnue"}},
		{"unknown_root_prnue", []string{"prnue"}},
		{"unknown_root_rnus", []string{"rnus"}},
		{"unknown_deployment_lss", []string{"deployment", "lss"}},
		{"unknown_linkage_evalute", []string{"linkage", "evalute"}},
		{"unknown_profiles_nothing_close", []string{"profiles", "zzz"}},
		{"unknown_after_flag", []string{"runs", "--state-dir", "x", "prnue"}},
		{"unknown_help_topic", []string{"help", "runs", "prnue"}},
		{"unknown_completion_shell", []string{"completion", "bsh"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := cli(t, tt.args...)
			if code != exitInvalid {
				t.Errorf("exit code = %d, want %d", code, exitInvalid)
			}
			if stdout != "" {
				t.Errorf("printed to stdout (help text?):\n%s", stdout)
			}
			golden(t, tt.golden, transcript(stdout, stderr, code))
		})
	}
}

// TestGroupCommandsStillShowHelp checks that a group command given no
// subcommand, or `help` given a known one, still shows help and succeeds.
func TestGroupCommandsStillShowHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{}, {"runs"}, {"deployment"}, {"completion"}, {"help", "runs"}, {"help", "runs", "prune"}, {"runs", "--help"}} {
		stdout, stderr, code := cli(t, args...)
		if code != exitOK || !strings.Contains(stdout, "Usage:") {
			t.Errorf("hotpass %s: exit %d, want help and 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	// A group takes a subcommand, not flags of its own.
	stdout, _, _ := cli(t, "runs", "--help")
	if strings.Contains(stdout, "hotpass runs [flags]") || !strings.Contains(stdout, "hotpass runs [command]") {
		t.Errorf("usage of a group:\n%s", stdout)
	}
	stdout, _, _ = cli(t, "runs", "ls", "--help")
	if !strings.Contains(stdout, "hotpass runs ls [flags]") {
		t.Errorf("usage of a leaf command:\n%s", stdout)
	}
}
