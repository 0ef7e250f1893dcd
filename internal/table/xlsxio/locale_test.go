package xlsxio

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
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

// TestUndeclaredDateWarning: a column whose sampled cells are all text
// holding numeric dates stays text, with a warning at its header naming
// the column and how to declare the order, unless the order, a layout or
// the column's type is given.
func TestUndeclaredDateWarning(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name  string
		cells []any
		opts  ReadOptions
		want  string // "" for no warning
	}{
		{"ambiguous", []any{"25/12/1999", "03/04/2024"}, ReadOptions{},
			`Sheet1!B1: column "founded" stays text: its values are numeric dates that read either day-first or month-first (the first such at cell B3); declare it with day_first: true`},
		{"unambiguous", []any{"25/12/1999", "13.01.2000"}, ReadOptions{},
			`Sheet1!B1: column "founded" stays text: its values are numeric dates (the first at cell B2) that need a declared day and month order`},
		{"day first declared", []any{"03/04/2024", "25/12/1999"}, ReadOptions{Locale: locale.Options{DayFirst: &yes}}, ""},
		{"column layout", []any{"03/04/2024", "25/12/1999"}, ReadOptions{Locale: locale.Options{DateFormats: map[string]string{"founded": "%d/%m/%Y"}}}, ""},
		{"type override", []any{"03/04/2024", "25/12/1999"}, ReadOptions{Types: map[string]table.Type{"founded": table.String}}, ""},
		{"not all dates", []any{"03/04/2024", "soon"}, ReadOptions{}, ""},
		{"number cell", []any{"03/04/2024", 2024}, ReadOptions{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := excelize.NewFile()
			rows := [][]any{{"name", "founded"}}
			for i, c := range tt.cells {
				rows = append(rows, []any{"org " + strconv.Itoa(i), c})
			}
			setRows(t, f, "Sheet1", 1, rows...)
			path := saveExcel(t, f, "dates.xlsx")
			tb, warns := readAll(t, path, tt.opts)
			var got []string
			for _, w := range warns {
				if strings.Contains(w.Message, "stays text") {
					got = append(got, w.String())
				}
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Errorf("warnings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Errorf("warnings %q, want one starting %q", got, tt.want)
			}
			// A date may be a date of birth: warnings say where, never what.
			for _, c := range tt.cells {
				if v, ok := c.(string); ok && strings.Contains(strings.Join(got, "\n"), v) {
					t.Errorf("warnings %q quote the cell value %q", got, v)
				}
			}
			if typ := tb.Schema().Field(1).Type; typ != table.String {
				t.Errorf("founded read as %s, want string", typ)
			}
		})
	}
}

// TestLoggerBoundsWarnings: a reader with a Logger logs its warnings on
// Close, the first MaxLoggedWarnings and then a count of the rest.
func TestLoggerBoundsWarnings(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	header := make([]any, MaxLoggedWarnings+5)
	for i := range header {
		header[i] = "x"
	}
	setRows(t, f, "Sheet1", 1, header)
	path := saveExcel(t, f, "dups.xlsx")
	var logs bytes.Buffer
	r, err := Open(path, ReadOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings()) != MaxLoggedWarnings+4 {
		t.Fatalf("%d warnings, want %d", len(r.Warnings()), MaxLoggedWarnings+4)
	}
	if logs.Len() != 0 {
		t.Errorf("logged before Close:\n%s", logs.String())
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != MaxLoggedWarnings+1 {
		t.Fatalf("%d log lines, want %d:\n%s", len(lines), MaxLoggedWarnings+1, logs.String())
	}
	if !strings.Contains(lines[0], "duplicate header") || !strings.Contains(lines[MaxLoggedWarnings], "4 more warnings not shown") {
		t.Errorf("log:\n%s", logs.String())
	}
}
