package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotpass/hotpass/engine/status"
)

// BenchmarkRecordTasks measures task-run transitions written per second, in
// batches as the engine's coalescing writer sends them. Each transition
// rewrites the state of one of 1,000 tasks, so most are updates.
func BenchmarkRecordTasks(b *testing.B) {
	statuses := []status.Status{"pending", "running", "succeeded"}
	for _, be := range backends() {
		for _, batch := range []int{1, 100, 1000} {
			b.Run(fmt.Sprintf("%s/batch=%d", be.name, batch), func(b *testing.B) {
				ctx := context.Background()
				s := newStore(b, be)
				mustCreate(b, s, Run{ID: "r", Pipeline: "p"})
				buf := make([]TaskRun, 0, batch)
				b.ResetTimer()
				for n := 0; n < b.N; {
					buf = buf[:0]
					for ; len(buf) < batch && n < b.N; n++ {
						buf = append(buf, TaskRun{
							RunID: "r", TaskID: fmt.Sprintf("task-%03d", n%1000), Type: "exec",
							Status: statuses[(n/1000)%3], Attempts: 1 + n/3000, StartedAt: t0,
							RowsIn: int64(n), RowsOut: int64(n), Attrs: []byte(`{"k":1}`),
						})
					}
					if err := s.RecordTasks(ctx, buf); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transitions/s")
			})
		}
	}
}

// BenchmarkListRuns measures one page of 50 runs out of 100,000, for the
// filters `hotpass runs ls` offers.
func BenchmarkListRuns(b *testing.B) {
	const total = 100_000
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			s := newStore(b, be)
			seedRuns(b, s, total)
			mid := Run{ID: fmt.Sprintf("run-%06d", total/2), CreatedAt: t0.Add(total / 2 * time.Second)}
			for _, q := range []struct {
				name string
				f    RunFilter
			}{
				{"newest", RunFilter{}},
				{"page-in-the-middle", RunFilter{Before: mid.Cursor()}},
				{"status=failed", RunFilter{Status: RunFailed}},
				{"status=running", RunFilter{Status: RunRunning}},
				{"deployment", RunFilter{Deployment: "dep-07"}},
				{"pipeline", RunFilter{Pipeline: "pipe-3"}},
				{"deployment+status", RunFilter{Deployment: "dep-10", Status: RunFailed}},
			} {
				b.Run(q.name, func(b *testing.B) {
					ctx := context.Background()
					q.f.Limit = 50
					for b.Loop() {
						rs, err := s.ListRuns(ctx, q.f)
						if err != nil {
							b.Fatal(err)
						}
						if len(rs) == 0 {
							b.Fatal("no runs")
						}
					}
				})
			}
		})
	}
}

// seedRun is the i-th of the benchmark's runs: mostly succeeded, some
// failed, a few running; spread over 20 deployments (and manual runs) and
// 10 pipelines.
func seedRun(i int) Run {
	status := RunSucceeded
	switch {
	case i%50 == 0:
		status = RunRunning
	case i%10 == 0:
		status = RunFailed
	}
	dep := ""
	if i%4 != 0 {
		dep = fmt.Sprintf("dep-%02d", i%20)
	}
	created := t0.Add(time.Duration(i) * time.Second)
	return Run{
		ID: fmt.Sprintf("run-%06d", i), Pipeline: fmt.Sprintf("pipe-%d", i%10), SpecPath: "specs/p.yaml", SpecHash: "h",
		Deployment: dep, Status: status, Params: []byte(`{"date":"2026-03-01"}`), CreatedAt: created,
		StartedAt: created, EndedAt: created.Add(time.Minute), PID: 100 + i%1000, Hostname: "bench",
	}
}

// seedRuns bulk-loads n runs, bypassing CreateRun's one transaction per run.
func seedRuns(tb testing.TB, s Store, n int) {
	tb.Helper()
	ctx := context.Background()
	switch st := s.(type) {
	case *SQLiteStore:
		err := st.write(ctx, "seed", func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `INSERT INTO runs (`+sqliteRunCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for i := range n {
				r := seedRun(i)
				if _, err := stmt.ExecContext(ctx, r.ID, r.Pipeline, r.SpecPath, r.SpecHash, r.Deployment, r.Status,
					textJSON(r.Params), r.Error, r.TraceID, micros(r.CreatedAt), micros(r.StartedAt), micros(r.EndedAt),
					r.PID, r.Hostname, micros(r.HeartbeatAt)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := st.db.ExecContext(ctx, "ANALYZE"); err != nil {
			tb.Fatal(err)
		}
	case *PostgresStore:
		rows := make([][]any, n)
		for i := range rows {
			r := seedRun(i)
			rows[i] = []any{r.ID, r.Pipeline, r.SpecPath, r.SpecHash, r.Deployment, string(r.Status), string(r.Params),
				r.Error, r.TraceID, r.CreatedAt, r.StartedAt, r.EndedAt, r.PID, r.Hostname, nil}
		}
		cols := []string{"id", "pipeline", "spec_path", "spec_hash", "deployment", "status", "params", "error", "trace_id",
			"created_at", "started_at", "ended_at", "pid", "hostname", "heartbeat_at"}
		if _, err := st.pool.CopyFrom(ctx, pgx.Identifier{"runs"}, cols, pgx.CopyFromRows(rows)); err != nil {
			tb.Fatal(err)
		}
		if _, err := st.pool.Exec(ctx, "ANALYZE runs"); err != nil {
			tb.Fatal(err)
		}
	default:
		tb.Fatalf("cannot seed %T", s)
	}
}
