package main

import (
	"encoding/json"
	"testing"
)

// TestProfilesFormatJSON records what the profiles commands print with
// --format json, and that an unknown format is a usage error.
func TestProfilesFormatJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"profiles_ls_json", []string{"profiles", "ls", "--format", "json"}, exitOK},
		{"profiles_ls_bad_format", []string{"profiles", "ls", "--format", "yml"}, exitInvalid},
		{"profiles_show_json", []string{"profiles", "show", "testdata/profiles/small.yaml", "--format", "json"}, exitOK},
		{"profiles_show_bad_format", []string{"profiles", "show", "generic", "--format", "yml"}, exitInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := cli(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			golden(t, tt.name, transcript(stdout, stderr, code))
		})
	}
}

// TestProfilesShowBuiltinJSON checks that a built-in profile prints as the
// same document its YAML holds, labelled as built in.
func TestProfilesShowBuiltinJSON(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := cli(t, "profiles", "show", "aviation", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var got struct {
		Name, Source string
		Profile      map[string]any
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, stdout)
	}
	if got.Name != "aviation" || got.Source != "builtin" || got.Profile["name"] != "aviation" {
		t.Errorf("name %q, source %q, profile name %v; want aviation, builtin, aviation", got.Name, got.Source, got.Profile["name"])
	}
	if _, ok := got.Profile["sources"].([]any); !ok {
		t.Errorf("profile has no sources list: %v", got.Profile["sources"])
	}
}
