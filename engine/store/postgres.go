package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock keys. Migrations use the one-key (bigint) space and slot
// keys the two-key (int, int) space, which PostgreSQL keeps apart, so a
// slot key's hash can never collide with the migration lock.
const (
	// pgMigrationLock is "hotpass1" read as a big-endian int64.
	pgMigrationLock int64 = 0x686f747061737331
	// pgSlotLockSpace is "slot" read as a big-endian int32.
	pgSlotLockSpace int32 = 0x736c6f74
)

// PostgreSQL error codes the store turns into its own errors.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgReadOnlyTransaction = "25006"
	pgLockNotAvailable    = "55P03"
)

// PostgresStore is the Store kept in a PostgreSQL database, shared by
// schedulers and workers on several machines. Times that processes compare
// with each other (heartbeats, lease expiries, crash detection) come from
// the server's clock, so the machines' clocks need not agree.
type PostgresStore struct {
	pool *pgxpool.Pool
	// name identifies the database in messages, without credentials.
	name string
	host string
}

// OpenPostgres connects to the database at url (postgres://...) and applies
// pending schema migrations.
func OpenPostgres(ctx context.Context, url string) (*PostgresStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password, so the message does not repeat it.
		return nil, fmt.Errorf("%w: parse PostgreSQL URL: %w", ErrInvalid, err)
	}
	p := &PostgresStore{
		name: fmt.Sprintf("PostgreSQL database %q on %s:%d", cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port),
	}
	p.host, _ = os.Hostname() // without a hostname, MarkCrashed falls back to heartbeats
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p.name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w; check %s and that the server is running", p.name, err, EnvDatabaseURL)
	}
	p.pool = pool
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

// Close closes the connection pool.
func (p *PostgresStore) Close() error {
	p.pool.Close()
	return nil
}

// wrap adds context to err and maps the server's read-only and lock errors.
func (p *PostgresStore) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	switch pgCode(err) {
	case pgReadOnlyTransaction:
		return fmt.Errorf("%s: %w: %s only accepts reads (a standby?); point %s at the primary: %w",
			op, ErrReadOnly, p.name, EnvDatabaseURL, err)
	case pgLockNotAvailable:
		return fmt.Errorf("%s: %w: a lock on %s is held by another session; retry when it ends: %w", op, ErrLocked, p.name, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// tx runs fn in a transaction and commits it.
func (p *PostgresStore) tx(ctx context.Context, op string, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, p.pool, fn)
	return p.wrap(op, err)
}

// migrate brings the schema to the latest version under an advisory lock,
// so that concurrent opens apply each migration once. The version is first
// read without the lock, so opening an up-to-date database never waits.
func (p *PostgresStore) migrate(ctx context.Context) error {
	ms, err := loadMigrations("postgres")
	if err != nil {
		return err
	}
	latest := latestVersion(ms)
	have, err := pgSchemaVersion(ctx, p.pool)
	if err != nil {
		return p.wrap("read schema version of "+p.name, err)
	}
	if have > latest {
		return newerSchemaError(p.name, have, latest)
	}
	if have == latest {
		return nil
	}
	return p.tx(ctx, "migrate "+p.name, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		have, err := pgSchemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if have > latest {
			return newerSchemaError(p.name, have, latest)
		}
		for _, m := range ms[have:] {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply migration %d_%s: %w", m.Version, m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
				return fmt.Errorf("record migration %d_%s: %w", m.Version, m.Name, err)
			}
		}
		return nil
	})
}

