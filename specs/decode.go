package specs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/specs/decode"
	"github.com/hotpass/hotpass/specs/tmpl"
	"gopkg.in/yaml.v3"
)

func closest(name string, candidates []string) string { return suggest.Closest(name, candidates) }

// decoder fills a Spec from a document that already passed the schema, so it
// can trust shapes and concentrate on values the schema cannot check.
type decoder struct {
	file  string
	spec  *Spec
	diags Diagnostics
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) *Diagnostic {
	d.diags = append(d.diags, Errorf(PosOf(d.file, n), format, args...))
	return &d.diags[len(d.diags)-1]
}

// pairs iterates a mapping node's key/value pairs in file order.
func pairs(n *yaml.Node, fn func(k, v *yaml.Node)) { decode.Pairs(n, fn) }

func (d *decoder) decode(root *yaml.Node) {
	s := d.spec
	var tasksNode *yaml.Node
	pairs(root, func(k, v *yaml.Node) {
		switch k.Value {
		case "version":
			s.Version, _ = strconv.Atoi(v.Value)
		case "name":
			s.Name = v.Value
		case "description":
			s.Description = v.Value
		case "params":
			d.params(v)
		case "datasources":
			pairs(v, func(k, v *yaml.Node) {
				ds := &Datasource{Name: k.Value, Options: v, Pos: PosOf(d.file, k)}
				pairs(v, func(k2, v2 *yaml.Node) {
					if k2.Value == "type" {
						ds.Type = v2.Value
					}
				})
				s.Datasources = append(s.Datasources, ds)
			})
		case "concurrency":
			d.concurrency(v)
		case "defaults":
			pairs(v, func(k, v *yaml.Node) {
				switch k.Value {
				case "retries":
					s.Defaults.Retries = d.int(v)
				case "retry_delay":
					s.Defaults.RetryDelay = d.duration(v)
				case "timeout":
					s.Defaults.Timeout = d.duration(v)
				}
			})
		case "fail_fast":
			s.FailFast = d.bool(v)
		case "keep_outputs":
			s.KeepOutputs = v.Value
		case "keep_runs":
			s.KeepRuns = d.int(v)
		case "observability":
			pairs(v, func(k, v *yaml.Node) {
				if k.Value == "enabled" {
					s.Observability.Enabled = d.bool(v)
				}
			})
		case "orchestrator":
			s.Orchestrator = v
		case "tasks":
			tasksNode = v
		}
	})
	if s.Version != CurrentVersion {
		d.errorf(root, "unsupported spec version %d; this build reads version %d", s.Version, CurrentVersion)
	}
	if tasksNode == nil && s.Orchestrator == nil {
		d.errorf(root, "spec has no tasks").Hint = "add a `tasks:` mapping (or an `orchestrator:` block for a backfill-only spec)"
	}
	pairs(tasksNode, func(k, v *yaml.Node) { d.task(k, v) })
}

func (d *decoder) params(n *yaml.Node) {
	pairs(n, func(k, v *yaml.Node) {
		p := &Param{Name: k.Value, Type: ParamString, Pos: PosOf(d.file, k)}
		var def *yaml.Node
		constraints := map[string]*yaml.Node{}
		pairs(v, func(k2, v2 *yaml.Node) {
			switch k2.Value {
			case "type":
				p.Type = ParamType(v2.Value)
			case "description":
				p.Description = v2.Value
			case "required":
				p.Required = d.bool(v2)
			case "default":
				def = v2
			case "enum", "pattern", "min", "max", "max_length":
				constraints[k2.Value] = v2
			}
		})
		d.constraints(p, constraints)
		if def != nil {
			val, err := ConvertParamNode(p.Type, def)
			if err != nil {
				d.errorf(def, "param %q: default %s", p.Name, err)
			} else if why := p.CheckValue(val); why != "" {
				d.errorf(def, "param %q: default %s", p.Name, why).Hint = "change the default or the constraint"
			} else {
				p.Default, p.HasDefault = val, true
			}
		}
		d.spec.Params = append(d.spec.Params, p)
	})
}

func (d *decoder) concurrency(n *yaml.Node) {
	c := &d.spec.Concurrency
	pairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "max":
			c.Max = d.int(v)
		case "memory":
			c.Memory = d.size(v)
		case "keys":
			c.Keys = map[string]int{}
			c.KeyPos = map[string]Pos{}
			pairs(v, func(k2, v2 *yaml.Node) {
				c.Keys[k2.Value] = d.int(v2)
				c.KeyPos[k2.Value] = PosOf(d.file, k2)
			})
		}
	})
}

