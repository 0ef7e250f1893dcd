package xlsxio

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// TestReadLimits reads small workbooks with limits set just below what
// they need: each read is refused with a LimitError naming the file, the
// part, the cell where there is one, and the option; with the limit just
// high enough the same workbook reads.
func TestReadLimits(t *testing.T) {
	t.Parallel()
	si := func(s string) string { return "<si><t>" + s + "</t></si>" }
	inline := func(ref, s string) string {
		return `<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>`
	}
	head := `<row r="1">` + inline("A1", "id") + inline("B1", "name") + `</row>`
	long := strings.Repeat("x", 100)
	var manyRows strings.Builder
	for r := 2; r <= 11; r++ {
		fmt.Fprintf(&manyRows, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, r, r, r)
	}
	big := strings.Repeat(`<row><c t="inlineStr"><is><t>`+strings.Repeat("z", 1000)+`</t></is></c></row>`, 3000)
	tests := []struct {
		name   string
		data   string
		sst    []string
		tight  Limits // refused
		enough Limits // read
		part   string
		cell   string
		option string
	}{
		{"inline string", head + `<row r="2">` + inline("B2", long) + `</row>`, nil,
			Limits{MaxCellBytes: 99}, Limits{MaxCellBytes: 100}, "xl/worksheets/sheet1.xml", "Sheet1!B2", "max_cell_bytes"},
		{"escaped inline string", head + `<row r="2">` + inline("B2", strings.Repeat("&amp;", 50)) + `</row>`, nil,
			Limits{MaxCellBytes: 49}, Limits{MaxCellBytes: 50}, "xl/worksheets/sheet1.xml", "Sheet1!B2", "max_cell_bytes"},
		{"value", head + `<row r="2"><c r="A2" t="str"><v>` + long + `</v></c></row>`, nil,
			Limits{MaxCellBytes: 99}, Limits{MaxCellBytes: 100}, "xl/worksheets/sheet1.xml", "Sheet1!A2", "max_cell_bytes"},
		{"formula", head + `<row r="2"><c r="A2"><f>` + long + `</f><v>1</v></c></row>`, nil,
			Limits{MaxCellBytes: 99}, Limits{MaxCellBytes: 100}, "xl/worksheets/sheet1.xml", "Sheet1!A2", "max_cell_bytes"},
		{"shared string", head + `<row r="2"><c r="B2" t="s"><v>0</v></c></row>`, []string{si(long)},
			Limits{MaxCellBytes: 99}, Limits{MaxCellBytes: 100}, "xl/sharedStrings.xml", "", "max_cell_bytes"},
		{"shared string count", head + `<row r="2"><c r="B2" t="s"><v>2</v></c></row>`, []string{si("a"), si("b"), "<si/>"},
			Limits{MaxSharedStrings: 2}, Limits{MaxSharedStrings: 3}, "xl/sharedStrings.xml", "", "max_shared_strings"},
		{"shared string bytes", head + `<row r="2"><c r="B2" t="s"><v>1</v></c></row>`, []string{si(long), si(long)},
			Limits{MaxSharedStringBytes: 199}, Limits{MaxSharedStringBytes: 200}, "xl/sharedStrings.xml", "", "max_shared_string_bytes"},
		{"columns", head + `<row r="2"><c r="C2"><v>1</v></c></row>`, nil,
			Limits{MaxColumns: 2}, Limits{MaxColumns: 3}, "xl/worksheets/sheet1.xml", "Sheet1!C1", "max_columns"},
		{"cells", head + manyRows.String(), nil,
			Limits{MaxCells: 19}, Limits{MaxCells: 20}, "xl/worksheets/sheet1.xml", "Sheet1!A11", "max_cells"},
		{"cells of a gap", head + `<row r="2"><c r="A2"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>`, nil,
			Limits{MaxCells: 2*1048575 - 1}, Limits{MaxCells: 2 * 1048575}, "xl/worksheets/sheet1.xml", "Sheet1!A1048576", "max_cells"},
		{"part size", head + big, nil,
			Limits{MaxPartBytes: 1 << 20}, Limits{MaxPartBytes: 4 << 20, MaxRatio: 1000}, "xl/worksheets/sheet1.xml", "", "max_part_bytes"},
		{"compression ratio", head + big, nil,
			Limits{MaxRatio: 10}, Limits{MaxRatio: 1000}, "xl/worksheets/sheet1.xml", "", "max_ratio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writeRawXLSX(t, []rawSheet{{name: "Sheet1", data: tt.data}}, tt.sst, "", nil, false)
			_, _, err := ReadFile(path, ReadOptions{Limits: tt.tight})
			var le *LimitError
			if !errors.As(err, &le) || !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want a LimitError", err)
			}
			if le.File != path || le.Part != tt.part || le.Cell != tt.cell || le.Option != tt.option {
				t.Errorf("LimitError{File: %q, Part: %q, Cell: %q, Option: %q}, want %q, %q, %q, %q",
					le.File, le.Part, le.Cell, le.Option, path, tt.part, tt.cell, tt.option)
			}
			for _, w := range []string{path, tt.part, "limits." + tt.option} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if _, _, err := ReadFile(path, ReadOptions{Limits: tt.enough}); err != nil {
				t.Errorf("with %+v: %v", tt.enough, err)
			}
		})
	}
}

