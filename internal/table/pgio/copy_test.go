package pgio

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

func TestAppendRowEncodesCopyText(t *testing.T) {
	t.Parallel()
	schema := table.MustSchema(
		table.Field{Name: "s", Type: table.String},
		table.Field{Name: "i", Type: table.Int64},
		table.Field{Name: "f", Type: table.Float64},
		table.Field{Name: "b", Type: table.Bool},
		table.Field{Name: "d", Type: table.Date},
		table.Field{Name: "ts", Type: table.Timestamp},
	)
	b := table.NewBuilder(schema, 4)
	rows := [][]any{
		{"plain", int64(-7), 0.1, true, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)},
		{"tab\there\\back\nline\rcr", int64(math.MaxInt64), math.Inf(1), false, time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC)},
		{nil, nil, math.NaN(), nil, nil, nil},
		{"", int64(0), math.Inf(-1), false, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC)},
	}
	for _, r := range rows {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tbl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"plain\t-7\t0.1\tt\t2024-02-29\t2024-01-02 03:04:05.123456+00\n",
		"tab\\there\\\\back\\nline\\rcr\t9223372036854775807\tInfinity\tf\t0044-03-15 BC\t0001-12-31 23:59:59+00 BC\n",
		"\\N\t\\N\tNaN\t\\N\t\\N\t\\N\n",
		"\t0\t-Infinity\tf\t0001-01-01\t1970-01-01 00:00:00.000001+00\n",
	}
	for i, w := range want {
		got, col, err := appendRow(nil, tbl, i)
		if col != -1 || err != nil || string(got) != w {
			t.Errorf("row %d: got %q (bad column %d: %v), want %q", i+1, got, col, err, w)
		}
	}
}

func TestAppendBinaryRow(t *testing.T) {
	t.Parallel()
	schema := table.MustSchema(
		table.Field{Name: "s", Type: table.String}, table.Field{Name: "i", Type: table.Int64},
		table.Field{Name: "f", Type: table.Float64}, table.Field{Name: "b", Type: table.Bool},
		table.Field{Name: "d", Type: table.Date}, table.Field{Name: "ts", Type: table.Timestamp},
	)
	tbl := build(t, schema,
		[]any{"ab", int64(-2), 1.0, true, day(2000, 1, 2), time.Date(2000, 1, 1, 0, 0, 1, 0, time.UTC)},
		[]any{nil, nil, nil, nil, nil, nil})
	want := []string{
		"\x00\x06" + "\x00\x00\x00\x02ab" + "\x00\x00\x00\x08\xff\xff\xff\xff\xff\xff\xff\xfe" +
			"\x00\x00\x00\x08\x3f\xf0\x00\x00\x00\x00\x00\x00" + "\x00\x00\x00\x01\x01" +
			"\x00\x00\x00\x04\x00\x00\x00\x01" + "\x00\x00\x00\x08\x00\x00\x00\x00\x00\x0f\x42\x40",
		"\x00\x06" + strings.Repeat("\xff\xff\xff\xff", 6),
	}
	for i, w := range want {
		got, col, err := appendBinaryRow(nil, tbl, i)
		if col != -1 || err != nil || string(got) != w {
			t.Errorf("row %d: got %x (bad column %d: %v), want %x", i+1, got, col, err, w)
		}
	}
	// Days before PostgreSQL's epoch by more than int32 holds would wrap
	// around, possibly to the "infinity" date.
	cb := table.NewColumnBuilder(table.Date, 1)
	cb.AppendDate(math.MinInt32)
	far, err := table.New(table.MustSchema(table.Field{Name: "d", Type: table.Date}), []*table.Column{cb.Build()})
	if err != nil {
		t.Fatal(err)
	}
	if _, col, err := appendBinaryRow(nil, far, 0); col != 0 || !errors.Is(err, errOutOfRange) {
		t.Errorf("far date: column %d, %v; want errOutOfRange", col, err)
	}
}

func TestAppendRowRejectsNUL(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: "a", Type: table.Int64}, table.Field{Name: "s", Type: table.String}), 1)
	if err := b.AppendRow(int64(1), "a\x00b"); err != nil {
		t.Fatal(err)
	}
	tbl, _ := b.Build()
	for name, appendFn := range map[string]func([]byte, *table.Table, int) ([]byte, int, error){"text": appendRow, "binary": appendBinaryRow} {
		if _, col, err := appendFn(nil, tbl, 0); col != 1 || !errors.Is(err, errNUL) {
			t.Errorf("%s: bad column = %d (%v), want 1", name, col, err)
		}
	}
}

// sliceReader yields the given batches, then err (io.EOF if nil).
type sliceReader struct {
	schema  table.Schema
	batches []*table.Table
	err     error
	onNext  func(call int)
	calls   int
}

func (r *sliceReader) Schema() table.Schema { return r.schema }
func (r *sliceReader) Close() error         { return nil }
func (r *sliceReader) Next() (*table.Table, error) {
	r.calls++
	if r.onNext != nil {
		r.onNext(r.calls)
	}
	if len(r.batches) == 0 {
		if r.err != nil {
			return nil, r.err
		}
		return nil, io.EOF
	}
	t := r.batches[0]
	r.batches = r.batches[1:]
	return t, nil
}

func intBatch(t *testing.T, name string, vals ...any) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(table.Field{Name: name, Type: table.Int64}), len(vals))
	for _, v := range vals {
		if err := b.AppendRow(v); err != nil {
			t.Fatal(err)
		}
	}
	tbl, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestCopySourceStreamsAllBatchesInSmallReads(t *testing.T) {
	t.Parallel()
	r := &sliceReader{
		schema:  table.MustSchema(table.Field{Name: "n", Type: table.Int64}),
		batches: []*table.Table{intBatch(t, "n", int64(1), int64(22)), intBatch(t, "n", nil, int64(333))},
	}
	src := &copySource{ctx: context.Background(), src: r, schema: r.schema}
	var out strings.Builder
	buf := make([]byte, 3)
	for {
		n, err := src.Read(buf)
		out.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, want := out.String(), "1\n22\n\\N\n333\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if src.rows != 4 {
		t.Errorf("rows = %d, want 4", src.rows)
	}
}

func TestCopySourceKeepsTheFailure(t *testing.T) {
	t.Parallel()
	schema := table.MustSchema(table.Field{Name: "n", Type: table.Int64})
	boom := errors.New("boom")
	tests := []struct {
		name   string
		r      *sliceReader
		cancel bool
		want   string
		is     error
	}{
		{name: "source error", r: &sliceReader{schema: schema, batches: []*table.Table{intBatch(t, "n", int64(1))}, err: boom}, is: boom},
		{name: "schema change", r: &sliceReader{schema: schema, batches: []*table.Table{intBatch(t, "m", int64(1))}}, want: "does not match"},
		{name: "cancelled", r: &sliceReader{schema: schema, batches: []*table.Table{intBatch(t, "n", int64(1))}}, cancel: true, is: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			src := &copySource{ctx: ctx, src: tt.r, schema: schema}
			_, err := io.ReadAll(src)
			if err == nil || src.err != err {
				t.Fatalf("ReadAll error = %v, kept %v", err, src.err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v does not contain %q", err, tt.want)
			}
		})
	}
}
