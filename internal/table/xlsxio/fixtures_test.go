package xlsxio

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rawSheet is one worksheet of a hand-written workbook: the XML inside
// <sheetData>, and anything that follows it (such as <mergeCells>).
type rawSheet struct {
	name string
	data string
	tail string
}

// writeRawXLSX writes a minimal workbook part by part, so that tests can
// exercise XML that excelize would never produce (cached formula values,
// error cells, phonetic runs, namespace prefixes).
func writeRawXLSX(t *testing.T, sheets []rawSheet, sst []string, numFmts string, cellXfs []int, date1904 bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "raw.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	add := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	add("_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	var wb, rels strings.Builder
	wbPr := ""
	if date1904 {
		wbPr = `<workbookPr date1904="1"/>`
	}
	fmt.Fprintf(&wb, `<?xml version="1.0"?><workbook %s>%s<sheets>`, ns, wbPr)
	rels.WriteString(`<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), fmt.Sprintf(`<?xml version="1.0"?><worksheet %s><sheetData>%s</sheetData>%s</worksheet>`, ns, s.data, s.tail))
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`<Relationship Id="rS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	rels.WriteString(`<Relationship Id="rT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
	rels.WriteString(`</Relationships>`)
	add("xl/workbook.xml", wb.String())
	add("xl/_rels/workbook.xml.rels", rels.String())
	var st strings.Builder
	fmt.Fprintf(&st, `<?xml version="1.0"?><styleSheet %s><numFmts>%s</numFmts><cellXfs>`, ns, numFmts)
	for _, id := range append([]int{0}, cellXfs...) {
		fmt.Fprintf(&st, `<xf numFmtId="%d"/>`, id)
	}
	st.WriteString(`</cellXfs></styleSheet>`)
	add("xl/styles.xml", st.String())
	var ss strings.Builder
	fmt.Fprintf(&ss, `<?xml version="1.0"?><sst %s uniqueCount="%d">`, ns, len(sst))
	for _, s := range sst {
		ss.WriteString(s)
	}
	ss.WriteString(`</sst>`)
	add("xl/sharedStrings.xml", ss.String())
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// saveExcel saves an excelize file into a temporary directory.
func saveExcel(t *testing.T, f *excelize.File, name string, opts ...excelize.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := f.SaveAs(path, opts...); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// setRows writes rows of values starting at A<first>.
func setRows(t *testing.T, f *excelize.File, sheet string, first int, rows ...[]any) {
	t.Helper()
	for i, row := range rows {
		for j, v := range row {
			if v == nil {
				continue
			}
			if err := f.SetCellValue(sheet, cellRef(j+1, first+i), v); err != nil {
				t.Fatal(err)
			}
		}
	}
}
