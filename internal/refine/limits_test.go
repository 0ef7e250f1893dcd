package refine_test

import (
	"archive/zip"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// TestReadTableLimits checks that refine reads its workbooks within the
// xlsx reader's default limits: a cell past the default cell limit is
// refused with the file, cell and limit named.
func TestReadTableLimits(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "source.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	const rels = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	for _, p := range []struct{ name, body string }{
		{"_rels/.rels", `<Relationships ` + rels + `><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook ` + ns + `><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships ` + rels + `><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<worksheet ` + ns + `><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>` + noise(xlsxio.DefaultMaxCellBytes+1) + `</t></is></c></row></sheetData></worksheet>`},
	} {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = refine.ReadTable(path, "")
	var le *xlsxio.LimitError
	if !errors.As(err, &le) || le.Option != "max_cell_bytes" || le.Cell != "Data!A2" {
		t.Fatalf("err = %v, want the cell limit at Data!A2", err)
	}
}

// noise is n random letters, which deflate does not shrink past the
// compression-ratio limit.
func noise(n int) string {
	rng := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(rng.IntN(26))
	}
	return string(b)
}
