package csvio

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

func readString(t *testing.T, data string, opts ReadOptions) (*table.Table, error) {
	t.Helper()
	if opts.Name == "" {
		opts.Name = "in.csv"
	}
	r, err := NewReader(strings.NewReader(data), opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return table.ReadAll(r)
}

func mustRead(t *testing.T, data string, opts ReadOptions) *table.Table {
	t.Helper()
	tb, err := readString(t, data, opts)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return tb
}

func sample(t *testing.T) *table.Table {
	t.Helper()
	s := table.MustSchema(
		table.Field{Name: "zeta", Type: table.String},
		table.Field{Name: "alpha", Type: table.Int64},
		table.Field{Name: "mid", Type: table.Float64},
		table.Field{Name: "ok", Type: table.Bool},
		table.Field{Name: "day", Type: table.Date},
		table.Field{Name: "at", Type: table.Timestamp},
	)
	b := table.NewBuilder(s, 0)
	rows := [][]any{
		{"Acme, Inc.", int64(1), 1.25, true, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 8, 30, 0, 0, time.UTC)},
		{"say \"hi\"\nsecond line", nil, 3.0, false, nil, time.Date(2024, 2, 1, 0, 0, 0, 123000, time.UTC)},
		{nil, int64(-7), nil, nil, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), nil},
		{"Zoë Café", int64(1 << 40), -0.5, true, time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(1969, 7, 20, 20, 17, 40, 0, time.UTC)},
	}
	for _, r := range rows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func writeFile(t *testing.T, tb *table.Table, opts WriteOptions) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.csv")
	w, err := Create(path, tb.Schema(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb.Slice(0, 2)); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb.Slice(2, tb.NumRows())); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRoundTripInfersTypesAndKeepsOrder(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{UTF8, Latin1} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			want := sample(t)
			path := writeFile(t, want, WriteOptions{Encoding: enc})
			r, err := Open(path, ReadOptions{Encoding: enc, BatchRows: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if !r.Schema().Equal(want.Schema()) {
				t.Fatalf("schema %s, want %s", r.Schema(), want.Schema())
			}
			got, err := table.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if d := got.Diff(want); d != "" {
				t.Errorf("round trip differs: %s", d)
			}
		})
	}
}

func TestDialect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		opts ReadOptions
		want [][]string // formatted cells, header first
	}{
		{"crlf", "a,b\r\n1,x\r\n2,y\r\n", ReadOptions{}, [][]string{{"a", "b"}, {"1", "x"}, {"2", "y"}}},
		{"bom", "\xef\xbb\xbfname,n\nx,1\n", ReadOptions{}, [][]string{{"name", "n"}, {"x", "1"}}},
		{"embedded newline and quotes", "a,b\n\"line1\r\nline2\",\"he said \"\"hi\"\"\"\n\"\",3\n", ReadOptions{Types: map[string]table.Type{"b": table.String}},
			[][]string{{"a", "b"}, {"line1\nline2", `he said "hi"`}, {"", "3"}}},
		{"no trailing newline", "a\n1\n2", ReadOptions{}, [][]string{{"a"}, {"1"}, {"2"}}},
		{"semicolon and single quote", "a;b\n'x;y';2\n", ReadOptions{Delimiter: ';', Quote: '\''}, [][]string{{"a", "b"}, {"x;y", "2"}}},
		{"bare quote kept", "h,w\n5'10\",x\n", ReadOptions{}, [][]string{{"h", "w"}, {`5'10"`, "x"}}},
		{"no header", "1,x\n2,y\n", ReadOptions{NoHeader: true}, [][]string{{"column_1", "column_2"}, {"1", "x"}, {"2", "y"}}},
		{"duplicate and empty headers", "a,a, ,b\n1,2,3,4\n", ReadOptions{}, [][]string{{"a", "a_2", "column_3", "b"}, {"1", "2", "3", "4"}}},
		{"null values", "a,b\nNA,1\nx,\n", ReadOptions{NullValues: []string{"NA"}}, [][]string{{"a", "b"}, {"", "1"}, {"x", ""}}},
		{"blank lines skipped", "a\n\n1\n\n", ReadOptions{}, [][]string{{"a"}, {"1"}}},
		{"trailing delimiter", "a,b\n1,\n", ReadOptions{}, [][]string{{"a", "b"}, {"1", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb := mustRead(t, tt.data, tt.opts)
			if got := strings.Join(tb.Schema().Names(), "|"); got != strings.Join(tt.want[0], "|") {
				t.Fatalf("header %s, want %s", got, strings.Join(tt.want[0], "|"))
			}
			if tb.NumRows() != len(tt.want)-1 {
				t.Fatalf("%d rows, want %d", tb.NumRows(), len(tt.want)-1)
			}
			for i, row := range tt.want[1:] {
				for j, cell := range row {
					if got := tb.Column(j).Format(i); got != cell {
						t.Errorf("row %d col %d = %q, want %q", i+1, j+1, got, cell)
					}
				}
			}
		})
	}
}

