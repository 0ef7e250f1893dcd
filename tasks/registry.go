// Package tasks holds the registry of task types and helpers that task types
// share. Each built-in type lives in its own package under tasks/ and
// registers itself from init; importing tasks/builtin registers them all.
package tasks

import (
	"fmt"
	"sort"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs/decode"
)

// registry is filled by Register from init functions only, and read-only
// afterwards, so it needs no lock.
var registry = map[string]engine.Type{}

// Register adds a task type to the default registry. It is meant to be
// called from an init function and panics when the name is empty or already
// taken, since either is a programming error found at start-up.
func Register(t engine.Type) {
	name := t.Name()
	if name == "" {
		panic(fmt.Sprintf("tasks: type %T has an empty name", t))
	}
	if prev, dup := registry[name]; dup {
		panic(fmt.Sprintf("tasks: type %q registered twice (%T and %T)", name, prev, t))
	}
	registry[name] = t
	if d, ok := t.(Declarer); ok {
		decode.Declare(d.Options())
	}
}

// Default returns the registry of every type registered so far.
func Default() engine.Registry { return defaultRegistry{} }

type defaultRegistry struct{}

func (defaultRegistry) Lookup(name string) (engine.Type, bool) {
	t, ok := registry[name]
	return t, ok
}

func (defaultRegistry) Types() []engine.Type {
	out := make([]engine.Type, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
