package hotpass

import (
	"fmt"
	"sort"

	"github.com/hotpass/hotpass/engine"
)

// layered is a task registry of a Runner's own types over a shared one.
type layered struct {
	base engine.Registry
	own  *engine.MapRegistry
}

// newRegistry returns base with types added, or base itself when there
// are none. A type whose name base already has is an error.
func newRegistry(base engine.Registry, types []engine.Type) (engine.Registry, error) {
	if len(types) == 0 {
		return base, nil
	}
	own, err := engine.NewRegistry(types...)
	if err != nil {
		return nil, fmt.Errorf("hotpass: WithTaskTypes: %w", err)
	}
	for _, t := range types {
		if _, taken := base.Lookup(t.Name()); taken {
			return nil, fmt.Errorf("hotpass: WithTaskTypes: task type %q is registered already; give yours another name", t.Name())
		}
	}
	return &layered{base: base, own: own}, nil
}

// Lookup implements engine.Registry.
func (l *layered) Lookup(name string) (engine.Type, bool) {
	if t, ok := l.own.Lookup(name); ok {
		return t, true
	}
	return l.base.Lookup(name)
}

// Types implements engine.Registry.
func (l *layered) Types() []engine.Type {
	out := append(l.base.Types(), l.own.Types()...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// DatasourceTypes passes on the base registry's datasource types, so that
// specs are checked against their schemas as before.
func (l *layered) DatasourceTypes() []engine.DatasourceType {
	if dr, ok := l.base.(engine.DatasourceRegistry); ok {
		return dr.DatasourceTypes()
	}
	return nil
}
