package hotpass

import (
	"fmt"

	"github.com/hotpass/hotpass/internal/runner"
)

// Source is the spec a run loads: a file (File), spec source held in
// memory (Bytes) or the built-in pipeline of a profile (Profile). The zero
// Source names nothing; Run refuses it.
type Source struct {
	src runner.Source
}

// File is the spec file at path. Relative paths in the spec mean the
// file's directory.
func File(path string) Source { return Source{src: runner.File(path)} }

// Bytes is spec source held in memory. name labels it in error positions
// (name:line:col) and in the run history; dir is the base of the spec's
// relative paths, the current directory when empty. No file is written.
func Bytes(name string, spec []byte, dir string) Source {
	if spec == nil {
		spec = []byte{} // nil would mean a file named name
	}
	return Source{src: runner.Bytes(name, spec, dir)}
}

// Profile is the built-in pipeline of the named profile (see the profiles
// package), the one `hotpass orchestrate --profile NAME` runs. Relative
// paths in it mean the current directory. An unknown name makes Run fail
// with an error wrapping ErrNoProfile.
func Profile(name string) Source { return Source{src: runner.Profile(name)} }

// String labels the source as the run history records it: the file, the
// name given to Bytes, or "profile:" and the profile's name.
func (s Source) String() string { return s.src.Label() }

// check refuses a Source built by none of File, Bytes and Profile.
func (s Source) check() error {
	switch {
	case s.src.Path == "" && s.src.Profile == "" && s.src.Data == nil:
		return fmt.Errorf("hotpass: empty Source; build one with File, Bytes or Profile")
	case s.src.Path == "" && s.src.Data != nil:
		return fmt.Errorf("hotpass: Bytes needs a name, which labels the spec in errors and in the run history")
	}
	return nil
}