func TestNullValuesMakeNulls(t *testing.T) {
	t.Parallel()
	tb := mustRead(t, "a,b\nNA,1\nx,\n", ReadOptions{NullValues: []string{"NA", ""}})
	if !tb.Column(0).IsNull(0) || tb.Column(0).IsNull(1) || !tb.Column(1).IsNull(1) {
		t.Errorf("nulls wrong: %v %v", tb.Row(0), tb.Row(1))
	}
	tb = mustRead(t, "a,b\n,1\n", ReadOptions{NullValues: []string{}})
	if tb.Column(0).IsNull(0) || tb.Schema().Field(0).Type != table.String {
		t.Error("empty NullValues still produced a null")
	}
}

func TestLatin1Decoding(t *testing.T) {
	t.Parallel()
	data := "name\nCaf\xe9\n"
	tb := mustRead(t, data, ReadOptions{Encoding: "latin-1"})
	if got := tb.Column(0).Format(0); got != "Café" {
		t.Errorf("latin-1 read %q, want Café", got)
	}
	_, err := readString(t, data, ReadOptions{Encoding: UTF8})
	var re *RowError
	if !errors.As(err, &re) || re.Line != 2 || !strings.Contains(err.Error(), "invalid UTF-8") || !strings.Contains(err.Error(), "in.csv:2") {
		t.Errorf("invalid UTF-8 error = %v", err)
	}
	if strings.Contains(err.Error(), "latin") || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("invalid UTF-8 hint %q must name windows-1252 and never latin-1", err)
	}
	var sb strings.Builder
	w, _ := NewWriter(&sb, table.MustSchema(table.Field{Name: "s", Type: table.String}), WriteOptions{Encoding: Latin1})
	b := table.NewBuilder(w.schema, 1)
	b.Column(0).AppendString("łódź")
	tb, _ = b.Build()
	if err := w.Write(tb); err == nil || !strings.Contains(err.Error(), `row 1, column "s"`) {
		t.Errorf("unencodable latin-1 error = %v", err)
	}
}

const badCSV = "id,name,founded\n" +
	"1,a,1990\n" +
	"2,b\n" + // line 3: too few fields
	"3,\"c\"x,1991\n" + // line 4: text after closing quote
	"4,d,1992\n" +
	"5,\"never closed,1993\n"

func TestBadRowPolicies(t *testing.T) {
	t.Parallel()
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		_, err := readString(t, badCSV, ReadOptions{})
		var re *RowError
		if !errors.As(err, &re) || re.Line != 3 || re.File != "in.csv" || !strings.Contains(err.Error(), "has 2 fields, expected 3") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("skip", func(t *testing.T) {
		t.Parallel()
		r, err := NewReader(strings.NewReader(badCSV), ReadOptions{OnBadRow: BadRowSkip})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		tb, err := table.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if tb.NumRows() != 2 || tb.Column(0).Int64s()[1] != 4 || r.BadRows() != 3 {
			t.Errorf("kept %d rows, %d bad", tb.NumRows(), r.BadRows())
		}
	})
	t.Run("collect", func(t *testing.T) {
		t.Parallel()
		rejects := filepath.Join(t.TempDir(), "rejects.csv")
		r, err := NewReader(strings.NewReader(badCSV), ReadOptions{Name: "in.csv", OnBadRow: BadRowCollect, RejectsPath: rejects})
		if err != nil {
			t.Fatal(err)
		}
		tb, err := table.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(rejects); !os.IsNotExist(err) {
			t.Error("rejects file visible before Close")
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if tb.NumRows() != 2 {
			t.Errorf("kept %d rows, want 2", tb.NumRows())
		}
		f, err := os.Open(rejects)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"line", "reason", "record"},
			{"3", "has 2 fields, expected 3 (check the delimiter and quoting)", "2,b"},
			{"4", "unexpected 'x' after the closing quote of field 2 (double quotes inside quoted fields)", `3,"c"x,1991`},
			{"6", "quoted field 2 is never closed", "5,\"never closed,1993"},
		}
		if len(recs) != len(want) {
			t.Fatalf("rejects = %q", recs)
		}
		for i := range want {
			if strings.Join(recs[i], "|") != strings.Join(want[i], "|") {
				t.Errorf("rejects row %d = %q, want %q", i, recs[i], want[i])
			}
		}
	})
	t.Run("collect needs a path", func(t *testing.T) {
		t.Parallel()
		if _, err := readString(t, badCSV, ReadOptions{OnBadRow: BadRowCollect}); err == nil {
			t.Error("collect without RejectsPath accepted")
		}
	})
}

