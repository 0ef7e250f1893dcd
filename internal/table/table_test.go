package table

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

func sampleTable(t *testing.T) *Table {
	t.Helper()
	s := MustSchema(
		Field{"name", String}, Field{"n", Int64}, Field{"x", Float64},
		Field{"ok", Bool}, Field{"d", Date}, Field{"ts", Timestamp},
	)
	b := NewBuilder(s, 4)
	rows := [][]any{
		{"a", int64(1), 1.5, true, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC)},
		{nil, nil, nil, nil, nil, nil},
		{"c", int64(-3), math.Inf(1), false, time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 123456000, time.UTC)},
		{"", int64(0), 0.0, true, time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC), time.Unix(0, 0)},
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

func TestTypeNamesRoundTrip(t *testing.T) {
	t.Parallel()
	want := []string{"string", "int64", "float64", "bool", "date", "timestamp"}
	for i, typ := range Types() {
		if typ.String() != want[i] {
			t.Errorf("Types()[%d].String() = %q, want %q", i, typ.String(), want[i])
		}
		got, err := ParseType(" " + strings.ToUpper(want[i]) + " ")
		if err != nil || got != typ {
			t.Errorf("ParseType(%q) = %v, %v", want[i], got, err)
		}
	}
	_, err := ParseType("integer")
	if err == nil || !strings.Contains(err.Error(), "int64") || !strings.Contains(err.Error(), "timestamp") {
		t.Errorf("ParseType(integer) error %v does not list accepted names", err)
	}
}

func TestSchemaRejectsDuplicatesAndKeepsOrder(t *testing.T) {
	t.Parallel()
	if _, err := NewSchema(Field{"a", String}, Field{"a", Int64}); err == nil {
		t.Error("duplicate names accepted")
	}
	if _, err := NewSchema(Field{"a", 0}); err == nil {
		t.Error("zero type accepted")
	}
	s := MustSchema(Field{"z", String}, Field{"a", Int64}, Field{"m", Bool})
	if got := strings.Join(s.Names(), ","); got != "z,a,m" {
		t.Errorf("Names = %s, want z,a,m", got)
	}
	if i, ok := s.Index("a"); !ok || i != 1 {
		t.Errorf("Index(a) = %d, %v", i, ok)
	}
}

func TestValueFormatAndNulls(t *testing.T) {
	t.Parallel()
	tb := sampleTable(t)
	if tb.NumRows() != 4 || tb.NumCols() != 6 {
		t.Fatalf("shape %dx%d", tb.NumRows(), tb.NumCols())
	}
	tests := []struct {
		col  string
		row  int
		want string
	}{
		{"name", 0, "a"},
		{"n", 2, "-3"},
		{"x", 0, "1.5"},
		{"x", 3, "0.0"},
		{"x", 2, "+Inf"},
		{"ok", 2, "false"},
		{"d", 0, "2024-01-31"},
		{"d", 2, "1969-12-31"},
		{"d", 3, "2000-02-29"},
		{"ts", 0, "2024-01-31T08:00:00Z"},
		{"ts", 2, "1969-12-31T23:59:59.123456Z"},
		{"ts", 1, ""},
	}
	for _, tt := range tests {
		if got := tb.ColumnByName(tt.col).Format(tt.row); got != tt.want {
			t.Errorf("%s[%d].Format = %q, want %q", tt.col, tt.row, got, tt.want)
		}
	}
	for j := 0; j < tb.NumCols(); j++ {
		c := tb.Column(j)
		if !c.IsNull(1) || c.Valid(1) || c.Value(1) != nil || c.NullCount() != 1 {
			t.Errorf("column %d: row 2 should be the only null", j)
		}
		if c.IsNull(0) || c.IsNull(3) {
			t.Errorf("column %d: rows 1 and 4 should be valid", j)
		}
	}
	if got := tb.ColumnByName("n").Int64s(); got[2] != -3 || got[1] != 0 {
		t.Errorf("Int64s = %v", got)
	}
	if got := tb.ColumnByName("d").Dates()[0]; got != 19753 {
		t.Errorf("2024-01-31 stored as %d days, want 19753", got)
	}
}

func TestTypedAccessorPanicsOnWrongType(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("Int64s on a string column did not panic")
		}
	}()
	sampleTable(t).Column(0).Int64s()
}

