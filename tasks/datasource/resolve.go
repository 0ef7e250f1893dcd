package datasource

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/tasks"
)

// Resolve builds the effective config of a read or write task: the named
// datasource's options (when name is set) overridden by the task's own, then
// checked. Problems point at the task option, or at the datasource when the
// option came from there.
func Resolve(spec *specs.Spec, task *specs.Task, opts *tasks.Options, nameOpt, name string, own Config, forWrite bool) (Config, error) {
	cfg := own
	var ds *specs.Datasource
	if name != "" {
		ds = spec.Datasource(name)
		if ds == nil {
			names := make([]string, len(spec.Datasources))
			for i, d := range spec.Datasources {
				names[i] = d.Name
			}
			d := opts.Errorf(nameOpt, "unknown datasource %q", name)
			switch {
			case suggest.Closest(name, names) != "":
				d = d.WithHint("did you mean %q?", suggest.Closest(name, names))
			case len(names) == 0:
				d = d.WithHint("declare it under the spec's top-level datasources:")
			default:
				d = d.WithHint("declared datasources: %s", strings.Join(names, ", "))
			}
			return Config{}, specs.Diagnostics{d}
		}
		var base Config
		if _, err := decode.Into(ds.Options, &base); err != nil {
			return Config{}, datasourceProblems(spec, ds, err)
		}
		cfg = base.Override(own)
	}
	var diags specs.Diagnostics
	for _, p := range cfg.Check(forWrite) {
		var d specs.Diagnostic
		if opts.Has(p.Option) || ds == nil {
			d = opts.Errorf(p.Option, "%s", p.Msg)
		} else {
			d = specs.Errorf(ds.Pos, "datasource %q (used by task %q): %s: %s", ds.Name, task.ID, p.Option, p.Msg)
		}
		if p.Hint != "" {
			d = d.WithHint("%s", p.Hint)
		}
		diags = append(diags, d)
	}
	if len(diags) > 0 {
		return Config{}, diags
	}
	return cfg, nil
}

// datasourceProblems words the problems of decoding a datasource's options.
func datasourceProblems(spec *specs.Spec, ds *specs.Datasource, err error) specs.Diagnostics {
	var ps decode.Problems
	if !errors.As(err, &ps) {
		return specs.Diagnostics{specs.Errorf(ds.Pos, "datasource %q: %v", ds.Name, err)}
	}
	out := make(specs.Diagnostics, 0, len(ps))
	for _, p := range ps {
		pos := ds.Pos
		if p.Node != nil {
			pos = specs.PosOf(spec.Path, p.Node)
		}
		d := specs.Errorf(pos, "datasource %q: %s: %s", ds.Name, p.Key, p.Msg)
		hint := p.Hint
		if p.Kind == decode.Unknown {
			d = specs.Errorf(pos, "datasource %q: unknown option %s", ds.Name, p.Key)
			hint = p.UnknownHint("options: ")
		}
		if hint != "" {
			d = d.WithHint("%s", hint)
		}
		out = append(out, d)
	}
	return out
}

// Describe names what a config reads or writes, for logs; DSNs are left out.
func (c *Config) Describe() string {
	f, _ := c.ResolvedFormat()
	switch {
	case f == "postgres" && c.Query != "":
		return "postgres query"
	case f == "postgres":
		return fmt.Sprintf("postgres table %s", c.Table)
	default:
		return fmt.Sprintf("%s %s", f, c.Path)
	}
}
