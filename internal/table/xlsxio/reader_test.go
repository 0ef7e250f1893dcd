package xlsxio

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
)

func readAll(t *testing.T, path string, opts ReadOptions) (*table.Table, []Warning) {
	t.Helper()
	tb, w, err := ReadFile(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tb, w
}

func warningTexts(ws []Warning) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.String()
	}
	return out
}

func contactsWorkbook(t *testing.T) string {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Organisation"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Contact Info", "Notes"} {
		if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
	}
	setRows(t, f, "Organisation", 1, []any{"Organisation Name", "ID"}, []any{"Aero Club", 1})
	setRows(t, f, "Contact Info", 1, []any{"ID", "Firstname"}, []any{1, "Thandi"}, []any{1, "Pieter"})
	setRows(t, f, "Notes", 1, []any{"Note"}, []any{"check"})
	return saveExcel(t, f, "contacts.xlsx")
}

func TestSheetSelection(t *testing.T) {
	t.Parallel()
	path := contactsWorkbook(t)
	tests := []struct {
		name      string
		opts      ReadOptions
		wantSheet string
		wantCols  string
	}{
		{"default is first", ReadOptions{}, "Organisation", "Organisation Name:string, ID:int64"},
		{"by name", ReadOptions{Sheet: "Contact Info"}, "Contact Info", "ID:int64, Firstname:string"},
		{"by name ignoring case", ReadOptions{Sheet: "contact info"}, "Contact Info", "ID:int64, Firstname:string"},
		{"by index", ReadOptions{SheetIndex: 3}, "Notes", "Note:string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(path, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.SheetName() != tc.wantSheet {
				t.Errorf("sheet = %q, want %q", r.SheetName(), tc.wantSheet)
			}
			if got := r.Schema().String(); got != tc.wantCols {
				t.Errorf("schema = %s, want %s", got, tc.wantCols)
			}
		})
	}
	got, err := Sheets(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Organisation", "Contact Info", "Notes"}; !slices.Equal(got, want) {
		t.Errorf("Sheets = %q, want %q", got, want)
	}
}

func TestSheetNotFound(t *testing.T) {
	t.Parallel()
	path := contactsWorkbook(t)
	tests := []struct {
		opts ReadOptions
		want string
	}{
		{ReadOptions{Sheet: "Contacts"}, `sheet "Contacts" not found in ` + path + `; sheets: Organisation, Contact Info, Notes`},
		{ReadOptions{SheetIndex: 4}, `sheet 4 not found in ` + path + `; sheets: Organisation, Contact Info, Notes`},
	}
	for _, tc := range tests {
		_, err := Open(path, tc.opts)
		var nf *SheetNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("Open(%+v) error = %v, want *SheetNotFoundError", tc.opts, err)
		}
		if err.Error() != tc.want {
			t.Errorf("error = %q\nwant    %q", err, tc.want)
		}
	}
	if _, err := Open(path, ReadOptions{Sheet: "Notes", SheetIndex: 1}); err == nil {
		t.Error("Open with both a sheet name and an index succeeded")
	}
}

