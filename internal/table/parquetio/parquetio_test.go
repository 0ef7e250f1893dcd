package parquetio

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/hotpass/hotpass/internal/table"
)

func sample(t testing.TB, rows int) *table.Table {
	t.Helper()
	s := table.MustSchema(
		table.Field{Name: "zeta", Type: table.String},
		table.Field{Name: "alpha", Type: table.Int64},
		table.Field{Name: "mid", Type: table.Float64},
		table.Field{Name: "ok", Type: table.Bool},
		table.Field{Name: "day", Type: table.Date},
		table.Field{Name: "at", Type: table.Timestamp},
	)
	b := table.NewBuilder(s, rows)
	for i := range rows {
		if i%7 == 3 {
			for j := range s.Len() {
				b.Column(j).AppendNull()
			}
			continue
		}
		b.Column(0).AppendString(strings.Repeat("é", i%4) + "org")
		b.Column(1).AppendInt64(int64(i) * -1_000_003)
		b.Column(2).AppendFloat64(float64(i) / 3)
		b.Column(3).AppendBool(i%2 == 0)
		b.Column(4).AppendDate(int32(i - 500))
		b.Column(5).AppendTimestamp(int64(i)*3_600_000_123 - 10)
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func writeTable(t *testing.T, tb *table.Table, opts WriteOptions) string {
	t.Helper()
	return writeBatches(t, tb, opts, 100)
}

// writeBatches writes tb in batches of the given number of rows.
func writeBatches(t *testing.T, tb *table.Table, opts WriteOptions, batch int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.parquet")
	w, err := Create(path, tb.Schema(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := table.Copy(w, table.NewTableReader(tb, batch)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) (*table.Table, int) {
	t.Helper()
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	batches := 0
	var all []*table.Table
	for {
		b, err := r.Next()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatal(err)
			}
			break
		}
		batches++
		all = append(all, b)
	}
	if len(all) == 0 {
		return table.Empty(r.Schema()), 0
	}
	tb, err := table.Concat(all...)
	if err != nil {
		t.Fatal(err)
	}
	return tb, batches
}

// readBytes reads a whole Parquet file held in memory.
func readBytes(t *testing.T, data []byte, name string) *table.Table {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		rows        int
		batch       int // rows per Write; 0 means 100
		opts        WriteOptions
		wantBatches int
	}{
		{"zstd one row group", 250, 0, WriteOptions{}, 1},
		{"row groups of 64", 250, 0, WriteOptions{RowGroupRows: 64}, 4},
		{"dictionary snappy", 250, 0, WriteOptions{Dictionary: true, Compression: "snappy"}, 1},
		{"uncompressed", 10, 0, WriteOptions{Compression: "none"}, 1},
		{"empty", 0, 0, WriteOptions{}, 0},
		// Batches this large have their columns encoded concurrently,
		// including the flush that ends each row group.
		{"large batches", 40_000, 40_000, WriteOptions{RowGroupRows: 16_384}, 3},
		{"large batches dictionary", 30_000, 12_000, WriteOptions{Dictionary: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := sample(t, tt.rows)
			batch := tt.batch
			if batch == 0 {
				batch = 100
			}
			got, batches := readFile(t, writeBatches(t, want, tt.opts, batch))
			if d := got.Diff(want); d != "" {
				t.Errorf("round trip differs: %s", d)
			}
			if batches != tt.wantBatches {
				t.Errorf("%d batches, want %d (one per row group)", batches, tt.wantBatches)
			}
		})
	}
}

func TestColumnOrderKeptInFile(t *testing.T) {
	t.Parallel()
	path := writeTable(t, sample(t, 3), WriteOptions{})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range pf.Schema().Fields() {
		names = append(names, c.Name())
	}
	if got := strings.Join(names, ","); got != "zeta,alpha,mid,ok,day,at" {
		t.Errorf("file column order %s, want zeta,alpha,mid,ok,day,at", got)
	}
	at := pf.Schema().Fields()[5].Type().LogicalType().Value.String()
	if !strings.Contains(at, "isAdjustedToUTC=true") || !strings.Contains(at, "MICROS") {
		t.Errorf("timestamp logical type %s", at)
	}
	if day := pf.Schema().Fields()[4].Type().LogicalType().Value.String(); day != "DATE" {
		t.Errorf("date logical type %s", day)
	}
	if !pf.Schema().Fields()[1].Optional() {
		t.Error("columns are not optional")
	}
}

func TestReadsDuckDBFile(t *testing.T) {
	t.Parallel()
	got, _ := readFile(t, "../../../testdata/table/duckdb_sample.parquet")
	wantSchema := "id:int64, big:int64, score:float64, name:string, founded:date, seen_at:timestamp, active:bool, province:string"
	if got.Schema().String() != wantSchema {
		t.Fatalf("schema %s\nwant   %s", got.Schema(), wantSchema)
	}
	want := [][]string{
		{"1", "10000000000", "1.5", "Acme Aviation", "2024-01-31", "2024-01-31T08:30:00Z", "true", "Gauteng"},
		{"2", "", "-2.25", "", "1969-12-31", "1969-12-31T23:59:59.123456Z", "false", "Gauteng"},
		{"", "-7", "", "Zoë Café", "", "", "", "Western Cape"},
		{"4", "42", "0.1", "", "2000-02-29", "2000-02-29T12:00:00.500000Z", "true", "Gauteng"},
		{"5", "0", "1e+300", "line1\nline2", "2100-12-31", "2100-12-31T23:59:59Z", "false", ""},
	}
	if got.NumRows() != len(want) {
		t.Fatalf("%d rows, want %d", got.NumRows(), len(want))
	}
	for i, row := range want {
		for j, cell := range row {
			if f := got.Column(j).Format(i); f != cell {
				t.Errorf("row %d %s = %q, want %q", i+1, got.Schema().Field(j).Name, f, cell)
			}
		}
	}
	name := got.ColumnByName("name")
	if !name.IsNull(1) || name.IsNull(3) {
		t.Error("NULL and empty string not distinguished")
	}
}

func TestReadsDuckDBDictionaryRowGroups(t *testing.T) {
	t.Parallel()
	const path = "../../../testdata/table/duckdb_dict.parquet"
	// The fixture must exercise dictionary pages, or this test proves less
	// than it claims.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dict := false
	for _, c := range pf.Metadata().RowGroups[0].Columns {
		for _, e := range c.MetaData.Encoding {
			//lint:ignore SA1019 DuckDB still records dictionary pages as PLAIN_DICTIONARY.
			dict = dict || e == format.RLEDictionary || e == format.PlainDictionary
		}
	}
	if !dict {
		t.Fatal("DuckDB fixture has no dictionary-encoded column")
	}
	got, batches := readFile(t, path)
	if batches != 3 || got.NumRows() != 5000 {
		t.Fatalf("%d rows in %d batches, want 5000 in 3", got.NumRows(), batches)
	}
	provinces := []string{"Gauteng", "Western Cape", "Limpopo"}
	for i := 0; i < 5000; i++ {
		id := got.Column(0).Int64s()[i]
		if id != int64(i) || got.Column(1).Strings()[i] != provinces[i%3] {
			t.Fatalf("row %d = %v", i+1, got.Row(i))
		}
		org := got.Column(2)
		if (i%10 == 0) != org.IsNull(i) || (i%10 != 0 && org.Strings()[i] != "org-"+string(rune('0'+i%7))) {
			t.Fatalf("row %d org = %v", i+1, org.Value(i))
		}
	}
}

func TestReadsDecimalsAsFloat(t *testing.T) {
	t.Parallel()
	got, _ := readFile(t, "../../../testdata/table/duckdb_decimal.parquet")
	want := []float64{12.34, -123456789.123, 12345678901234567890.5}
	for j, w := range want {
		c := got.Column(j)
		if c.Type() != table.Float64 || math.Abs(c.Float64s()[0]-w) > math.Abs(w)*1e-15 {
			t.Errorf("%s = %v (%s), want %v", got.Schema().Field(j).Name, c.Value(0), c.Type(), w)
		}
	}
}

func TestUnsupportedTypeNamesColumn(t *testing.T) {
	t.Parallel()
	_, err := Open("../../../testdata/table/duckdb_nested.parquet")
	if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), `column "tags"`) || !strings.Contains(err.Error(), "LIST") {
		t.Errorf("error = %v", err)
	}
	type timeOfDay struct {
		T time.Duration `parquet:"t,time(microsecond)"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[timeOfDay](&buf)
	if _, err := w.Write([]timeOfDay{{T: time.Hour}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "time.parquet")
	if !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), `column "t"`) || !strings.Contains(err.Error(), "TIME") {
		t.Errorf("TIME column error = %v", err)
	}
}

// foreign mimics what pyarrow and Spark write: narrower physical types,
// other timestamp units, dictionary pages and required columns.
type foreign struct {
	I32  int32     `parquet:"i32"`
	U32  uint32    `parquet:"u32"`
	F32  float32   `parquet:"f32"`
	Ms   time.Time `parquet:"ms,timestamp(millisecond)"`
	Ns   time.Time `parquet:"ns,timestamp(nanosecond)"`
	Dict string    `parquet:"dict,dict"`
	Opt  *string   `parquet:"opt,optional"`
}

func TestReadsOtherPhysicalTypes(t *testing.T) {
	t.Parallel()
	s := "x"
	ts := time.Date(1960, 5, 6, 7, 8, 9, 123456789, time.UTC)
	rows := []foreign{
		{I32: -5, U32: math.MaxUint32, F32: 1.5, Ms: ts, Ns: ts, Dict: "a", Opt: &s},
		{I32: 7, U32: 1, F32: -0.25, Ms: ts.Add(time.Hour), Ns: ts.Add(-time.Nanosecond), Dict: "a"},
	}
	path := filepath.Join(t.TempDir(), "foreign.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[foreign](f, parquet.MaxRowsPerRowGroup(1))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, batches := readFile(t, path)
	if batches != 2 {
		t.Errorf("%d batches, want 2", batches)
	}
	if got.Schema().String() != "i32:int64, u32:int64, f32:float64, ms:timestamp, ns:timestamp, dict:string, opt:string" {
		t.Errorf("schema %s", got.Schema())
	}
	want := [][]string{
		{"-5", "4294967295", "1.5", "1960-05-06T07:08:09.123000Z", "1960-05-06T07:08:09.123456Z", "a", "x"},
		{"7", "1", "-0.25", "1960-05-06T08:08:09.123000Z", "1960-05-06T07:08:09.123456Z", "a", ""},
	}
	for i, row := range want {
		for j, cell := range row {
			if g := got.Column(j).Format(i); g != cell {
				t.Errorf("row %d %s = %q, want %q", i+1, got.Schema().Field(j).Name, g, cell)
			}
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	t.Parallel()
	path := writeTable(t, sample(t, 50), WriteOptions{})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{len(data) - 1, len(data) / 2, 3} {
		short := filepath.Join(t.TempDir(), "short.parquet")
		if err := os.WriteFile(short, data[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(short)
		if err == nil || !strings.Contains(err.Error(), "truncated or not Parquet") || !strings.Contains(err.Error(), short) {
			t.Errorf("cut at %d: error = %v", cut, err)
		}
	}
}

func TestWriterAbortAndFailureLeaveNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tb := sample(t, 10)
	w, err := Create(filepath.Join(dir, "a.parquet"), tb.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := table.Abort(w); err != nil {
		t.Fatal(err)
	}
	w, err = Create(filepath.Join(dir, "b.parquet"), tb.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := tb.Project("alpha")
	if err := w.Write(other); err == nil {
		t.Fatal("schema mismatch accepted")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after failed Write succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("directory not empty: %v", entries)
	}
	if _, err := Create(filepath.Join(dir, "c.parquet"), tb.Schema(), WriteOptions{Compression: "lzma"}); err == nil {
		t.Error("unknown compression accepted")
	}
}

// Writers share one codec per compression, and with it its pool of
// encoders: an encoder reused by another writer, or used by several writers
// at once, must give each file the bytes it would have alone.
func TestWritersSharingCodecWriteSameBytes(t *testing.T) {
	t.Parallel()
	tb := sample(t, 3000)
	write := func(compression string) ([]byte, error) {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, tb.Schema(), WriteOptions{Compression: compression, RowGroupRows: 1000})
		if err != nil {
			return nil, err
		}
		if _, err := table.Copy(w, table.NewTableReader(tb, 500)); err != nil {
			return nil, err
		}
		err = w.Close()
		return buf.Bytes(), err
	}
	for _, compression := range []string{"zstd", "snappy", "gzip", "none"} {
		t.Run(compression, func(t *testing.T) {
			t.Parallel()
			want, err := write(compression)
			if err != nil {
				t.Fatal(err)
			}
			const writers = 6
			got := make([][]byte, writers)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = write(compression)
				}()
			}
			wg.Wait()
			for i := range writers {
				if errs[i] != nil {
					t.Fatalf("writer %d: %v", i, errs[i])
				}
				if !bytes.Equal(got[i], want) {
					t.Errorf("writer %d wrote %d bytes differing from the %d of a writer alone", i, len(got[i]), len(want))
				}
			}
			if d := readBytes(t, want, compression).Diff(tb); d != "" {
				t.Errorf("round trip differs: %s", d)
			}
		})
	}
}
