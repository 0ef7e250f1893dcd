// Package profiles holds the built-in refinement profiles (aviation,
// generic) and loads profile files, checking them against
// schemas/profile.schema.json and the refine package's own rules, with
// every problem reported at its file:line:col.
//
// A profile reference, as written in `profile:` or `--profile`, is either
// a path (it contains a slash or ends in .yaml or .yml), a name found as
// profiles/<name>.yaml next to the spec (a project's own profiles, which
// take precedence), or the name of a built-in profile.
package profiles

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/specs"
)

//go:embed aviation.yaml generic.yaml aviation.pipeline.yaml generic.pipeline.yaml
var builtins embed.FS

// MaxFileSize bounds a profile file; real ones are a few kilobytes.
const MaxFileSize = 1 << 20

// Info describes an available profile.
type Info struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Source is "builtin" or the file the profile comes from.
	Source string `json:"source"`
}

// List returns the built-in profiles sorted by name.
func List() []Info {
	var out []Info
	for _, name := range Names() {
		p, err := Builtin(name)
		if err != nil {
			continue // a broken built-in fails its test, not this listing
		}
		out = append(out, Info{Name: name, Description: strings.TrimSpace(p.Description), Source: "builtin"})
	}
	return out
}

// Names returns the names of the built-in profiles, sorted. It reads file
// names only: every command's help lists them, and parsing the profiles
// for that cost each start-up about 9 ms.
func Names() []string {
	ents, _ := fs.Glob(builtins, "*.yaml")
	var out []string
	for _, e := range ents {
		if !strings.HasSuffix(e, ".pipeline.yaml") {
			out = append(out, strings.TrimSuffix(e, ".yaml"))
		}
	}
	sort.Strings(out)
	return out
}

// ErrUnknown is wrapped when a profile name is neither built in nor found.
// It is the one sentinel for that condition (hotpass.ErrNoProfile is the
// same value) and carries exit status 2 (exitcode.Invalid).
var ErrUnknown = exitcode.New(exitcode.Invalid, "no such profile")

// unknownError reports an unknown profile in its own words (the name and the
// profiles that do exist) while matching ErrUnknown for errors.Is.
type unknownError struct{ msg string }

func (e *unknownError) Error() string { return e.msg }
func (e *unknownError) Unwrap() error { return ErrUnknown }

func unknownf(format string, args ...any) error {
	return &unknownError{msg: fmt.Sprintf(format, args...)}
}

