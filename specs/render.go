package specs

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hotpass/hotpass/specs/tmpl"
	"gopkg.in/yaml.v3"
)

// RenderOptions carry what templates may refer to.
type RenderOptions struct {
	// Params are the resolved, typed parameter values (see ResolveParams).
	Params map[string]any
	Run    tmpl.Run
	// LookupEnv reads environment variables; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Lenient renders unset environment variables as "" and reports them as
	// warnings instead of errors; `hotpass validate` runs without secrets.
	Lenient bool
	// Engine renders templates; nil uses a new one.
	Engine *tmpl.Engine
	// ShellOptions names, by task type, the `with:` options that hold a
	// /bin/sh command line. Their templates are rendered with
	// tmpl.Engine.RenderShell, which quotes every value as one shell word.
	ShellOptions map[string][]string
}

// Rendered is a spec whose templates have been rendered.
type Rendered struct {
	*Spec
	// Secrets are the values read from the environment, the rendered values
	// derived from them, and the passwords the options state (DSNs,
	// password options), to be redacted from logs, run records and
	// telemetry.
	Secrets []string
}

// Render returns a copy of s in which every templated string scalar of the
// datasources and task options is rendered. The original is left untouched so
// the same parsed spec can be rendered for many runs.
func Render(s *Spec, o RenderOptions) (*Rendered, Diagnostics) {
	if o.Engine == nil {
		o.Engine = tmpl.New()
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	r := &renderer{spec: s, opts: o, lines: strings.Split(string(s.Source), "\n"),
		vars: &tmpl.Vars{Params: o.Params, Run: o.Run, LookupEnv: o.LookupEnv, Lenient: o.Lenient}}
	out := *s
	out.Datasources = make([]*Datasource, len(s.Datasources))
	for i, ds := range s.Datasources {
		c := *ds
		c.Options = r.node(ds.Options)
		out.Datasources[i] = &c
	}
	out.Tasks = make([]*Task, len(s.Tasks))
	for i, t := range s.Tasks {
		c := *t
		c.With = r.with(t.With, o.ShellOptions[t.Type])
		out.Tasks[i] = &c
	}
	for _, ds := range out.Datasources {
		r.secrets = append(r.secrets, credentialValues(ds.Options)...)
	}
	for _, t := range out.Tasks {
		r.secrets = append(r.secrets, credentialValues(t.With)...)
	}
	sort.Strings(r.secrets)
	r.diags.AttachSource(s.Path, s.Source)
	return &Rendered{Spec: &out, Secrets: dedupe(r.secrets)}, r.diags
}

type renderer struct {
	spec    *Spec
	opts    RenderOptions
	vars    *tmpl.Vars
	lines   []string
	secrets []string
	diags   Diagnostics
}

// with deep-copies a task's options like node, rendering the options named
// in shell as shell command lines.
func (r *renderer) with(n *yaml.Node, shell []string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || len(shell) == 0 {
		return r.node(n)
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := *n.Content[i]
		c.Content[i] = &k
		if v := deref(n.Content[i+1]); slices.Contains(shell, k.Value) && v.Kind == yaml.ScalarNode {
			c.Content[i+1] = r.scalar(v, r.opts.Engine.RenderShell)
			continue
		}
		c.Content[i+1] = r.node(n.Content[i+1])
	}
	return &c
}

// node deep-copies n, rendering templated string scalars. Untemplated
// subtrees are copied too so that a rendered spec never aliases the parsed one.
func (r *renderer) node(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	n = deref(n)
	c := *n
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, ch := range n.Content {
			// Keys are never templates; values may be.
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				k := *ch
				c.Content[i] = &k
				continue
			}
			c.Content[i] = r.node(ch)
		}
	case yaml.ScalarNode:
		return r.scalar(n, r.opts.Engine.Render)
	}
	return &c
}

// scalar copies a scalar node, rendering its value with render when it is
// a templated string.
func (r *renderer) scalar(n *yaml.Node, render func(string, *tmpl.Vars) (tmpl.Result, error)) *yaml.Node {
	c := *n
	if n.Tag != "!!str" || !tmpl.HasTemplate(n.Value) {
		return &c
	}
	res, err := render(n.Value, r.vars)
	if err != nil {
		r.diags = append(r.diags, templateDiag(r.spec.Path, r.lines, n, err))
		return &c
	}
	c.Value = res.Value
	r.secrets = append(r.secrets, res.Secrets...)
	if len(res.Secrets) > 0 {
		// Derived from a secret: masked whole, whatever else it holds.
		r.secrets = append(r.secrets, res.Value)
	}
	for _, name := range res.MissingEnv {
		r.diags = append(r.diags, Warnf(PosOf(r.spec.Path, n), "environment variable %s is not set", name).
			WithHint("it must be set when the pipeline runs, or give a default: env_var('%s', 'value')", name))
	}
	return &c
}

// templateDiag positions a template error at the file line and column of the
// offending character: the scalar's position plus the offset inside it.
func templateDiag(file string, lines []string, n *yaml.Node, err error) Diagnostic {
	te, ok := err.(*tmpl.Error)
	if !ok {
		return Errorf(PosOf(file, n), "template: %v", err)
	}
	pos := scalarInnerPos(file, lines, n, te.Line, te.Col)
	d := Errorf(pos, "template: %s", te.Msg)
	d.Hint = te.Hint
	return d
}

