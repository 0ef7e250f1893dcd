package specs

import (
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/runstate"
)

// CurrentVersion is the only spec format version this build understands.
const CurrentVersion = 1

// Spec is a parsed pipeline spec. Everything in it keeps the position it came
// from so that later checks can point at the line and column of a problem.
type Spec struct {
	// Path is the file the spec was read from, as given by the user.
	Path string
	// Dir is the absolute directory of Path; paths inside the spec are relative to it.
	Dir string
	// Source is the raw file content, used to quote lines in diagnostics.
	Source []byte
	// Hash is the hex SHA-256 of Source.
	Hash string

	Version     int
	Name        string
	Description string
	// Params are declared in file order.
	Params []*Param
	// Datasources are declared in file order.
	Datasources []*Datasource
	Concurrency Concurrency
	Defaults    TaskDefaults
	// FailFast cancels every running task when one fails.
	FailFast bool
	// KeepOutputs says which runs keep their task outputs once finished
	// (KeepAll, KeepFailed or KeepNone; "" means KeepAll); KeepRuns is how
	// many of the pipeline's latest runs keep them (0: DefaultKeepRuns).
	KeepOutputs   string
	KeepRuns      int
	Observability Observability
	// Orchestrator holds the raw `orchestrator:` block (backfill settings), or nil.
	Orchestrator *yaml.Node
	// Tasks are in file order; ids are unique.
	Tasks []*Task

	// Root is the document's top-level mapping node.
	Root *yaml.Node
}