// Header names come out the same whether the merged ranges are known
// before the rows are read (Open streams) or only after them (ReadFile
// renames at the end), and so do the warnings, in sheet order.
func TestHeaderNames(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1,
		[]any{"Name", nil, "Contact", nil, "Name", "Email", " Email ", "column_2"},
		[]any{"Kitty Hawk", "x", "011 555 0101", "a@b.co", "dup", "e1", "e2", "real"},
	)
	if err := f.SetCellFormula("Sheet1", "B3", "1/0"); err != nil {
		t.Fatal(err)
	}
	if err := f.MergeCell("Sheet1", "C1", "D1"); err != nil {
		t.Fatal(err)
	}
	path := saveExcel(t, f, "headers.xlsx")
	streamed := func(t *testing.T) (*table.Table, []Warning) {
		r, err := Open(path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		tb, err := table.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return tb, r.Warnings()
	}
	whole := func(t *testing.T) (*table.Table, []Warning) { return readAll(t, path, ReadOptions{}) }
	for name, read := range map[string]func(*testing.T) (*table.Table, []Warning){"Open": streamed, "ReadFile": whole} {
		t.Run(name, func(t *testing.T) {
			tb, ws := read(t)
			want := []string{"Name", "column_2", "column_3", "column_4", "Name_2", "Email", "Email_2", "column_2_2"}
			if got := tb.Schema().Names(); !slices.Equal(got, want) {
				t.Errorf("names = %q\nwant    %q", got, want)
			}
			wantWarn := []string{
				"Sheet1!B1: blank header; column named column_2",
				`Sheet1!C1: header "Contact" is part of merged range C1:D1; column named column_3`,
				"Sheet1!D1: header cell is part of merged range C1:D1; column named column_4",
				`Sheet1!E1: duplicate header "Name" renamed to "Name_2"`,
				`Sheet1!G1: duplicate header "Email" renamed to "Email_2"`,
				`Sheet1!H1: duplicate header "column_2" renamed to "column_2_2"`,
				"Sheet1!B3: formula =1/0 has no cached value; read as null (open and save the workbook in Excel to compute it)",
			}
			if got := warningTexts(ws); !slices.Equal(got, wantWarn) {
				t.Errorf("warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantWarn, "\n"))
			}
			if got := tb.Row(0); got[3] != "a@b.co" || got[2] != "011 555 0101" {
				t.Errorf("row 1 = %v: merged header columns lost their data", got)
			}
		})
	}
}

func TestHeaderRowAndEmptyRows(t *testing.T) {
	t.Parallel()
	// Title above the header, a blank row inside the data, a short row,
	// trailing rows and columns holding only formatting.
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1, []any{"Flight schools export"})
	setRows(t, f, "Sheet1", 3,
		[]any{"School", "Town", "Planes"},
		[]any{"Aeronav Academy", "Johannesburg", 7},
		[]any{},
		[]any{"Skyhigh", nil, nil},
		[]any{"Blue Sky", "George", 2},
	)
	style, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFFF00"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "A9", "F20", style); err != nil {
		t.Fatal(err)
	}
	path := saveExcel(t, f, "header_row.xlsx")
	tb, ws := readAll(t, path, ReadOptions{HeaderRow: 3})
	if len(ws) != 0 {
		t.Errorf("warnings = %v, want none", warningTexts(ws))
	}
	if got := tb.Schema().String(); got != "School:string, Town:string, Planes:int64" {
		t.Fatalf("schema = %s", got)
	}
	want := [][]any{
		{"Aeronav Academy", "Johannesburg", int64(7)},
		{nil, nil, nil},
		{"Skyhigh", nil, nil},
		{"Blue Sky", "George", int64(2)},
	}
	if tb.NumRows() != len(want) {
		t.Fatalf("rows = %d, want %d", tb.NumRows(), len(want))
	}
	for i, w := range want {
		if got := tb.Row(i); !slices.Equal(got, w) {
			t.Errorf("row %d = %v, want %v", i+1, got, w)
		}
	}
	if _, err := Open(path, ReadOptions{HeaderRow: 30}); err == nil || !strings.Contains(err.Error(), "header row 30") {
		t.Errorf("header below the data: error = %v, want one naming header row 30", err)
	}
}

func TestNumbersKeepDigits(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1,
		[]any{"Phone", "Mixed", "Big"},
		[]any{27821234567, 27821234567, 1e20},
		[]any{27115550101, "0821234567", 12345678901234},
		[]any{nil, "+27 82 123 4567", 0.1},
	)
	path := saveExcel(t, f, "phones.xlsx")
	tb, _ := readAll(t, path, ReadOptions{})
	if got := tb.Schema().String(); got != "Phone:int64, Mixed:string, Big:float64" {
		t.Fatalf("schema = %s", got)
	}
	_ = tb
	tb, _ = readAll(t, path, ReadOptions{Types: map[string]table.Type{"Phone": table.String, "Big": table.String}})
	checks := []struct {
		col  string
		row  int
		want string
	}{
		{"Phone", 0, "27821234567"},
		{"Phone", 1, "27115550101"},
		{"Mixed", 0, "27821234567"},
		{"Mixed", 1, "0821234567"},
		{"Mixed", 2, "+27 82 123 4567"},
		{"Big", 0, "100000000000000000000"},
		{"Big", 1, "12345678901234"},
		{"Big", 2, "0.1"},
	}
	for _, c := range checks {
		if got := tb.ColumnByName(c.col).Format(c.row); got != c.want {
			t.Errorf("%s row %d = %q, want %q", c.col, c.row+1, got, c.want)
		}
	}
}

