package tableio_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/tasks/tableio"
)

// Reload reads a kept table from another run's directory and keeps a copy
// in this run's; from this run's own directory (an output the engine
// released) it reads the table and leaves the file as it is.
func TestReload(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "n", Type: table.Int64}), 3)
	for _, v := range []int64{1, 2, 3} {
		if err := b.AppendRow(v); err != nil {
			t.Fatal(err)
		}
	}
	want, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	env := func(run string) *engine.Env {
		dir := filepath.Join(state, run)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return &engine.Env{RunDir: dir, TaskID: "load", Log: slog.New(slog.DiscardHandler)}
	}
	first := env("first")
	if _, err := tableio.Persist(first, want, 3); err != nil {
		t.Fatal(err)
	}
	kept := tableio.OutputPath(first)
	before, err := os.Stat(kept)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  *engine.Env
	}{{"same run", first}, {"later run", env("second")}} {
		res, err := tableio.Reload(tc.env, first.RunDir)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, ok := res.Output.(*table.Table); !ok || !got.Equal(want) {
			t.Errorf("%s: reloaded %v", tc.name, res.Output)
		}
		if res.Attrs[engine.OutputAttr] != "load.parquet" {
			t.Errorf("%s: attrs %v", tc.name, res.Attrs)
		}
		if _, err := os.Stat(tableio.OutputPath(tc.env)); err != nil {
			t.Errorf("%s: no kept copy: %v", tc.name, err)
		}
	}
	after, err := os.Stat(kept)
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("reloading from its own run replaced the kept file (%v)", err)
	}
}