// Task returns the task with the given id, or nil.
func (s *Spec) Task(id string) *Task {
	for _, t := range s.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// Param returns the parameter with the given name, or nil.
func (s *Spec) Param(name string) *Param {
	for _, p := range s.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Datasource returns the datasource with the given name, or nil.
func (s *Spec) Datasource(name string) *Datasource {
	for _, d := range s.Datasources {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Selected returns a copy of s holding only the tasks named in ids and
// every task they depend on, transitively, in file order; ok is false, and
// s is returned as is, when ids is empty or names a task s does not have,
// or a dependency is missing (loading reports those). A run limited to some
// tasks prepares this copy, so that the options of the tasks it leaves out,
// and the datasources only they use, are never rendered or checked: a
// secret only they need may be unset.
func (s *Spec) Selected(ids []string) (out *Spec, ok bool) {
	if len(ids) == 0 {
		return s, false
	}
	byID := make(map[string]*Task, len(s.Tasks))
	for _, t := range s.Tasks {
		byID[t.ID] = t
	}
	keep := make(map[string]bool, len(s.Tasks))
	stack := append([]string(nil), ids...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep[id] {
			continue
		}
		t := byID[id]
		if t == nil {
			return s, false
		}
		keep[id] = true
		for _, d := range t.Deps() {
			stack = append(stack, d.ID)
		}
	}
	c := *s
	c.Tasks = make([]*Task, 0, len(keep))
	named := map[string]bool{}
	templated := false
	for _, t := range s.Tasks {
		if keep[t.ID] {
			c.Tasks = append(c.Tasks, t)
			templated = scalars(t.With, named) || templated
		}
	}
	// A datasource is named by a task option's plain value (source: crm).
	// When a kept task's option is a template, which datasource it names
	// is known only once rendered: keep them all.
	if !templated {
		c.Datasources = nil
		for _, d := range s.Datasources {
			if named[d.Name] {
				c.Datasources = append(c.Datasources, d)
			}
		}
	}
	return &c, true
}

// scalars adds every scalar value under n to seen and reports whether one
// of them is templated.
func scalars(n *yaml.Node, seen map[string]bool) (templated bool) {
	if n == nil {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		seen[n.Value] = true
		return strings.Contains(n.Value, "{{") || strings.Contains(n.Value, "{%")
	}
	for _, ch := range n.Content {
		templated = scalars(ch, seen) || templated
	}
	if n.Alias != nil {
		templated = scalars(n.Alias, seen) || templated
	}
	return templated
}

// ParamType is the declared type of a pipeline parameter.
type ParamType string

// The parameter types a spec may declare.
const (
	ParamString  ParamType = "string"
	ParamInteger ParamType = "integer"
	ParamNumber  ParamType = "number"
	ParamBoolean ParamType = "boolean"
	// ParamDate is a calendar date written YYYY-MM-DD, kept as a string.
	ParamDate ParamType = "date"
	// ParamList is a list of strings.
	ParamList ParamType = "list"
)

// ParamTypes lists every parameter type, for messages.
var ParamTypes = []ParamType{ParamString, ParamInteger, ParamNumber, ParamBoolean, ParamDate, ParamList}

// Param is a declared pipeline parameter.
type Param struct {
	Name        string
	Type        ParamType
	Description string
	// Default is the typed default value (string, int64, float64, bool or []string).
	Default    any
	HasDefault bool
	// Required params must be given on the command line when there is no default.
	Required bool
	// Constraints limit the accepted values.
	Constraints Constraints
	Pos         Pos
}

// Datasource is a named source or sink declared at the top level.
type Datasource struct {
	Name string
	Type string
	// Options is the datasource's mapping node (including `type`). String
	// scalars may hold templates until the spec is rendered.
	Options *yaml.Node
	Pos     Pos
}

// Concurrency bounds how many tasks run at once.
type Concurrency struct {
	// Max is the global number of slots; 0 means the number of CPUs.
	Max int
	// Keys maps a concurrency key to its own limit.
	Keys map[string]int
	// KeyPos records where each key was declared.
	KeyPos map[string]Pos
	// Memory is the run's memory budget in bytes; 0 means the default (a
	// share of the machine's memory).
	Memory int64
}

// TaskDefaults apply to every task that does not set its own value.
type TaskDefaults struct {
	Retries    int
	RetryDelay time.Duration
	Timeout    time.Duration
}

// Observability holds the spec's telemetry switch.
type Observability struct {
	Enabled bool
}

// Ref is a reference to another task by id, with where it was written.
type Ref struct {
	ID  string
	Pos Pos
}

// Task is one node of the pipeline DAG as written in the spec.
type Task struct {
	ID   string
	Type string
	// Description is free text shown in graphs.
	Description string
	// Needs are explicit dependencies.
	Needs []Ref
	// Inputs are the tasks named by `with.input` / `with.inputs`: implicit
	// dependencies whose outputs the task reads.
	Inputs []Ref
	// With is the task's options mapping node, or nil when absent.
	With           *yaml.Node
	ConcurrencyKey string
	// Memory is the memory the task declares it needs, in bytes; 0 means
	// the scheduler estimates it from the task's inputs.
	Memory int64
	// Retries, RetryDelay and Timeout are already merged with the spec defaults.
	Retries    int
	RetryDelay time.Duration
	Timeout    time.Duration

	// Pos is where the task id is written; TypePos where its type is.
	Pos     Pos
	TypePos Pos
	// Node is the task's mapping node.
	Node *yaml.Node
}

// Deps returns the ids this task depends on, explicit first, without duplicates.
func (t *Task) Deps() []Ref {
	seen := make(map[string]bool, len(t.Needs)+len(t.Inputs))
	out := make([]Ref, 0, len(t.Needs)+len(t.Inputs))
	for _, group := range [][]Ref{t.Needs, t.Inputs} {
		for _, r := range group {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Values of keep_outputs; see runstate.Policy for what each keeps.
const (
	KeepAll    = runstate.KeepAll
	KeepFailed = runstate.KeepFailed
	KeepNone   = runstate.KeepNone
	// DefaultKeepRuns is how many of a pipeline's latest runs keep their
	// outputs when the spec says nothing.
	DefaultKeepRuns = runstate.DefaultKeepRuns
)
