package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
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

// round makes TestRegister's type names unique when the test runs more than
// once in a process (-count).
var round atomic.Int32

// The registry is process-wide and meant to be filled from init; this test
// adds uniquely named types, which no other test looks up.
func TestRegister(t *testing.T) {
	prefix := fmt.Sprintf("zz-test-%d-", round.Add(1))
	tasks.Register(namedType(prefix + "b"))
	tasks.Register(namedType(prefix + "a"))
	reg := tasks.Default()
	if typ, ok := reg.Lookup(prefix + "a"); !ok || typ.Name() != prefix+"a" {
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
	for _, name := range []string{prefix + "a", ""} {
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
