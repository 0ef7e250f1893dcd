package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hotpass/hotpass/internal/retry"
)

// DefaultBusyTimeout is how long a SQLite write waits for another process's
// write lock before failing with ErrLocked.
const DefaultBusyTimeout = 5 * time.Second

// SQLiteOptions tunes OpenSQLite. The zero value is the default.
type SQLiteOptions struct {
	// BusyTimeout is how long a write waits for another process's write
	// lock before failing with ErrLocked; 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
}

// SQLiteStore is the Store kept in one SQLite file, for a single machine.
// The file is in WAL mode, so readers never wait for the writer; writers in
// different processes take turns through SQLite's lock, waiting up to the
// busy timeout.
type SQLiteStore struct {
	db          *sql.DB
	path        string
	host        string
	busyTimeout time.Duration
	// wmu serialises this handle's write transactions: they would
	// otherwise contend for the file lock through SQLite's sleeping busy
	// handler, which is far slower than a mutex.
	wmu sync.Mutex
}

// OpenSQLite opens (creating if needed) the SQLite database at path and
// applies pending schema migrations.
func OpenSQLite(ctx context.Context, path string, opts SQLiteOptions) (*SQLiteStore, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: SQLite database path is empty", ErrInvalid)
	}
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("%w: SQLite database path %q contains '?'; choose a path without it", ErrInvalid, path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve SQLite database path %s: %w", path, err)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	s := &SQLiteStore{path: abs, busyTimeout: busy}
	s.host, _ = os.Hostname() // without a hostname, MarkCrashed falls back to heartbeats
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, s.wrap(fmt.Sprintf("create directory for %s", abs), err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	// In WAL mode NORMAL loses no committed transaction when the process
	// crashes, only on power loss, and saves an fsync per commit.
	q.Add("_pragma", "synchronous(NORMAL)")
	// Write transactions take the write lock at BEGIN, so they wait for
	// it under the busy timeout instead of failing when a read upgrades.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", abs+"?"+q.Encode())
	if err != nil {
		return nil, s.wrap("open "+abs, err)
	}
	// A handle has one writer at a time (wmu); the other connections serve
	// readers, which WAL mode lets run alongside it.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s.db = db
	if err := s.enableWAL(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path returns the absolute path of the database file.
func (s *SQLiteStore) Path() string { return s.path }

// Close closes the database.
func (s *SQLiteStore) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.path, err)
	}
	return nil
}

// wrap adds context to err and turns SQLite's lock and permission errors
// into ErrLocked and ErrReadOnly with advice.
func (s *SQLiteStore) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("%s: %w: another process held the write lock on %s for longer than %s; wait for it to finish (or stop it) and retry: %w",
				op, ErrLocked, s.path, s.busyTimeout, err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
			return fmt.Errorf("%s: %w: cannot write %s; make the file, its -wal and -shm files and its directory writable by this user, or set %s to another database: %w",
				op, ErrReadOnly, s.path, EnvDatabaseURL, err)
		case sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("%s: cannot open %s; check that its directory exists and is writable by this user: %w", op, s.path, err)
		}
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: %w: %w", op, ErrReadOnly, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// sqliteCode returns the extended SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it.
func (s *SQLiteStore) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one worth reporting
		return s.wrap(op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.wrap(op, err)
	}
	return nil
}

// enableWAL switches the file to WAL mode, which is persistent, so that
// readers never wait for the writer. The switch needs an exclusive lock, and
// processes opening a new file together deadlock on it: SQLite then fails
// at once instead of waiting under the busy timeout, so the switch is
// retried here until the busy timeout passes. On a file already in WAL mode
// it takes no lock.
func (s *SQLiteStore) enableWAL(ctx context.Context) error {
	deadline := time.Now().Add(s.busyTimeout)
	poll := retry.Backoff{Base: time.Millisecond, Cap: 50 * time.Millisecond}
	for tries := 1; ; tries++ {
		var mode string
		err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
		switch c := sqliteCode(err) & 0xff; {
		case err == nil && strings.EqualFold(mode, "wal"):
			return nil
		case err == nil:
			return fmt.Errorf("enable WAL mode on %s: the journal mode stayed %q; put the database on a local file system", s.path, mode)
		case (c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED) && time.Now().Before(deadline):
			if err := retry.Sleep(ctx, poll.Delay(tries)); err != nil {
				return s.wrap("enable WAL mode on "+s.path, err)
			}
		default:
			return s.wrap("enable WAL mode on "+s.path, err)
		}
	}
}