func TestValueAfterSampleFailsWithRowColumnValue(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("name,founded\n")
	for i := 1; i <= 20; i++ {
		v := "1990"
		if i == 17 {
			v = "19x9"
		}
		sb.WriteString("org," + v + "\n")
	}
	_, err := readString(t, sb.String(), ReadOptions{InferRows: 5})
	var ce *table.ConversionError
	var re *RowError
	if !errors.As(err, &ce) || !errors.As(err, &re) {
		t.Fatalf("error %v lacks ConversionError/RowError", err)
	}
	if ce.Row != 17 || ce.Column != "founded" || ce.Value != "19x9" || ce.To != table.Int64 || re.Line != 18 {
		t.Errorf("ConversionError %+v at line %d", ce, re.Line)
	}
	if want := `in.csv:18: row 17, column "founded": cannot convert "19x9" to int64`; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	// With the whole file sampled the column is a string and nothing fails.
	tb := mustRead(t, sb.String(), ReadOptions{})
	if tb.Schema().Field(1).Type != table.String {
		t.Errorf("full sample inferred %s", tb.Schema().Field(1).Type)
	}
}

func TestTypeOverrides(t *testing.T) {
	t.Parallel()
	tb := mustRead(t, "zip,n\n0123,1\n", ReadOptions{Types: map[string]table.Type{"n": table.Float64}})
	if tb.Schema().String() != "zip:string, n:float64" {
		t.Errorf("schema %s", tb.Schema())
	}
	_, err := readString(t, "a\n1\n", ReadOptions{Types: map[string]table.Type{"b": table.Int64}})
	if err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("unknown override error = %v", err)
	}
}

func TestBatchingAcrossSample(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("n\n")
	for i := range 1000 {
		sb.WriteString(strings.Repeat("1", 1+i%5) + "\n")
	}
	r, err := NewReader(strings.NewReader(sb.String()), ReadOptions{InferRows: 10, BatchRows: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	batches, rows := 0, 0
	for {
		b, err := r.Next()
		if err != nil {
			break
		}
		batches++
		rows += b.NumRows()
	}
	if rows != 1000 || batches != 16 {
		t.Errorf("%d rows in %d batches, want 1000 in 16", rows, batches)
	}
}

func TestEarlyCloseStopsProducer(t *testing.T) {
	t.Parallel()
	data := "n\n" + strings.Repeat("1\n", 10000)
	r, err := NewReader(strings.NewReader(data), ReadOptions{BatchRows: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWriterAbortLeavesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tb := sample(t)
	w, err := Create(filepath.Join(dir, "x.csv"), tb.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
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
		t.Errorf("directory not empty after failed write: %v", entries)
	}
}

func FuzzReader(f *testing.F) {
	f.Add("a,b\n1,2\n", false)
	f.Add("a,b\r\n\"x\r\ny\",\"q\"\"\"\n", false)
	f.Add("\xef\xbb\xbfa\n\xff\n", true)
	f.Add("a,b\n\"open,1\n", false)
	f.Add("a\n2024-01-31\n1e5\ntrue\n", false)
	f.Fuzz(func(t *testing.T, data string, skip bool) {
		opts := ReadOptions{InferRows: 3, BatchRows: 2}
		if skip {
			opts.OnBadRow = BadRowSkip
		}
		r, err := NewReader(strings.NewReader(data), opts)
		if err != nil {
			return
		}
		defer r.Close()
		tb, err := table.ReadAll(r)
		if err != nil {
			return
		}
		// Whatever was read must survive a write and re-read unchanged
		// in shape.
		var sb strings.Builder
		w, err := NewWriter(&sb, tb.Schema(), WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(tb); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
