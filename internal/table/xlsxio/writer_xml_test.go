package xlsxio

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
)

// buildTable appends rows of values (nil for null) under schema.
func buildTable(t testing.TB, s table.Schema, rows ...[]any) *table.Table {
	t.Helper()
	b := table.NewBuilder(s, len(rows))
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

func openExcelize(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// readPart returns one part of the package at path.
func readPart(t *testing.T, path, name string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s has no part %s", path, name)
	return ""
}

// TestCellTypesReadByExcelize reads every kind of cell back with excelize,
// by value, type and number format.
func TestCellTypesReadByExcelize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "types.xlsx")
	if err := WriteFile(path, mixedTable(t), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f := openExcelize(t, path)
	raw := excelize.Options{RawCellValue: true}
	// Numbers carry no t attribute, as in Excel's files: it defaults to n.
	const number = excelize.CellTypeUnset
	cases := []struct {
		cell, want string
		typ        excelize.CellType
		numFmt     string // custom number format, if any
	}{
		{"A1", "Name", excelize.CellTypeInlineString, ""},
		{"A2", "Aeronav Academy (Pty) Ltd", excelize.CellTypeInlineString, ""},
		{"B2", "7", number, ""},
		{"C2", "0.93", number, ""},
		{"D2", "1", excelize.CellTypeBool, ""},
		{"D4", "0", excelize.CellTypeBool, ""},
		{"E2", "45306", number, dateFormat},
		{"F2", strconv.FormatFloat(45306+48605.0/86400, 'f', -1, 64), number, timestampFormat},
		{"F4", "25569", number, timestampFormat},
		{"E5", "61", number, dateFormat},
		{"B5", "1099511627776", number, ""},
		{"C5", "0.001", number, ""},
		{"A5", "=SUM(A1:A2)", excelize.CellTypeInlineString, ""},
		{"G6", " padded ", excelize.CellTypeInlineString, ""},
		{"A6", "line one\nline two", excelize.CellTypeInlineString, ""},
		{"A3", "", excelize.CellTypeUnset, ""},
		{"E3", "", excelize.CellTypeUnset, ""},
	}
	for _, c := range cases {
		got, err := f.GetCellValue(DefaultSheet, c.cell, raw)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want && !sameNumber(got, c.want) {
			t.Errorf("%s = %q, want %q", c.cell, got, c.want)
		}
		typ, err := f.GetCellType(DefaultSheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != c.typ {
			t.Errorf("%s type = %v, want %v", c.cell, typ, c.typ)
		}
		id, err := f.GetCellStyle(DefaultSheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		got = ""
		if st.CustomNumFmt != nil {
			got = *st.CustomNumFmt
		}
		if got != c.numFmt && c.cell != "A1" {
			t.Errorf("%s number format = %q, want %q", c.cell, got, c.numFmt)
		}
	}
	// Displayed through the number formats as Excel would show them.
	for cell, want := range map[string]string{"E2": "2024-01-15", "F2": "2024-01-15 13:30:05"} {
		if got, _ := f.GetCellValue(DefaultSheet, cell); got != want {
			t.Errorf("%s displays %q, want %q", cell, got, want)
		}
	}
}

// TestStylingReadByExcelize checks every styling option through excelize.
func TestStylingReadByExcelize(t *testing.T) {
	t.Parallel()
	tb := mixedTable(t)
	path := filepath.Join(t.TempDir(), "styled.xlsx")
	bands := &ColourBands{Column: "Planes", Bands: []ColourBand{
		{Below: 0, Fill: "FF0000"},
		{Below: 10, Fill: "#00ff00", Font: "0000FF"},
		{Below: math.Inf(1), Fill: "0000FF", Font: "FFFFFF"},
	}}
	wb := NewWorkbook()
	if err := wb.AddSheet("Banded", tb, SheetOptions{HeaderFill: "FCE4D6", Bands: bands}); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("Quality", tb, SheetOptions{Bands: QualityBands("Score")}); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("Plain", tb, SheetOptions{PlainHeader: true, NoFreeze: true, NoAutoFilter: true, MaxColumnWidth: 9}); err != nil {
		t.Fatal(err)
	}
	if err := wb.Save(path); err != nil {
		t.Fatal(err)
	}
	f := openExcelize(t, path)

	headerStyle := func(sheet string) *excelize.Style {
		id, err := f.GetCellStyle(sheet, "C1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for sheet, fill := range map[string]string{"Banded": "FCE4D6", "Quality": DefaultHeaderFill} {
		st := headerStyle(sheet)
		if st.Font == nil || !st.Font.Bold || len(st.Fill.Color) != 1 || st.Fill.Color[0] != fill || st.Fill.Pattern != 1 {
			t.Errorf("%s header style = %+v %+v, want bold with solid fill %s", sheet, st.Font, st.Fill, fill)
		}
		if len(st.Border) != 1 || st.Border[0].Type != "bottom" || st.Border[0].Color != "8EA9DB" {
			t.Errorf("%s header border = %+v, want a bottom border", sheet, st.Border)
		}
		panes, err := f.GetPanes(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
			t.Errorf("%s panes = %+v, want the header row frozen", sheet, panes)
		}
		if ref := regexp.MustCompile(`<autoFilter ref="([^"]+)"`).FindStringSubmatch(readPart(t, path, sheetPartOf(t, f, sheet))); ref == nil || ref[1] != "A1:G6" {
			t.Errorf("%s autofilter = %v, want A1:G6", sheet, ref)
		}
	}
	if st := headerStyle("Plain"); (st.Font != nil && st.Font.Bold) || len(st.Fill.Color) != 0 {
		t.Errorf("plain header style = %+v %+v", st.Font, st.Fill)
	}
	if panes, _ := f.GetPanes("Plain"); panes.Freeze {
		t.Errorf("Plain panes = %+v, want none", panes)
	}
	if strings.Contains(readPart(t, path, "xl/worksheets/sheet3.xml"), "autoFilter") {
		t.Error("Plain sheet has an autofilter")
	}
	names := map[string]string{}
	for _, n := range f.GetDefinedName() {
		if n.Name != "_xlnm._FilterDatabase" {
			t.Errorf("unexpected defined name %+v", n)
		}
		names[n.Scope] = n.RefersTo
	}
	if want := map[string]string{"Banded": "'Banded'!$A$1:$G$6", "Quality": "'Quality'!$A$1:$G$6"}; !mapsEqual(names, want) {
		t.Errorf("filter names = %v, want %v", names, want)
	}

	type rule struct{ criteria, value, fill, font string }
	readRules := func(sheet, ref string) []rule {
		cf, err := f.GetConditionalFormats(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(cf) != 1 || cf[ref] == nil {
			t.Fatalf("%s conditional formats = %+v, want one range %s", sheet, cf, ref)
		}
		var out []rule
		for _, r := range cf[ref] {
			if r.Type != "cell" || !r.StopIfTrue || r.Format == nil {
				t.Errorf("%s rule %+v: want a cell rule with stopIfTrue and a format", sheet, r)
				continue
			}
			st, err := f.GetConditionalStyle(*r.Format)
			if err != nil {
				t.Fatal(err)
			}
			font := ""
			if st.Font != nil {
				font = st.Font.Color
			}
			out = append(out, rule{r.Criteria, r.Value, strings.Join(st.Fill.Color, ","), font})
		}
		return out
	}
	if got, want := readRules("Banded", "B2:B6"), []rule{
		{"less than", "0", "FF0000", ""},
		{"less than", "10", "00FF00", "0000FF"},
		{"greater than or equal to", "10", "0000FF", "FFFFFF"},
	}; !slices.Equal(got, want) {
		t.Errorf("Banded rules = %+v, want %+v", got, want)
	}
	if got, want := readRules("Quality", "C2:C6"), []rule{
		{"less than", "0.5", "FFC7CE", "9C0006"},
		{"less than", "0.8", "FFEB9C", "9C5700"},
		{"greater than or equal to", "0.8", "C6EFCE", "006100"},
	}; !slices.Equal(got, want) {
		t.Errorf("Quality rules = %+v, want %+v", got, want)
	}

	// Widths: at least the header (bold, with a filter button), at most
	// the cap, fitted to the longest sample value otherwise.
	widths := map[string]map[string]float64{
		"Banded": {"A": 27, "B": 15, "D": 10.9, "E": 18.95, "F": 21},
		"Plain":  {"A": 9, "D": 8, "F": 9},
	}
	for sheet, cols := range widths {
		for col, want := range cols {
			got, err := f.GetColWidth(sheet, col)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-want) > 0.01 {
				t.Errorf("%s column %s width = %v, want %v", sheet, col, got, want)
			}
		}
	}
}

// sameNumber reports whether two numeric texts are within a rounding
// error of each other.
func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && math.Abs(x-y) < 1e-9
}

func sheetPartOf(t *testing.T, f *excelize.File, sheet string) string {
	t.Helper()
	i, err := f.GetSheetIndex(sheet)
	if err != nil || i < 0 {
		t.Fatalf("no sheet %s", sheet)
	}
	return "xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml"
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// awkwardStrings are texts that need escaping or care: markup, entities,
// control characters, literal escape sequences, edge white space, and
// characters outside the Basic Multilingual Plane.
var awkwardStrings = []string{
	`<b>bold</b> & "quoted" 'single' > ]]>`,
	"&amp; is not decoded twice &lt;",
	"bell\a tab\t lf\n cr\r crlf\r\n nul\x00 esc\x1b us\x1f del\x7f",
	"_x0041_ stays literal, as does _x005F_ and _X0041_ and _x12_",
	"\x01_x0041_\x02",
	"  leading",
	"trailing\t",
	"\nnewline first",
	" ",
	"Ñandú – Kraków ✈ 日本語 🛩️ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
	"\uFFFE\uFFFF noncharacters",
	"\u2028\u2029\u0085 separators",
	"=1+1",
	"",
}

// TestTextEscaping round-trips awkward strings through excelize and this
// package's reader, in cells and in the header.
func TestTextEscaping(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "text", Type: table.String}, table.Field{Name: `<&"header"> ` + "\x01", Type: table.Int64})
	rows := make([][]any, len(awkwardStrings))
	for i, v := range awkwardStrings {
		rows[i] = []any{v, int64(i)}
	}
	path := filepath.Join(t.TempDir(), "escaping.xlsx")
	if err := WriteFile(path, buildTable(t, s, rows...), WriteOptions{Sheet: "Tom & Jerry's <sheet>"}); err != nil {
		t.Fatal(err)
	}
	f := openExcelize(t, path)
	sheet := "Tom & Jerry's <sheet>"
	if got := f.GetSheetList(); !slices.Equal(got, []string{sheet}) {
		t.Errorf("sheets = %q", got)
	}
	if got, _ := f.GetCellValue(sheet, "B1"); got != s.Field(1).Name {
		t.Errorf("header = %q, want %q", got, s.Field(1).Name)
	}
	for i, want := range awkwardStrings {
		cell := "A" + strconv.Itoa(i+2)
		got, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("excelize %s = %q, want %q", cell, got, want)
		}
	}
	if got := f.GetDefinedName(); len(got) != 1 || got[0].RefersTo != `'Tom & Jerry''s <sheet>'!$A$1:$B$15` {
		t.Errorf("defined names = %+v", got)
	}
	back, _ := readAll(t, path, ReadOptions{Sheet: sheet, NullValues: []string{}})
	if got := back.Column(0).Strings(); !slices.Equal(got, awkwardStrings) {
		for i := range got {
			if got[i] != awkwardStrings[i] {
				t.Errorf("reader row %d = %q, want %q", i+1, got[i], awkwardStrings[i])
			}
		}
	}
	if back.Schema().Field(1).Name != s.Field(1).Name {
		t.Errorf("reader header = %q", back.Schema().Field(1).Name)
	}
}

// TestInvalidUTF8 checks that bytes that are not UTF-8 become U+FFFD
// rather than an unreadable file.
func TestInvalidUTF8(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "text", Type: table.String})
	path := filepath.Join(t.TempDir(), "utf8.xlsx")
	if err := WriteFile(path, buildTable(t, s, []any{"ok \xff\xfe bad \xc3"}), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f := openExcelize(t, path)
	if got, _ := f.GetCellValue(DefaultSheet, "A2"); got != "ok \uFFFD\uFFFD bad \uFFFD" {
		t.Errorf("A2 = %q", got)
	}
}

