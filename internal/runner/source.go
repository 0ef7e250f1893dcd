package runner

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/profiles"
	"github.com/hotpass/hotpass/specs"
)

// ProfilePrefix starts the label a profile's runs are recorded under
// (profile:aviation), which the command line also accepts in place of a
// spec file.
const ProfilePrefix = "profile:"

// Source is the spec a run loads: a file, source held in memory, or a
// built-in profile's pipeline. Exactly one of Path, Data and Profile
// decides; build it with File, Bytes or Profile.
type Source struct {
	// Path is a spec file, or with Data the name the source has in
	// positions.
	Path string
	// Data is spec source held in memory.
	Data []byte
	// Dir is the base of relative paths for Data and Profile sources;
	// empty means the current directory.
	Dir string
	// Profile names a built-in profile whose pipeline runs.
	Profile string
}

// File is the spec file at path.
func File(path string) Source { return Source{Path: path} }

// Bytes is spec source held in memory; name labels it in positions and in
// the run history, dir is the base of its relative paths.
func Bytes(name string, data []byte, dir string) Source {
	return Source{Path: name, Data: data, Dir: dir}
}

// Profile is the built-in pipeline of the named profile.
func Profile(name string) Source { return Source{Profile: name} }

// Label is what the run history records as the run's spec: the file,
// the source's name, or ProfilePrefix and the profile.
func (s Source) Label() string {
	if s.Profile != "" {
		return ProfilePrefix + s.Profile
	}
	return s.Path
}

// Load parses the spec and runs the static checks, as engine.Loader.Load.
// A profile's pipeline and in-memory source are parsed where they are,
// with their relative paths meaning Dir (the current directory when empty).
func (s Source) Load(ctx context.Context, l *engine.Loader, strict bool, lookupEnv func(string) (string, bool)) (*specs.Spec, specs.Diagnostics, error) {
	if s.Profile == "" && s.Data == nil {
		return l.LoadContext(ctx, s.Path, strict, lookupEnv)
	}
	name, src := s.Path, s.Data
	if s.Profile != "" {
		var err error
		if src, err = profiles.PipelineSpec(s.Profile); err != nil {
			return nil, nil, err // wraps profiles.ErrUnknown
		}
		name = "builtin:" + s.Profile + ".pipeline.yaml"
	}
	spec, diags, err := l.ParseContext(ctx, name, src, strict, lookupEnv)
	if spec != nil {
		spec.Dir = s.Dir
		if spec.Dir == "" {
			// Relative paths mean the current directory, as on the command line.
			if wd, werr := os.Getwd(); werr == nil {
				spec.Dir = wd
			}
		} else if abs, aerr := filepath.Abs(spec.Dir); aerr == nil {
			spec.Dir = abs
		}
	}
	return spec, diags, err
}
