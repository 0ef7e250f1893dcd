package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CancelledByRequest is the error recorded on a run cancelled before it
// started.
const CancelledByRequest = "cancelled by request before it started"

// requestCancel is RequestCancel for both stores. A pending run has no
// process to tell, so it is cancelled in place; a running run gets a request
// row (insertRequest) that its process polls for. The two steps are not one
// transaction: a run that starts between them is caught by the retry.
func requestCancel(ctx context.Context, st Store, id string, insertRequest func(context.Context, string) (bool, error)) (Run, error) {
	for range 3 {
		r, err := st.GetRun(ctx, id)
		if err != nil {
			return Run{}, err
		}
		switch r.Status {
		case RunPending:
			out, err := st.UpdateRun(ctx, id, RunUpdate{Status: RunCancelled, Error: CancelledByRequest})
			if errors.Is(err, ErrInvalidTransition) {
				continue // it started meanwhile
			}
			return out, err
		case RunRunning:
			ok, err := insertRequest(ctx, id)
			if err != nil {
				return Run{}, err
			}
			if !ok {
				continue // it finished meanwhile
			}
			return r, nil
		default:
			return r, fmt.Errorf("%w: run %s already finished (%s); there is nothing to cancel", ErrInvalidTransition, id, r.Status)
		}
	}
	return Run{}, fmt.Errorf("cancel run %s: its status kept changing; try again", id)
}

// RequestCancel asks run id to stop.
func (s *SQLiteStore) RequestCancel(ctx context.Context, id string) (Run, error) {
	return requestCancel(ctx, s, id, func(ctx context.Context, id string) (bool, error) {
		var n int64
		err := s.write(ctx, "request cancel of run "+id, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO cancel_requests (run_id, requested_at)
				SELECT id, ? FROM runs WHERE id = ? AND status = 'running'
				ON CONFLICT (run_id) DO UPDATE SET requested_at = excluded.requested_at`, time.Now().UnixMicro(), id)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		return n > 0, err
	})
}

// CancelRequested reports whether run id, while running, was asked to stop
// since it (last) started: a request left from an earlier attempt of a
// resumed run does not count.
func (s *SQLiteStore) CancelRequested(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM cancel_requests c JOIN runs r ON r.id = c.run_id
		WHERE c.run_id = ? AND r.status = 'running' AND c.requested_at >= coalesce(r.started_at, 0)`, id).Scan(&n); err != nil {
		return false, s.wrap("read cancel request of run "+id, err)
	}
	return n > 0, nil
}

// RequestCancel asks run id to stop.
func (p *PostgresStore) RequestCancel(ctx context.Context, id string) (Run, error) {
	return requestCancel(ctx, p, id, func(ctx context.Context, id string) (bool, error) {
		tag, err := p.pool.Exec(ctx, `INSERT INTO cancel_requests (run_id, requested_at)
			SELECT id, clock_timestamp() FROM runs WHERE id = $1 AND status = 'running'
			ON CONFLICT (run_id) DO UPDATE SET requested_at = excluded.requested_at`, id)
		if err != nil {
			return false, p.wrap("request cancel of run "+id, err)
		}
		return tag.RowsAffected() > 0, nil
	})
}

// CancelRequested reports whether run id, while running, was asked to stop
// since it (last) started: a request left from an earlier attempt of a
// resumed run does not count.
func (p *PostgresStore) CancelRequested(ctx context.Context, id string) (bool, error) {
	var n int
	if err := p.pool.QueryRow(ctx, `SELECT count(*) FROM cancel_requests c JOIN runs r ON r.id = c.run_id
		WHERE c.run_id = $1 AND r.status = 'running' AND c.requested_at >= coalesce(r.started_at, '-infinity')`, id).Scan(&n); err != nil {
		return false, p.wrap("read cancel request of run "+id, err)
	}
	return n > 0, nil
}
