package temporal_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/noop"
)

// emit outputs a one-row table; with discard set, it also names its
// dependencies in engine.DiscardOutputsAttr, as a compliance task names
// the raw tables upstream of it.
type emit struct {
	noop.Type
	name    string
	discard bool
}

func (e emit) Name() string { return e.name }

func (e emit) Prepare(_ *specs.Spec, task *specs.Task) (engine.Task, error) {
	t := &emitTask{}
	if e.discard {
		for _, n := range task.Needs {
			t.discard = append(t.discard, n.ID)
		}
	}
	return t, nil
}

type emitTask struct{ discard []string }

func (t *emitTask) Run(context.Context, *engine.Env) (*engine.Result, error) {
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "x", Type: table.String}), 1)
	if err := b.AppendRow("v"); err != nil {
		return nil, err
	}
	out, err := b.Build()
	if err != nil {
		return nil, err
	}
	res := &engine.Result{Output: out, RowsOut: 1, Attrs: map[string]any{}}
	if len(t.discard) > 0 {
		res.Attrs[engine.DiscardOutputsAttr] = t.discard
	}
	return res, nil
}

// A task that discards the outputs upstream of it has their copies
// deleted from the artifact store once it succeeds; its own output and
// the outputs after it stay.
func TestDiscardedOutputsLeaveTheStore(t *testing.T) {
	t.Parallel()
	h := newHarnessOf(t, `version: 1
name: discard
tasks:
  raw: {type: emit}
  masked: {type: mask, needs: [raw]}
  after: {type: emit, needs: [masked]}
`, newRecorder(), emit{name: "emit"}, emit{name: "mask", discard: true})
	in := h.input()
	rec, err := h.run(in)
	if err != nil || rec.Status != engine.StatusSucceeded {
		t.Fatalf("run: %s, %v", rec.Status, err)
	}
	tables := filepath.Join(h.dir, "artifacts", "runs", in.RunID, "tables")
	for task, want := range map[string]bool{"raw": false, "masked": true, "after": true} {
		_, err := os.Stat(filepath.Join(tables, task+".parquet"))
		if got := err == nil; got != want {
			t.Errorf("%s.parquet in the store: %v, want %v (%v)", task, got, want, err)
		}
	}
}
