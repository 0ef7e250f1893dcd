package pgio

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
)

// everyType is a schema with each column type, a key and a name that
// needs quoting.
var everyType = table.MustSchema(
	table.Field{Name: "id", Type: table.Int64},
	table.Field{Name: "name", Type: table.String},
	table.Field{Name: "score", Type: table.Float64},
	table.Field{Name: "active", Type: table.Bool},
	table.Field{Name: "Order Date", Type: table.Date},
	table.Field{Name: "updated_at", Type: table.Timestamp},
)

func everyTypeRows(t testing.TB) *table.Table {
	return build(t, everyType, // in id order
		[]any{int64(math.MinInt64), "x", 5e-324, true, day(1970, 1, 1), time.Unix(0, 0).UTC()},
		[]any{int64(1), "Eagle Aviation", 0.1, true, day(2024, 2, 29), time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)},
		[]any{int64(2), "tab\tnew\nline back\\slash \"quote\" 'apos' é 😀", math.Inf(-1), false, day(1, 1, 1), time.Date(1, 1, 1, 0, 0, 0, 1000, time.UTC)},
		[]any{int64(3), nil, nil, nil, nil, nil},
		[]any{int64(4), "", math.NaN(), true, day(-43, 3, 15), time.Date(-100, 6, 1, 12, 0, 0, 0, time.UTC)},
		[]any{int64(math.MaxInt64), `\N`, math.MaxFloat64, false, day(9999, 12, 31), time.Date(2262, 4, 11, 23, 47, 16, 854775000, time.UTC)},
	)
}

func readOrdered(t testing.TB, dsn, name string) *table.Table {
	t.Helper()
	id, err := ParseTableName(name)
	if err != nil {
		t.Fatal(err)
	}
	return readAll(t, dsn, ReadOptions{Query: "SELECT * FROM " + id.Sanitize() + " ORDER BY 1"})
}

func TestWriteRoundTripEveryMode(t *testing.T) {
	t.Parallel()
	formats := []struct {
		name  string
		setup []string
	}{
		// A table the write creates gets types loaded in binary format.
		{"binary", []string{"CREATE SCHEMA crm"}},
		// A domain column is not a type the binary encoder writes, so the
		// rows go as text.
		{"text", []string{"CREATE SCHEMA crm", "CREATE DOMAIN crm.txt AS text",
			`CREATE TABLE crm."Contacts 2024" (id bigint PRIMARY KEY, name crm.txt, score float8, active bool, "Order Date" date, updated_at timestamptz)`}},
	}
	for _, format := range formats {
		for _, mode := range []Mode{Append, Replace, Upsert} {
			t.Run(format.name+"/"+string(mode), func(t *testing.T) {
				t.Parallel()
				dsn := pgtest.URL(t)
				execSQL(t, dsn, format.setup...)
				want := everyTypeRows(t)
				const name = "crm.Contacts 2024"
				// Batches of 4 rows put some rows in a second batch.
				n, err := Write(testCtx(t), dsn, name, table.NewTableReader(want, 4), WriteOptions{Mode: mode, Key: []string{"id"}})
				if err != nil {
					t.Fatal(err)
				}
				if n != int64(want.NumRows()) {
					t.Errorf("wrote %d rows, want %d", n, want.NumRows())
				}
				if d := want.Diff(readOrdered(t, dsn, name)); d != "" {
					t.Errorf("round trip differs: %s", d)
				}
			})
		}
	}
}

func TestWriteCreatesTypedTableWithKey(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	if _, err := WriteTable(testCtx(t), dsn, "t", everyTypeRows(t), WriteOptions{Key: []string{"id"}}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, dsn, ReadOptions{Query: `SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type
		FROM pg_attribute a WHERE a.attrelid = 't'::regclass AND a.attnum > 0 ORDER BY a.attnum`})
	want := build(t, table.MustSchema(table.Field{Name: "name", Type: table.String}, table.Field{Name: "type", Type: table.String}),
		[]any{"id", "bigint"}, []any{"name", "text"}, []any{"score", "double precision"}, []any{"active", "boolean"},
		[]any{"Order Date", "date"}, []any{"updated_at", "timestamp with time zone"})
	if d := want.Diff(got); d != "" {
		t.Errorf("columns differ: %s", d)
	}
	pk := readAll(t, dsn, ReadOptions{Query: "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 't'::regclass AND contype = 'p'"})
	if pk.NumRows() != 1 || pk.Column(0).Strings()[0] != "PRIMARY KEY (id)" {
		t.Errorf("primary key: %v", pk.Column(0).Strings())
	}
}