func TestSliceProjectWithColumnShareData(t *testing.T) {
	t.Parallel()
	tb := sampleTable(t)
	s := tb.Slice(1, 3)
	if s.NumRows() != 2 || !s.Column(0).IsNull(0) || s.Column(0).IsNull(1) || s.Column(0).NullCount() != 1 {
		t.Fatalf("Slice(1,3) rows/nulls wrong: %v", s.Row(0))
	}
	if &s.ColumnByName("n").Int64s()[0] != &tb.ColumnByName("n").Int64s()[1] {
		t.Error("Slice copied the data")
	}
	if s2 := tb.Slice(2, 4); s2.Column(1).NullCount() != 0 {
		t.Errorf("slice without nulls reports %d nulls", s2.Column(1).NullCount())
	}
	p, err := tb.Project("ts", "name")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Schema().Names(), ","); got != "ts,name" || p.Column(1) != tb.Column(0) {
		t.Errorf("Project order %s or sharing wrong", got)
	}
	if _, err := tb.Project("nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("Project(nope) error = %v", err)
	}
	nb := NewColumnBuilder(Int64, 4)
	for i := range 4 {
		nb.AppendInt64(int64(i * 10))
	}
	w, err := tb.WithColumn("n", nb.Build())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(w.Schema().Names(), ","); got != "name,n,x,ok,d,ts" {
		t.Errorf("replacing kept order %s", got)
	}
	if w.Column(0) != tb.Column(0) || tb.ColumnByName("n").IsNull(1) != true {
		t.Error("WithColumn changed or copied other columns")
	}
	if _, err := tb.WithColumn("short", NewColumnBuilder(Int64, 0).Build()); err == nil {
		t.Error("WithColumn accepted a column of the wrong length")
	}
}

func TestConcat(t *testing.T) {
	t.Parallel()
	tb := sampleTable(t)
	all, err := Concat(tb.Slice(0, 1), tb.Slice(1, 2), tb.Slice(2, 4))
	if err != nil {
		t.Fatal(err)
	}
	if d := all.Diff(tb); d != "" {
		t.Errorf("concat of slices differs: %s", d)
	}
	other, _ := tb.Project("n", "name")
	_, err = Concat(tb, other)
	if err == nil || !strings.Contains(err.Error(), "table 2") {
		t.Errorf("Concat with different schema error = %v", err)
	}
}

func TestBuilderErrors(t *testing.T) {
	t.Parallel()
	s := MustSchema(Field{"a", Int64}, Field{"b", String})
	b := NewBuilder(s, 0)
	if err := b.AppendRow(int64(1), 2); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("AppendRow with wrong type error = %v", err)
	}
	if b.Len() != 0 {
		t.Errorf("failed AppendRow left %d rows", b.Len())
	}
	b.Column(0).AppendInt64(1)
	if _, err := b.Build(); err == nil {
		t.Error("Build with ragged columns succeeded")
	}
}