// migrate brings the schema to the latest version. The version is first
// read without the write lock, so opening an up-to-date database never
// waits for another writer; it is read again under the lock before any
// migration runs, so concurrent opens apply each migration once.
func (s *SQLiteStore) migrate(ctx context.Context) error {
	ms, err := loadMigrations("sqlite")
	if err != nil {
		return err
	}
	latest := latestVersion(ms)
	have, err := sqliteSchemaVersion(ctx, s.db)
	if err != nil {
		return s.wrap("read schema version of "+s.path, err)
	}
	if have > latest {
		return newerSchemaError(s.path, have, latest)
	}
	if have == latest {
		return nil
	}
	return s.write(ctx, "migrate "+s.path, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
			return err
		}
		have, err := sqliteSchemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if have > latest {
			return newerSchemaError(s.path, have, latest)
		}
		for _, m := range ms[have:] {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixMicro()); err != nil {
				return fmt.Errorf("record migration %d_%s: %w", m.Version, m.Name, err)
			}
		}
		return nil
	})
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqliteSchemaVersion returns the highest applied migration, 0 for a new
// database.
func sqliteSchemaVersion(ctx context.Context, q querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}

// execRaw runs SQL for tests that must put the database in a state the API
// cannot reach.
func (s *SQLiteStore) execRaw(ctx context.Context, query string) error {
	_, err := s.db.ExecContext(ctx, query)
	return err
}

// micros encodes t for an INTEGER column: NULL when zero.
func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// fromMicros decodes an INTEGER time column.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// textJSON encodes a JSON value for a TEXT column: NULL when empty.
func textJSON(v json.RawMessage) any {
	if len(v) == 0 {
		return nil
	}
	return string(v)
}

// fromTextJSON decodes a TEXT JSON column.
func fromTextJSON(v sql.NullString) json.RawMessage {
	if !v.Valid || v.String == "" {
		return nil
	}
	return json.RawMessage(v.String)
}

const sqliteRunCols = `id, pipeline, spec_path, spec_hash, deployment, status, params, error, trace_id,
	created_at, started_at, ended_at, pid, hostname, heartbeat_at, parent_id, started_by, resume_from, workflow_id`

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner interface {
	Scan(dest ...any) error
}

func scanSQLiteRun(sc rowScanner) (Run, error) {
	var r Run
	var params sql.NullString
	var created, started, ended, hb sql.NullInt64
	err := sc.Scan(&r.ID, &r.Pipeline, &r.SpecPath, &r.SpecHash, &r.Deployment, &r.Status, &params,
		&r.Error, &r.TraceID, &created, &started, &ended, &r.PID, &r.Hostname, &hb, &r.ParentID, &r.StartedBy, &r.ResumeFrom, &r.WorkflowID)
	if err != nil {
		return Run{}, err
	}
	r.Params = fromTextJSON(params)
	r.CreatedAt, r.StartedAt, r.EndedAt, r.HeartbeatAt = fromMicros(created), fromMicros(started), fromMicros(ended), fromMicros(hb)
	return r, nil
}

// CreateRun inserts a new run.
func (s *SQLiteStore) CreateRun(ctx context.Context, r Run) (Run, error) {
	if err := validateRun(&r, time.Now()); err != nil {
		return Run{}, err
	}
	op := "create run " + r.ID
	err := s.write(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO runs (`+sqliteRunCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Pipeline, r.SpecPath, r.SpecHash, r.Deployment, r.Status, textJSON(r.Params), r.Error, r.TraceID,
			micros(r.CreatedAt), micros(r.StartedAt), micros(r.EndedAt), r.PID, r.Hostname, micros(r.HeartbeatAt), r.ParentID, r.StartedBy, r.ResumeFrom, r.WorkflowID)
		if c := sqliteCode(err); c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			return fmt.Errorf("%w: run %s already exists; use a new run id", ErrExists, r.ID)
		}
		return err
	})
	if err != nil {
		return Run{}, err
	}
	return r, nil
}

func (s *SQLiteStore) getRun(ctx context.Context, q querier, id string) (Run, error) {
	r, err := scanSQLiteRun(q.QueryRowContext(ctx, `SELECT `+sqliteRunCols+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: no run with id %s", ErrNotFound, id)
	}
	return r, err
}

// GetRun returns run id.
func (s *SQLiteStore) GetRun(ctx context.Context, id string) (Run, error) {
	r, err := s.getRun(ctx, s.db, id)
	if err != nil {
		return Run{}, s.wrap("get run "+id, err)
	}
	return r, nil
}

// UpdateRun applies a status transition.
func (s *SQLiteStore) UpdateRun(ctx context.Context, id string, u RunUpdate) (Run, error) {
	var out Run
	err := s.write(ctx, "update run "+id, func(tx *sql.Tx) error {
		cur, err := s.getRun(ctx, tx, id)
		if err != nil {
			return err
		}
		out, err = applyRunUpdate(cur, u, time.Now())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, error = ?, trace_id = ?, started_at = ?, ended_at = ?,
			pid = ?, hostname = ?, heartbeat_at = ? WHERE id = ?`,
			out.Status, out.Error, out.TraceID, micros(out.StartedAt), micros(out.EndedAt),
			out.PID, out.Hostname, micros(out.HeartbeatAt), id)
		return err
	})
	if err != nil {
		return Run{}, err
	}
	return out, nil
}

