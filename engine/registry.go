package engine

import (
	"fmt"
	"sort"
)

// MapRegistry is a Registry over a fixed set of types. Build it with
// NewRegistry; it is read-only afterwards and so safe for concurrent use.
type MapRegistry struct {
	byName map[string]Type
	sorted []Type
}

// NewRegistry returns a registry of the given types. Two types with the same
// name, or a type without a name, are an error.
func NewRegistry(types ...Type) (*MapRegistry, error) {
	r := &MapRegistry{byName: make(map[string]Type, len(types))}
	for _, t := range types {
		name := t.Name()
		if name == "" {
			return nil, fmt.Errorf("task type %T has an empty name", t)
		}
		if _, dup := r.byName[name]; dup {
			return nil, fmt.Errorf("task type %q is registered twice", name)
		}
		r.byName[name] = t
		r.sorted = append(r.sorted, t)
	}
	sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].Name() < r.sorted[j].Name() })
	return r, nil
}

// Lookup returns the type registered under name.
func (r *MapRegistry) Lookup(name string) (Type, bool) {
	t, ok := r.byName[name]
	return t, ok
}

// Types returns every registered type, sorted by name.
func (r *MapRegistry) Types() []Type {
	return append([]Type(nil), r.sorted...)
}