func TestBuilderTruncateRestoresNulls(t *testing.T) {
	t.Parallel()
	b := NewColumnBuilder(String, 0)
	for i := range 130 {
		if i%3 == 0 {
			b.AppendNull()
		} else {
			b.AppendString("v")
		}
	}
	b.Truncate(70)
	b.AppendString("w")
	c := b.Build()
	if c.Len() != 71 || c.NullCount() != 24 || c.IsNull(70) || !c.IsNull(69) {
		t.Errorf("after Truncate: len %d nulls %d", c.Len(), c.NullCount())
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	strs := func(vals ...string) *Column {
		b := NewColumnBuilder(String, len(vals))
		for _, v := range vals {
			if v == "<null>" {
				b.AppendNull()
			} else {
				b.AppendString(v)
			}
		}
		return b.Build()
	}
	tests := []struct {
		in   *Column
		to   Type
		want []string
	}{
		{strs("1", " 2 ", "<null>"), Int64, []string{"1", "2", ""}},
		{strs("1.5", "2"), Float64, []string{"1.5", "2.0"}},
		{strs("yes", "F", "1"), Bool, []string{"true", "false", "true"}},
		{strs("2024-02-29", "3 Mar 2024", "2024/01/02"), Date, []string{"2024-02-29", "2024-03-03", "2024-01-02"}},
		{strs("2024-01-31T10:00:00+02:00", "2024-01-31 08:00:00.5", "2024-01-31"), Timestamp,
			[]string{"2024-01-31T08:00:00Z", "2024-01-31T08:00:00.500000Z", "2024-01-31T00:00:00Z"}},
	}
	for _, tt := range tests {
		got, err := Convert(tt.in, tt.to)
		if err != nil {
			t.Errorf("Convert to %s: %v", tt.to, err)
			continue
		}
		for i, w := range tt.want {
			if got.Format(i) != w {
				t.Errorf("Convert to %s row %d = %q, want %q", tt.to, i+1, got.Format(i), w)
			}
		}
		back, err := Convert(got, String)
		if err != nil || back.Format(0) != tt.want[0] {
			t.Errorf("Convert %s back to string: %v %v", tt.to, back, err)
		}
	}
	ts, _ := Convert(strs("1969-12-31T23:00:00Z"), Timestamp)
	d, err := Convert(ts, Date)
	if err != nil || d.Format(0) != "1969-12-31" {
		t.Errorf("timestamp to date before epoch = %v, %v", d.Format(0), err)
	}
	f, _ := Convert(strs("2.5"), Float64)
	if _, err := Convert(f, Int64); err == nil {
		t.Error("2.5 converted to int64")
	}
	if _, err := Convert(d, Bool); !errors.Is(err, ErrUnsupportedConversion) {
		t.Errorf("date to bool error = %v", err)
	}
}

func TestConversionErrorNamesRowColumnValue(t *testing.T) {
	t.Parallel()
	b := NewBuilder(MustSchema(Field{"founded", String}), 20)
	for i := range 20 {
		v := "1990"
		if i == 16 {
			v = "19x9"
		}
		b.Column(0).AppendString(v)
	}
	tb, _ := b.Build()
	_, err := tb.ConvertColumn("founded", Int64)
	var ce *ConversionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConversionError", err)
	}
	if ce.Row != 17 || ce.Column != "founded" || ce.Value != "19x9" || ce.From != String || ce.To != Int64 {
		t.Errorf("ConversionError = %+v", ce)
	}
	if want := `row 17, column "founded": cannot convert "19x9" to int64`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestInferType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		vals []string
		want Type
	}{
		{[]string{"1", "-20", ""}, Int64},
		{[]string{"1", "2.5", "1e3"}, Float64},
		{[]string{"true", "FALSE"}, Bool},
		{[]string{"2024-01-31", "5 Jan 2023"}, Date},
		{[]string{"2024-01-31T08:00:00Z", "2024-01-31 09:00:00"}, Timestamp},
		{[]string{"2024-01-31", "2024-01-31 09:00:00"}, String},
		{[]string{"0821234567", "0831234567"}, String},
		{[]string{"+27821234567"}, String},
		{[]string{"1", "0", "yes"}, String},
		{[]string{"1", "x"}, String},
		{[]string{"", ""}, String},
		{[]string{"NaN"}, String},
		{[]string{"0", "0.5"}, Float64},
		{[]string{"99999999999999999999"}, Float64},
		{[]string{"2024-02-30"}, String},
	}
	for _, tt := range tests {
		if got := InferType(tt.vals...); got != tt.want {
			t.Errorf("InferType(%q) = %s, want %s", tt.vals, got, tt.want)
		}
	}
}

func TestParseDateMatchesTimePackage(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0001-01-01", "1600-02-29", "1970-01-01", "2100-12-31", "9999-12-31"} {
		got, err := ParseDate(s)
		if err != nil {
			t.Fatalf("ParseDate(%s): %v", s, err)
		}
		tm, _ := time.Parse(time.DateOnly, s)
		if want := int32(tm.Unix() / 86400); got != want {
			t.Errorf("ParseDate(%s) = %d, want %d", s, got, want)
		}
		if FormatDate(got) != s {
			t.Errorf("FormatDate(ParseDate(%s)) = %s", s, FormatDate(got))
		}
	}
}

func TestStreamHelpers(t *testing.T) {
	t.Parallel()
	tb := sampleTable(t)
	r := NewTableReader(tb, 3)
	c := NewCollector(tb.Schema())
	n, err := Copy(c, r)
	if err != nil || n != 4 {
		t.Fatalf("Copy = %d, %v", n, err)
	}
	got, err := c.Table()
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Diff(tb); d != "" {
		t.Errorf("Copy changed data: %s", d)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("exhausted reader Next = %v, want io.EOF", err)
	}
	all, err := ReadAll(NewTableReader(tb, 1))
	if err != nil || !all.Equal(tb) {
		t.Errorf("ReadAll = %v", err)
	}
	empty, err := ReadAll(NewTableReader(Empty(tb.Schema()), 10))
	if err != nil || empty.NumRows() != 0 || !empty.Schema().Equal(tb.Schema()) {
		t.Errorf("ReadAll of empty reader = %v, %v", empty, err)
	}
}

func TestMemSize(t *testing.T) {
	t.Parallel()
	tb := sampleTable(t)
	// 4 rows: strings 4*16 + len("a")+len("c") = 66, ints 32, floats 32,
	// bools 4, dates 16, timestamps 32; each column has one null, so one
	// bitmap word each: 6*8.
	if got, want := tb.MemSize(), int64(66+32+32+4+16+32+6*8); got != want {
		t.Errorf("MemSize = %d, want %d", got, want)
	}
	p, err := tb.Project("n")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.MemSize(), int64(32+8); got != want {
		t.Errorf("projected MemSize = %d, want %d", got, want)
	}
}
