package pgio

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
)

// testCtx bounds every database test so a hang fails instead of stalling.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// execSQL runs statements on dsn outside the package under test.
func execSQL(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// readAll reads a whole result through the package.
func readAll(t testing.TB, dsn string, opts ReadOptions) *table.Table {
	t.Helper()
	r, err := Open(testCtx(t), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tbl, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// build makes a table from rows of Go values.
func build(t testing.TB, schema table.Schema, rows ...[]any) *table.Table {
	t.Helper()
	b := table.NewBuilder(schema, len(rows))
	for _, r := range rows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tbl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestReadMapsEveryType(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn,
		"CREATE EXTENSION citext",
		"CREATE TYPE mood AS ENUM ('ok', 'sad')",
		`CREATE TABLE every (
			t text, vc varchar(10), ch char(3), nm name, ci citext, id uuid, j json, jb jsonb,
			i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric,
			b bool, d date, ts timestamp, tstz timestamptz,
			iv interval, ip inet, arr int4[], m mood)`,
		`INSERT INTO every VALUES (
			'hello', 'vär', 'ab', 'nm', 'CiText', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}',
			-32768, 2147483647, -9223372036854775808, 0.1, 1.5e300, 12345.678901234567890123,
			true, '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02',
			'1 day 02:00:00', '10.0.0.1/32', '{1,2,NULL}', 'sad')`,
		"INSERT INTO every DEFAULT VALUES",
		"INSERT INTO every (num, d, ts) VALUES ('NaN', '1999-12-31', '1969-07-20 20:17:40')",
	)
	got := readAll(t, dsn, ReadOptions{Query: "SELECT * FROM every ORDER BY t NULLS LAST, num NULLS FIRST"})
	S, I, F, B, D, T := table.String, table.Int64, table.Float64, table.Bool, table.Date, table.Timestamp
	schema := table.MustSchema(
		table.Field{Name: "t", Type: S}, table.Field{Name: "vc", Type: S}, table.Field{Name: "ch", Type: S},
		table.Field{Name: "nm", Type: S}, table.Field{Name: "ci", Type: S}, table.Field{Name: "id", Type: S},
		table.Field{Name: "j", Type: S}, table.Field{Name: "jb", Type: S},
		table.Field{Name: "i2", Type: I}, table.Field{Name: "i4", Type: I}, table.Field{Name: "i8", Type: I},
		table.Field{Name: "f4", Type: F}, table.Field{Name: "f8", Type: F}, table.Field{Name: "num", Type: F},
		table.Field{Name: "b", Type: B}, table.Field{Name: "d", Type: D},
		table.Field{Name: "ts", Type: T}, table.Field{Name: "tstz", Type: T},
		table.Field{Name: "iv", Type: S}, table.Field{Name: "ip", Type: S}, table.Field{Name: "arr", Type: S},
		table.Field{Name: "m", Type: S},
	)
	nulls := make([]any, schema.Len())
	withNaN := make([]any, schema.Len())
	withNaN[13], withNaN[15], withNaN[16] = math.NaN(), day(1999, 12, 31), time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)
	want := build(t, schema,
		[]any{"hello", "vär", "ab ", "nm", "CiText", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"a": 1}`, `{"b": [1, 2]}`,
			int64(-32768), int64(2147483647), int64(math.MinInt64), 0.1, 1.5e300, 12345.678901234567,
			true, day(2024, 2, 29), time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC), time.Date(2024, 1, 2, 1, 4, 5, 500000000, time.UTC),
			"1 day 02:00:00", "10.0.0.1", "{1,2,NULL}", "sad"},
		nulls, withNaN,
	)
	if d := want.Diff(got); d != "" {
		t.Errorf("read differs: %s\nschema: %s", d, got.Schema())
	}
}

func TestReadStreamsInBatches(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	const total, batch = 100_000, 7_000
	r, err := Open(testCtx(t), dsn, ReadOptions{
		Query: "SELECT g AS n, g::text AS s FROM generate_series(1, $1::int) g", Args: []any{total}, BatchRows: batch,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	batches, rows, sum := 0, 0, int64(0)
	for {
		tbl, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		batches++
		if tbl.NumRows() == 0 || tbl.NumRows() > batch {
			t.Fatalf("batch %d has %d rows", batches, tbl.NumRows())
		}
		for _, v := range tbl.Column(0).Int64s() {
			sum += v
		}
		rows += tbl.NumRows()
	}
	if want := (total + batch - 1) / batch; batches != want {
		t.Errorf("got %d batches, want %d", batches, want)
	}
	if rows != total || sum != int64(total)*(total+1)/2 {
		t.Errorf("got %d rows summing to %d", rows, sum)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
}

func TestReadCloseEarlyDoesNotDrain(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	// A result far too large to drain, with no deadline: only Close can
	// stop it. The function is in the select list because in FROM it would
	// be materialised whole before the first row is sent.
	const query = "SELECT generate_series(1, 10000000000) AS g"
	r, err := Open(context.Background(), dsn, ReadOptions{Query: query, BatchRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err := r.Next(); err != nil || tbl.NumRows() != 10 {
		t.Fatalf("first batch: %v, %v", tbl, err)
	}
	closed := make(chan error, 1)
	go func() { closed <- r.Close() }()
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var running int
		q := "SELECT count(*) FROM pg_stat_activity WHERE query = $1"
		if err := conn.QueryRow(ctx, q, query).Scan(&running); err != nil {
			t.Fatalf("the query still runs on the server after Close: %v", err)
		}
		if running == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestReadTableNames(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn,
		"CREATE SCHEMA crm",
		`CREATE TABLE crm.contacts ("Order Date" date, "Name" text)`,
		`INSERT INTO crm.contacts VALUES ('2024-05-01', 'Eagle Aviation')`,
		`CREATE TABLE "Odd.Name" (x int)`,
		`INSERT INTO "Odd.Name" VALUES (7)`,
	)
	tests := []struct {
		name string
		want *table.Table
	}{
		{"crm.contacts", build(t, table.MustSchema(table.Field{Name: "Order Date", Type: table.Date}, table.Field{Name: "Name", Type: table.String}),
			[]any{day(2024, 5, 1), "Eagle Aviation"})},
		{`"Odd.Name"`, build(t, table.MustSchema(table.Field{Name: "x", Type: table.Int64}), []any{int64(7)})},
	}
	for _, tt := range tests {
		if d := tt.want.Diff(readAll(t, dsn, ReadOptions{Table: tt.name})); d != "" {
			t.Errorf("%s: %s", tt.name, d)
		}
	}
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn, "CREATE TABLE ev (id int, at timestamptz, d date)",
		"INSERT INTO ev VALUES (1, now(), current_date), (2, 'infinity', current_date), (3, now(), '-infinity')")
	tests := []struct {
		name string
		opts ReadOptions
		want []string
	}{
		{"unknown table", ReadOptions{Table: "nope"},
			[]string{`postgres read "nope"`, `relation "nope" does not exist (SQLSTATE 42P01)`, "at position 15"}},
		{"syntax error", ReadOptions{Query: "SELECT id FROM ev WHERE id = = 1"},
			[]string{`query "SELECT id FROM ev WHERE id = = 1"`, "SQLSTATE 42601", `at position 30 near "= 1"`}},
		{"runtime error", ReadOptions{Query: "SELECT 1 / (id - 2) FROM ev"},
			[]string{"division by zero (SQLSTATE 22012)"}},
		{"infinite timestamp", ReadOptions{Query: "SELECT id, at FROM ev ORDER BY id"},
			[]string{`row 2, column "at": cannot convert "infinity" to timestamp`, "cast the column to text"}},
		{"infinite date", ReadOptions{Query: "SELECT d FROM ev ORDER BY id"},
			[]string{`row 3, column "d": cannot convert "-infinity" to date`}},
		{"numeric overflow", ReadOptions{Query: "SELECT ('1' || repeat('0', 400))::numeric AS big"},
			[]string{`row 1, column "big"`, "outside the float64 range"}},
		{"duplicate names", ReadOptions{Query: "SELECT 1, 2"},
			[]string{`duplicate column "?column?"`, "AS"}},
		{"no columns", ReadOptions{Query: "CREATE TEMP TABLE x (a int)"},
			[]string{"returns no columns"}},
		{"both query and table", ReadOptions{Query: "SELECT 1", Table: "ev"}, []string{"use one of them"}},
		{"neither", ReadOptions{}, []string{"nothing to read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := readErr(t, dsn, tt.opts)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not *Error", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// readErr reads to the end and returns the first error.
func readErr(t *testing.T, dsn string, opts ReadOptions) error {
	t.Helper()
	r, err := Open(testCtx(t), dsn, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = table.ReadAll(r)
	if err == nil {
		t.Fatal("read succeeded")
	}
	return err
}

func TestReadConversionErrorIsReachable(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	err := readErr(t, dsn, ReadOptions{Query: "SELECT 'infinity'::date AS d"})
	var ce *table.ConversionError
	if !errors.As(err, &ce) || ce.Row != 1 || ce.Column != "d" || ce.Value != "infinity" {
		t.Errorf("ConversionError = %+v from %v", ce, err)
	}
}

func TestReadCancel(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	r, err := Open(ctx, dsn, ReadOptions{Query: "SELECT generate_series(1, 10000000000) AS g", BatchRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	cancel()
	for {
		_, err = r.Next()
		if err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) || IsRetryable(err) {
		t.Errorf("after cancel: %v (retryable %v), want context.Canceled, not retryable", err, IsRetryable(err))
	}
}
