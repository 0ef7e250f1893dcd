package pgio

import (
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
)

const benchRows = 1_000_000

var benchSchema = table.MustSchema(
	table.Field{Name: "id", Type: table.Int64},
	table.Field{Name: "name", Type: table.String},
	table.Field{Name: "email", Type: table.String},
	table.Field{Name: "province", Type: table.String},
	table.Field{Name: "employees", Type: table.Int64},
	table.Field{Name: "revenue", Type: table.Float64},
	table.Field{Name: "active", Type: table.Bool},
	table.Field{Name: "updated_at", Type: table.Timestamp},
)

// benchTable builds n organisation-like rows with a few nulls.
func benchTable(tb testing.TB, n int) *table.Table {
	tb.Helper()
	provinces := []string{"Gauteng", "Western Cape", "KwaZulu-Natal", "Eastern Cape", "Free State", "Limpopo"}
	rng := rand.New(rand.NewPCG(7, 11))
	b := table.NewBuilder(benchSchema, n)
	for i := range n {
		b.Column(0).AppendInt64(int64(i + 1))
		b.Column(1).AppendString("Eagle Aviation Flight School " + strconv.Itoa(i))
		b.Column(2).AppendString("ops" + strconv.Itoa(i) + "@org" + strconv.Itoa(rng.IntN(50000)) + ".co.za")
		b.Column(3).AppendString(provinces[rng.IntN(len(provinces))])
		if rng.IntN(20) == 0 {
			b.Column(4).AppendNull()
		} else {
			b.Column(4).AppendInt64(int64(rng.IntN(5000)))
		}
		b.Column(5).AppendFloat64(float64(rng.IntN(100_000_000)) / 100)
		b.Column(6).AppendBool(rng.IntN(3) != 0)
		b.Column(7).AppendTimestamp(1_577_836_800_000_000 + rng.Int64N(5*365*86400*1_000_000))
	}
	t, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// BenchmarkWrite loads a million 8-column rows with COPY (replace mode, so
// every iteration writes the same rows into one table): in binary format
// into a table of the types Write creates, and in text format into one
// whose "name" column is a domain over text.
func BenchmarkWrite(b *testing.B) {
	for _, format := range []struct{ name, nameType string }{{"binary", "text"}, {"text", "txt"}} {
		b.Run(format.name, func(b *testing.B) {
			dsn := pgtest.URL(b)
			execSQL(b, dsn, "CREATE DOMAIN txt AS text",
				"CREATE TABLE bench (id bigint, name "+format.nameType+", email text, province text, employees bigint, revenue float8, active bool, updated_at timestamptz)")
			data := benchTable(b, benchRows)
			ctx := testCtx(b)
			b.ResetTimer()
			for b.Loop() {
				n, err := WriteTable(ctx, dsn, "bench", data, WriteOptions{Mode: Replace})
				if err != nil || n != benchRows {
					b.Fatalf("wrote %d rows: %v", n, err)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRead reads a million 8-column rows in batches.
func BenchmarkRead(b *testing.B) {
	dsn := pgtest.URL(b)
	ctx := testCtx(b)
	if _, err := WriteTable(ctx, dsn, "bench", benchTable(b, benchRows), WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(ctx, dsn, ReadOptions{Table: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			t, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += t.NumRows()
		}
		_ = r.Close()
		if rows != benchRows {
			b.Fatalf("read %d rows", rows)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
