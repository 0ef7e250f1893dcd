package pgio

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
)

// The COPY encoder (copySource) stands in for pgx.Conn.CopyFrom, which
// takes rows as []any. These compare the two on the same rows, into the
// same table, over one connection: the same result, and the cost of each.

const copyCompareCols = "(id bigint, name text, email text, province text, employees bigint, revenue float8, active bool, updated_at timestamptz)"

// copyLoader loads data into the table name over conn and returns the
// rows loaded.
type copyLoader func(ctx context.Context, conn *pgx.Conn, name string, data *table.Table) (int64, error)

// copyWithEncoder is what Write does: the encoder's binary stream through
// pgconn.
func copyWithEncoder(ctx context.Context, conn *pgx.Conn, name string, data *table.Table) (int64, error) {
	src := &copySource{ctx: ctx, src: table.NewTableReader(data, copyRowsPerBatch), schema: data.Schema(), binary: true}
	cols := strings.Join(quoteNames(data.Schema().Names()), ", ")
	tag, err := conn.PgConn().CopyFrom(ctx, src, "COPY "+pgx.Identifier{name}.Sanitize()+" ("+cols+") FROM STDIN WITH (FORMAT binary)")
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// copyWithPgx hands pgx each row as []any, one slice reused for every row.
func copyWithPgx(ctx context.Context, conn *pgx.Conn, name string, data *table.Table) (int64, error) {
	row := make([]any, data.NumCols())
	i := 0
	return conn.CopyFrom(ctx, pgx.Identifier{name}, data.Schema().Names(), pgx.CopyFromFunc(func() ([]any, error) {
		if i == data.NumRows() {
			return nil, nil
		}
		for j := range row {
			row[j] = data.Column(j).Value(i)
		}
		i++
		return row, nil
	}))
}

func copyConn(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(testCtx(tb), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// TestCopyEncoderMatchesPgxCopyFrom loads the same rows, nulls included,
// both ways and finds no row in one table that is not in the other.
func TestCopyEncoderMatchesPgxCopyFrom(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn, "CREATE TABLE by_encoder "+copyCompareCols, "CREATE TABLE by_pgx "+copyCompareCols)
	conn := copyConn(t, dsn)
	ctx := testCtx(t)
	data := benchTable(t, 5000)
	for name, load := range map[string]copyLoader{"by_encoder": copyWithEncoder, "by_pgx": copyWithPgx} {
		if n, err := load(ctx, conn, name, data); err != nil || n != int64(data.NumRows()) {
			t.Fatalf("%s: loaded %d rows: %v", name, n, err)
		}
	}
	var differ int
	err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM (TABLE by_encoder EXCEPT ALL TABLE by_pgx) a)
		+ (SELECT count(*) FROM (TABLE by_pgx EXCEPT ALL TABLE by_encoder) b)`).Scan(&differ)
	if err != nil {
		t.Fatal(err)
	}
	if differ != 0 {
		t.Errorf("%d rows differ between the encoder's COPY and pgx.CopyFrom", differ)
	}
}

// BenchmarkCopyVsPgxCopyFrom loads 200,000 8-column rows into an emptied
// table, each iteration in one transaction, with the encoder and with
// pgx.CopyFrom. cpu-ns/op is this process's CPU time (the client side);
// the server's work is the same binary COPY either way.
func BenchmarkCopyVsPgxCopyFrom(b *testing.B) {
	const rows = 200_000
	dsn := pgtest.URL(b)
	data := benchTable(b, rows)
	for _, impl := range []struct {
		name string
		load copyLoader
	}{{"encoder", copyWithEncoder}, {"pgx_copyfrom", copyWithPgx}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			name := "bench_" + impl.name
			execSQL(b, dsn, "CREATE TABLE IF NOT EXISTS "+name+" "+copyCompareCols)
			conn := copyConn(b, dsn)
			ctx := testCtx(b)
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				start := cputime.Process()
				tx, err := conn.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(ctx, "TRUNCATE "+name); err != nil {
					b.Fatal(err)
				}
				n, err := impl.load(ctx, tx.Conn(), name, data)
				if err != nil || n != rows {
					b.Fatalf("loaded %d rows: %v", n, err)
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
				cpu += cputime.Process() - start
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
