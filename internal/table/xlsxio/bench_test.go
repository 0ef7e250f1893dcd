package xlsxio

import (
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

// benchTable returns rows × 10 columns: names, emails, phones as text,
// integers, floats, dates and a bool, like a contact export.
func benchTable(tb testing.TB, rows int) *table.Table {
	tb.Helper()
	s := table.MustSchema(
		table.Field{Name: "id", Type: table.Int64},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "phone", Type: table.String},
		table.Field{Name: "province", Type: table.String},
		table.Field{Name: "score", Type: table.Float64},
		table.Field{Name: "planes", Type: table.Int64},
		table.Field{Name: "joined", Type: table.Date},
		table.Field{Name: "active", Type: table.Bool},
		table.Field{Name: "notes", Type: table.String},
	)
	b := table.NewBuilder(s, rows)
	provinces := []string{"Gauteng", "Western Cape", "KwaZulu-Natal", "Limpopo"}
	base := table.TimeToDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	for i := 0; i < rows; i++ {
		n := strconv.Itoa(i)
		b.Column(0).AppendInt64(int64(i + 1))
		b.Column(1).AppendString("Organisation " + n)
		b.Column(2).AppendString("contact" + n + "@example.co.za")
		b.Column(3).AppendString("+27 82 " + n)
		b.Column(4).AppendString(provinces[i%len(provinces)])
		b.Column(5).AppendFloat64(float64(i%1000) / 1000)
		b.Column(6).AppendInt64(int64(i % 17))
		b.Column(7).AppendDate(base + int32(i%2000))
		b.Column(8).AppendBool(i%3 == 0)
		if i%5 == 0 {
			b.Column(9).AppendNull()
		} else {
			b.Column(9).AppendString("note " + n)
		}
	}
	t, err := b.Build()
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

const benchRows = 200_000

func BenchmarkWrite200k(b *testing.B) {
	t := benchTable(b, benchRows)
	dir := b.TempDir()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := WriteFile(filepath.Join(dir, "bench.xlsx"), t, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkRead200k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	if err := WriteFile(path, benchTable(b, benchRows), WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Open(path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			t, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += t.NumRows()
		}
		_ = r.Close()
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