// Source returns the YAML text of a built-in profile.
func Source(name string) ([]byte, error) {
	b, err := builtins.ReadFile(name + ".yaml")
	if err != nil || strings.Contains(name, ".") || strings.Contains(name, "/") {
		return nil, unknownf("unknown profile %q; built-in profiles: %s", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// PipelineSpec returns the built-in pipeline spec of a profile: the spec
// `hotpass orchestrate --profile NAME` runs. Its params (input_dir,
// output_path, report_path, policy) are the command's flags.
func PipelineSpec(name string) ([]byte, error) {
	if _, err := Source(name); err != nil {
		return nil, err
	}
	b, err := builtins.ReadFile(name + ".pipeline.yaml")
	if err != nil {
		return nil, fmt.Errorf("profile %q has no built-in pipeline", name)
	}
	return b, nil
}

// Builtin loads a built-in profile.
func Builtin(name string) (*refine.Profile, error) {
	src, err := Source(name)
	if err != nil {
		return nil, err
	}
	p, err := Parse("builtin:"+name, src)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Load reads and checks the profile file at path. Errors are
// specs.Diagnostics with positions.
func Load(path string) (*refine.Profile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, specs.Diagnostics{specs.Errorf(specs.Pos{File: path}, "cannot read profile: %v", unwrapPath(err))}
	}
	if fi.IsDir() {
		return nil, specs.Diagnostics{specs.Errorf(specs.Pos{File: path}, "is a directory, not a profile file")}
	}
	if fi.Size() > MaxFileSize {
		return nil, specs.Diagnostics{specs.Errorf(specs.Pos{File: path}, "profile file is %d bytes; the limit is %d", fi.Size(), MaxFileSize).
			WithHint("is this the right file? profiles are small YAML files")}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, specs.Diagnostics{specs.Errorf(specs.Pos{File: path}, "cannot read profile: %v", unwrapPath(err))}
	}
	return Parse(path, src)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// IsPath reports whether a profile reference names a file rather than a
// profile.
func IsPath(ref string) bool {
	return strings.ContainsAny(ref, `/\`) || strings.HasSuffix(ref, ".yaml") || strings.HasSuffix(ref, ".yml")
}

// Resolve finds the profile a reference names, relative to baseDir (the
// spec's directory): a path, then profiles/<name>.yaml under baseDir, then
// a built-in profile.
func Resolve(ref, baseDir string) (*refine.Profile, error) {
	if IsPath(ref) {
		return Load(engine.ResolvePath(baseDir, ref))
	}
	for _, ext := range []string{".yaml", ".yml"} {
		local := filepath.Join(baseDir, "profiles", ref+ext)
		if _, err := os.Stat(local); err == nil {
			return Load(local)
		}
	}
	if _, err := Source(ref); err != nil {
		return nil, unknownf("unknown profile %q: not a built-in profile (%s) and no profiles/%s.yaml in %s",
			ref, strings.Join(Names(), ", "), ref, baseDir)
	}
	return Builtin(ref)
}

// Parse checks and decodes profile source; path labels positions.
func Parse(path string, src []byte) (*refine.Profile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, specs.Diagnostics{yamlDiag(path, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 ||
		(doc.Content[0].Kind == yaml.ScalarNode && doc.Content[0].Tag == "!!null") {
		return nil, specs.Diagnostics{specs.Errorf(specs.Pos{File: path, Line: 1, Col: 1}, "profile file is empty").
			WithHint("a profile needs at least name: and sources:; see schemas/profile.schema.json")}
	}
	root := doc.Content[0]
	if diags := validateSchema(path, root); diags.HasErrors() {
		diags.AttachSource(path, src)
		diags.Sort()
		return nil, diags
	}
	var p refine.Profile
	if err := root.Decode(&p); err != nil {
		return nil, specs.Diagnostics{yamlDiag(path, err)}
	}
	p.Path = path
	var diags specs.Diagnostics
	for _, pr := range p.Check() {
		key, val := nodeAt(root, pr.Path)
		n := val
		if key != nil {
			n = key
		}
		diags = append(diags, specs.Errorf(specs.PosOf(path, n), "%s", pr.Message))
	}
	exps := nodeAt2(root, "quality", "expectations")
	for i := range p.Quality.Expectations {
		if exps != nil && i < len(exps.Content) {
			p.Quality.Expectations[i].Where = specs.PosOf(path, exps.Content[i]).String()
		}
	}
	if diags.HasErrors() {
		diags.AttachSource(path, src)
		diags.Sort()
		return nil, diags
	}
	return &p, nil
}

func nodeAt2(root *yaml.Node, keys ...string) *yaml.Node {
	path := make([]any, len(keys))
	for i, k := range keys {
		path[i] = k
	}
	_, v := nodeAt(root, path)
	if v == root {
		return nil
	}
	return v
}

// nodeAt follows path (mapping keys and list indexes) from root and
// returns the last key node found and its value; where the path leaves the
// document it stops at the deepest node reached.
func nodeAt(root *yaml.Node, path []any) (key, val *yaml.Node) {
	val = root
	for _, p := range path {
		val = deref(val)
		switch v := p.(type) {
		case string:
			if val.Kind != yaml.MappingNode {
				return key, val
			}
			found := false
			for i := 0; i+1 < len(val.Content); i += 2 {
				if val.Content[i].Value == v {
					key, val, found = val.Content[i], val.Content[i+1], true
					break
				}
			}
			if !found {
				return key, val
			}
		case int:
			if val.Kind != yaml.SequenceNode || v < 0 || v >= len(val.Content) {
				return key, val
			}
			key, val = nil, val.Content[v]
		}
	}
	return key, deref(val)
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// yamlDiag turns a yaml.v3 error ("yaml: line 3: ...") into a diagnostic
// at that line.
func yamlDiag(path string, err error) specs.Diagnostic {
	msg := err.Error()
	line := 0
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if _, err := fmt.Sscanf(rest[:i], "%d", &line); err == nil {
				msg = rest[i+2:]
			}
		}
	}
	return specs.Errorf(specs.Pos{File: path, Line: line}, "%s", msg)
}

// Document returns profile source as JSON values (objects, lists, strings,
// numbers, booleans, null): the shape the profile schema describes, for
// printing a profile as JSON. path labels errors.
func Document(path string, src []byte) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, specs.Diagnostics{yamlDiag(path, err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	v, err := toJSON(doc.Content[0], 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
