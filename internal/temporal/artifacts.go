package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hotpass/hotpass/internal/runstate"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// Ref points at a table in the artifact store. It is all a task's output
// weighs in workflow history: tables never travel in payloads, whose limit
// is 2 MB.
type Ref struct {
	URI        string `json:"uri"`
	Rows       int    `json:"rows"`
	SchemaHash string `json:"schema_hash"`
}

// Artifacts is the shared store tables and task logs go through between
// machines. Every worker of a cluster must reach the same store.
type Artifacts interface {
	PutTable(ctx context.Context, runID, taskID string, t *table.Table) (Ref, error)
	GetTable(ctx context.Context, ref Ref) (*table.Table, error)
	PutLog(ctx context.Context, runID, taskID string, r io.Reader) error
	OpenLog(ctx context.Context, runID, taskID string) (io.ReadCloser, error)
}

// specObject is the log name the submitted spec source is kept under in
// the store; a leading dot is not a valid task id, so it never collides
// with a task's log.
const specObject = ".spec"

// DirArtifacts is an Artifacts in a directory every worker mounts. Objects
// are written to a temp file and renamed, so a reader never sees half of one.
type DirArtifacts struct {
	// Root holds <run-id>/<task-id>.parquet and <run-id>/logs/<task-id>.log.
	Root string
}

// OpenDir returns the store named by a file:// URL or a plain path.
func OpenDir(raw string) (*DirArtifacts, error) {
	path := raw
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("artifact store %q: %w", raw, err)
		}
		if u.Scheme != "file" {
			return nil, fmt.Errorf("artifact store %q: scheme %q is not supported here; use file:///shared/dir", raw, u.Scheme)
		}
		path = u.Path
	}
	if path == "" {
		return nil, errors.New("artifact store: empty path; pass --artifacts file:///shared/dir or set HOTPASS_ARTIFACTS")
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("artifact store %s is not writable: %w", path, err)
	}
	probe, err := os.CreateTemp(path, ".probe-*")
	if err != nil {
		return nil, fmt.Errorf("artifact store %s is not writable: %w", path, err)
	}
	name := probe.Name()
	_ = probe.Close()
	_ = os.Remove(name)
	return &DirArtifacts{Root: path}, nil
}

func (d *DirArtifacts) runDir(runID string) string { return filepath.Join(d.Root, runID) }

// PutTable keeps t as Parquet under the run.
func (d *DirArtifacts) PutTable(_ context.Context, runID, taskID string, t *table.Table) (Ref, error) {
	path := runstate.TaskOutput(d.runDir(runID), taskID)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Ref{}, fmt.Errorf("artifact store: %w", err)
	}
	w, err := parquetio.Create(path, t.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return Ref{}, fmt.Errorf("artifact store: %w", err)
	}
	if err := w.Write(t); err != nil {
		_ = table.Abort(w)
		return Ref{}, fmt.Errorf("artifact store %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return Ref{}, fmt.Errorf("artifact store %s: %w", path, err)
	}
	return Ref{URI: (&url.URL{Scheme: "file", Path: path}).String(), Rows: t.NumRows(), SchemaHash: SchemaHash(t.Schema())}, nil
}

// GetTable reads the table ref points at.
func (d *DirArtifacts) GetTable(_ context.Context, ref Ref) (*table.Table, error) {
	u, err := url.Parse(ref.URI)
	if err != nil || u.Scheme != "file" {
		return nil, fmt.Errorf("artifact %q: not a file:// reference of this store", ref.URI)
	}
	r, err := parquetio.Open(u.Path)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", ref.URI, err)
	}
	defer r.Close()
	t, err := table.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", ref.URI, err)
	}
	if h := SchemaHash(t.Schema()); ref.SchemaHash != "" && h != ref.SchemaHash {
		return nil, fmt.Errorf("artifact %s: schema changed since it was written (hash %s, want %s)", ref.URI, h, ref.SchemaHash)
	}
	return t, nil
}

// PutLog keeps a task's log under the run.
func (d *DirArtifacts) PutLog(_ context.Context, runID, taskID string, r io.Reader) error {
	path := runstate.TaskLog(taskID)
	path = filepath.Join(d.runDir(runID), path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("artifact store: %w", err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("artifact store: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Abort()
		return fmt.Errorf("artifact store %s: %w", path, err)
	}
	return f.Commit()
}

// OpenLog opens a log PutLog kept.
func (d *DirArtifacts) OpenLog(_ context.Context, runID, taskID string) (io.ReadCloser, error) {
	f, err := os.Open(filepath.Join(d.runDir(runID), runstate.TaskLog(taskID)))
	if err != nil {
		return nil, fmt.Errorf("artifact store: %w", err)
	}
	return f, nil
}

// SchemaHash identifies a table schema (names and types, in order).
func SchemaHash(s table.Schema) string {
	sum := sha256.Sum256([]byte(s.String()))
	return hex.EncodeToString(sum[:8])
}