// ListRuns returns matching runs, newest first.
func (s *SQLiteStore) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	q, args := sqliteRunsQuery(f)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.wrap("list runs", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanSQLiteRun(rows)
		if err != nil {
			return nil, s.wrap("list runs", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list runs", err)
	}
	return out, nil
}

// sqliteRunsQuery builds ListRuns' query. Each filter column leads an
// index ending in (created_at, id), so SQLite walks one index backwards and
// stops at the limit instead of sorting.
func sqliteRunsQuery(f RunFilter) (string, []any) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if f.Deployment != "" {
		where, args = append(where, "deployment = ?"), append(args, f.Deployment)
	}
	if f.Pipeline != "" {
		where, args = append(where, "pipeline = ?"), append(args, f.Pipeline)
	}
	if f.StartedBy != "" {
		where, args = append(where, "started_by = ?"), append(args, f.StartedBy)
	}
	if f.Parent != "" {
		where, args = append(where, "parent_id = ?"), append(args, f.Parent)
	}
	if !f.Before.IsZero() {
		c := normTime(f.Before.CreatedAt)
		where, args = append(where, "(created_at, id) < (?, ?)"), append(args, c.UnixMicro(), f.Before.ID)
	}
	q := `SELECT ` + sqliteRunCols + ` FROM runs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}

// PruneRuns deletes finished runs created before olderThan.
func (s *SQLiteStore) PruneRuns(ctx context.Context, olderThan time.Time) (int, error) {
	var n int64
	cut := normTime(olderThan).UnixMicro()
	err := s.write(ctx, "prune runs", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE created_at < ?
			AND status IN ('succeeded', 'failed', 'cancelled', 'crashed')`, cut)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM schedule_fires WHERE scheduled_at < ?
			AND scheduled_at < (SELECT max(f.scheduled_at) FROM schedule_fires f WHERE f.deployment = schedule_fires.deployment)`, cut)
		return err
	})
	return int(n), err
}

// Heartbeat records that runID's process is alive.
func (s *SQLiteStore) Heartbeat(ctx context.Context, runID string) error {
	return s.write(ctx, "heartbeat of run "+runID, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'`, time.Now().UnixMicro(), runID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		r, err := s.getRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: run %s is %s, not running; its process should stop", ErrInvalidTransition, runID, r.Status)
	})
}

