package erase

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

func TestParseMatch(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, kind, value string
		ok              bool
	}{
		{"email=Jane@Example.com", "email", "Jane@Example.com", true},
		{" PHONE = +27 82 123 4567", "phone", "+27 82 123 4567", true},
		{"fax=123", "", "", false},
		{"email=", "", "", false},
		{"jane@example.com", "", "", false},
	} {
		id, err := ParseMatch(c.in)
		if (err == nil) != c.ok || id.Kind != c.kind || id.Value != c.value {
			t.Errorf("ParseMatch(%q) = %+v, %v", c.in, id, err)
		}
	}
}

func FuzzParseMatch(f *testing.F) {
	f.Add("email=a@b.co")
	f.Add("phone=+27821234567")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseMatch(s)
		if err == nil && (id.Value == "" || (id.Kind != "email" && id.Kind != "phone")) {
			t.Fatalf("ParseMatch(%q) = %+v", s, id)
		}
	})
}

func people(t *testing.T) *table.Table {
	t.Helper()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "org", Type: table.String},
		table.Field{Name: "contact_email", Type: table.String},
		table.Field{Name: "contact_secondary_phones", Type: table.String},
	), 3)
	for _, r := range [][]any{
		{"Sky", "jane@sky.co.za", "+27821234567"},
		{"Blue", "other@blue.co.za", "011 555 0100, 082 123 4567"},
		{"Karoo", nil, nil},
	} {
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

// Find matches emails without case and phones in any format, in lists
// too; Apply rewrites each format without the matching rows.
func TestFindApply(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tb := people(t)
	pq := filepath.Join(dir, "a.parquet")
	w, err := parquetio.Create(pq, tb.Schema(), parquetio.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	xl := filepath.Join(dir, "a.xlsx")
	wb := xlsxio.NewWorkbook()
	if err := wb.AddSheet("Data", tb, xlsxio.SheetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wb.AddSheet("Copy", tb, xlsxio.SheetOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wb.Save(xl); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(csv, []byte("org,contact_email,contact_secondary_phones\nSky,JANE@sky.co.za,0821234567\nKaroo,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	txt := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(txt, []byte("jane@sky.co.za"), 0o644); err != nil {
		t.Fatal(err)
	}
	ids := []Identifier{{Kind: "phone", Value: "+27 82 123 4567"}}
	plan, err := Find([]string{pq, xl, csv, txt, pq}, ids)
	if err != nil {
		t.Fatal(err)
	}
	// Rows 1 and 2 hold the phone (row 2 in a list): 2 in the Parquet
	// file, 2 in each of the two sheets, 1 in the CSV file.
	if plan.Matches != 7 || len(plan.Files) != 3 || len(plan.Changed()) != 3 {
		t.Fatalf("plan: %d matches in %+v", plan.Matches, plan.Files)
	}
	if err := Apply(plan); err != nil {
		t.Fatal(err)
	}
	after, err := Find([]string{pq, xl, csv}, append(ids, Identifier{Kind: "email", Value: "Jane@Sky.co.za"}))
	if err != nil {
		t.Fatal(err)
	}
	if after.Matches != 0 {
		t.Fatalf("after Apply: %+v", after.Files)
	}
	for _, f := range after.Files {
		for _, s := range f.Sheets {
			if s.Rows != 1 {
				t.Errorf("%s %s: %d rows left, want Karoo only", f.Path, s.Name, s.Rows)
			}
		}
	}
	if got := after.Files[1].Sheets; len(got) != 2 || got[0].Name != "Data" || got[1].Name != "Copy" {
		t.Errorf("workbook sheets after the rewrite: %+v", got)
	}
	if b, _ := os.ReadFile(txt); !strings.Contains(string(b), "jane") {
		t.Error("a file of another format was touched")
	}
}

// styledWorkbook writes a sheet with a bold header and a revenue column
// in a "#,##0.00" number format; Jane's row is the second of three.
func styledWorkbook(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Data"))
	must(f.SetSheetRow("Data", "A1", &[]any{"org", "contact_email", "revenue"}))
	must(f.SetSheetRow("Data", "A2", &[]any{"Sky", "ops@sky.co.za", 1234.5}))
	must(f.SetSheetRow("Data", "A3", &[]any{"Karoo", "jane@karoo.co.za", 99.0}))
	must(f.SetSheetRow("Data", "A4", &[]any{"Blue", "desk@blue.co.za", 250000.0}))
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	money := "#,##0.00"
	num, err := f.NewStyle(&excelize.Style{CustomNumFmt: &money})
	must(err)
	must(f.SetCellStyle("Data", "A1", "C1", bold))
	must(f.SetCellStyle("Data", "C2", "C4", num))
	must(f.SaveAs(path))
}

// Erasing from a workbook removes the person's row in place: the header's
// style and the number format of the rows that stay survive.
func TestApplyKeepsWorkbookStyles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "styled.xlsx")
	styledWorkbook(t, path)
	plan, err := Find([]string{path}, []Identifier{{Kind: "email", Value: "Jane@Karoo.co.za"}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Matches != 1 {
		t.Fatalf("plan: %d matches, want Jane's row", plan.Matches)
	}
	if err := Apply(plan); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Data")
	if err != nil {
		t.Fatal(err)
	}
	var orgs []string
	for _, r := range rows[1:] {
		orgs = append(orgs, r[0])
	}
	if got := strings.Join(orgs, ","); got != "Sky,Blue" {
		t.Fatalf("rows after the erasure: %s, want Sky,Blue", got)
	}
	for _, cell := range []string{"A1", "C1"} {
		id, err := f.GetCellStyle("Data", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Font == nil || !st.Font.Bold {
			t.Errorf("header cell %s lost its bold font", cell)
		}
	}
	for cell, want := range map[string]string{"C2": "1,234.50", "C3": "250,000.00"} {
		if got, err := f.GetCellValue("Data", cell); err != nil || got != want {
			t.Errorf("%s shows %q (%v), want %q in its number format", cell, got, err, want)
		}
	}
}

// A workbook changed between Find and Apply (a row inserted above the
// person's) no longer lines up with the plan: Apply fails and leaves the
// file as it was rather than removing someone else's row.
func TestApplyRefusesAWorkbookThatMoved(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "styled.xlsx")
	styledWorkbook(t, path)
	plan, err := Find([]string{path}, []Identifier{{Kind: "email", Value: "jane@karoo.co.za"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.InsertRows("Data", 2, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	err = Apply(plan)
	if err == nil || !strings.Contains(err.Error(), "row 3 holds none of the identifiers") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("Apply on a moved workbook: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("Apply changed the workbook although it failed")
	}
}
