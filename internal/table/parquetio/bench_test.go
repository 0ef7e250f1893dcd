package parquetio

import (
	"io"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// BenchmarkWriteSmallTable writes a 5,000-row table with a new Writer each
// time, as a run does for every kept output. Run it with -benchmem: the
// bytes allocated per write show what each writer costs beyond its data
// (compression state above all), which a run pays once per task.
func BenchmarkWriteSmallTable(b *testing.B) {
	for _, compression := range []string{"zstd", "snappy", "gzip", "none"} {
		b.Run(compression, func(b *testing.B) {
			tb := sample(b, 5000)
			b.ReportAllocs()
			for b.Loop() {
				w, err := NewWriter(io.Discard, tb.Schema(), WriteOptions{Compression: compression})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := table.Copy(w, table.NewTableReader(tb, 1024)); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