// scalarInnerPos maps a 1-based line/column inside a scalar's value to the file.
func scalarInnerPos(file string, lines []string, n *yaml.Node, line, col int) Pos {
	p := PosOf(file, n)
	if line <= 0 {
		return p
	}
	switch n.Style {
	case yaml.FoldedStyle:
		if l, c, ok := foldedPos(lines, n.Line, line, col); ok {
			p.Line, p.Col = l, c
			return p
		}
		fallthrough
	case yaml.LiteralStyle:
		// Block scalars start on the line after the indicator, indented.
		ln := n.Line + line
		indent := 0
		if ln-1 < len(lines) {
			l := lines[ln-1]
			indent = len(l) - len(strings.TrimLeft(l, " "))
		}
		p.Line = ln
		if col > 0 {
			p.Col = indent + col
		}
		return p
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		if line == 1 && col > 0 {
			p.Col = n.Column + col // one for the opening quote
		} else if line > 1 {
			p.Line, p.Col = n.Line+line-1, col
		}
		return p
	default:
		if line == 1 && col > 0 {
			p.Col = n.Column + col - 1
		} else if line > 1 {
			p.Line, p.Col = n.Line+line-1, col
		}
		return p
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// ResolveParams merges parameter values: the declared defaults, then values
// from JSON (--params), then text values (--param k=v). Values are converted
// to the declared types and checked against the param's constraints. Unknown
// names, bad values and missing required parameters are *ParamError values
// that say which parameter and why.
func ResolveParams(s *Spec, fromJSON map[string]any, fromFlags map[string]string) (map[string]any, error) {
	return resolveParams(s, fromJSON, fromFlags, true)
}

// ResolvePlaceholderParams is ResolveParams without the constraint checks,
// for rendering a spec with placeholder values that are no one's input
// (`hotpass validate`). A run never uses it.
func ResolvePlaceholderParams(s *Spec, fromJSON map[string]any, fromFlags map[string]string) (map[string]any, error) {
	return resolveParams(s, fromJSON, fromFlags, false)
}

func resolveParams(s *Spec, fromJSON map[string]any, fromFlags map[string]string, check bool) (map[string]any, error) {
	out := make(map[string]any, len(s.Params))
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
		if p.HasDefault {
			out[p.Name] = p.Default
		}
	}
	unknown := func(name string) error {
		msg := ""
		switch c := closest(name, names); {
		case c != "":
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		case len(names) == 0:
			msg += ": the spec declares no params"
		default:
			msg += ": the spec declares " + strings.Join(names, ", ")
		}
		return &ParamError{Name: name, Msg: msg, Unknown: true}
	}
	jsonKeys := make([]string, 0, len(fromJSON))
	for k := range fromJSON {
		jsonKeys = append(jsonKeys, k)
	}
	sort.Strings(jsonKeys)
	for _, k := range jsonKeys {
		p := s.Param(k)
		if p == nil {
			return nil, unknown(k)
		}
		v, err := convertJSONParam(p.Type, fromJSON[k])
		if err != nil {
			return nil, &ParamError{Name: k, Msg: err.Error()}
		}
		if why := p.CheckValue(v); check && why != "" {
			return nil, &ParamError{Name: k, Msg: why}
		}
		out[k] = v
	}
	flagKeys := make([]string, 0, len(fromFlags))
	for k := range fromFlags {
		flagKeys = append(flagKeys, k)
	}
	sort.Strings(flagKeys)
	for _, k := range flagKeys {
		p := s.Param(k)
		if p == nil {
			return nil, unknown(k)
		}
		v, err := ConvertParam(p.Type, fromFlags[k])
		if err != nil {
			return nil, &ParamError{Name: k, Msg: err.Error()}
		}
		if why := p.CheckValue(v); check && why != "" {
			return nil, &ParamError{Name: k, Msg: why}
		}
		out[k] = v
	}
	for _, p := range s.Params {
		if _, ok := out[p.Name]; !ok && p.Required {
			return nil, &ParamError{Name: p.Name, Msg: fmt.Sprintf("is required (declared at %s): pass --param %s=VALUE", p.Pos, p.Name)}
		}
	}
	return out, nil
}

func convertJSONParam(t ParamType, v any) (any, error) {
	switch x := v.(type) {
	case string:
		return ConvertParam(t, x)
	case bool:
		if t == ParamBoolean {
			return x, nil
		}
	case float64:
		switch t {
		case ParamNumber:
			return x, nil
		case ParamInteger:
			if x == float64(int64(x)) {
				return int64(x), nil
			}
		}
	case json.Number:
		return ConvertParam(t, x.String())
	case []any:
		if t == ParamList {
			out := make([]string, len(x))
			for i, e := range x {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("list items must be strings, item %d is %v", i+1, e)
				}
				out[i] = s
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("must be a %s, got %v", t, v)
}

// foldedPos maps a 1-based line and column of a folded (>) block scalar's
// value to the file. Folding joins the lines of a paragraph with one space,
// so the value's line 1 may span several lines of the file; blank lines
// and more-indented lines keep their line breaks. indicator is the file
// line of the ">". ok is false when the position is not in the scalar.
func foldedPos(lines []string, indicator, line, col int) (fileLine, fileCol int, ok bool) {
	indent := -1
	vLine, vCol := 1, 1 // where the next content line starts in the value
	prevContent, prevMore, blanks := false, false, 0
	for i := indicator; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" {
			if prevContent {
				blanks++
			}
			continue
		}
		lead := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 {
			indent = lead
		}
		if lead < indent {
			break // the scalar ended
		}
		more := lead > indent
		switch {
		case !prevContent:
		case blanks > 0:
			// A blank line after a paragraph is its line break; each
			// further one adds another.
			vLine, vCol = vLine+blanks, 1
		case more || prevMore:
			vLine, vCol = vLine+1, 1
		default:
			vCol++ // the space the line break folded into
		}
		text := l[indent:]
		if line == vLine && col >= vCol && col <= vCol+len(text) {
			return i + 1, indent + col - vCol + 1, true
		}
		vCol += len(text)
		prevContent, prevMore, blanks = true, more, 0
	}
	return 0, 0, false
}
