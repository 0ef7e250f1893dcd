// Package tableio is what table-producing task types share: getting an
// upstream task's table and keeping a task's output in the run directory.
package tableio

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// Input returns the table that upstream task id produced. The table is
// shared, not copied: tables are immutable.
func Input(env *engine.Env, id string) (*table.Table, error) {
	out, ok := env.Input(id)
	if !ok {
		return nil, fmt.Errorf("input %q has no output in this run", id)
	}
	t, ok := out.(*table.Table)
	if !ok {
		return nil, fmt.Errorf("input %q did not produce a table (got %T); name a task that outputs a table (read, refine, ...)", id, out)
	}
	return t, nil
}

// OutputPath is where a task's output table is kept: <run dir>/<task>.parquet.
func OutputPath(env *engine.Env) string {
	return filepath.Join(env.RunDir, env.TaskID+".parquet")
}

// Persist writes t to OutputPath atomically, so that a later resume can reuse
// it and a user can inspect it, and returns a result carrying t for the
// downstream tasks of this run.
func Persist(env *engine.Env, t *table.Table, rowsIn int64) (*engine.Result, error) {
	path := OutputPath(env)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("keep output: %w", err)
	}
	w, err := parquetio.Create(path, t.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return nil, fmt.Errorf("keep output %s: %w", path, err)
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return nil, fmt.Errorf("keep output %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("keep output %s: %w", path, err)
	}
	return &engine.Result{
		Output:  t,
		RowsIn:  rowsIn,
		RowsOut: int64(t.NumRows()),
		Attrs:   map[string]any{"output": filepath.Base(path), "columns": t.NumCols()},
	}, nil
}

// Reload is the engine.OutputLoader of table-producing tasks: it reads the
// table a task kept in an earlier run's directory and keeps a copy in this
// run's, so that a resumed run is itself resumable.
func Reload(env *engine.Env, prevRunDir string) (*engine.Result, error) {
	prev := filepath.Join(prevRunDir, env.TaskID+".parquet")
	r, err := parquetio.Open(prev)
	if err != nil {
		return nil, fmt.Errorf("reuse output of %s: %w", env.TaskID, err)
	}
	t, err := table.ReadAll(r)
	cerr := r.Close()
	if err != nil {
		return nil, fmt.Errorf("reuse output of %s: %w", env.TaskID, err)
	}
	if cerr != nil {
		return nil, cerr
	}
	if err := copyFile(prev, OutputPath(env)); err != nil {
		return nil, fmt.Errorf("reuse output of %s: %w", env.TaskID, err)
	}
	return &engine.Result{
		Output:  t,
		RowsOut: int64(t.NumRows()),
		Attrs:   map[string]any{"output": filepath.Base(OutputPath(env)), "columns": t.NumCols()},
	}, nil
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	f, err := atomicfile.Create(to)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}
