package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestListByTag filters deployments, and runs by their deployment's tags.
func TestListByTag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := paramSpec(t, dir)
	state := filepath.Join(dir, "state")
	run := func(args ...string) (string, string, int) {
		t.Helper()
		stdout, stderr, code := cli(t, append(args, "--state-dir", state)...)
		return normalizeDeploy(stdout, dir), stderr, code
	}
	for _, args := range [][]string{
		{"deploy", "--name", "nightly", "--spec", spec, "--tag", "prod", "--tag", "aviation"},
		{"deploy", "--name", "hourly", "--spec", spec, "--tag", "prod"},
		{"deploy", "--name", "trial", "--spec", spec, "--tag", "staging"},
		{"deployment", "run", "nightly", "--wait", "--no-progress"},
		{"deployment", "run", "hourly", "--wait", "--no-progress"},
		{"deployment", "run", "trial", "--wait", "--no-progress"},
		{"run", "--no-progress", spec},
	} {
		if stdout, stderr, code := run(args...); code != exitOK {
			t.Fatalf("hotpass %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
		}
	}
	tests := []struct {
		golden string
		args   []string
		code   int
	}{
		{"deployment_ls_tag", []string{"deployment", "ls", "--tag", "prod"}, exitOK},
		{"deployment_ls_two_tags", []string{"deployment", "ls", "--tag", "prod", "--tag", "aviation"}, exitOK},
		{"deployment_ls_tag_none", []string{"deployment", "ls", "--tag", "nosuch"}, exitOK},
		{"runs_ls_tag", []string{"runs", "ls", "--tag", "prod"}, exitOK},
		{"runs_ls_tag_limit", []string{"runs", "ls", "--tag", "prod", "--limit", "1"}, exitOK},
		{"runs_ls_tag_and_deployment", []string{"runs", "ls", "--tag", "prod", "--deployment", "trial"}, exitOK},
		{"runs_ls_tag_empty", []string{"runs", "ls", "--tag", ""}, exitInvalid},
	}
	for _, tt := range tests {
		stdout, stderr, code := run(tt.args...)
		if code != tt.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tt.golden, code, tt.code, stdout, stderr)
		}
		golden(t, tt.golden, transcript(stdout, stderr, code))
	}
}
