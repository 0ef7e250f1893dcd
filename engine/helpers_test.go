package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
)

// tdef describes a task of a test spec.
type tdef struct {
	id      string
	typ     string // default "fn"
	needs   []string
	inputs  []string
	key     string
	retries int
	delay   time.Duration
	timeout time.Duration
}

// mkSpec builds a spec the way the loader would: task i is declared at line
// 10*i+1, its type on the next line, its needs on the line after (one column
// per reference: 10, 20, ...), its inputs on the line after that.
func mkSpec(defs ...tdef) *specs.Spec {
	const file = "pipeline.yaml"
	s := &specs.Spec{Path: file, Dir: ".", Version: 1, Name: "test", Hash: "abc123"}
	for i, d := range defs {
		line := 10*i + 1
		typ := d.typ
		if typ == "" {
			typ = "fn"
		}
		t := &specs.Task{
			ID: d.id, Type: typ, ConcurrencyKey: d.key,
			Retries: d.retries, RetryDelay: d.delay, Timeout: d.timeout,
			Pos:     specs.Pos{File: file, Line: line, Col: 3},
			TypePos: specs.Pos{File: file, Line: line + 1, Col: 11},
		}
		for j, n := range d.needs {
			t.Needs = append(t.Needs, specs.Ref{ID: n, Pos: specs.Pos{File: file, Line: line + 2, Col: 10 * (j + 1)}})
		}
		for j, n := range d.inputs {
			t.Inputs = append(t.Inputs, specs.Ref{ID: n, Pos: specs.Pos{File: file, Line: line + 3, Col: 10 * (j + 1)}})
		}
		s.Tasks = append(s.Tasks, t)
	}
	return s
}

// runFunc is the body of a test task.
type runFunc func(ctx context.Context, env *engine.Env) (*engine.Result, error)

// fnType is a task type whose tasks run the function registered for their
// id (or succeed at once). Tests use it to script what each task does.
type fnType struct {
	name string
	mu   sync.Mutex
	fns  map[string]runFunc
}

func newFnType() *fnType { return &fnType{name: "fn", fns: map[string]runFunc{}} }

func (f *fnType) on(id string, fn runFunc) *fnType {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fns[id] = fn
	return f
}

func (f *fnType) Name() string            { return f.name }
func (f *fnType) Schema() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (f *fnType) Prepare(_ *specs.Spec, t *specs.Task) (engine.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn := f.fns[t.ID]
	if fn == nil {
		fn = func(context.Context, *engine.Env) (*engine.Result, error) { return nil, nil }
	}
	return fnTask(fn), nil
}

type fnTask runFunc

func (t fnTask) Run(ctx context.Context, env *engine.Env) (*engine.Result, error) { return t(ctx, env) }

// badType rejects every task with two positioned diagnostics.
type badType struct{}

func (badType) Name() string            { return "bad" }
func (badType) Schema() json.RawMessage { return json.RawMessage(`{}`) }
func (badType) Prepare(_ *specs.Spec, t *specs.Task) (engine.Task, error) {
	return nil, specs.Diagnostics{
		specs.Errorf(specs.Pos{File: "pipeline.yaml", Line: t.Pos.Line + 5, Col: 7}, "task %q: first problem", t.ID),
		specs.Errorf(specs.Pos{File: "pipeline.yaml", Line: t.Pos.Line + 6, Col: 7}, "task %q: second problem", t.ID),
	}
}

// plainErrType fails Prepare with an error that is not a diagnostic.
type plainErrType struct{}

func (plainErrType) Name() string            { return "plain" }
func (plainErrType) Schema() json.RawMessage { return json.RawMessage(`{}`) }
func (plainErrType) Prepare(*specs.Spec, *specs.Task) (engine.Task, error) {
	return nil, fmt.Errorf("cannot prepare")
}

func registry(t testing.TB, types ...engine.Type) engine.Registry {
	t.Helper()
	r, err := engine.NewRegistry(types...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func compile(t testing.TB, s *specs.Spec, types ...engine.Type) *engine.Plan {
	t.Helper()
	p, err := engine.Compile(s, registry(t, types...))
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

func opts(t testing.TB) engine.RunOptions {
	return engine.RunOptions{StateDir: t.TempDir(), MaxConcurrency: 4}
}

// statuses maps task ids to their final status.
func statuses(rec *engine.RunRecord) map[string]engine.Status {
	out := map[string]engine.Status{}
	for _, tr := range rec.Tasks {
		out[tr.ID] = tr.Status
	}
	return out
}

// blockUntilCancelled is a task body that signals started and waits for
// cancellation.
func blockUntilCancelled(started chan<- struct{}) runFunc {
	return func(ctx context.Context, _ *engine.Env) (*engine.Result, error) {
		if started != nil {
			started <- struct{}{}
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

// recorder is an observer that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []engine.Event
}

func (r *recorder) Observe(e engine.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) kinds(id string) []engine.EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []engine.EventKind
	for _, e := range r.events {
		if e.TaskID == id {
			out = append(out, e.Kind)
		}
	}
	return out
}
