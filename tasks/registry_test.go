package tasks_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks"
)

type namedType string

func (n namedType) Name() string          { return string(n) }
func (namedType) Schema() json.RawMessage { return json.RawMessage(`{}`) }
func (namedType) Prepare(*specs.Spec, *specs.Task) (engine.Task, error) {
	return runNothing{}, nil
}

type runNothing struct{}

func (runNothing) Run(context.Context, *engine.Env) (*engine.Result, error) { return nil, nil }

// The registry is process-wide and meant to be filled from init; this test
// adds uniquely named types, which no other test looks up.
func TestRegister(t *testing.T) {
	tasks.Register(namedType("zz-test-b"))
	tasks.Register(namedType("zz-test-a"))
	reg := tasks.Default()
	if typ, ok := reg.Lookup("zz-test-a"); !ok || typ.Name() != "zz-test-a" {
		t.Fatal("registered type not found")
	}
	if _, ok := reg.Lookup("zz-test-missing"); ok {
		t.Fatal("found a type that was never registered")
	}
	types := reg.Types()
	for i := 1; i < len(types); i++ {
		if types[i-1].Name() >= types[i].Name() {
			t.Fatalf("Types not sorted: %s before %s", types[i-1].Name(), types[i].Name())
		}
	}
	for _, name := range []string{"zz-test-a", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			tasks.Register(namedType(name))
		}()
	}
}
