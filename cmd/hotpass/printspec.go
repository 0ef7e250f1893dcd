package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// printProfileSpec writes a profile's built-in pipeline as a spec to keep
// and edit. Run as it is printed, the spec would resolve its paths against
// its own directory, not the one orchestrate ran in; so the params that are
// paths default to what orchestrate would have used here (the flags given
// included), written relative to the file stdout is, when it is one. When
// stdout is a pipe or a terminal, the paths are relative to the current
// directory and a comment at the top says so.
func printProfileSpec(stdout io.Writer, o *orchestrateOptions) error {
	src, err := profiles.PipelineSpec(o.profile)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	specDir, known := writtenToDir(stdout)
	if !known {
		specDir = cwd
	}
	out, err := keepableSpec(src, specDir, cwd, orchestratePathDefaults(o), !known)
	if err != nil {
		return fmt.Errorf("profile %s: %w", o.profile, err)
	}
	_, err = stdout.Write(out)
	return err
}

// orchestratePathDefaults are the paths orchestrate gives the pipeline,
// relative to the current directory, by param name.
func orchestratePathDefaults(o *orchestrateOptions) map[string]string {
	out := o.outputPath
	if out == "" {
		out = filepath.Join("dist", o.profile, "refined.xlsx")
	}
	report := o.reportPath
	if report == "" {
		report = filepath.Join(filepath.Dir(out), "quality-report")
	}
	linkage := o.linkOutputDir
	if linkage == "" {
		linkage = filepath.Join("dist", o.profile, "linkage")
	}
	return map[string]string{
		"input_dir":          o.inputDir,
		"output_path":        out,
		"report_path":        strings.TrimSuffix(strings.TrimSuffix(report, ".html"), ".json"),
		"linkage_output_dir": linkage,
	}
}

// writtenToDir returns the directory of the file w writes to, when w is a
// regular file whose path the system tells (Linux, through /proc).
func writtenToDir(w io.Writer) (string, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return "", false
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	path, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil || !filepath.IsAbs(path) {
		return "", false
	}
	return filepath.Dir(path), true
}

var (
	schemaComment = regexp.MustCompile(`(?m)^# yaml-language-server: \$schema=\S+$`)
	paramName     = regexp.MustCompile(`^  ([A-Za-z_][A-Za-z0-9_]*):\s*$`)
	paramDefault  = regexp.MustCompile(`^    default:`)
)

// keepableSpec rewrites a built-in pipeline spec for keeping: the schema
// comment points at the published schema (the repository's relative path
// exists only in this repository), and each param in paths gets as default
// its path (relative to cwd) made relative to specDir. With note, a comment
// says where the paths are relative to.
func keepableSpec(src []byte, specDir, cwd string, paths map[string]string, note bool) ([]byte, error) {
	src = publishedSchema(src, specs.SchemaURL)
	lines := strings.SplitAfter(string(src), "\n")
	inParams, param := false, ""
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "params:"):
			inParams = true
			continue
		case inParams && l != "\n" && !strings.HasPrefix(l, " "):
			inParams = false
		}
		if !inParams {
			continue
		}
		if m := paramName.FindStringSubmatch(l); m != nil {
			param = m[1]
			continue
		}
		p, ok := paths[param]
		if !ok || !paramDefault.MatchString(l) {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		rel, err := filepath.Rel(specDir, p)
		if err != nil {
			rel = p
		}
		v, err := yaml.Marshal(filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		lines[i] = "    default: " + string(v)
	}
	out := strings.Join(lines, "")
	if note {
		var names []string
		for _, n := range []string{"input_dir", "output_path", "report_path", "linkage_output_dir"} {
			if _, ok := paths[n]; ok {
				names = append(names, n)
			}
		}
		first, rest, _ := strings.Cut(out, "\n")
		out = first + "\n" + fmt.Sprintf("# The defaults of %s\n"+
			"# are relative to the directory this spec was printed in: kept elsewhere,\n"+
			"# change them or pass --param.\n", strings.Join(names, ", ")) + rest
	}
	return []byte(out), nil
}

// publishedSchema points a document's yaml-language-server comment at the
// published schema of url, for documents printed out of the binary.
func publishedSchema(src []byte, url string) []byte {
	return schemaComment.ReplaceAllLiteral(bytes.Clone(src), []byte("# yaml-language-server: $schema="+url))
}