func TestDates(t *testing.T) {
	t.Parallel()
	// Styles: 1 built-in date (14), 2 custom dd/mm/yyyy, 3 built-in
	// date-time (22), 4 custom time, 5 custom with quoted text, 6 a
	// currency format that must stay a number.
	numFmts := `<numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="hh:mm"/>` +
		`<numFmt numFmtId="166" formatCode="&quot;Day&quot; d mmm yyyy"/><numFmt numFmtId="167" formatCode="[$R-1C09] #,##0.00"/>`
	xfs := []int{14, 164, 22, 165, 166, 167}
	data := `<row r="1"><c r="A1" t="inlineStr"><is><t>Reachout Date</t></is></c><c r="B1" t="inlineStr"><is><t>Seen</t></is></c>` +
		`<c r="C1" t="inlineStr"><is><t>Time</t></is></c><c r="D1" t="inlineStr"><is><t>Text date</t></is></c>` +
		`<c r="E1" t="inlineStr"><is><t>Mixed</t></is></c><c r="F1" t="inlineStr"><is><t>Amount</t></is></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>45306</v></c><c r="B2" s="3"><v>45306.5625</v></c><c r="C2" s="4"><v>0.5625</v></c>` +
		`<c r="D2" t="inlineStr"><is><t>2024-01-15</t></is></c><c r="E2" s="5"><v>45306</v></c><c r="F2" s="6"><v>1500.5</v></c></row>` +
		`<row r="3"><c r="A3" s="2"><v>1</v></c><c r="B3" s="3"><v>61</v></c><c r="C3" s="4"><v>0.25</v></c>` +
		`<c r="D3" t="inlineStr"><is><t>15/01/2024</t></is></c><c r="E3" t="inlineStr"><is><t>soon</t></is></c><c r="F3" s="6"><v>2</v></c></row>`
	path := writeRawXLSX(t, []rawSheet{{name: "Organisation", data: data}}, nil, numFmts, xfs, false)
	tb, _ := readAll(t, path, ReadOptions{})
	if got := tb.Schema().String(); got != "Reachout Date:date, Seen:timestamp, Time:string, Text date:string, Mixed:string, Amount:float64" {
		t.Fatalf("schema = %s", got)
	}
	want := [][]string{
		{"2024-01-15", "2024-01-15T13:30:00Z", "13:30:00", "2024-01-15", "2024-01-15", "1500.5"},
		{"1900-01-01", "1900-03-01T00:00:00Z", "06:00:00", "15/01/2024", "soon", "2.0"},
	}
	for i, row := range want {
		for j, w := range row {
			if got := tb.Column(j).Format(i); got != w {
				t.Errorf("row %d, %s = %q, want %q", i+1, tb.Schema().Field(j).Name, got, w)
			}
		}
	}
	// The 1904 date system counts from 1904-01-01.
	path1904 := writeRawXLSX(t, []rawSheet{{name: "S", data: `<row r="1"><c t="inlineStr"><is><t>D</t></is></c></row><row r="2"><c s="1"><v>0</v></c></row>`}}, nil, "", []int{14}, true)
	tb, _ = readAll(t, path1904, ReadOptions{})
	if got := tb.Column(0).Format(0); got != "1904-01-01" {
		t.Errorf("1904 system serial 0 = %q, want 1904-01-01", got)
	}
}

