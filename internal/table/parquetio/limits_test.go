package parquetio

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/hotpass/hotpass/internal/table"
)

// TestColumnLimitMatchesParquet keeps the table package's column limit
// equal to the most columns parquet-go can number.
func TestColumnLimitMatchesParquet(t *testing.T) {
	t.Parallel()
	if table.MaxColumns != parquet.MaxColumnIndex+1 {
		t.Errorf("table.MaxColumns = %d, parquet-go numbers %d columns", table.MaxColumns, parquet.MaxColumnIndex+1)
	}
}

// TestLongStringsNotCopiedIntoStatistics writes a 4 MB text that does not
// compress: the file holds it once, not again in page and column-chunk
// statistics, and it reads back whole. Numeric columns keep their
// statistics.
func TestLongStringsNotCopiedIntoStatistics(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	long := make([]byte, 4<<20)
	for i := range long {
		long[i] = 'a' + byte(rng.IntN(26))
	}
	s := table.MustSchema(table.Field{Name: "id", Type: table.Int64}, table.Field{Name: "blob", Type: table.String})
	b := table.NewBuilder(s, 2)
	b.Column(0).AppendInt64(1)
	b.Column(1).AppendString(string(long))
	b.Column(0).AppendInt64(2)
	b.Column(1).AppendString("short")
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := NewWriter(&out, s, WriteOptions{Compression: "none"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out.Len() > len(long)+64<<10 {
		t.Errorf("file of %d bytes for a %d-byte text: the text is stored more than once", out.Len(), len(long))
	}
	f, err := parquet.OpenFile(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	chunks := f.Metadata().RowGroups[0].Columns
	if st := chunks[1].MetaData.Statistics; len(st.MaxValue) > 0 || len(st.MinValue) > 0 {
		t.Errorf("string column statistics hold %d and %d bytes", len(st.MinValue), len(st.MaxValue))
	}
	if st := chunks[0].MetaData.Statistics; len(st.MinValue) == 0 || len(st.MaxValue) == 0 {
		t.Error("int64 column lost its statistics")
	}
	if d := readBytes(t, out.Bytes(), "blob.parquet").Diff(tb); d != "" {
		t.Errorf("read back differs: %s", d)
	}
}

// A zstd page longer than the encoders' window reads back whole: a random
// block repeated at a distance past the window cannot be matched, which
// must cost only size.
func TestZstdPageLongerThanWindow(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	block := make([]byte, zstdWindow+zstdWindow/2)
	for i := range block {
		block[i] = 'a' + byte(rng.IntN(26))
	}
	s := table.MustSchema(table.Field{Name: "blob", Type: table.String})
	b := table.NewBuilder(s, 2)
	b.Column(0).AppendString(string(block) + string(block))
	b.Column(0).AppendString("short")
	want, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := readFile(t, writeTable(t, want, WriteOptions{Compression: "zstd"}))
	if d := got.Diff(want); d != "" {
		t.Errorf("round trip differs: %s", d)
	}
}
