package temporal

import (
	"context"
	"io"

	"github.com/hotpass/hotpass/internal/artifacts"
	"github.com/hotpass/hotpass/internal/table"
)

// Ref points at a table in the artifact store. It is all a task's output
// weighs in workflow history: tables never travel in payloads, whose limit
// is 2 MB.
type Ref = artifacts.Ref

// Artifacts is the shared store tables and task logs go through between
// machines. Every worker of a cluster must reach the same store.
type Artifacts interface {
	PutTable(ctx context.Context, runID, taskID string, t *table.Table) (Ref, error)
	GetTable(ctx context.Context, ref Ref) (*table.Table, error)
	DeleteTable(ctx context.Context, runID, taskID string) error
	PutLog(ctx context.Context, runID, taskID string, r io.Reader) error
	OpenLog(ctx context.Context, runID, taskID string) (io.ReadCloser, error)
}

// specObject is the log name the submitted spec source is kept under in
// the store; a leading dot is not a valid task id, so it never collides
// with a task's log.
const specObject = ".spec"

// The shared store workers use (file:// or s3://).
var _ Artifacts = (*artifacts.Store)(nil)