func TestFormulasErrorsAndStrings(t *testing.T) {
	t.Parallel()
	sst := []string{
		`<si><t>Name</t></si>`,
		`<si><r><t>Aero</t></r><r><rPr><b/></rPr><t xml:space="preserve"> Club</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>`,
		`<si><t>Total</t></si>`,
		`<si><t>line_x000D_break &amp; more</t></si>`,
	}
	data := `<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>2</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>Label</x:t></x:is></x:c></x:row>` +
		`<x:row r="2"><x:c r="A2" t="s"><x:v>1</x:v></x:c><x:c r="B2"><x:f>SUM(D2:E2)</x:f><x:v>12</x:v></x:c><x:c r="C2" t="str"><x:f>A2&amp;"!"</x:f><x:v>Aero Club!</x:v></x:c></x:row>` +
		`<x:row r="3"><x:c r="A3" t="s"><x:v>3</x:v></x:c><x:c r="B3"><x:f>SUM(D3:E3)</x:f></x:c><x:c r="C3" t="e"><x:f>VLOOKUP(A3,Z:Z,2,0)</x:f><x:v>#N/A</x:v></x:c></x:row>` +
		`<x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>&lt;tag&gt; &#233;t&#xE9;</x:t></x:is></x:c><x:c r="B4"><x:f t="shared" si="0"/></x:c><x:c r="C4" t="b"><x:v>1</x:v></x:c></x:row>`
	path := writeRawXLSX(t, []rawSheet{{name: "Sheet1", data: data}}, sst, "", nil, false)
	tb, ws := readAll(t, path, ReadOptions{})
	if got := tb.Schema().String(); got != "Name:string, Total:int64, Label:string" {
		t.Fatalf("schema = %s", got)
	}
	want := [][]any{
		{"Aero Club", int64(12), "Aero Club!"},
		{"line\rbreak & more", nil, nil},
		{"<tag> été", nil, "true"},
	}
	for i, w := range want {
		if got := tb.Row(i); !slices.Equal(got, w) {
			t.Errorf("row %d = %q, want %q", i+1, got, w)
		}
	}
	wantWarn := []string{
		"Sheet1!B3: formula =SUM(D3:E3) has no cached value; read as null (open and save the workbook in Excel to compute it)",
		"Sheet1!C3: error value #N/A read as null",
		"Sheet1!B4: formula has no cached value; read as null (open and save the workbook in Excel to compute it)",
	}
	if got := warningTexts(ws); !slices.Equal(got, wantWarn) {
		t.Errorf("warnings =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantWarn, "\n"))
	}
}

func TestFormulaCachedByExcelize(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1, []any{"A", "B", "Sum"}, []any{1, 2})
	if err := f.SetCellFormula("Sheet1", "C2", "A2+B2"); err != nil {
		t.Fatal(err)
	}
	path := saveExcel(t, f, "formula.xlsx")
	tb, ws := readAll(t, path, ReadOptions{})
	if !tb.ColumnByName("Sum").IsNull(0) {
		t.Errorf("uncomputed formula read as %v, want null", tb.Row(0))
	}
	if len(ws) != 1 || ws[0].Cell != "C2" || !strings.Contains(ws[0].Message, "A2+B2") {
		t.Errorf("warnings = %v, want one for C2 naming the formula", warningTexts(ws))
	}
}

func TestTypeOverridesAndCellErrors(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "Cleaned"); err != nil {
		t.Fatal(err)
	}
	setRows(t, f, "Cleaned", 1,
		[]any{"Name", "Planes", "Since"},
		[]any{"A", 3, "2021-05-01"},
		[]any{"B", 4, 45306},
		[]any{"C", "many", nil},
	)
	path := saveExcel(t, f, "override.xlsx")

	_, _, err := ReadFile(path, ReadOptions{InferRows: 2})
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want *CellError", err)
	}
	if ce.Cell != "B4" || ce.Sheet != "Cleaned" || ce.Row != 3 || ce.Column != "Planes" {
		t.Errorf("CellError = %+v, want Cleaned!B4, data row 3, column Planes", ce)
	}
	for _, part := range []string{path + ": Cleaned!B4:", `"many"`, "int64", "first 2 rows"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
	var conv *table.ConversionError
	if !errors.As(err, &conv) || conv.To != table.Int64 {
		t.Errorf("error does not wrap a ConversionError to int64: %v", err)
	}

	tb, _ := readAll(t, path, ReadOptions{Types: map[string]table.Type{"Planes": table.String, "Since": table.Date}})
	if got := tb.Schema().String(); got != "Name:string, Planes:string, Since:date" {
		t.Fatalf("schema = %s", got)
	}
	if got := []string{tb.Column(2).Format(0), tb.Column(2).Format(1)}; !slices.Equal(got, []string{"2021-05-01", "2024-01-15"}) {
		t.Errorf("Since = %q: a text date and a serial should both convert", got)
	}
	if _, err := Open(path, ReadOptions{Types: map[string]table.Type{"Nope": table.String}}); err == nil || !strings.Contains(err.Error(), `"Nope"`) {
		t.Errorf("override of an unknown column: error = %v", err)
	}
}

func TestNullValues(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1, []any{"Name", "N"}, []any{"n/a", 1}, []any{"X", "-"}, []any{"Y", 3})
	path := saveExcel(t, f, "nulls.xlsx")
	tb, _ := readAll(t, path, ReadOptions{NullValues: []string{"", "n/a", "-"}})
	if got := tb.Schema().String(); got != "Name:string, N:int64" {
		t.Fatalf("schema = %s", got)
	}
	if tb.Column(0).NullCount() != 1 || tb.Column(1).NullCount() != 1 {
		t.Errorf("null counts = %d, %d, want 1, 1", tb.Column(0).NullCount(), tb.Column(1).NullCount())
	}
}

