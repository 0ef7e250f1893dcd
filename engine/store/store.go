// Package store keeps run history, deployments, schedule fire claims and
// concurrency slot leases in a database shared by every hotpass process that
// points at it: a SQLite file by default (one machine), or PostgreSQL when
// several machines must agree (HOTPASS_DATABASE_URL).
//
// Both implementations satisfy [Store] and pass the same test suite. Times
// are stored with microsecond precision and returned in UTC.
package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"
)

// DefaultPath is the SQLite database used when no location is configured,
// relative to the working directory.
const DefaultPath = ".hotpass/hotpass.db"

// EnvDatabaseURL names the environment variable that points hotpass at a
// PostgreSQL database instead of the default SQLite file.
const EnvDatabaseURL = "HOTPASS_DATABASE_URL"

// Sentinel errors. Every error the store returns for these conditions wraps
// one of them, so callers test with errors.Is and show the message as is.
var (
	// ErrNotFound: the run, deployment or lease named in the message does
	// not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a run with the same id already exists.
	ErrExists = errors.New("already exists")
	// ErrInvalidTransition: a run cannot move from its current status to
	// the one asked for (for example succeeded to running).
	ErrInvalidTransition = errors.New("invalid status transition")
	// ErrInvalid: an argument breaks a rule the store relies on; the
	// message names the field.
	ErrInvalid = errors.New("invalid argument")
	// ErrNewerSchema: the database was migrated by a newer hotpass; this
	// one refuses to touch it rather than corrupt it.
	ErrNewerSchema = errors.New("database schema is newer than this hotpass")
	// ErrLocked: another process held the database's write lock for longer
	// than the busy timeout.
	ErrLocked = errors.New("database is locked")
	// ErrReadOnly: the database file (or its directory) cannot be written.
	ErrReadOnly = errors.New("database is read-only")
	// ErrLeaseLost: a slot lease expired and was reclaimed by another
	// holder, so it can no longer be renewed.
	ErrLeaseLost = errors.New("lease lost")
)

// Store is the state store. Implementations are safe for concurrent use by
// many goroutines, and several Store values (in one process or many) may
// share one database.
type Store interface {
	// CreateRun inserts a new run and returns it as stored. An empty
	// Status means pending; a zero CreatedAt means now. A run with the same
	// id gives ErrExists.
	CreateRun(ctx context.Context, r Run) (Run, error)
	// UpdateRun moves run id to u.Status, checking the transition with
	// RunStatus.CanBecome, and returns the run as stored.
	UpdateRun(ctx context.Context, id string, u RunUpdate) (Run, error)
	// GetRun returns run id, or ErrNotFound.
	GetRun(ctx context.Context, id string) (Run, error)
	// ListRuns returns the runs matching f, newest first.
	ListRuns(ctx context.Context, f RunFilter) ([]Run, error)
	// PruneRuns deletes finished runs (and their task runs) created before
	// olderThan and returns how many runs it deleted. Pending and running
	// runs are kept whatever their age. It also deletes schedule fire
	// claims older than olderThan, except each deployment's latest.
	PruneRuns(ctx context.Context, olderThan time.Time) (int, error)
	// Heartbeat records that the process running runID is alive.
	Heartbeat(ctx context.Context, runID string) error
	// MarkCrashed marks running runs whose process is gone as crashed and
	// returns them. A run started on this host is judged by its pid; any
	// other run by its heartbeat, which must be younger than staleAfter.
	MarkCrashed(ctx context.Context, staleAfter time.Duration) ([]Run, error)

	// RecordTask inserts or replaces the task run (t.RunID, t.TaskID).
	RecordTask(ctx context.Context, t TaskRun) error
	// RecordTasks records a batch of task runs in one transaction, in
	// order, so a later entry for the same task wins.
	RecordTasks(ctx context.Context, ts []TaskRun) error
	// ListTasks returns the task runs of runID in the order they were
	// first recorded, or ErrNotFound if the run does not exist.
	ListTasks(ctx context.Context, runID string) ([]TaskRun, error)

	// PutDeployment inserts or replaces the deployment named d.Name and
	// returns it as stored; CreatedAt is kept across replacements.
	PutDeployment(ctx context.Context, d Deployment) (Deployment, error)
	// GetDeployment returns the deployment called name, or ErrNotFound.
	GetDeployment(ctx context.Context, name string) (Deployment, error)
	// ListDeployments returns every deployment sorted by name.
	ListDeployments(ctx context.Context) ([]Deployment, error)
	// DeleteDeployment deletes a deployment and its fire claims; run
	// history that names it is kept.
	DeleteDeployment(ctx context.Context, name string) error
	// SetPaused pauses or resumes a deployment's schedule.
	SetPaused(ctx context.Context, name string, paused bool) error

	// ClaimFire records that the deployment's fire at scheduledAt starts
	// runID. Exactly one caller claims each (deployment, scheduledAt),
	// however many schedulers share the database; the others get false.
	ClaimFire(ctx context.Context, deployment string, scheduledAt time.Time, runID string) (bool, error)
	// LastFire returns the deployment's latest claimed fire; ok is false
	// when it never fired.
	LastFire(ctx context.Context, deployment string) (f Fire, ok bool, err error)

	// AcquireSlot takes one of limit slots for key, held by holder until
	// ttl passes unless renewed. ok is false when limit unexpired leases
	// already exist. Expired leases (of killed processes) are reclaimed.
	AcquireSlot(ctx context.Context, key string, limit int, holder string, ttl time.Duration) (l Lease, ok bool, err error)
	// RenewLease extends l to ttl from now, or gives ErrLeaseLost if it
	// expired and another holder reclaimed it.
	RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error)
	// ReleaseLease gives the slot back. Releasing a lease that is already
	// gone is not an error.
	ReleaseLease(ctx context.Context, l Lease) error
	// ListLeases returns the unexpired leases of key, oldest first.
	ListLeases(ctx context.Context, key string) ([]Lease, error)

	// RequestCancel asks run id to stop. A pending run is cancelled at
	// once (and returned so); a running run is asked, and its process,
	// which polls CancelRequested, stops it. A finished run gives
	// ErrInvalidTransition, an unknown one ErrNotFound.
	RequestCancel(ctx context.Context, id string) (Run, error)
	// CancelRequested reports whether run id, while running, was asked to
	// stop since it last started.
	CancelRequested(ctx context.Context, id string) (bool, error)

	// Close releases the store's connections.
	Close() error
}

// Compile-time checks that both implementations are complete.
var (
	_ Store = (*SQLiteStore)(nil)
	_ Store = (*PostgresStore)(nil)
)

// Open opens the store at target: a postgres:// or postgresql:// URL opens
// PostgreSQL, anything else is a SQLite file path (DefaultPath when empty).
// Pending schema migrations are applied before Open returns.
func Open(ctx context.Context, target string) (Store, error) {
	if IsPostgresURL(target) {
		return OpenPostgres(ctx, target)
	}
	if target == "" {
		target = DefaultPath
	}
	return OpenSQLite(ctx, target, SQLiteOptions{})
}

// DefaultTarget is where hotpass keeps its state unless told otherwise:
// $HOTPASS_DATABASE_URL when set, else DefaultPath.
func DefaultTarget() string {
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		return u
	}
	return DefaultPath
}

// IsPostgresURL reports whether target names a PostgreSQL database rather
// than a SQLite file.
func IsPostgresURL(target string) bool {
	lower := strings.ToLower(target)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}