// TestTextLimits writes text at Excel's limit and rejects text beyond it,
// counted in UTF-16 units as Excel counts.
func TestTextLimits(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "notes", Type: table.String})
	dir := t.TempDir()
	atLimit := strings.Repeat("a", MaxCellChars-2) + "🛩"
	if err := WriteFile(filepath.Join(dir, "ok.xlsx"), buildTable(t, s, []any{atLimit}), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f := openExcelize(t, filepath.Join(dir, "ok.xlsx"))
	if got, _ := f.GetCellValue(DefaultSheet, "A2"); got != atLimit {
		t.Errorf("text at the limit read back as %d bytes, want %d", len(got), len(atLimit))
	}
	// 16,384 astral characters are 32,768 UTF-16 units in 16,384 runes.
	over := strings.Repeat("🛩", MaxCellChars/2+1)
	path := filepath.Join(dir, "over.xlsx")
	err := WriteFile(path, buildTable(t, s, []any{"fine"}, []any{over}), WriteOptions{Sheet: "Notes"})
	if err == nil || !strings.Contains(err.Error(), `sheet "Notes": row 2, column "notes"`) || !strings.Contains(err.Error(), "32767") || !strings.Contains(err.Error(), "CSV or Parquet") {
		t.Errorf("over-long text: error = %v", err)
	}
	wb := NewWorkbook()
	if err := wb.AddSheet("Long", buildTable(t, s, []any{over}), SheetOptions{}); err == nil || !strings.Contains(err.Error(), `sheet "Long": row 1, column "notes"`) {
		t.Errorf("AddSheet over-long text: error = %v", err)
	}
	if got := wb.Sheets(); len(got) != 0 {
		t.Errorf("a rejected sheet was kept: %q", got)
	}
	_ = wb.Close()
	assertNoFiles(t, path)
}

