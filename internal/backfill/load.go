package backfill

import (
	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	optdecode "github.com/hotpass/hotpass/specs/decode"
)

// BlockPath is where a spec holds its backfill settings.
const BlockPath = "orchestrator.backfill"

// LoadConfig reads the orchestrator.backfill block of the spec (or JSON
// config) at path through the spec loader, so that it gets the same schema
// checks and file:line:col diagnostics as any spec. Relative paths in the
// block are resolved against the file's directory. Errors wrap
// specs.ErrInvalid.
func LoadConfig(l *engine.Loader, path string) (*Config, error) {
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		return nil, err
	}
	return ConfigFromSpec(spec)
}

// ConfigFromSpec decodes the backfill block of a loaded spec.
func ConfigFromSpec(spec *specs.Spec) (*Config, error) {
	block := findKey(spec.Orchestrator, "backfill")
	if block == nil {
		at := spec.Orchestrator
		if at == nil {
			at = spec.Root
		}
		d := specs.Errorf(specs.PosOf(spec.Path, at), "%s has no %s block", spec.Path, BlockPath).
			WithHint("add orchestrator: {backfill: {windows: [{start_date: 2024-01-01, end_date: 2024-01-31}]}}")
		ds := specs.Diagnostics{d}
		ds.AttachSource(spec.Path, spec.Source)
		return nil, ds
	}
	c, _, err := DecodeConfig(spec.Path, spec.Dir, block, BlockPath)
	if err != nil {
		ds := specs.AsDiagnostics(err)
		ds.AttachSource(spec.Path, spec.Source)
		return nil, ds
	}
	return c, nil
}

// findKey returns the value of key in mapping n, or nil.
func findKey(n *yaml.Node, key string) *yaml.Node {
	n = optdecode.Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
