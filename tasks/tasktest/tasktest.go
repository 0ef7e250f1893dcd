// Package tasktest compiles specs for tests, the way `hotpass run` does:
// the source is written into a directory, loaded with every registered
// task type and prepared. Tests of task types and of the engine share it
// rather than each keeping a copy.
package tasktest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/tasks"
)

// Options adjust Compile.
type Options struct {
	// File is the spec's file name in the directory; "spec.yaml" when
	// empty. Messages that quote positions name it.
	File string
	// LookupEnv answers env_var() while loading and preparing; nil reads
	// no variables.
	LookupEnv func(string) (string, bool)
}

// Plan writes src to dir/spec.yaml and returns its prepared plan, or the
// error loading or preparing it gave. Failing to write the file or to
// build the loader fails the test.
func Plan(t testing.TB, dir, src string) (*engine.Plan, error) {
	t.Helper()
	return Compile(t, dir, src, Options{})
}

// Compile is Plan with options.
func Compile(t testing.TB, dir, src string, o Options) (*engine.Plan, error) {
	t.Helper()
	name := o.File
	if name == "" {
		name = "spec.yaml"
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		t.Fatal(err)
	}
	spec, _, err := l.Load(path, false, o.LookupEnv)
	if err != nil {
		return nil, err
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{LookupEnv: o.LookupEnv})
	if err != nil {
		return nil, err
	}
	return prep.Plan, nil
}