// MarkCrashed marks running runs whose process is gone as crashed.
func (s *SQLiteStore) MarkCrashed(ctx context.Context, staleAfter time.Duration) ([]Run, error) {
	if err := checkStaleAfter(staleAfter); err != nil {
		return nil, err
	}
	running, err := s.ListRuns(ctx, RunFilter{Status: RunRunning})
	if err != nil {
		return nil, err
	}
	now := time.Now()
	type crash struct {
		before Run
		reason string
	}
	var crashes []crash
	for _, r := range running {
		if reason, ok := crashReason(r, s.host, now, staleAfter, probeProcess); ok {
			crashes = append(crashes, crash{r, reason})
		}
	}
	if len(crashes) == 0 {
		return nil, nil
	}
	var out []Run
	err = s.write(ctx, "mark crashed runs", func(tx *sql.Tx) error {
		for _, c := range crashes {
			r := c.before
			r.Status, r.Error, r.EndedAt = RunCrashed, c.reason, normTime(now)
			// The guard skips a run that heartbeated, finished or was
			// resumed since it was read.
			res, err := tx.ExecContext(ctx, `UPDATE runs SET status = 'crashed', error = ?, ended_at = ?
				WHERE id = ? AND status = 'running' AND pid = ? AND hostname = ? AND heartbeat_at IS ?`,
				r.Error, micros(r.EndedAt), r.ID, c.before.PID, c.before.Hostname, micros(c.before.HeartbeatAt))
			if err != nil {
				return fmt.Errorf("run %s: %w", r.ID, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordTask inserts or replaces one task run.
func (s *SQLiteStore) RecordTask(ctx context.Context, t TaskRun) error {
	return s.RecordTasks(ctx, []TaskRun{t})
}

// RecordTasks records a batch of task runs in one transaction.
func (s *SQLiteStore) RecordTasks(ctx context.Context, ts []TaskRun) error {
	if len(ts) == 0 {
		return nil
	}
	ts = slices.Clone(ts) // validation normalises entries; the caller's stay as they were
	for i := range ts {
		if err := validateTask(&ts[i]); err != nil {
			return err
		}
	}
	op := fmt.Sprintf("record %d task runs", len(ts))
	if len(ts) == 1 {
		op = fmt.Sprintf("record task %s of run %s", ts[0].TaskID, ts[0].RunID)
	}
	return s.write(ctx, op, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO task_runs (run_id, task_id, type, status, attempts, started_at, ended_at,
			error, output, definition_hash, rows_in, rows_out, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (run_id, task_id) DO UPDATE SET type = excluded.type, status = excluded.status,
			attempts = excluded.attempts, started_at = excluded.started_at, ended_at = excluded.ended_at,
			error = excluded.error, output = excluded.output, definition_hash = excluded.definition_hash,
			rows_in = excluded.rows_in, rows_out = excluded.rows_out, attrs = excluded.attrs`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, t := range ts {
			_, err := stmt.ExecContext(ctx, t.RunID, t.TaskID, t.Type, string(t.Status), t.Attempts, micros(t.StartedAt), micros(t.EndedAt),
				t.Error, t.Output, t.DefinitionHash, t.RowsIn, t.RowsOut, textJSON(t.Attrs))
			if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
				return fmt.Errorf("%w: task %s: no run with id %s; create the run first", ErrNotFound, t.TaskID, t.RunID)
			}
			if err != nil {
				return fmt.Errorf("task %s of run %s: %w", t.TaskID, t.RunID, err)
			}
		}
		return nil
	})
}

// ListTasks returns the task runs of runID in first-recorded order.
func (s *SQLiteStore) ListTasks(ctx context.Context, runID string) ([]TaskRun, error) {
	op := "list tasks of run " + runID
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, task_id, type, status, attempts, started_at, ended_at, error, output,
		definition_hash, rows_in, rows_out, attrs FROM task_runs WHERE run_id = ? ORDER BY seq`, runID)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []TaskRun
	for rows.Next() {
		var t TaskRun
		var started, ended sql.NullInt64
		var attrs sql.NullString
		if err := rows.Scan(&t.RunID, &t.TaskID, &t.Type, (*string)(&t.Status), &t.Attempts, &started, &ended, &t.Error, &t.Output,
			&t.DefinitionHash, &t.RowsIn, &t.RowsOut, &attrs); err != nil {
			return nil, s.wrap(op, err)
		}
		t.StartedAt, t.EndedAt, t.Attrs = fromMicros(started), fromMicros(ended), fromTextJSON(attrs)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	if len(out) == 0 {
		if _, err := s.getRun(ctx, s.db, runID); err != nil {
			return nil, s.wrap(op, err)
		}
	}
	return out, nil
}

const sqliteDeploymentCols = `name, spec_path, profile, schedule, timezone, tags, params, paused, catchup_ns, overlap,
	spec_hash, created_at, updated_at, engine`

func scanSQLiteDeployment(sc rowScanner) (Deployment, error) {
	var d Deployment
	var tags string
	var params sql.NullString
	var catchup, created, updated int64
	err := sc.Scan(&d.Name, &d.SpecPath, &d.Profile, &d.Schedule, &d.Timezone, &tags, &params, &d.Paused, &catchup,
		&d.Overlap, &d.SpecHash, &created, &updated, &d.Engine)
	if err != nil {
		return Deployment{}, err
	}
	if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
		return Deployment{}, fmt.Errorf("deployment %s: column tags holds %q, not a JSON array of strings: %w", d.Name, tags, err)
	}
	d.Params = fromTextJSON(params)
	d.Catchup = time.Duration(catchup)
	d.CreatedAt, d.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return d, nil
}

// PutDeployment inserts or replaces a deployment.
func (s *SQLiteStore) PutDeployment(ctx context.Context, d Deployment) (Deployment, error) {
	if err := validateDeployment(&d); err != nil {
		return Deployment{}, err
	}
	tags, err := json.Marshal(d.Tags)
	if err != nil {
		return Deployment{}, fmt.Errorf("deployment %s: encode tags: %w", d.Name, err)
	}
	now := normTime(time.Now()).UnixMicro()
	var out Deployment
	err = s.write(ctx, "put deployment "+d.Name, func(tx *sql.Tx) error {
		var err error
		out, err = scanSQLiteDeployment(tx.QueryRowContext(ctx, `INSERT INTO deployments (`+sqliteDeploymentCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET spec_path = excluded.spec_path, profile = excluded.profile,
			schedule = excluded.schedule, timezone = excluded.timezone, tags = excluded.tags, params = excluded.params,
			paused = excluded.paused, catchup_ns = excluded.catchup_ns, overlap = excluded.overlap,
			spec_hash = excluded.spec_hash, updated_at = excluded.updated_at, engine = excluded.engine
			RETURNING `+sqliteDeploymentCols,
			d.Name, d.SpecPath, d.Profile, d.Schedule, d.Timezone, string(tags), textJSON(d.Params), d.Paused,
			int64(d.Catchup), d.Overlap, d.SpecHash, now, now, d.Engine))
		return err
	})
	if err != nil {
		return Deployment{}, err
	}
	return out, nil
}

// GetDeployment returns the deployment called name.
func (s *SQLiteStore) GetDeployment(ctx context.Context, name string) (Deployment, error) {
	d, err := scanSQLiteDeployment(s.db.QueryRowContext(ctx, `SELECT `+sqliteDeploymentCols+` FROM deployments WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Deployment{}, fmt.Errorf("%w: no deployment named %s", ErrNotFound, name)
	}
	if err != nil {
		return Deployment{}, s.wrap("get deployment "+name, err)
	}
	return d, nil
}

// ListDeployments returns every deployment sorted by name.
func (s *SQLiteStore) ListDeployments(ctx context.Context) ([]Deployment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+sqliteDeploymentCols+` FROM deployments ORDER BY name`)
	if err != nil {
		return nil, s.wrap("list deployments", err)
	}
	defer rows.Close()
	var out []Deployment
	for rows.Next() {
		d, err := scanSQLiteDeployment(rows)
		if err != nil {
			return nil, s.wrap("list deployments", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list deployments", err)
	}
	return out, nil
}

// DeleteDeployment deletes a deployment and its fire claims.
func (s *SQLiteStore) DeleteDeployment(ctx context.Context, name string) error {
	return s.write(ctx, "delete deployment "+name, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM deployments WHERE name = ?`, name)
		return oneRow(res, err, "no deployment named "+name)
	})
}

// SetPaused pauses or resumes a deployment.
func (s *SQLiteStore) SetPaused(ctx context.Context, name string, paused bool) error {
	return s.write(ctx, "pause deployment "+name, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deployments SET paused = ?, updated_at = ? WHERE name = ?`,
			paused, time.Now().UnixMicro(), name)
		return oneRow(res, err, "no deployment named "+name)
	})
}

// oneRow turns "no row affected" into ErrNotFound with msg.
func oneRow(res sql.Result, err error, msg string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, msg)
	}
	return nil
}

// checkFire validates ClaimFire's arguments.
func checkFire(deployment string, scheduledAt time.Time, runID string) error {
	switch {
	case deployment == "":
		return fmt.Errorf("%w: claim fire: deployment name is empty", ErrInvalid)
	case scheduledAt.IsZero():
		return fmt.Errorf("%w: claim fire of deployment %s: scheduled time is zero", ErrInvalid, deployment)
	case runID == "":
		return fmt.Errorf("%w: claim fire of deployment %s: run id is empty", ErrInvalid, deployment)
	}
	return nil
}

// ClaimFire claims one scheduled fire of a deployment.
func (s *SQLiteStore) ClaimFire(ctx context.Context, deployment string, scheduledAt time.Time, runID string) (bool, error) {
	if err := checkFire(deployment, scheduledAt, runID); err != nil {
		return false, err
	}
	var claimed bool
	at := normTime(scheduledAt)
	err := s.write(ctx, fmt.Sprintf("claim fire %s of deployment %s", at.Format(time.RFC3339), deployment), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO schedule_fires (deployment, scheduled_at, run_id, claimed_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (deployment, scheduled_at) DO NOTHING`,
			deployment, at.UnixMicro(), runID, time.Now().UnixMicro())
		if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return fmt.Errorf("%w: no deployment named %s", ErrNotFound, deployment)
		}
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// LastFire returns the deployment's latest claimed fire.
func (s *SQLiteStore) LastFire(ctx context.Context, deployment string) (Fire, bool, error) {
	op := "last fire of deployment " + deployment
	var exists int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM deployments WHERE name = ?`, deployment).Scan(&exists); err != nil {
		return Fire{}, false, s.wrap(op, err)
	}
	if exists == 0 {
		return Fire{}, false, fmt.Errorf("%s: %w: no deployment named %s", op, ErrNotFound, deployment)
	}
	f := Fire{Deployment: deployment}
	var at, claimed int64
	err := s.db.QueryRowContext(ctx, `SELECT scheduled_at, run_id, claimed_at FROM schedule_fires
		WHERE deployment = ? ORDER BY scheduled_at DESC LIMIT 1`, deployment).Scan(&at, &f.RunID, &claimed)
	if errors.Is(err, sql.ErrNoRows) {
		return Fire{}, false, nil
	}
	if err != nil {
		return Fire{}, false, s.wrap(op, err)
	}
	f.ScheduledAt, f.ClaimedAt = time.UnixMicro(at).UTC(), time.UnixMicro(claimed).UTC()
	return f, true, nil
}

// AcquireSlot takes a slot for key if fewer than limit are held.
func (s *SQLiteStore) AcquireSlot(ctx context.Context, key string, limit int, holder string, ttl time.Duration) (Lease, bool, error) {
	if err := validateSlot(key, limit, holder, ttl); err != nil {
		return Lease{}, false, err
	}
	var l Lease
	var ok bool
	err := s.write(ctx, "acquire slot "+key, func(tx *sql.Tx) error {
		now := normTime(time.Now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM slot_leases WHERE key = ? AND expires_at <= ?`, key, now.UnixMicro()); err != nil {
			return err
		}
		var held int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM slot_leases WHERE key = ?`, key).Scan(&held); err != nil {
			return err
		}
		if held >= limit {
			return nil
		}
		l = Lease{ID: newLeaseID(), Key: key, Holder: holder, AcquiredAt: now, ExpiresAt: normTime(now.Add(ttl))}
		_, err := tx.ExecContext(ctx, `INSERT INTO slot_leases (id, key, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			l.ID, l.Key, l.Holder, l.AcquiredAt.UnixMicro(), l.ExpiresAt.UnixMicro())
		ok = err == nil
		return err
	})
	if err != nil || !ok {
		return Lease{}, false, err
	}
	return l, true, nil
}

// RenewLease extends a lease to ttl from now.
func (s *SQLiteStore) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("%w: renew lease %s on slot key %s: ttl %s is not positive", ErrInvalid, l.ID, l.Key, ttl)
	}
	err := s.write(ctx, "renew lease on slot key "+l.Key, func(tx *sql.Tx) error {
		exp := normTime(time.Now().Add(ttl))
		res, err := tx.ExecContext(ctx, `UPDATE slot_leases SET expires_at = ? WHERE id = ?`, exp.UnixMicro(), l.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return leaseLost(l)
		}
		l.ExpiresAt = exp
		return nil
	})
	if err != nil {
		return Lease{}, err
	}
	return l, nil
}

// ReleaseLease gives a slot back.
func (s *SQLiteStore) ReleaseLease(ctx context.Context, l Lease) error {
	return s.write(ctx, "release lease on slot key "+l.Key, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM slot_leases WHERE id = ?`, l.ID)
		return err
	})
}

// ListLeases returns the unexpired leases of key, oldest first.
func (s *SQLiteStore) ListLeases(ctx context.Context, key string) ([]Lease, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, key, holder, acquired_at, expires_at FROM slot_leases
		WHERE key = ? AND expires_at > ? ORDER BY acquired_at, id`, key, time.Now().UnixMicro())
	if err != nil {
		return nil, s.wrap("list leases of slot key "+key, err)
	}
	defer rows.Close()
	var out []Lease
	for rows.Next() {
		var l Lease
		var acq, exp int64
		if err := rows.Scan(&l.ID, &l.Key, &l.Holder, &acq, &exp); err != nil {
			return nil, s.wrap("list leases of slot key "+key, err)
		}
		l.AcquiredAt, l.ExpiresAt = time.UnixMicro(acq).UTC(), time.UnixMicro(exp).UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap("list leases of slot key "+key, err)
	}
	return out, nil
}