// TestRowLimit checks the error for a sheet beyond Excel's row limit
// without writing a million rows.
func TestRowLimit(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "n", Type: table.Int64})
	path := filepath.Join(t.TempDir(), "rows.xlsx")
	w, err := Create(path, s, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(buildTable(t, s, []any{int64(1)})); err != nil {
		t.Fatal(err)
	}
	w.spec.rows = MaxDataRows - 1
	err = w.Write(buildTable(t, s, []any{int64(2)}, []any{int64(3)}))
	if err == nil || !strings.Contains(err.Error(), `sheet "Data": 1048576 rows exceed Excel's limit of 1048575`) || !strings.Contains(err.Error(), "split the table") {
		t.Errorf("error = %v", err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close after the failed Write succeeded")
	}
	assertNoFiles(t, path)
}

// assertNoFiles checks that neither path nor a temporary file next to it
// exists.
func assertNoFiles(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s exists: %v", path, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestEmptyTable(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "a", Type: table.String}, table.Field{Name: "b", Type: table.Date}, table.Field{Name: "c", Type: table.Float64})
	path := filepath.Join(t.TempDir(), "empty.xlsx")
	w, err := Create(path, s, WriteOptions{SheetOptions: SheetOptions{Bands: QualityBands("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, ws := readAll(t, path, ReadOptions{})
	if got.NumRows() != 0 || !slices.Equal(got.Schema().Names(), s.Names()) || len(ws) != 0 {
		t.Errorf("read back %d rows, columns %q, warnings %v", got.NumRows(), got.Schema().Names(), warningTexts(ws))
	}
	f := openExcelize(t, path)
	rows, err := f.GetRows(DefaultSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !slices.Equal(rows[0], []string{"a", "b", "c"}) {
		t.Errorf("rows = %q", rows)
	}
	if names := f.GetDefinedName(); len(names) != 1 || names[0].RefersTo != "'Data'!$A$1:$C$1" {
		t.Errorf("defined names = %+v", names)
	}
	if cf, _ := f.GetConditionalFormats(DefaultSheet); len(cf) != 0 {
		t.Errorf("conditional formats on an empty sheet: %+v", cf)
	}
}

// TestSheetOrder writes several sheets and checks their order, names and
// per-sheet filters.
func TestSheetOrder(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "n", Type: table.Int64})
	names := []string{"Zeta", "alpha", "Mid sheet", "O'Brien", "Ünïcode"}
	wb := NewWorkbook()
	for i, n := range names {
		rows := make([][]any, i+1)
		for r := range rows {
			rows[r] = []any{int64(i*10 + r)}
		}
		if err := wb.AddSheet(n, buildTable(t, s, rows...), SheetOptions{NoAutoFilter: i == 2}); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"", "a/b", "x:y", "[q]", "'quoted'", strings.Repeat("x", 32), "ZETA", "tab\there"} {
		if err := wb.AddSheet(bad, buildTable(t, s), SheetOptions{}); err == nil {
			t.Errorf("sheet name %q was accepted", bad)
		}
	}
	if got := wb.Sheets(); !slices.Equal(got, names) {
		t.Errorf("Sheets() = %q", got)
	}
	path := filepath.Join(t.TempDir(), "order.xlsx")
	if err := wb.Save(path); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("late", buildTable(t, s), SheetOptions{}); err == nil {
		t.Error("AddSheet after Save succeeded")
	}
	got, err := Sheets(path)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, names) {
		t.Errorf("sheets = %q, want %q", got, names)
	}
	f := openExcelize(t, path)
	if got := f.GetSheetList(); !slices.Equal(got, names) {
		t.Errorf("excelize sheets = %q", got)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet = %d", f.GetActiveSheetIndex())
	}
	refs := map[string]string{}
	for _, n := range f.GetDefinedName() {
		refs[n.Scope] = n.RefersTo
	}
	want := map[string]string{"Zeta": "'Zeta'!$A$1:$A$2", "alpha": "'alpha'!$A$1:$A$3", "O'Brien": "'O''Brien'!$A$1:$A$5", "Ünïcode": "'Ünïcode'!$A$1:$A$6"}
	if !mapsEqual(refs, want) {
		t.Errorf("filter names = %v, want %v", refs, want)
	}
	for i, n := range names {
		tb, _ := readAll(t, path, ReadOptions{Sheet: n})
		if tb.NumRows() != i+1 || tb.Column(0).Int64s()[i] != int64(i*10+i) {
			t.Errorf("sheet %s: %d rows", n, tb.NumRows())
		}
	}
}

func TestOptionErrors(t *testing.T) {
	t.Parallel()
	tb := mixedTable(t)
	for _, c := range []struct {
		opts SheetOptions
		want string
	}{
		{SheetOptions{HeaderFill: "blue"}, `header fill: colour "blue" is not hex RGB`},
		{SheetOptions{Bands: &ColourBands{Column: "Score", Bands: []ColourBand{{Below: 1, Fill: "12345"}}}}, "band 1 fill"},
		{SheetOptions{Bands: &ColourBands{Column: "Score", Bands: []ColourBand{{Below: 1, Fill: "123456", Font: "red"}}}}, "band 1 font"},
		{SheetOptions{Bands: QualityBands("Missing")}, `unknown column "Missing"`},
		{SheetOptions{Bands: QualityBands("Loaded")}, "numeric column"},
	} {
		err := NewWorkbook().AddSheet("S", tb, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `sheet "S"`) {
			t.Errorf("%+v: error = %v, want %q", c.opts, err, c.want)
		}
	}
	if _, err := Create(filepath.Join(t.TempDir(), "no", "such", "dir.xlsx"), tb.Schema(), WriteOptions{}); err == nil {
		t.Error("Create in a missing directory succeeded")
	}
	if err := NewWorkbook().Save(filepath.Join(t.TempDir(), "none.xlsx")); err == nil || !strings.Contains(err.Error(), "no sheets") {
		t.Errorf("saving an empty workbook: %v", err)
	}
}

// TestAbortLeavesNothing aborts a writer that has written rows.
func TestAbortLeavesNothing(t *testing.T) {
	t.Parallel()
	tb := mixedTable(t)
	path := filepath.Join(t.TempDir(), "aborted.xlsx")
	w, err := Create(path, tb.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after Abort = %v", err)
	}
	if err := w.Write(tb); err == nil {
		t.Error("Write after Abort succeeded")
	}
	assertNoFiles(t, path)
}

// TestFailedWriteDiscards fails the second of several batches.
func TestFailedWriteDiscards(t *testing.T) {
	t.Parallel()
	s := table.MustSchema(table.Field{Name: "notes", Type: table.String})
	path := filepath.Join(t.TempDir(), "failed.xlsx")
	w, err := Create(path, s, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(buildTable(t, s, []any{"one"}, []any{"two"})); err != nil {
		t.Fatal(err)
	}
	err = w.Write(buildTable(t, s, []any{"three"}, []any{strings.Repeat("x", MaxCellChars+1)}))
	if err == nil || !strings.Contains(err.Error(), `row 4, column "notes"`) {
		t.Fatalf("error = %v, want one naming data row 4", err)
	}
	if err2 := w.Write(buildTable(t, s, []any{"five"})); !errors.Is(err2, err) && (err2 == nil || err2.Error() != err.Error()) {
		t.Errorf("Write after a failure = %v, want the first error", err2)
	}
	if cerr := w.Close(); cerr == nil || cerr.Error() != err.Error() {
		t.Errorf("Close = %v, want the first error", cerr)
	}
	assertNoFiles(t, path)
}

// TestLargeRoundTrip streams enough rows in several batches to span many
// deflate chunks, then reads every value back with this package's reader
// and spot-checks with excelize.
func TestLargeRoundTrip(t *testing.T) {
	t.Parallel()
	rows := 12_000
	if testing.Short() {
		rows = 5_000
	}
	want := benchTable(t, rows)
	path := filepath.Join(t.TempDir(), "large.xlsx")
	w, err := Create(path, want.Schema(), WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < rows; lo += 7_001 {
		if err := w.Write(want.Slice(lo, min(lo+7_001, rows))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, ws := readAll(t, path, ReadOptions{})
	if len(ws) != 0 {
		t.Errorf("warnings = %v", warningTexts(ws))
	}
	if d := want.Diff(got); d != "" {
		t.Fatalf("round trip differs: %s", d)
	}
	f := openExcelize(t, path)
	last := strconv.Itoa(rows + 1)
	if v, _ := f.GetCellValue(DefaultSheet, "C"+last); v != "contact"+strconv.Itoa(rows-1)+"@example.co.za" {
		t.Errorf("C%s = %q", last, v)
	}
}

// TestFloatsRoundTrip writes floats in shortest round-trip form and
// non-finite values as text.
func TestFloatsRoundTrip(t *testing.T) {
	t.Parallel()
	values := []float64{0, math.Copysign(0, -1), 0.1 + 0.2, 1e-7, -2.5e-300, 1e21, 123456789012345678, math.MaxFloat64, math.SmallestNonzeroFloat64, 1.0 / 3}
	s := table.MustSchema(table.Field{Name: "x", Type: table.Float64})
	rows := make([][]any, len(values))
	for i, v := range values {
		rows[i] = []any{v}
	}
	path := filepath.Join(t.TempDir(), "floats.xlsx")
	if err := WriteFile(path, buildTable(t, s, rows...), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := readAll(t, path, ReadOptions{})
	for i, v := range got.Column(0).Float64s() {
		if v != values[i] {
			t.Errorf("row %d = %v, want %v", i+1, v, values[i])
		}
	}
	f := openExcelize(t, path)
	for i, want := range values {
		raw, _ := f.GetCellValue(DefaultSheet, "A"+strconv.Itoa(i+2), excelize.Options{RawCellValue: true})
		if v, err := strconv.ParseFloat(raw, 64); err != nil || v != want {
			t.Errorf("excelize row %d = %q, want %v", i+1, raw, want)
		}
	}

	nonFinite := buildTable(t, s, []any{math.NaN()}, []any{math.Inf(1)}, []any{math.Inf(-1)}, []any{1.5})
	if err := WriteFile(path, nonFinite, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f = openExcelize(t, path)
	for cell, want := range map[string]string{"A2": "NaN", "A3": "+Inf", "A4": "-Inf", "A5": "1.5"} {
		if got, _ := f.GetCellValue(DefaultSheet, cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
}

// TestPackageWellFormed parses every XML part, checks that the content
// types and relationships name exactly the parts present, and that the
// same input gives the same bytes.
func TestPackageWellFormed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string) string {
		path := filepath.Join(dir, name)
		wb := NewWorkbook()
		s := table.MustSchema(table.Field{Name: "text", Type: table.String})
		rows := make([][]any, len(awkwardStrings))
		for i, v := range awkwardStrings {
			rows[i] = []any{v}
		}
		if err := wb.AddSheet("Data & more", mixedTable(t), SheetOptions{Bands: QualityBands("Score")}); err != nil {
			t.Fatal(err)
		}
		if err := wb.AddSheet("Awkward", buildTable(t, s, rows...), SheetOptions{PlainHeader: true}); err != nil {
			t.Fatal(err)
		}
		if err := wb.Save(path); err != nil {
			t.Fatal(err)
		}
		return path
	}
	path := write("a.xlsx")
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	parts := map[string]bool{}
	for _, f := range z.File {
		parts[f.Name] = true
		if f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(rc)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%s: %v", f.Name, err)
				break
			}
		}
		rc.Close()
	}
	if first := z.File[0].Name; first != "[Content_Types].xml" {
		t.Errorf("first part = %s, want [Content_Types].xml", first)
	}
	types := readPart(t, path, "[Content_Types].xml")
	for name := range parts {
		if strings.HasSuffix(name, ".rels") || name == "[Content_Types].xml" {
			continue
		}
		if !strings.Contains(types, `PartName="/`+name+`"`) {
			t.Errorf("[Content_Types].xml does not list %s", name)
		}
	}
	for _, m := range regexp.MustCompile(`PartName="/([^"]+)"`).FindAllStringSubmatch(types, -1) {
		if !parts[m[1]] {
			t.Errorf("[Content_Types].xml lists missing part %s", m[1])
		}
	}
	for rels, base := range map[string]string{"_rels/.rels": "", "xl/_rels/workbook.xml.rels": "xl/"} {
		for _, m := range regexp.MustCompile(`Target="([^"]+)"`).FindAllStringSubmatch(readPart(t, path, rels), -1) {
			if !parts[base+m[1]] {
				t.Errorf("%s targets missing part %s", rels, m[1])
			}
		}
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(write("b.xlsx"))
	if !bytes.Equal(a, b) {
		t.Error("the same workbook written twice differs")
	}
}

// TestParallelDeflater compresses inputs around the chunk size, in odd
// write sizes, and checks that they decompress to the input.
func TestParallelDeflater(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, deflateChunk - 1, deflateChunk, deflateChunk + 1, 5*deflateChunk + 12345} {
		in := make([]byte, n)
		for i := range in {
			if i%1000 < 500 {
				in[i] = byte(r.IntN(256)) // incompressible stretches
			} else {
				in[i] = "<row><c>abc</c></row>"[i%21]
			}
		}
		var out bytes.Buffer
		d := newParallelDeflater(&out)
		for p := in; len(p) > 0; {
			k := min(len(p), 1+r.IntN(200_000))
			if _, err := d.Write(p[:k]); err != nil {
				t.Fatal(err)
			}
			p = p[k:]
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(flate.NewReader(&out))
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if !bytes.Equal(got, in) {
			t.Errorf("%d bytes: round trip differs", n)
		}
	}
}

// FuzzCellText writes arbitrary text and checks that excelize and this
// package's reader read back the same text, with bytes that are not UTF-8
// replaced by U+FFFD, the one documented change.
func FuzzCellText(f *testing.F) {
	for _, s := range awkwardStrings {
		f.Add(s)
	}
	f.Add("\xff_x00")
	f.Add("_x005F_x0041_")
	s := table.MustSchema(table.Field{Name: "text", Type: table.String})
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, v string) {
		if utf16Len(v) > MaxCellChars {
			t.Skip()
		}
		n++
		path := filepath.Join(dir, fmt.Sprintf("fuzz%d.xlsx", n))
		defer os.Remove(path)
		if err := WriteFile(path, buildTable(t, s, []any{v}), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		// Each byte that is not part of valid UTF-8 becomes U+FFFD, as
		// when ranging over the string.
		want := string([]rune(v))
		x, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.GetCellValue(DefaultSheet, "A2")
		_ = x.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("excelize read %q, want %q", got, want)
		}
		tb, _, err := ReadFile(path, ReadOptions{NullValues: []string{}, Types: map[string]table.Type{"text": table.String}})
		if err != nil {
			t.Fatal(err)
		}
		if tb.NumRows() != 1 || tb.Column(0).Strings()[0] != want {
			t.Errorf("reader read %q, want %q", tb.Column(0).Strings(), want)
		}
	})
}

func TestAppendText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":              "plain",
		`a<b>&"c"`:           `a&lt;b&gt;&amp;"c"`,
		"tab\tlf\ncr\r":      "tab\tlf\ncr_x000D_",
		"\x00\x1f":           "_x0000__x001F_",
		"_x0041_":            "_x005F_x0041_",
		"_x12_ _xABCD_":      "_x005F_x12_ _x005F_xABCD_",
		"_x_ _xABCDE_ _X12_": "_x_ _xABCDE_ _X12_",
		"snake_case_x":       "snake_case_x",
		"\xffé\uFFFF":        "\uFFFDé_xFFFF_",
	} {
		if got := string(appendText(nil, in)); got != want {
			t.Errorf("appendText(%q) = %q, want %q", in, got, want)
		}
	}
}
