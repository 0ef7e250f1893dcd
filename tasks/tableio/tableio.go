// Package tableio is what table-producing task types share: getting an
// upstream task's table and keeping a task's output in the run directory.
package tableio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/runstate"
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
	return runstate.TaskOutput(env.RunDir, env.TaskID)
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
	return keptResult(t, rowsIn, path), nil
}

// PersistInput is Persist for a task whose output may be its input
// unchanged (a validation that dropped nothing): then the table that
// upstream task inputID kept in this run is copied rather than encoded
// again.
func PersistInput(env *engine.Env, t *table.Table, rowsIn int64, inputID string) (*engine.Result, error) {
	if in, err := Input(env, inputID); err == nil && in == t {
		if kept, ok := Kept(env, inputID); ok {
			path := OutputPath(env)
			if err := CopyKept(kept, path); err != nil {
				return nil, fmt.Errorf("keep output %s: %w", path, err)
			}
			return keptResult(t, rowsIn, path), nil
		}
	}
	return Persist(env, t, rowsIn)
}

// keptResult is the result of a task that kept t at path.
func keptResult(t *table.Table, rowsIn int64, path string) *engine.Result {
	return &engine.Result{
		Output:  t,
		RowsIn:  rowsIn,
		RowsOut: int64(t.NumRows()),
		Attrs:   map[string]any{"output": filepath.Base(path), "columns": t.NumCols()},
	}
}

// Reload is the engine.OutputLoader of table-producing tasks: it reads the
// table a task kept in an earlier run's directory and keeps a copy in this
// run's, so that a resumed run is itself resumable. prevRunDir may be this
// run's own directory (an output the engine released and a retry needs
// again): there is nothing to copy then.
func Reload(env *engine.Env, prevRunDir string) (*engine.Result, error) {
	prev := runstate.TaskOutput(prevRunDir, env.TaskID)
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
	if filepath.Clean(prev) == filepath.Clean(OutputPath(env)) {
		return keptResult(t, 0, prev), nil
	}
	if err := copyFile(prev, OutputPath(env)); err != nil {
		return nil, fmt.Errorf("reuse output of %s: %w", env.TaskID, err)
	}
	return keptResult(t, 0, OutputPath(env)), nil
}

func copyFile(from, to string) error { return CopyKept(from, to) }

// PersistStream reads every batch of r, keeping the table in memory and
// writing it to OutputPath at the same time: the Parquet encoding of one
// batch overlaps the parsing of the next, instead of following the whole
// read. r is closed.
func PersistStream(ctx context.Context, env *engine.Env, r table.Reader) (*engine.Result, error) {
	defer r.Close()
	path := OutputPath(env)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("keep output: %w", err)
	}
	w, err := parquetio.Create(path, r.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return nil, fmt.Errorf("keep output %s: %w", path, err)
	}
	batches := make(chan *table.Table, 2)
	written := make(chan error, 1)
	go func() {
		var werr error
		for b := range batches {
			if werr == nil {
				werr = w.Write(b)
			}
		}
		written <- werr
	}()
	collect := table.NewCollector(r.Schema())
	var readErr error
	for {
		if readErr = ctx.Err(); readErr != nil {
			break
		}
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		_ = collect.Write(b) // the batch has the reader's schema
		batches <- b
	}
	close(batches)
	werr := <-written
	if readErr != nil || werr != nil {
		_ = table.Abort(w)
		if readErr != nil {
			return nil, readErr
		}
		return nil, fmt.Errorf("keep output %s: %w", path, werr)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("keep output %s: %w", path, err)
	}
	t, err := collect.Table()
	if err != nil {
		return nil, err
	}
	return keptResult(t, int64(t.NumRows()), path), nil
}

// Kept returns the path of the table an upstream task kept in this run
// directory (see Persist), when there is one.
func Kept(env *engine.Env, taskID string) (string, bool) {
	p := runstate.TaskOutput(env.RunDir, taskID)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular()
}

// CopyKept writes the kept table of an upstream task to path, atomically. A
// Parquet write of a table that is already kept in the default encoding is a
// byte-for-byte copy of that file: it saves encoding the table twice.
// opts are those of atomicfile.Create (NoReplace for overwrite: false).
func CopyKept(kept, path string, opts ...atomicfile.Option) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	src, err := os.Open(kept)
	if err != nil {
		return err
	}
	defer src.Close()
	f, err := atomicfile.Create(path, opts...)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, src); err != nil {
		_ = f.Abort()
		return err
	}
	return f.Commit()
}
