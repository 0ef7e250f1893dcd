package specs

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hotpass/hotpass/specs/tmpl"
	"gopkg.in/yaml.v3"
)

// CheckOptions tune the static checks that need no rendering.
type CheckOptions struct {
	// LookupEnv reads environment variables; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Strict turns "environment variable not set" warnings into errors.
	Strict bool
	// Engine checks templates; nil uses a new one.
	Engine *tmpl.Engine
	// ShellOptions names, by task type, the `with:` options that hold a
	// shell command line (see RenderOptions.ShellOptions).
	ShellOptions map[string][]string
}

// Check runs the checks a schema cannot express that need neither the task
// registry nor the environment's secrets: template syntax and names in every
// templated string, environment variables referenced but unset (a warning
// unless Strict), declared params that no template uses (a warning), and
// string or list params without enum or pattern whose value is written
// into a shell command (a warning).
func Check(s *Spec, o CheckOptions) Diagnostics {
	diags, _ := CheckContext(context.Background(), s, o)
	return diags
}

// CheckContext is Check that stops when ctx is done, returning an error
// that wraps ctx.Err() and no diagnostics.
func CheckContext(ctx context.Context, s *Spec, o CheckOptions) (Diagnostics, error) {
	if o.Engine == nil {
		o.Engine = tmpl.New()
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	declared := make([]string, len(s.Params))
	for i, p := range s.Params {
		declared[i] = p.Name
	}
	lines := strings.Split(string(s.Source), "\n")
	used := map[string]bool{}
	var diags Diagnostics
	warnedEnv := map[string]bool{}
	renderedRoots := map[*yaml.Node]bool{}
	for _, d := range s.Datasources {
		renderedRoots[d.Options] = true
	}
	for _, t := range s.Tasks {
		renderedRoots[t.With] = true
	}
	visited, stopped := 0, false
	walkStrings(s.Root, renderedRoots, false, func(n *yaml.Node, rendered bool) {
		visited++
		if stopped || visited%cancelCheckEvery == 0 && ctx.Err() != nil {
			stopped = true
			return
		}
		if !tmpl.HasTemplate(n.Value) {
			return
		}
		if !rendered {
			diags = append(diags, Errorf(PosOf(s.Path, n), "templates are rendered only in datasources and task `with:` options").
				WithHint("write this value literally"))
			return
		}
		if err := o.Engine.Check(n.Value, declared); err != nil {
			diags = append(diags, templateDiag(s.Path, lines, n, err))
			return
		}
		refs, err := tmpl.Scan(n.Value)
		if err != nil {
			diags = append(diags, templateDiag(s.Path, lines, n, err))
			return
		}
		for _, p := range refs.Params {
			used[p] = true
		}
		for _, e := range refs.Env {
			if e.HasDefault || warnedEnv[e.Name] {
				continue
			}
			if _, ok := o.LookupEnv(e.Name); ok {
				continue
			}
			warnedEnv[e.Name] = true
			d := Warnf(scalarInnerPos(s.Path, lines, n, e.Line, e.Col), "environment variable %s is referenced but not set", e.Name).
				WithHint("set it before `hotpass run`, or give a default: env_var('%s', 'value')", e.Name)
			if o.Strict {
				d.Severity = SeverityError
			}
			diags = append(diags, d)
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: checking interrupted: %w", s.Path, err)
	}
	if len(o.ShellOptions) > 0 {
		diags = append(diags, shellParamWarnings(s, lines, o.ShellOptions)...)
	}
	for _, p := range s.Params {
		if !used[p.Name] {
			diags = append(diags, Warnf(p.Pos, "param %q is declared but never used", p.Name).
				WithHint("refer to it as {{ params.%s }} or remove it", p.Name))
		}
	}
	diags.AttachSource(s.Path, s.Source)
	diags.Sort()
	return diags, nil
}

// walkStrings calls fn for every string scalar value (not mapping keys),
// telling it whether the value lies under one of the rendered roots.
func walkStrings(n *yaml.Node, roots map[*yaml.Node]bool, rendered bool, fn func(*yaml.Node, bool)) {
	if n == nil {
		return
	}
	rendered = rendered || roots[n]
	switch n.Kind {
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			walkStrings(n.Content[i], roots, rendered, fn)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkStrings(c, roots, rendered, fn)
		}
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			fn(n, rendered)
		}
	}
}

// shellParamWarnings warns, at its first use in each shell option, about a
// free-form text param (a string or list without enum or pattern) written
// into a shell command.
// The value is quoted as one word, so it cannot run anything, but a script
// may still take it for an option, a path or a glob it did not expect.
func shellParamWarnings(s *Spec, lines []string, shell map[string][]string) Diagnostics {
	var diags Diagnostics
	for _, t := range s.Tasks {
		keys := shell[t.Type]
		pairs(t.With, func(k, v *yaml.Node) {
			if !slices.Contains(keys, k.Value) || v.Kind != yaml.ScalarNode || !tmpl.HasTemplate(v.Value) {
				return
			}
			refs, err := tmpl.Scan(v.Value)
			if err != nil {
				return // reported with the template checks
			}
			warned := map[string]bool{} // one warning per param and option: the first use
			for _, r := range refs.Output {
				p := s.Param(r.Name)
				if p == nil || (p.Type != ParamString && p.Type != ParamList) || p.Constraints.Constrained() || warned[p.Name] {
					continue
				}
				warned[p.Name] = true
				diags = append(diags, Warnf(scalarInnerPos(s.Path, lines, v, r.Line, r.Col),
					"free-form param %q is written into the shell command of task %q", p.Name, t.ID).
					WithHint("it is quoted as one shell word, but whoever sets it chooses any text: declare enum or pattern for it under params:"))
			}
		})
	}
	return diags
}
