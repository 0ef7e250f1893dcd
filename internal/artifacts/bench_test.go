package artifacts

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// BenchmarkTable measures handing a 100k-row table between machines
// through a file:// store: PutTable on one side, GetTable on the other.
func BenchmarkTable(b *testing.B) {
	const rows = 100_000
	tb := sample(b, rows)
	s, err := Open(context.Background(), dirURL(b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	ref, err := s.PutTable(ctx, "run-1", "clean", tb)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("PutTable", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.PutTable(ctx, "run-1", "clean", tb); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	// The same write straight to a local file, to show what the store adds.
	b.Run("parquetio.Create", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "clean.parquet")
		b.ReportAllocs()
		for b.Loop() {
			w, err := parquetio.Create(path, tb.Schema(), parquetio.WriteOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Write(tb); err != nil {
				b.Fatal(err)
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("GetTable", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetTable(ctx, ref); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}
