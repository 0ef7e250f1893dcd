package profiles

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/schemas"
	"github.com/hotpass/hotpass/specs"
)

func TestBuiltinsLoadAndCompile(t *testing.T) {
	t.Parallel()
	if got := Names(); !slices.Equal(got, []string{"aviation", "generic"}) {
		t.Fatalf("built-ins %v", got)
	}
	for _, name := range Names() {
		p, err := Builtin(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := refine.New(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := PipelineSpec(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Builtin("nope"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown profile: %v", err)
	}
}

// Every way of naming a missing profile wraps ErrUnknown, ends the command
// with status 2 and says which name was not found.
func TestUnknownProfileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"Source", func() error { _, err := Source("nope"); return err }, `unknown profile "nope"; built-in profiles: aviation, generic`},
		{"Source with a path", func() error { _, err := Source("../aviation"); return err }, `unknown profile "../aviation"`},
		{"Builtin", func() error { _, err := Builtin("nope"); return err }, `unknown profile "nope"`},
		{"PipelineSpec", func() error { _, err := PipelineSpec("nope"); return err }, `unknown profile "nope"`},
		{"Resolve", func() error { _, err := Resolve("nope", dir); return err }, "no profiles/nope.yaml in " + dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if !errors.Is(err, ErrUnknown) {
				t.Fatalf("err = %v, want ErrUnknown", err)
			}
			if got := exitcode.Of(err); got != exitcode.Invalid {
				t.Errorf("exit status %d, want %d", got, exitcode.Invalid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// The schema's field names are the refine package's.
func TestSchemaFieldEnum(t *testing.T) {
	t.Parallel()
	var s struct {
		Properties struct {
			Fields struct {
				PropertyNames struct {
					Enum []string `json:"enum"`
				} `json:"propertyNames"`
			} `json:"fields"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(schemas.Profile, &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Properties.Fields.PropertyNames.Enum; !slices.Equal(got, refine.FieldNames()) {
		t.Errorf("schema fields %v\nwant %v", got, refine.FieldNames())
	}
}

func TestParseErrorsHavePositions(t *testing.T) {
	t.Parallel()
	base := "name: x\nsources:\n  - name: s\n    files: ['*.xlsx']\n    sheets:\n      - sheet: S\n"
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", base + "colour: red\n", "p.yaml:7:1: error: unknown key \"colour\""},
		{"unknown field", base + "        columns:\n          organisation_name: [Name]\n", "p.yaml:8:11: error: unknown field \"organisation_name\""},
		{"bad join", base + "      - sheet: T\n        join: {on: website}\n", "p.yaml:8:20: error: sources[0].sheets[1].join.on"},
		{"bad regex", base + "quality:\n  expectations:\n    - {expect: regex, column: x, pattern: '('}\n", "p.yaml:9:7: error: pattern:"},
		{"wrong type", "name: x\nsources: 3\n", "p.yaml:2:10: error: sources must be array"},
		{"empty", "", "p.yaml:1:1: error: profile file is empty"},
		{"yaml syntax", "name: [x\n", "p.yaml:"},
		{"join only", "name: x\nsources:\n  - name: s\n    files: [a]\n    sheets:\n      - {sheet: S, join: {on: source_record_id}}\n", "at least one sheet must list organisations"},
	}
	for _, tc := range tests {
		_, err := Parse("p.yaml", []byte(tc.src))
		var ds specs.Diagnostics
		if !errors.As(err, &ds) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v\nwant it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := Source("generic")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	doc["name"] = "aviation" // a project's own profile shadows the built-in
	b, _ := yaml.Marshal(doc)
	if err := os.MkdirAll(filepath.Join(dir, "profiles"), 0o755); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(dir, "profiles", "aviation.yaml")
	if err := os.WriteFile(local, b, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Resolve("aviation", dir)
	if err != nil || p.Path != local {
		t.Fatalf("Resolve(aviation) = %v, %v; want the local file", p, err)
	}
	p, err = Resolve("generic", dir)
	if err != nil || p.Path != "builtin:generic" {
		t.Fatalf("Resolve(generic) = %+v, %v", p, err)
	}
	p, err = Resolve("profiles/aviation.yaml", dir)
	if err != nil || p.Path != local {
		t.Fatalf("Resolve(path) = %v, %v", p, err)
	}
	if _, err := Resolve("missing", dir); !errors.Is(err, ErrUnknown) {
		t.Errorf("Resolve(missing) = %v", err)
	}
	if _, err := Resolve("nope.yaml", dir); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Resolve(nope.yaml) = %v", err)
	}
}

// The committed profile files are valid against the schema file too.
func TestProfileFilesOnDisk(t *testing.T) {
	t.Parallel()
	for _, name := range Names() {
		if _, err := Load(name + ".yaml"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDocument(t *testing.T) {
	t.Parallel()
	got, err := Document("p.yaml", []byte("name: x\nn: 2\nok: true\nnone:\nlist: [a, 1.5]\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	if want := `{"list":["a",1.5],"n":2,"name":"x","none":null,"ok":true}`; string(b) != want {
		t.Errorf("Document = %s, want %s", b, want)
	}
	if _, err := Document("p.yaml", []byte("name: [unclosed\n")); err == nil || !strings.Contains(err.Error(), "p.yaml:") {
		t.Errorf("bad YAML: error %v does not name the file", err)
	}
}

// TestLinkageOptionsInSchema parses a profile using every linkage option the
// settings take, so that the profile schema cannot fall behind them.
func TestLinkageOptionsInSchema(t *testing.T) {
	t.Parallel()
	base := "name: x\nsources:\n  - name: s\n    files: ['*.xlsx']\n    sheets:\n      - sheet: S\n"
	ok := base + "linkage:\n  link_type: link_only\n  comparisons: [{column: name, levels: [{type: exact}, {type: else}]}]\n  blocking_rules: auto\n  one_to_one: true\n  prior: em\n" +
		"  cluster_split: {threshold: 0.99, max_density: 0.5}\n"
	if _, err := Parse("p.yaml", []byte(ok)); err != nil {
		t.Errorf("a profile with auto blocking, one_to_one, prior and cluster_split: %v", err)
	}
	for _, bad := range []string{"  prior: guess\n", "  blocking_rules: some\n", "  cluster_split: {max_density: 0.5}\n"} {
		if _, err := Parse("p.yaml", []byte(base+"linkage:\n"+bad)); err == nil {
			t.Errorf("linkage %q was accepted", strings.TrimSpace(bad))
		}
	}
}
