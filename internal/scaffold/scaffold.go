// Package scaffold writes the starting files of a new Hotpass project: a
// pipeline spec, a small data file it reads, and a pre-commit configuration
// that validates the spec.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// The all: prefix keeps .pre-commit-config.yaml, which go:embed would skip.
//
//go:embed all:template
var templates embed.FS

// File is one file of the scaffold, named by its slash-separated path
// relative to the project directory.
type File struct {
	Name string
	Data []byte
}

// Files returns the embedded project files in name order.
func Files() []File {
	var files []File
	err := fs.WalkDir(templates, "template", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := templates.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Name: strings.TrimPrefix(p, "template/"), Data: data})
		return nil
	})
	if err != nil {
		// The templates are compiled in; failing to read them is a build defect.
		panic(fmt.Sprintf("scaffold: read embedded templates: %v", err))
	}
	return files
}

// ExistsError lists the files that would be overwritten.
type ExistsError struct {
	Dir   string
	Names []string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already has %s; move them away or pass --force to overwrite",
		e.Dir, strings.Join(e.Names, ", "))
}

// Unwrap lets callers test for fs.ErrExist.
func (e *ExistsError) Unwrap() error { return fs.ErrExist }

// Write writes files under dir, creating dir and subdirectories as needed.
// Unless force, it writes nothing when any of them exists and returns an
// *ExistsError naming all of them. Each file is written to a temporary file
// and renamed, so a reader never sees half a file; without force the rename
// also refuses a file created meanwhile.
func Write(dir string, files []File, force bool) error {
	if !force {
		var existing []string
		for _, f := range files {
			_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(f.Name)))
			switch {
			case err == nil:
				existing = append(existing, f.Name)
			case !errors.Is(err, fs.ErrNotExist):
				return fmt.Errorf("check %s: %w", filepath.Join(dir, filepath.FromSlash(f.Name)), err)
			}
		}
		if len(existing) > 0 {
			sort.Strings(existing)
			return &ExistsError{Dir: dir, Names: existing}
		}
	}
	var opts []atomicfile.Option
	if !force {
		opts = append(opts, atomicfile.NoReplace())
	}
	for _, f := range files {
		target := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(path.Dir(f.Name))), 0o755); err != nil {
			return fmt.Errorf("create directory for %s: %w", target, err)
		}
		if err := atomicfile.WriteFile(target, f.Data, opts...); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return &ExistsError{Dir: dir, Names: []string{f.Name}}
			}
			return fmt.Errorf("write %s: %w", target, err)
		}
	}
	return nil
}
