package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/profiles"
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

// TestProfilesLocalOverride: a profile under ./profiles is listed with its
// file as the source, replacing the built-in of its name, next to the other
// built-ins and any new local profile.
func TestProfilesLocalOverride(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := profiles.Source("aviation")
	if err != nil {
		t.Fatal(err)
	}
	local := strings.Replace(string(src), "description: >", "description: >\n  Our own aviation list.", 1)
	small, err := os.ReadFile("testdata/profiles/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, dir, "profiles/aviation.yaml", local)
	writeSpec(t, dir, "profiles/small.yml", string(small))
	writeSpec(t, dir, "profiles/aviation.pipeline.yaml", "not a profile")
	got, err := availableProfiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, p := range got {
		sources[p.Name] = p.Source
		if p.Name == "aviation" && !strings.HasPrefix(p.Description, "Our own aviation list.") {
			t.Errorf("aviation description %q is not the local file's", p.Description)
		}
	}
	want := map[string]string{
		"aviation": filepath.Join(dir, "profiles", "aviation.yaml"),
		"generic":  "builtin",
		"small":    filepath.Join(dir, "profiles", "small.yml"),
	}
	if !reflect.DeepEqual(sources, want) {
		t.Errorf("sources = %v, want %v", sources, want)
	}
	if p, ok := localProfile(dir, "aviation"); !ok || p != want["aviation"] {
		t.Errorf("localProfile(aviation) = %q, %v", p, ok)
	}
	if _, ok := localProfile(dir, "generic"); ok {
		t.Error("generic has no local file but localProfile found one")
	}
}
