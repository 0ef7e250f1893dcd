package tasks

import (
	"fmt"
	"sort"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs/decode"
)

// datasourceTypes is filled by RegisterDatasource from init functions only.
var datasourceTypes = map[string]engine.DatasourceType{}

// RegisterDatasource adds a datasource type (a `type:` of the spec's
// `datasources:` block) so that specs are validated against its schema. It
// panics on an empty or duplicate name, a programming error found at start-up.
func RegisterDatasource(t engine.DatasourceType) {
	name := t.Name()
	if name == "" {
		panic(fmt.Sprintf("tasks: datasource type %T has an empty name", t))
	}
	if _, dup := datasourceTypes[name]; dup {
		panic(fmt.Sprintf("tasks: datasource type %q registered twice", name))
	}
	datasourceTypes[name] = t
	if d, ok := t.(Declarer); ok {
		decode.Declare(d.Options())
	}
}

// DatasourceTypes returns every registered datasource type, sorted by name.
func (defaultRegistry) DatasourceTypes() []engine.DatasourceType {
	out := make([]engine.DatasourceType, 0, len(datasourceTypes))
	for _, t := range datasourceTypes {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

var _ engine.DatasourceRegistry = defaultRegistry{}