// TestLimitsRefuseNegative checks that a negative limit is an error rather
// than no limit at all.
func TestLimitsRefuseNegative(t *testing.T) {
	t.Parallel()
	for _, l := range []Limits{{MaxCellBytes: -1}, {MaxCells: -1}, {MaxRatio: -1}, {MaxColumns: 70_000}} {
		if _, err := (ReadOptions{Limits: l}).withDefaults(); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
}

// TestLongTextInPieces reads texts longer than the scanner's text piece,
// with entity references across every possible cut, and checks they read
// back whole.
func TestLongTextInPieces(t *testing.T) {
	t.Parallel()
	for shift := 0; shift < 16; shift++ {
		text := strings.Repeat("a", textPiece-shift) + strings.Repeat("&amp;b&#x263A;", 4) + strings.Repeat("c", textPiece)
		want := strings.Repeat("a", textPiece-shift) + strings.Repeat("&b☺", 4) + strings.Repeat("c", textPiece)
		data := `<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>` + text + `</t></is></c></row>`
		path := writeRawXLSX(t, []rawSheet{{name: "Sheet1", data: data}}, nil, "", nil, false)
		tb, _, err := ReadFile(path, ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tb.Column(0).Strings()[0]; got != want {
			t.Fatalf("shift %d: read %d bytes, want %d", shift, len(got), len(want))
		}
	}
}

// TestWideSheetBatches checks that a wide sheet is read in batches of
// bounded cells rather than BatchRows rows.
func TestWideSheetBatches(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="FZZ1" t="inlineStr"><is><t>far</t></is></c></row>`)
	for r := 2; r <= 3000; r++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, r, r, r)
	}
	path := writeRawXLSX(t, []rawSheet{{name: "Sheet1", data: b.String()}}, nil, "", nil, false)
	r, err := Open(path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols := r.Schema().Len()
	tb, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if cells := tb.NumRows() * cols; cells > table.MaxBatchCells || tb.NumRows() == 0 {
		t.Errorf("first batch: %d rows × %d columns", tb.NumRows(), cols)
	}
}

// TestSharedStringCountClaim checks that the uniqueCount a workbook claims
// sizes the table only within the limits: a claim of five million entries
// must not allocate for them.
func TestSharedStringCountClaim(t *testing.T) {
	t.Parallel()
	path := writeRawXLSX(t, []rawSheet{{name: "Sheet1", data: `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`}}, nil, "", nil, false)
	replacePart(t, path, "xl/sharedStrings.xml", `<sst uniqueCount="5000000"><si><t>h</t></si></sst>`)
	lim, _ := Limits{MaxSharedStrings: 1000}.withDefaults()
	p, err := openPackage(path, "", lim)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	sst, err := p.readSharedStrings()
	if err != nil {
		t.Fatal(err)
	}
	if sst.len() != 1 || sst.get(0) != "h" || cap(sst.ends) > 1000 {
		t.Errorf("table of %d entries, capacity %d", sst.len(), cap(sst.ends))
	}
}

// replacePart rewrites the zip at path with the part name holding body.
func replacePart(t *testing.T, path, name, body string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			_, err = io.WriteString(w, body)
		} else {
			var rc io.ReadCloser
			if rc, err = f.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzSheetParts parses arbitrary shared-strings and sheet XML under small
// limits. It must never panic, never return a cell longer than the cell
// limit, and read the same whether text arrives whole or cut into small
// pieces.
func FuzzSheetParts(f *testing.F) {
	f.Add(`<sst><si><t>a&amp;b</t></si><si><r><t>x</t></r><rPh><t>y</t></rPh></si><si/></sst>`,
		`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>inline</t></is></c></row>`+
			`<row r="3"><c r="C3"><f>SUM(A1)</f><v>2</v></c><c t="str"><v>s&#x263A;</v></c><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>`)
	f.Add(`<sst uniqueCount="99999999"><si><t><![CDATA[<cdata>]]></t></si></sst>`,
		`<x:worksheet><x:sheetData><x:row><x:c t="s"><x:v>0</x:v></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>`)
	f.Add(`<sst><si><t>`+strings.Repeat("&lt;", 40)+`</t></si></sst>`, `<worksheet><sheetData><row r="2"><c r="XFD2" t="d"><v>2024-01-01T10:00</v></c></row></sheetData></worksheet>`)
	lim := Limits{MaxCellBytes: 100, MaxSharedStrings: 20, MaxSharedStringBytes: 400}
	lim, _ = lim.withDefaults()
	type row struct {
		num   int
		cells []rawCell
	}
	read := func(sst, sheet string, piece int) ([]row, error) {
		x := newXMLScanner(strings.NewReader(sst))
		x.maxBuf, x.piece = scanLimit(lim.MaxCellBytes), piece
		table, err := parseSharedStrings(x, lim)
		if err != nil {
			return nil, err
		}
		sc := newSheetScanner(io.NopCloser(strings.NewReader(sheet)), "sheet", table, []fmtKind{fmtNumber, fmtDate}, lim.MaxCellBytes)
		sc.x.piece = piece
		var rows []row
		for {
			num, cells, err := sc.nextRow()
			if errors.Is(err, io.EOF) {
				return rows, nil
			}
			if err != nil {
				return rows, err
			}
			rows = append(rows, row{num, append([]rawCell(nil), cells...)})
		}
	}
	f.Fuzz(func(t *testing.T, sst, sheet string) {
		whole, errWhole := read(sst, sheet, 0)
		cut, errCut := read(sst, sheet, 32)
		if (errWhole == nil) != (errCut == nil) {
			t.Fatalf("whole text: %v; cut text: %v", errWhole, errCut)
		}
		if len(whole) != len(cut) {
			t.Fatalf("whole text gives %d rows, cut text %d", len(whole), len(cut))
		}
		for i := range whole {
			if whole[i].num != cut[i].num || len(whole[i].cells) != len(cut[i].cells) {
				t.Fatalf("row %d differs: %+v vs %+v", i, whole[i], cut[i])
			}
			for j, c := range whole[i].cells {
				if c != cut[i].cells[j] {
					t.Fatalf("row %d cell %d: %+v vs %+v", whole[i].num, j, c, cut[i].cells[j])
				}
				if len(c.text) > lim.MaxCellBytes {
					t.Fatalf("row %d cell %d holds %d bytes, over the limit of %d", whole[i].num, j, len(c.text), lim.MaxCellBytes)
				}
			}
		}
	})
}

// TestEncryptedSizeLimit checks that a compound file, which is decrypted
// whole in memory, is refused by its size before it is read.
func TestEncryptedSizeLimit(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/locked.xlsx"
	if err := os.WriteFile(path, append(bytes.Clone(cfbMagic), make([]byte, 4096)...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadFile(path, ReadOptions{Password: "pw", Limits: Limits{MaxPartBytes: 1024}})
	var le *LimitError
	if !errors.As(err, &le) || le.Option != "max_part_bytes" || le.File != path {
		t.Fatalf("err = %v, want the part size limit", err)
	}
	if _, _, err := ReadFile(path, ReadOptions{Password: "pw"}); errors.As(err, &le) {
		t.Errorf("a 4 KiB compound file hit a limit: %v", err)
	}
}