func TestWriteModesOnExistingRows(t *testing.T) {
	t.Parallel()
	schema := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "v", Type: table.String})
	tests := []struct {
		mode Mode
		want [][]any
	}{
		{Append, [][]any{{int64(1), "old1"}, {int64(2), "old2"}, {int64(2), "new2"}, {int64(3), "new3"}}},
		{Replace, [][]any{{int64(2), "new2"}, {int64(3), "new3"}}},
		{Upsert, [][]any{{int64(1), "old1"}, {int64(2), "new2"}, {int64(3), "new3"}}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			dsn := pgtest.URL(t)
			// The unique index on (id, v) must not be taken for the key.
			execSQL(t, dsn, "CREATE TABLE kv (id bigint, v text, extra text DEFAULT 'kept', UNIQUE (id, v))",
				"INSERT INTO kv (id, v) VALUES (1, 'old1'), (2, 'old2')")
			opts := WriteOptions{Mode: tt.mode}
			if tt.mode == Upsert {
				execSQL(t, dsn, "CREATE UNIQUE INDEX kv_id ON kv (id)")
				opts.Key = []string{"id"}
			}
			data := build(t, schema, []any{int64(2), "new2"}, []any{int64(3), "new3"})
			if _, err := WriteTable(testCtx(t), dsn, "kv", data, opts); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, dsn, ReadOptions{Query: "SELECT id, v FROM kv ORDER BY id, v DESC"})
			want := build(t, schema, tt.want...)
			if d := want.Diff(got); d != "" {
				t.Errorf("%s: %s", tt.mode, d)
			}
			extra := readAll(t, dsn, ReadOptions{Query: "SELECT count(*) FROM kv WHERE extra IS DISTINCT FROM 'kept'"})
			if extra.Column(0).Int64s()[0] != 0 {
				t.Error("a column absent from the data lost its default")
			}
		})
	}
}

func TestFailedWriteLeavesTableUnchanged(t *testing.T) {
	t.Parallel()
	intSchema := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String}, table.Field{Name: "n", Type: table.Int64})
	strSchema := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String}, table.Field{Name: "n", Type: table.String})
	good := func(s table.Schema, n any) *table.Table {
		return build(t, s, []any{int64(1), "updated", n}, []any{int64(10), "new", n})
	}
	tests := []struct {
		name string
		r    func() table.Reader
		want []string
	}{
		{"not null violation in the second batch", func() table.Reader {
			return &sliceReader{schema: intSchema, batches: []*table.Table{
				good(intSchema, int64(5)), build(t, intSchema, []any{int64(11), nil, int64(5)}),
			}}
		}, []string{`column "name"`, "SQLSTATE 23502"}},
		{"value the column rejects in the second batch", func() table.Reader {
			return &sliceReader{schema: strSchema, batches: []*table.Table{
				good(strSchema, "5"), build(t, strSchema, []any{int64(11), "x", "12x"}),
			}}
		}, []string{`row 3, column "n"`, `"12x"`, "SQLSTATE 22P02"}},
		{"source error in the second batch", func() table.Reader {
			return &sliceReader{schema: intSchema, batches: []*table.Table{good(intSchema, int64(5))},
				err: &table.ConversionError{Row: 3, Column: "n", Value: "bad", From: table.String, To: table.Int64}}
		}, []string{`row 3, column "n": cannot convert "bad" to int64`, "after 2 rows"}},
		{"NUL character in the second batch", func() table.Reader {
			return &sliceReader{schema: intSchema, batches: []*table.Table{
				good(intSchema, int64(5)), build(t, intSchema, []any{int64(11), "a\x00b", int64(5)}),
			}}
		}, []string{`row 3, column "name", value "a\x00b"`, "NUL"}},
	}
	for _, tt := range tests {
		// n bigint lets int64 data go in binary format; integer forces text.
		for _, ntype := range []string{"bigint", "integer"} {
			for _, mode := range []Mode{Append, Replace, Upsert} {
				t.Run(tt.name+"/"+ntype+"/"+string(mode), func(t *testing.T) {
					t.Parallel()
					dsn := pgtest.URL(t)
					execSQL(t, dsn, "CREATE TABLE acc (id bigint PRIMARY KEY, name text NOT NULL, n "+ntype+")",
						"INSERT INTO acc VALUES (1, 'one', 1), (2, 'two', NULL)")
					before := readOrdered(t, dsn, "acc")
					_, err := Write(testCtx(t), dsn, "acc", tt.r(), WriteOptions{Mode: mode, Key: []string{"id"}})
					if err == nil {
						t.Fatal("write succeeded")
					}
					for _, w := range tt.want {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("error %q does not contain %q", err, w)
						}
					}
					if d := before.Diff(readOrdered(t, dsn, "acc")); d != "" {
						t.Errorf("table changed: %s", d)
					}
				})
			}
		}
	}
	t.Run("new table is not created", func(t *testing.T) {
		t.Parallel()
		dsn := pgtest.URL(t)
		r := &sliceReader{schema: intSchema, batches: []*table.Table{good(intSchema, int64(1))}, err: errors.New("source broke")}
		if _, err := Write(testCtx(t), dsn, "fresh", r, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "source broke") {
			t.Fatalf("error = %v", err)
		}
		got := readAll(t, dsn, ReadOptions{Query: "SELECT to_regclass('fresh')::text AS t"})
		if !got.Column(0).IsNull(0) {
			t.Error("the failed write left the table behind")
		}
	})
}