// pgQuerier is what the pool and a transaction have in common.
type pgQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgSchemaVersion returns the highest applied migration, 0 for a new
// database.
func pgSchemaVersion(ctx context.Context, q pgQuerier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v *int
	if err := q.QueryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

// execRaw runs SQL for tests that must put the database in a state the API
// cannot reach.
func (p *PostgresStore) execRaw(ctx context.Context, query string) error {
	_, err := p.pool.Exec(ctx, query)
	return err
}

// ts encodes t for a timestamptz column: NULL when zero.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// fromTS decodes a nullable timestamptz column.
func fromTS(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// rawJSON turns a scanned json/jsonb column into a RawMessage.
func rawJSON(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

const pgRunCols = `id, pipeline, spec_path, spec_hash, deployment, status, params, error, trace_id,
	created_at, started_at, ended_at, pid, hostname, heartbeat_at, parent_id, started_by, resume_from, workflow_id`

// scanPGRun scans pgRunCols, then extra.
func scanPGRun(row pgx.Row, extra ...any) (Run, error) {
	var r Run
	var params []byte
	var created time.Time
	var started, ended, hb *time.Time
	dest := append([]any{&r.ID, &r.Pipeline, &r.SpecPath, &r.SpecHash, &r.Deployment, &r.Status, &params,
		&r.Error, &r.TraceID, &created, &started, &ended, &r.PID, &r.Hostname, &hb, &r.ParentID, &r.StartedBy, &r.ResumeFrom, &r.WorkflowID}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Run{}, err
	}
	r.Params = rawJSON(params)
	r.CreatedAt, r.StartedAt, r.EndedAt, r.HeartbeatAt = created.UTC(), fromTS(started), fromTS(ended), fromTS(hb)
	return r, nil
}

// CreateRun inserts a new run.
func (p *PostgresStore) CreateRun(ctx context.Context, r Run) (Run, error) {
	if err := validateRun(&r, time.Now()); err != nil {
		return Run{}, err
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO runs (`+pgRunCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
		r.ID, r.Pipeline, r.SpecPath, r.SpecHash, r.Deployment, r.Status, r.Params, r.Error, r.TraceID,
		r.CreatedAt, ts(r.StartedAt), ts(r.EndedAt), r.PID, r.Hostname, ts(r.HeartbeatAt), r.ParentID, r.StartedBy, r.ResumeFrom, r.WorkflowID)
	if pgCode(err) == pgUniqueViolation {
		return Run{}, fmt.Errorf("create run %s: %w: run %s already exists; use a new run id", r.ID, ErrExists, r.ID)
	}
	if err != nil {
		return Run{}, p.wrap("create run "+r.ID, err)
	}
	return r, nil
}

// GetRun returns run id.
func (p *PostgresStore) GetRun(ctx context.Context, id string) (Run, error) {
	r, err := scanPGRun(p.pool.QueryRow(ctx, `SELECT `+pgRunCols+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, fmt.Errorf("get run %s: %w: no run with id %s", id, ErrNotFound, id)
	}
	if err != nil {
		return Run{}, p.wrap("get run "+id, err)
	}
	return r, nil
}

// UpdateRun applies a status transition.
func (p *PostgresStore) UpdateRun(ctx context.Context, id string, u RunUpdate) (Run, error) {
	var out Run
	err := p.tx(ctx, "update run "+id, func(tx pgx.Tx) error {
		var now time.Time
		cur, err := scanPGRun(tx.QueryRow(ctx, `SELECT `+pgRunCols+`, clock_timestamp() FROM runs WHERE id = $1 FOR UPDATE`, id), &now)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: no run with id %s", ErrNotFound, id)
		}
		if err != nil {
			return err
		}
		out, err = applyRunUpdate(cur, u, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET status = $1, error = $2, trace_id = $3, started_at = $4, ended_at = $5,
			pid = $6, hostname = $7, heartbeat_at = $8 WHERE id = $9`,
			out.Status, out.Error, out.TraceID, ts(out.StartedAt), ts(out.EndedAt), out.PID, out.Hostname, ts(out.HeartbeatAt), id)
		return err
	})
	if err != nil {
		return Run{}, err
	}
	return out, nil
}

// ListRuns returns matching runs, newest first.
func (p *PostgresStore) ListRuns(ctx context.Context, f RunFilter) ([]Run, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Deployment != "" {
		where = append(where, "deployment = "+arg(f.Deployment))
	}
	if f.Pipeline != "" {
		where = append(where, "pipeline = "+arg(f.Pipeline))
	}
	if f.StartedBy != "" {
		where = append(where, "started_by = "+arg(f.StartedBy))
	}
	if f.Parent != "" {
		where = append(where, "parent_id = "+arg(f.Parent))
	}
	if !f.Before.IsZero() {
		where = append(where, fmt.Sprintf("(created_at, id) < (%s, %s)", arg(normTime(f.Before.CreatedAt)), arg(f.Before.ID)))
	}
	q := `SELECT ` + pgRunCols + ` FROM runs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := p.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, p.wrap("list runs", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Run, error) { return scanPGRun(row) })
	if err != nil {
		return nil, p.wrap("list runs", err)
	}
	return out, nil
}

// PruneRuns deletes finished runs created before olderThan.
func (p *PostgresStore) PruneRuns(ctx context.Context, olderThan time.Time) (int, error) {
	var n int64
	err := p.tx(ctx, "prune runs", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM runs WHERE created_at < $1
			AND status IN ('succeeded', 'failed', 'cancelled', 'crashed')`, olderThan)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `DELETE FROM schedule_fires f WHERE scheduled_at < $1
			AND scheduled_at < (SELECT max(g.scheduled_at) FROM schedule_fires g WHERE g.deployment = f.deployment)`, olderThan)
		return err
	})
	return int(n), err
}

