package xlsxio

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
)

func mixedTable(t *testing.T) *table.Table {
	t.Helper()
	s := table.MustSchema(
		table.Field{Name: "Name", Type: table.String},
		table.Field{Name: "Planes", Type: table.Int64},
		table.Field{Name: "Score", Type: table.Float64},
		table.Field{Name: "Active", Type: table.Bool},
		table.Field{Name: "Reachout Date", Type: table.Date},
		table.Field{Name: "Loaded", Type: table.Timestamp},
		table.Field{Name: "Phone", Type: table.String},
	)
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	rows := [][]any{
		{"Aeronav Academy (Pty) Ltd", int64(7), 0.93, true, d(2024, 1, 15), time.Date(2024, 1, 15, 13, 30, 5, 0, time.UTC), "0821234567"},
		{nil, nil, nil, nil, nil, nil, nil},
		{"Ñandú Flyers – Kraków", int64(-3), 0.25, false, d(1999, 12, 31), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "+27 82 123 4567"},
		{"=SUM(A1:A2)", int64(1) << 40, 1e-3, true, d(1900, 3, 1), time.Date(2030, 6, 1, 23, 59, 59, 0, time.UTC), "27821234567"},
		{"line one\nline two", int64(0), 0.5, false, d(2025, 10, 10), time.Date(2025, 10, 10, 8, 0, 0, 0, time.UTC), " padded "},
	}
	return buildTable(t, s, rows...)
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	want := mixedTable(t)
	path := filepath.Join(t.TempDir(), "out.xlsx")
	w, err := Create(path, want.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two batches: the stream continues across Write calls.
	for _, part := range []*table.Table{want.Slice(0, 2), want.Slice(2, want.NumRows())} {
		if err := w.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file exists before Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, ws := readAll(t, path, ReadOptions{Sheet: DefaultSheet})
	if len(ws) != 0 {
		t.Errorf("warnings = %v", warningTexts(ws))
	}
	if d := want.Diff(got); d != "" {
		t.Fatalf("round trip differs: %s", d)
	}
}

func TestWriterStyling(t *testing.T) {
	t.Parallel()
	tb := mixedTable(t)
	path := filepath.Join(t.TempDir(), "styled.xlsx")
	opts := WriteOptions{Sheet: "Cleaned", SheetOptions: SheetOptions{Bands: QualityBands("Score"), MaxColumnWidth: 20}}
	if err := WriteFile(path, tb, opts); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("Cleaned")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, want the header row frozen", panes)
	}
	names := f.GetDefinedName()
	if len(names) != 1 || names[0].Name != "_xlnm._FilterDatabase" || names[0].RefersTo != "'Cleaned'!$A$1:$G$6" {
		t.Errorf("defined names = %+v, want an autofilter over A1:G6", names)
	}
	styleID, err := f.GetCellStyle("Cleaned", "A1")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 || st.Fill.Color[0] != DefaultHeaderFill {
		t.Errorf("header style = %+v %+v, want bold with fill %s", st.Font, st.Fill, DefaultHeaderFill)
	}
	for col, want := range map[string][2]float64{"A": {20, 20}, "D": {8, 12}} {
		w, err := f.GetColWidth("Cleaned", col)
		if err != nil {
			t.Fatal(err)
		}
		if w < want[0] || w > want[1] {
			t.Errorf("column %s width = %v, want within %v", col, w, want)
		}
	}
	cf, err := f.GetConditionalFormats("Cleaned")
	if err != nil {
		t.Fatal(err)
	}
	rules := cf["C2:C6"]
	if len(rules) != 3 {
		t.Fatalf("conditional formats = %+v, want 3 bands on C2:C6", cf)
	}
	got := []string{}
	for _, r := range rules {
		got = append(got, r.Criteria+" "+r.Value)
	}
	if want := []string{"less than 0.5", "less than 0.8", "greater than or equal to 0.8"}; !slices.Equal(got, want) {
		t.Errorf("band rules = %q, want %q", got, want)
	}
	dateStyle, err := f.GetCellStyle("Cleaned", "E2")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := f.GetStyle(dateStyle)
	if err != nil {
		t.Fatal(err)
	}
	if ds.CustomNumFmt == nil || *ds.CustomNumFmt != dateFormat {
		t.Errorf("date cell format = %v, want %s", ds.CustomNumFmt, dateFormat)
	}
}

func TestWorkbookSheets(t *testing.T) {
	t.Parallel()
	data := mixedTable(t)
	summary, err := table.NewBuilder(table.MustSchema(table.Field{Name: "metric", Type: table.String}, table.Field{Name: "value", Type: table.Float64}), 2).Build()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "refined.xlsx")
	wb := NewWorkbook()
	if err := wb.AddSheet("Data", data, SheetOptions{Bands: QualityBands("Score")}); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("Summary", summary, SheetOptions{NoAutoFilter: true, NoFreeze: true}); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("summary", summary, SheetOptions{}); err == nil {
		t.Error("a second sheet named summary (differing only in case) was accepted")
	}
	if err := wb.AddSheet("Bad", data, SheetOptions{Bands: QualityBands("Name")}); err == nil || !strings.Contains(err.Error(), "numeric") {
		t.Errorf("bands on a string column: error = %v", err)
	}
	if err := wb.Save(path); err != nil {
		t.Fatal(err)
	}
	sheets, err := Sheets(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Data", "Summary"}; !slices.Equal(sheets[:2], want) {
		t.Errorf("sheets = %q, want %q first", sheets, want)
	}
	got, _ := readAll(t, path, ReadOptions{Sheet: "Data"})
	if d := data.Diff(got); d != "" {
		t.Errorf("Data sheet differs: %s", d)
	}
	got, _ = readAll(t, path, ReadOptions{Sheet: "Summary"})
	if got.NumRows() != 0 || got.Schema().Names()[1] != "value" {
		t.Errorf("Summary sheet = %d rows, %s", got.NumRows(), got.Schema())
	}
}

func TestWriterAbortKeepsTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.xlsx")
	if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	tb := mixedTable(t)
	w, err := Create(path, tb.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := table.Abort(w); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "previous" {
		t.Errorf("target after Abort = %q, want the previous content", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries after Abort, want 1", len(entries))
	}
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "notes", Type: table.String}, table.Field{Name: "x", Type: table.Float64})
	b := table.NewBuilder(s, 2)
	b.Column(0).AppendString("ok")
	b.Column(1).AppendFloat64(math.NaN())
	b.Column(0).AppendString(strings.Repeat("a", MaxCellChars+1))
	b.Column(1).AppendFloat64(1)
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bad.xlsx")
	err = WriteFile(path, tb, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), `row 2, column "notes"`) || !strings.Contains(err.Error(), "32767") {
		t.Errorf("over-long text: error = %v, want one naming row 2 and the limit", err)
	}
	if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("failed write left a file: %v", statErr)
	}
	other := table.MustSchema(table.Field{Name: "y", Type: table.String})
	w, err := Create(path, s, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(table.Empty(other)); err == nil {
		t.Error("batch with a different schema was accepted")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed Write succeeded")
	}
	if _, err := Create(path, s, WriteOptions{Sheet: "bad/name"}); err == nil {
		t.Error("sheet name with a slash was accepted")
	}
}
