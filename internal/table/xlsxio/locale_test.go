package xlsxio

import (
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table/locale"
)

// TestLocaleTextCells reads numbers and dates typed into text cells the
// way a South African export holds them, next to real number cells.
func TestLocaleTextCells(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	setRows(t, f, "Sheet1", 1,
		[]any{"name", "revenue", "founded", "phone", "staff"},
		[]any{"Café Aviation", "1 234,50", "03/04/2024", "082 555 1234", "1 200"},
		[]any{"Beta", 12.5, "25/12/1999", "021 555 0000", 7},
	)
	path := saveExcel(t, f, "za.xlsx")
	za, err := locale.Options{}.WithLocale("en-ZA")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		opts   locale.Options
		schema string
		row0   []string
	}{
		{"en-ZA", za, "name:string, revenue:float64, founded:date, phone:string, staff:int64",
			[]string{"Café Aviation", "1234.5", "2024-04-03", "082 555 1234", "1200"}},
		{"date format only", locale.Options{DateFormats: map[string]string{"founded": "%d/%m/%Y"}},
			"name:string, revenue:string, founded:date, phone:string, staff:string",
			[]string{"Café Aviation", "1 234,50", "2024-04-03", "082 555 1234", "1 200"}},
		{"nothing declared", locale.Options{}, "name:string, revenue:string, founded:string, phone:string, staff:string",
			[]string{"Café Aviation", "1 234,50", "03/04/2024", "082 555 1234", "1 200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := readAll(t, path, ReadOptions{Locale: tt.opts})
			if got := tb.Schema().String(); got != tt.schema {
				t.Fatalf("schema %s, want %s", got, tt.schema)
			}
			for j, want := range tt.row0 {
				if got := tb.Column(j).Format(0); got != want {
					t.Errorf("column %d = %q, want %q", j+1, got, want)
				}
			}
		})
	}
	if _, _, err := ReadFile(path, ReadOptions{Locale: locale.Options{Decimal: ";"}}); err == nil {
		t.Error("a bad decimal separator was accepted")
	}
}