// Heartbeat records that runID's process is alive, by the server's clock.
func (p *PostgresStore) Heartbeat(ctx context.Context, runID string) error {
	var status RunStatus
	err := p.pool.QueryRow(ctx, `WITH hb AS (
			UPDATE runs SET heartbeat_at = clock_timestamp() WHERE id = $1 AND status = 'running' RETURNING status)
		SELECT status FROM hb UNION ALL SELECT status FROM runs WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM hb)`, runID).Scan(&status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("heartbeat of run %s: %w: no run with id %s", runID, ErrNotFound, runID)
	case err != nil:
		return p.wrap("heartbeat of run "+runID, err)
	case status != RunRunning:
		return fmt.Errorf("heartbeat of run %s: %w: run %s is %s, not running; its process should stop", runID, ErrInvalidTransition, runID, status)
	}
	return nil
}

// MarkCrashed marks running runs whose process is gone as crashed.
func (p *PostgresStore) MarkCrashed(ctx context.Context, staleAfter time.Duration) ([]Run, error) {
	if err := checkStaleAfter(staleAfter); err != nil {
		return nil, err
	}
	type crash struct {
		before Run
		reason string
		now    time.Time
	}
	rows, err := p.pool.Query(ctx, `SELECT `+pgRunCols+`, clock_timestamp() FROM runs WHERE status = 'running'`)
	if err != nil {
		return nil, p.wrap("mark crashed runs", err)
	}
	var crashes []crash
	for rows.Next() {
		var now time.Time
		r, err := scanPGRun(rows, &now)
		if err != nil {
			rows.Close()
			return nil, p.wrap("mark crashed runs", err)
		}
		if reason, ok := crashReason(r, p.host, now, staleAfter, probeProcess); ok {
			crashes = append(crashes, crash{r, reason, now})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, p.wrap("mark crashed runs", err)
	}
	if len(crashes) == 0 {
		return nil, nil
	}
	var out []Run
	err = p.tx(ctx, "mark crashed runs", func(tx pgx.Tx) error {
		for _, c := range crashes {
			r := c.before
			r.Status, r.Error, r.EndedAt = RunCrashed, c.reason, normTime(c.now)
			// The guard skips a run that heartbeated, finished or was
			// resumed since it was read.
			tag, err := tx.Exec(ctx, `UPDATE runs SET status = 'crashed', error = $1, ended_at = $2
				WHERE id = $3 AND status = 'running' AND pid = $4 AND hostname = $5
				AND heartbeat_at IS NOT DISTINCT FROM $6::timestamptz`,
				r.Error, r.EndedAt, r.ID, c.before.PID, c.before.Hostname, ts(c.before.HeartbeatAt))
			if err != nil {
				return fmt.Errorf("run %s: %w", r.ID, err)
			}
			if tag.RowsAffected() == 1 {
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

const pgTaskUpsert = `INSERT INTO task_runs (run_id, task_id, type, status, attempts, started_at, ended_at,
	error, output, definition_hash, rows_in, rows_out, attrs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
	ON CONFLICT (run_id, task_id) DO UPDATE SET type = excluded.type, status = excluded.status,
	attempts = excluded.attempts, started_at = excluded.started_at, ended_at = excluded.ended_at,
	error = excluded.error, output = excluded.output, definition_hash = excluded.definition_hash,
	rows_in = excluded.rows_in, rows_out = excluded.rows_out, attrs = excluded.attrs`

// RecordTask inserts or replaces one task run.
func (p *PostgresStore) RecordTask(ctx context.Context, t TaskRun) error {
	if err := validateTask(&t); err != nil {
		return err
	}
	_, err := p.pool.Exec(ctx, pgTaskUpsert, t.RunID, t.TaskID, t.Type, string(t.Status), t.Attempts, ts(t.StartedAt), ts(t.EndedAt),
		t.Error, t.Output, t.DefinitionHash, t.RowsIn, t.RowsOut, t.Attrs)
	return p.taskErr(fmt.Sprintf("record task %s of run %s", t.TaskID, t.RunID), t, err)
}

// taskErr maps the error of one task upsert.
func (p *PostgresStore) taskErr(op string, t TaskRun, err error) error {
	if pgCode(err) == pgForeignKeyViolation {
		return fmt.Errorf("%s: %w: task %s: no run with id %s; create the run first", op, ErrNotFound, t.TaskID, t.RunID)
	}
	return p.wrap(op, err)
}

// RecordTasks records a batch of task runs in one transaction and one
// round trip.
func (p *PostgresStore) RecordTasks(ctx context.Context, tasks []TaskRun) error {
	if len(tasks) == 0 {
		return nil
	}
	tasks = slices.Clone(tasks) // validation normalises entries; the caller's stay as they were
	for i := range tasks {
		if err := validateTask(&tasks[i]); err != nil {
			return err
		}
	}
	op := fmt.Sprintf("record %d task runs", len(tasks))
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return p.wrap(op, err)
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	var b pgx.Batch
	for _, t := range tasks {
		b.Queue(pgTaskUpsert, t.RunID, t.TaskID, t.Type, string(t.Status), t.Attempts, ts(t.StartedAt), ts(t.EndedAt),
			t.Error, t.Output, t.DefinitionHash, t.RowsIn, t.RowsOut, t.Attrs)
	}
	br := tx.SendBatch(ctx, &b)
	for _, t := range tasks {
		if _, err := br.Exec(); err != nil {
			_ = br.Close() // the statement's error is the one worth reporting
			return p.taskErr(op, t, err)
		}
	}
	if err := br.Close(); err != nil {
		return p.wrap(op, err)
	}
	return p.wrap(op, tx.Commit(ctx))
}

// ListTasks returns the task runs of runID in first-recorded order.
func (p *PostgresStore) ListTasks(ctx context.Context, runID string) ([]TaskRun, error) {
	op := "list tasks of run " + runID
	rows, err := p.pool.Query(ctx, `SELECT run_id, task_id, type, status, attempts, started_at, ended_at, error, output,
		definition_hash, rows_in, rows_out, attrs FROM task_runs WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TaskRun, error) {
		var t TaskRun
		var started, ended *time.Time
		var attrs []byte
		err := row.Scan(&t.RunID, &t.TaskID, &t.Type, (*string)(&t.Status), &t.Attempts, &started, &ended, &t.Error, &t.Output,
			&t.DefinitionHash, &t.RowsIn, &t.RowsOut, &attrs)
		t.StartedAt, t.EndedAt, t.Attrs = fromTS(started), fromTS(ended), rawJSON(attrs)
		return t, err
	})
	if err != nil {
		return nil, p.wrap(op, err)
	}
	if len(out) == 0 {
		if _, err := p.GetRun(ctx, runID); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	return out, nil
}

const pgDeploymentCols = `name, spec_path, profile, schedule, timezone, tags, params, paused, catchup_ns, overlap,
	spec_hash, created_at, updated_at, engine`

func scanPGDeployment(row pgx.Row) (Deployment, error) {
	var d Deployment
	var params []byte
	var catchup int64
	err := row.Scan(&d.Name, &d.SpecPath, &d.Profile, &d.Schedule, &d.Timezone, &d.Tags, &params, &d.Paused, &catchup,
		&d.Overlap, &d.SpecHash, &d.CreatedAt, &d.UpdatedAt, &d.Engine)
	if err != nil {
		return Deployment{}, err
	}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	d.Params, d.Catchup = rawJSON(params), time.Duration(catchup)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// PutDeployment inserts or replaces a deployment.
func (p *PostgresStore) PutDeployment(ctx context.Context, d Deployment) (Deployment, error) {
	if err := validateDeployment(&d); err != nil {
		return Deployment{}, err
	}
	now := normTime(time.Now())
	out, err := scanPGDeployment(p.pool.QueryRow(ctx, `INSERT INTO deployments (`+pgDeploymentCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
		ON CONFLICT (name) DO UPDATE SET spec_path = excluded.spec_path, profile = excluded.profile,
		schedule = excluded.schedule, timezone = excluded.timezone, tags = excluded.tags, params = excluded.params,
		paused = excluded.paused, catchup_ns = excluded.catchup_ns, overlap = excluded.overlap,
		spec_hash = excluded.spec_hash, updated_at = excluded.updated_at, engine = excluded.engine
		RETURNING `+pgDeploymentCols,
		d.Name, d.SpecPath, d.Profile, d.Schedule, d.Timezone, d.Tags, d.Params, d.Paused,
		int64(d.Catchup), d.Overlap, d.SpecHash, now, d.Engine))
	if err != nil {
		return Deployment{}, p.wrap("put deployment "+d.Name, err)
	}
	return out, nil
}

// GetDeployment returns the deployment called name.
func (p *PostgresStore) GetDeployment(ctx context.Context, name string) (Deployment, error) {
	d, err := scanPGDeployment(p.pool.QueryRow(ctx, `SELECT `+pgDeploymentCols+` FROM deployments WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return Deployment{}, fmt.Errorf("get deployment %s: %w: no deployment named %s", name, ErrNotFound, name)
	}
	if err != nil {
		return Deployment{}, p.wrap("get deployment "+name, err)
	}
	return d, nil
}

// ListDeployments returns every deployment sorted by name.
func (p *PostgresStore) ListDeployments(ctx context.Context) ([]Deployment, error) {
	rows, err := p.pool.Query(ctx, `SELECT `+pgDeploymentCols+` FROM deployments ORDER BY name`)
	if err != nil {
		return nil, p.wrap("list deployments", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Deployment, error) { return scanPGDeployment(row) })
	if err != nil {
		return nil, p.wrap("list deployments", err)
	}
	return out, nil
}

// DeleteDeployment deletes a deployment and its fire claims.
func (p *PostgresStore) DeleteDeployment(ctx context.Context, name string) error {
	tag, err := p.pool.Exec(ctx, `DELETE FROM deployments WHERE name = $1`, name)
	return p.oneRow("delete deployment "+name, tag, err, "no deployment named "+name)
}

// SetPaused pauses or resumes a deployment.
func (p *PostgresStore) SetPaused(ctx context.Context, name string, paused bool) error {
	tag, err := p.pool.Exec(ctx, `UPDATE deployments SET paused = $1, updated_at = $2 WHERE name = $3`,
		paused, normTime(time.Now()), name)
	return p.oneRow("pause deployment "+name, tag, err, "no deployment named "+name)
}

// oneRow turns "no row affected" into ErrNotFound with msg.
func (p *PostgresStore) oneRow(op string, tag pgconn.CommandTag, err error, msg string) error {
	if err != nil {
		return p.wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w: %s", op, ErrNotFound, msg)
	}
	return nil
}

// ClaimFire claims one scheduled fire of a deployment.
func (p *PostgresStore) ClaimFire(ctx context.Context, deployment string, scheduledAt time.Time, runID string) (bool, error) {
	if err := checkFire(deployment, scheduledAt, runID); err != nil {
		return false, err
	}
	at := normTime(scheduledAt)
	op := fmt.Sprintf("claim fire %s of deployment %s", at.Format(time.RFC3339), deployment)
	tag, err := p.pool.Exec(ctx, `INSERT INTO schedule_fires (deployment, scheduled_at, run_id, claimed_at)
		VALUES ($1, $2, $3, clock_timestamp()) ON CONFLICT (deployment, scheduled_at) DO NOTHING`, deployment, at, runID)
	if pgCode(err) == pgForeignKeyViolation {
		return false, fmt.Errorf("%s: %w: no deployment named %s", op, ErrNotFound, deployment)
	}
	if err != nil {
		return false, p.wrap(op, err)
	}
	return tag.RowsAffected() == 1, nil
}

// LastFire returns the deployment's latest claimed fire.
func (p *PostgresStore) LastFire(ctx context.Context, deployment string) (Fire, bool, error) {
	op := "last fire of deployment " + deployment
	var at, claimed *time.Time
	var runID *string
	err := p.pool.QueryRow(ctx, `SELECT f.scheduled_at, f.run_id, f.claimed_at FROM deployments d
		LEFT JOIN LATERAL (SELECT scheduled_at, run_id, claimed_at FROM schedule_fires
			WHERE deployment = d.name ORDER BY scheduled_at DESC LIMIT 1) f ON true
		WHERE d.name = $1`, deployment).Scan(&at, &runID, &claimed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Fire{}, false, fmt.Errorf("%s: %w: no deployment named %s", op, ErrNotFound, deployment)
	}
	if err != nil {
		return Fire{}, false, p.wrap(op, err)
	}
	if at == nil {
		return Fire{}, false, nil
	}
	return Fire{Deployment: deployment, ScheduledAt: at.UTC(), RunID: *runID, ClaimedAt: fromTS(claimed)}, true, nil
}

// AcquireSlot takes a slot for key if fewer than limit are held. A
// transaction-level advisory lock on the key serialises acquirers of the
// same key on every machine; different keys do not wait for each other
// (unless their hashes collide, which only costs a wait).
func (p *PostgresStore) AcquireSlot(ctx context.Context, key string, limit int, holder string, ttl time.Duration) (Lease, bool, error) {
	if err := validateSlot(key, limit, holder, ttl); err != nil {
		return Lease{}, false, err
	}
	var l Lease
	var ok bool
	err := p.tx(ctx, "acquire slot "+key, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, pgSlotLockSpace, key); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM slot_leases WHERE key = $1 AND expires_at <= clock_timestamp()`, key); err != nil {
			return err
		}
		var held int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM slot_leases WHERE key = $1`, key).Scan(&held); err != nil {
			return err
		}
		if held >= limit {
			return nil
		}
		l = Lease{ID: newLeaseID(), Key: key, Holder: holder}
		err := tx.QueryRow(ctx, `INSERT INTO slot_leases (id, key, holder, acquired_at, expires_at)
			SELECT $1, $2, $3, now.t, now.t + $4 * interval '1 microsecond' FROM (SELECT clock_timestamp() AS t) now
			RETURNING acquired_at, expires_at`, l.ID, l.Key, l.Holder, ttl.Microseconds()).Scan(&l.AcquiredAt, &l.ExpiresAt)
		l.AcquiredAt, l.ExpiresAt = l.AcquiredAt.UTC(), l.ExpiresAt.UTC()
		ok = err == nil
		return err
	})
	if err != nil || !ok {
		return Lease{}, false, err
	}
	return l, true, nil
}

// RenewLease extends a lease to ttl from now. No advisory lock is needed:
// an acquirer deletes an expired lease under a row lock, so either the
// renewal lands first and the acquirer sees the lease as live, or the row
// is gone and the renewal reports ErrLeaseLost.
func (p *PostgresStore) RenewLease(ctx context.Context, l Lease, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return Lease{}, fmt.Errorf("%w: renew lease %s on slot key %s: ttl %s is not positive", ErrInvalid, l.ID, l.Key, ttl)
	}
	var exp time.Time
	err := p.pool.QueryRow(ctx, `UPDATE slot_leases SET expires_at = clock_timestamp() + $1 * interval '1 microsecond'
		WHERE id = $2 RETURNING expires_at`, ttl.Microseconds(), l.ID).Scan(&exp)
	if errors.Is(err, pgx.ErrNoRows) {
		return Lease{}, fmt.Errorf("renew lease on slot key %s: %w", l.Key, leaseLost(l))
	}
	if err != nil {
		return Lease{}, p.wrap("renew lease on slot key "+l.Key, err)
	}
	l.ExpiresAt = exp.UTC()
	return l, nil
}

// ReleaseLease gives a slot back.
func (p *PostgresStore) ReleaseLease(ctx context.Context, l Lease) error {
	_, err := p.pool.Exec(ctx, `DELETE FROM slot_leases WHERE id = $1`, l.ID)
	return p.wrap("release lease on slot key "+l.Key, err)
}

// ListLeases returns the unexpired leases of key, oldest first.
func (p *PostgresStore) ListLeases(ctx context.Context, key string) ([]Lease, error) {
	rows, err := p.pool.Query(ctx, `SELECT id, key, holder, acquired_at, expires_at FROM slot_leases
		WHERE key = $1 AND expires_at > clock_timestamp() ORDER BY acquired_at, id`, key)
	if err != nil {
		return nil, p.wrap("list leases of slot key "+key, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Lease, error) {
		var l Lease
		err := row.Scan(&l.ID, &l.Key, &l.Holder, &l.AcquiredAt, &l.ExpiresAt)
		l.AcquiredAt, l.ExpiresAt = l.AcquiredAt.UTC(), l.ExpiresAt.UTC()
		return l, err
	})
	if err != nil {
		return nil, p.wrap("list leases of slot key "+key, err)
	}
	return out, nil
}
