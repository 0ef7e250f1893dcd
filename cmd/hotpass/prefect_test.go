package main

import (
	"strings"
	"testing"
)

func TestPrefectNotice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		runtime, extras string
		want            []string // substrings; none means no notice
	}{
		{"nothing set", "", "", nil},
		{"runtime on", "1", "", []string{"HOTPASS_ENABLE_PREFECT_RUNTIME is ignored", "no Prefect runtime"}},
		{"runtime true", "true", "", []string{"HOTPASS_ENABLE_PREFECT_RUNTIME is ignored"}},
		{"runtime unparsable", "yes please", "", []string{"HOTPASS_ENABLE_PREFECT_RUNTIME is ignored"}},
		{"runtime off needs no notice", "0", "", nil},
		{"extra loggers", "", "httpx,botocore", []string{"PREFECT_LOGGING_EXTRA_LOGGERS is ignored", "--enable-observability"}},
		{"both", "1", "httpx", []string{"HOTPASS_ENABLE_PREFECT_RUNTIME and PREFECT_LOGGING_EXTRA_LOGGERS are ignored", "no Prefect runtime", "--enable-observability"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{envPrefectRuntime: tt.runtime, envPrefectExtraLoggers: tt.extras}
			got := prefectNotice(func(k string) string { return env[k] })
			if len(tt.want) == 0 {
				if got != "" {
					t.Errorf("notice = %q, want none", got)
				}
				return
			}
			if strings.Contains(got, "\n") {
				t.Errorf("notice spans lines: %q", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("notice = %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

// TestPrefectVariablesNoticeOnCommands checks, through the CLI, that the
// Prefect variables give one line on stderr and change nothing else: the
// command succeeds, stdout is as without them, and version and completion
// output stay clean. Not parallel: it sets environment variables.
func TestPrefectVariablesNoticeOnCommands(t *testing.T) {
	spec := "testdata/good/diamond.yaml"
	plainOut, _, _ := cli(t, "validate", spec)
	t.Setenv(envPrefectRuntime, "1")
	t.Setenv(envPrefectExtraLoggers, "httpx,botocore")

	stdout, stderr, code := cli(t, "validate", spec)
	if code != exitOK || stdout != plainOut {
		t.Errorf("validate with the Prefect variables: exit %d, stdout %q, want 0 and %q", code, stdout, plainOut)
	}
	golden(t, "prefect_notice", transcript(stdout, stderr, code))

	for _, args := range [][]string{{"version"}, {"--version"}, {"__complete", "ru"}} {
		if _, stderr, _ := cli(t, args...); strings.Contains(stderr, "notice") {
			t.Errorf("hotpass %s printed the notice: %q", strings.Join(args, " "), stderr)
		}
	}
}