func (d *decoder) task(k, v *yaml.Node) {
	s := d.spec
	t := &Task{
		ID:         k.Value,
		Pos:        PosOf(d.file, k),
		Node:       v,
		Retries:    s.Defaults.Retries,
		RetryDelay: s.Defaults.RetryDelay,
		Timeout:    s.Defaults.Timeout,
	}
	pairs(v, func(k2, v2 *yaml.Node) {
		switch k2.Value {
		case "type":
			t.Type, t.TypePos = v2.Value, PosOf(d.file, v2)
		case "description":
			t.Description = v2.Value
		case "needs":
			for _, c := range deref(v2).Content {
				c = deref(c)
				if tmpl.HasTemplate(c.Value) {
					d.errorf(c, "task %q: needs entries cannot be templates", t.ID).Hint = "write the task id literally so the graph is known before the run"
					continue
				}
				t.Needs = append(t.Needs, Ref{ID: c.Value, Pos: PosOf(d.file, c)})
			}
		case "with":
			t.With = v2
			d.inputs(t, v2)
		case "concurrency_key":
			t.ConcurrencyKey = v2.Value
		case "memory":
			t.Memory = d.size(v2)
		case "retries":
			t.Retries = d.int(v2)
		case "retry_delay":
			t.RetryDelay = d.duration(v2)
		case "timeout":
			t.Timeout = d.duration(v2)
		}
	})
	s.Tasks = append(s.Tasks, t)
}

// inputs collects `with.input` and `with.inputs`: naming another task's
// output is how data flows, and it makes an edge of the DAG.
func (d *decoder) inputs(t *Task, with *yaml.Node) {
	add := func(n *yaml.Node) {
		n = deref(n)
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			d.errorf(n, "task %q: an input must be a task id, got %s", t.ID, nodeKindName(n))
			return
		}
		if tmpl.HasTemplate(n.Value) {
			d.errorf(n, "task %q: input cannot be a template", t.ID).Hint = "write the task id literally so the graph is known before the run"
			return
		}
		t.Inputs = append(t.Inputs, Ref{ID: n.Value, Pos: PosOf(d.file, n)})
	}
	pairs(with, func(k, v *yaml.Node) {
		switch k.Value {
		case "input":
			add(v)
		case "inputs":
			if v.Kind != yaml.SequenceNode {
				d.errorf(v, "task %q: inputs must be a list of task ids, got %s", t.ID, nodeKindName(v))
				return
			}
			for _, c := range v.Content {
				add(c)
			}
		}
	})
}

func (d *decoder) int(n *yaml.Node) int {
	var i int
	if err := n.Decode(&i); err != nil {
		d.errorf(n, "expected an integer, got %s", nodeKindName(n))
	}
	return i
}

func (d *decoder) bool(n *yaml.Node) bool {
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorf(n, "expected true or false, got %s", nodeKindName(n))
	}
	return b
}

func (d *decoder) duration(n *yaml.Node) time.Duration {
	v, err := ParseDuration(n.Value)
	if err != nil {
		d.errorf(n, "%v", err).Hint = decode.DurationHint
	}
	return v
}

// size reads a memory size such as 4GiB; an integer is a number of bytes.
func (d *decoder) size(n *yaml.Node) int64 {
	v, err := decode.ByteSize(n.Value)
	if err != nil {
		d.errorf(n, "%v", err).Hint = decode.ByteSizeHint
	}
	return v
}

// ParseDuration parses a spec duration: Go syntax (500ms, 1h30m) with "d" for days.
func ParseDuration(s string) (time.Duration, error) { return decode.Duration(s) }

// ConvertParamNode converts a YAML value to a parameter's Go type.
func ConvertParamNode(t ParamType, n *yaml.Node) (any, error) {
	n = deref(n)
	if t == ParamList {
		if n.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("must be a list, got %s", nodeKindName(n))
		}
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			c = deref(c)
			if c.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("list items must be scalars, got %s", nodeKindName(c))
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("must be a %s, got %s", t, nodeKindName(n))
	}
	return ConvertParam(t, n.Value)
}

// ConvertParam parses a parameter value given as text (e.g. --param k=v).
func ConvertParam(t ParamType, s string) (any, error) {
	switch t {
	case ParamString, "":
		return s, nil
	case ParamInteger:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("must be an integer, got %q", s)
		}
		return i, nil
	case ParamNumber:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, fmt.Errorf("must be a number, got %q", s)
		}
		return f, nil
	case ParamBoolean:
		b, err := decode.Bool(s)
		if err != nil {
			return nil, fmt.Errorf("must be true or false, got %q", s)
		}
		return b, nil
	case ParamDate:
		if _, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err != nil {
			return nil, fmt.Errorf("must be a date YYYY-MM-DD, got %q", s)
		}
		return strings.TrimSpace(s), nil
	case ParamList:
		if strings.TrimSpace(s) == "" {
			return []string{}, nil
		}
		parts := strings.Split(s, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts, nil
	}
	return nil, fmt.Errorf("unknown param type %q", t)
}