func TestWriteCancelRollsBack(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn, "CREATE TABLE acc (id bigint, name text)", "INSERT INTO acc VALUES (1, 'one')")
	before := readOrdered(t, dsn, "acc")
	schema := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	batch := build(t, schema, []any{int64(2), "two"})
	r := &sliceReader{schema: schema, batches: []*table.Table{batch, batch, batch},
		onNext: func(call int) {
			if call == 2 {
				cancel()
			}
		}}
	_, err := Write(ctx, dsn, "acc", r, WriteOptions{Mode: Replace})
	if !errors.Is(err, context.Canceled) || IsRetryable(err) {
		t.Fatalf("error = %v, want context.Canceled and not retryable", err)
	}
	if d := before.Diff(readOrdered(t, dsn, "acc")); d != "" {
		t.Errorf("table changed: %s", d)
	}
}

func TestWriteRejectsBadRequests(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn, "CREATE TABLE nokey (id bigint, name text)", "CREATE TABLE partial (id bigint, name text)",
		"CREATE UNIQUE INDEX partial_id ON partial (id) WHERE id > 0")
	schema := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "name", Type: table.String})
	data := build(t, schema, []any{int64(1), "a"})
	tests := []struct {
		name  string
		table string
		data  *table.Table
		opts  WriteOptions
		want  string
	}{
		{"upsert without key", "nokey", data, WriteOptions{Mode: Upsert}, "upsert needs key: name the column(s)"},
		{"key not in data", "nokey", data, WriteOptions{Mode: Upsert, Key: []string{"nope"}}, `key column "nope" is not in the data`},
		{"table lacks unique key", "nokey", data, WriteOptions{Mode: Upsert, Key: []string{"id"}},
			`upsert needs a unique index or constraint on exactly ("id") in table "nokey"`},
		{"partial index is not a key", "partial", data, WriteOptions{Mode: Upsert, Key: []string{"id"}}, "upsert needs a unique index"},
		{"unknown mode", "nokey", data, WriteOptions{Mode: "merge"}, `unknown write mode "merge"`},
		{"missing table without create", "absent", data, WriteOptions{NoCreate: true}, `table "absent" does not exist`},
		{"data column missing in table", "nokey", build(t, table.MustSchema(table.Field{Name: "Name", Type: table.String}), []any{"x"}), WriteOptions{},
			`table "nokey" has no column "Name" (it has id, name)`},
		{"bad table name", `a"b`, data, WriteOptions{}, "quote inside an unquoted part"},
		{"duplicate keys in the data", "fresh", build(t, schema, []any{int64(1), "a"}, []any{int64(1), "b"}), WriteOptions{Mode: Upsert, Key: []string{"id"}},
			"several rows with the same key (id): deduplicate them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := WriteTable(testCtx(t), dsn, tt.table, tt.data, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Op != "write" {
				t.Errorf("error is not a write *Error: %#v", err)
			}
		})
	}
}

func TestWriteIntoExistingColumnTypes(t *testing.T) {
	t.Parallel()
	dsn := pgtest.URL(t)
	execSQL(t, dsn, "CREATE TABLE wide (id integer, code varchar(8), amount numeric(10,2), ref uuid, doc jsonb, seen timestamp, f real)")
	schema := table.MustSchema(
		table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "code", Type: table.String},
		table.Field{Name: "amount", Type: table.Float64}, table.Field{Name: "ref", Type: table.String},
		table.Field{Name: "doc", Type: table.String}, table.Field{Name: "seen", Type: table.Timestamp},
		table.Field{Name: "f", Type: table.Float64},
	)
	data := build(t, schema, []any{int64(7), "ZS-ABC", 12.5, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"k": [1]}`, time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC), 0.25})
	if _, err := WriteTable(testCtx(t), dsn, "wide", data, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := data.Diff(readOrdered(t, dsn, "wide")); d != "" {
		t.Errorf("round trip through existing types differs: %s", d)
	}
}
