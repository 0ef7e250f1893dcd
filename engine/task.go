package engine

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"

	"github.com/hotpass/hotpass/specs"
)

// Type is a kind of task, named by `type:` in a spec. Task packages implement it
// and register themselves; the engine only ever sees this interface.
type Type interface {
	// Name is the value of `type:` that selects this type.
	Name() string
	// Schema is the JSON Schema (draft 2020-12) of the task's `with:` block.
	// Editors and `hotpass validate` use it.
	Schema() json.RawMessage
	// Prepare checks a task's rendered options and returns the runnable task.
	// Errors should be specs.Diagnostic values pointing into the spec.
	Prepare(spec *specs.Spec, task *specs.Task) (Task, error)
}

// ShellRunner is implemented by task types some of whose `with:` options
// are /bin/sh command lines. Templates in those options are rendered so
// that every value is one shell word (see tmpl.Engine.RenderShell), and
// `hotpass validate` warns when an unconstrained param flows into them.
type ShellRunner interface {
	// ShellOptions names the `with:` keys whose value is a shell command line.
	ShellOptions() []string
}

// ShellOptions maps each type of reg that implements ShellRunner to its
// shell options, as specs.RenderOptions and specs.CheckOptions take them.
func ShellOptions(reg Registry) map[string][]string {
	out := map[string][]string{}
	for _, t := range reg.Types() {
		if s, ok := t.(ShellRunner); ok {
			out[t.Name()] = s.ShellOptions()
		}
	}
	return out
}

// Task is a prepared, runnable task.
type Task interface {
	// Run does the work of one attempt. It must return promptly when ctx is done.
	Run(ctx context.Context, env *Env) (*Result, error)
}

// Registry looks up task types by name.
type Registry interface {
	// Lookup returns the type registered under name.
	Lookup(name string) (Type, bool)
	// Types returns every registered type, sorted by name.
	Types() []Type
}

// Env is what a task attempt gets from the engine besides its context.
type Env struct {
	// RunID identifies the run; RunDir is its directory (.hotpass/runs/<run-id>).
	RunID  string
	RunDir string
	// TaskID is the id of the task being run; Attempt counts from 1.
	TaskID  string
	Attempt int
	// SpecDir is the directory that relative paths in the spec are resolved against.
	SpecDir string
	// Log writes structured records to the task's log file (secrets redacted).
	Log *slog.Logger
	// Output is the task's raw log stream, for child process stdout/stderr.
	Output io.Writer

	inputs map[string]*Result
}

// Input returns the output of an upstream task this task depends on.
func (e *Env) Input(taskID string) (any, bool) {
	r, ok := e.inputs[taskID]
	if !ok || r == nil {
		return nil, false
	}
	return r.Output, true
}

// Result is what a successful attempt hands back to the engine.
type Result struct {
	// Output is made available to downstream tasks through Env.Input. The
	// engine never looks inside it.
	Output any
	// RowsIn and RowsOut count records for tasks that move data.
	RowsIn, RowsOut int64
	// Attrs are small facts recorded in the run record (e.g. "exit_code").
	Attrs map[string]any
}

// ResolvePath makes a path from the spec absolute against the spec directory.
func (e *Env) ResolvePath(p string) string { return ResolvePath(e.SpecDir, p) }
