package parquetio

import (
	"io"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// BenchmarkWriteSmallTable writes a 5,000-row table with a new Writer each
// time, as a run does for every kept output. Run it with -benchmem: the
// bytes allocated per write show what each writer costs beyond its data
// (compression state above all), which a run pays once per task. The
// zstd-200k case has batches large enough for columns to be compressed on
// several goroutines at once, each with an encoder; -benchtime 1x shows
// what creating those encoders costs.
func BenchmarkWriteSmallTable(b *testing.B) {
	for _, tc := range []struct {
		name, compression string
		rows, batch       int
	}{
		{"zstd", "zstd", 5000, 1024},
		{"snappy", "snappy", 5000, 1024},
		{"gzip", "gzip", 5000, 1024},
		{"none", "none", 5000, 1024},
		{"zstd-200k", "zstd", 200_000, 16_384},
	} {
		compression := tc.compression
		b.Run(tc.name, func(b *testing.B) {
			tb := sample(b, tc.rows)
			b.ReportAllocs()
			for b.Loop() {
				w, err := NewWriter(io.Discard, tb.Schema(), WriteOptions{Compression: compression})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := table.Copy(w, table.NewTableReader(tb, tc.batch)); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