func TestEncryptedWorkbook(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1, []any{"Secret"}, []any{"value"})
	path := saveExcel(t, f, "locked.xlsx", excelize.Options{Password: "x"})
	head := make([]byte, 8)
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fh.Read(head)
	fh.Close()
	if string(head) != string(cfbMagic) {
		t.Fatalf("fixture is not a compound file: % x", head)
	}
	_, err = Open(path, ReadOptions{})
	if !errors.Is(err, ErrEncrypted) {
		t.Fatalf("error = %v, want ErrEncrypted", err)
	}
	for _, part := range []string{path, "password", "remove the password"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
	if _, err := Sheets(path); !errors.Is(err, ErrEncrypted) {
		t.Errorf("Sheets error = %v, want ErrEncrypted", err)
	}
	if _, err := Open(path, ReadOptions{Password: "wrong"}); !errors.Is(err, ErrEncrypted) {
		t.Errorf("wrong password: error = %v, want ErrEncrypted", err)
	}
	tb, _ := readAll(t, path, ReadOptions{Password: "x"})
	if got := tb.Row(0); !slices.Equal(got, []any{"value"}) {
		t.Errorf("decrypted row = %v", got)
	}
}

func TestCorruptFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := contactsWorkbook(t)
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	legacy := append(append([]byte{}, cfbMagic...), make([]byte, 504)...)
	legacy = append(legacy, utf16le("Workbook")...)
	files := map[string][]byte{
		"text.xlsx":      []byte("Name,Phone\nA,1\n"),
		"truncated.xlsx": raw[:len(raw)/2],
		"empty.xlsx":     nil,
		"legacy.xlsx":    legacy,
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, ReadOptions{})
		if !errors.Is(err, ErrNotWorkbook) {
			t.Errorf("%s: error = %v, want ErrNotWorkbook", name, err)
			continue
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "legacy.xlsx"), ReadOptions{}); err == nil || !strings.Contains(err.Error(), ".xls") {
		t.Errorf("legacy file: error = %v, want advice to save as .xlsx", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.xlsx"), ReadOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want ErrNotExist", err)
	}
}

func TestEmptySheet(t *testing.T) {
	t.Parallel()
	path := writeRawXLSX(t, []rawSheet{{name: "Blank"}}, nil, "", nil, false)
	tb, ws := readAll(t, path, ReadOptions{})
	if tb.NumCols() != 0 || tb.NumRows() != 0 || len(ws) != 0 {
		t.Errorf("empty sheet read as %d cols, %d rows, warnings %v", tb.NumCols(), tb.NumRows(), ws)
	}
}

func TestValuesBeyondSampledColumns(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1, []any{"A"}, []any{"x"}, []any{"y", nil, "stray"})
	path := saveExcel(t, f, "stray.xlsx")
	tb, ws := readAll(t, path, ReadOptions{InferRows: 1})
	if tb.NumCols() != 1 || tb.NumRows() != 2 {
		t.Fatalf("read %d cols × %d rows, want 1 × 2", tb.NumCols(), tb.NumRows())
	}
	if len(ws) != 1 || ws[0].Cell != "C3" || !strings.Contains(ws[0].Message, "right of the last column") {
		t.Errorf("warnings = %v, want one for C3", warningTexts(ws))
	}
	if got := strings.Join(warningTexts(ws), "\n"); strings.Contains(got, "stray") {
		t.Errorf("warning quotes the cell's value (it may be personal data): %s", got)
	}
	tb, _ = readAll(t, path, ReadOptions{})
	if tb.NumCols() != 3 {
		t.Errorf("with the stray value in the sample: %d columns, want 3", tb.NumCols())
	}
}

func TestLargeSheet(t *testing.T) {
	t.Parallel()
	const rows = 100_000
	// Four of the benchmark's columns keep the test fast under -race.
	want, err := benchTable(t, rows).Project("id", "email", "score", "joined")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "large.xlsx")
	if err := WriteFile(path, want, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, ReadOptions{BatchRows: 30_000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	batches := 0
	var parts []*table.Table
	for {
		b, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if b.NumRows() > 30_000 {
			t.Fatalf("batch of %d rows exceeds BatchRows", b.NumRows())
		}
		batches++
		parts = append(parts, b)
	}
	if batches != 4 {
		t.Errorf("batches = %d, want 4", batches)
	}
	got, err := table.Concat(parts...)
	if err != nil {
		t.Fatal(err)
	}
	if d := want.Diff(got); d != "" {
		t.Fatalf("100k-row round trip differs: %s", d)
	}
}
