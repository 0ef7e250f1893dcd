package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// TestKeepableSpec: the printed spec points at the published schema, and
// its path params default to orchestrate's paths seen from where the spec
// is kept; other params keep their defaults.
func TestKeepableSpec(t *testing.T) {
	t.Parallel()
	src, err := profiles.PipelineSpec("aviation")
	if err != nil {
		t.Fatal(err)
	}
	paths := orchestratePathDefaults(&orchestrateOptions{profile: "aviation", inputDir: "examples/aviation/data"})
	tests := []struct {
		name, specDir string
		note          bool
		want          []string
	}{
		{"kept in a subfolder", "/repo/pipelines", false, []string{
			"    default: ../examples/aviation/data\n", "    default: ../dist/aviation/refined.xlsx\n",
			"    default: ../dist/aviation/quality-report\n", "    default: ../dist/aviation/linkage\n",
			"    default: warn\n",
		}},
		{"printed to a pipe", "/repo", true, []string{
			"    default: examples/aviation/data\n", "    default: dist/aviation/refined.xlsx\n",
			"# are relative to the directory this spec was printed in",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := keepableSpec(src, tt.specDir, "/repo", paths, tt.note)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(got), "\n")
			if first != "# yaml-language-server: $schema="+specs.SchemaURL {
				t.Errorf("first line %q does not point at the published schema", first)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("printed spec lacks %q:\n%s", w, got)
				}
			}
			if strings.Contains(string(got), "../schemas/") {
				t.Error("printed spec still points at ../schemas/")
			}
		})
	}
}

// TestPrintedSpecRunsWhereItIsWritten follows the README: print the
// pipeline into pipelines/, then run it from the same directory.
func TestPrintedSpecRunsWhereItIsWritten(t *testing.T) {
	bin := hotpassBinary(t)
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../examples/aviation/data")); err != nil {
		t.Fatal(err)
	}
	sh := "mkdir -p pipelines && hotpass orchestrate --profile aviation --print-spec > pipelines/aviation.yaml && " +
		"hotpass run pipelines/aviation.yaml --no-progress"
	cmd := exec.Command("sh", "-c", sh)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "HOTPASS_HOME=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", sh, err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "aviation", "refined.xlsx")); err != nil {
		t.Errorf("the printed spec did not write where orchestrate would: %v", err)
	}
}

// TestSchemaProfile: `hotpass schema --profile` prints the committed
// profile schema, under the URL printed profiles point at.
func TestSchemaProfile(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := cli(t, "schema", "--profile")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	committed, err := os.ReadFile("../../schemas/profile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(committed) {
		t.Error("schema --profile differs from schemas/profile.schema.json")
	}
	var doc struct {
		ID string `json:"$id"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.ID != profiles.SchemaURL {
		t.Errorf("$id = %q (%v), want %q", doc.ID, err, profiles.SchemaURL)
	}
	shown, _, _ := cli(t, "profiles", "show", "aviation")
	if first, _, _ := strings.Cut(shown, "\n"); first != "# yaml-language-server: $schema="+profiles.SchemaURL {
		t.Errorf("profiles show starts %q, not with the published schema", first)
	}
}
