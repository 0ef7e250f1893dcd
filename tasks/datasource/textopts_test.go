package datasource

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/table"
)

func TestTextOptionsDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want func(Config) bool
		err  string
	}{
		{"header: auto", func(c Config) bool { return c.Header == HeaderAuto }, ""},
		{"header: false", func(c Config) bool { return c.Header == HeaderOff }, ""},
		{`header: "true"`, func(c Config) bool { return c.Header == HeaderOn }, ""},
		{"header: maybe", nil, "true, false or auto"},
		{`date_format: "%d/%m/%Y"`, func(c Config) bool { return c.DateFormat.All == "%d/%m/%Y" }, ""},
		{"date_format: {founded: '%m/%d/%Y'}", func(c Config) bool { return c.DateFormat.Columns["founded"] == "%m/%d/%Y" }, ""},
		{"date_format: [a]", nil, "layout or a map"},
		{"day_first: true", func(c Config) bool { return c.DayFirst != nil && *c.DayFirst }, ""},
	}
	for _, tt := range tests {
		var c Config
		err := yaml.Unmarshal([]byte(tt.yaml), &c)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.yaml, err, tt.err)
			}
			continue
		}
		if err != nil || !tt.want(c) {
			t.Errorf("%s: %+v, %v", tt.yaml, c, err)
		}
	}
}

func TestTextOptionsCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg    Config
		option string
		msg    string
	}{
		{Config{Path: "a.csv", Encoding: "ebcdic"}, "encoding", "windows-1252"},
		{Config{Path: "a.csv", Locale: "xx"}, "locale", "en-ZA"},
		{Config{Path: "a.csv", Decimal: ";"}, "decimal", `use "." or ","`},
		{Config{Path: "a.csv", Decimal: ",", Thousands: ","}, "thousands", "both"},
		{Config{Path: "a.csv", DateFormat: DateFormat{Columns: map[string]string{"d": "%Q"}}}, "date_format", `column "d"`},
		{Config{Path: "a.parquet", Locale: "en-ZA"}, "locale", "does not apply to parquet"},
	}
	for _, tt := range tests {
		ps := tt.cfg.Check(false)
		if len(ps) != 1 || ps[0].Option != tt.option || !strings.Contains(ps[0].Msg+ps[0].Hint, tt.msg) {
			t.Errorf("%+v: problems %+v, want one on %s with %q", tt.cfg, ps, tt.option, tt.msg)
		}
	}
	if ps := (&Config{Path: "a.csv", Header: HeaderAuto}).Check(true); len(ps) != 1 || ps[0].Option != "header" {
		t.Errorf("header auto on write: %+v", ps)
	}
	if ps := (&Config{Path: "a.xlsx", Locale: "en-ZA", DateFormat: DateFormat{All: "%d/%m/%Y"}}).Check(false); len(ps) != 0 {
		t.Errorf("xlsx locale options: %+v", ps)
	}
}

// TestReadExcelWindowsCSV reads what Excel writes as "CSV" on a South
// African Windows machine: Windows-1252, semicolons, decimal commas, space
// groups and day-first dates, with the dialect reported in the log.
func TestReadExcelWindowsCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := "Name;Revenue;Founded\r\nCaf\xe9 Aviation;1 234,50;03/04/2024\r\n\x93Best\x94 \x96 School;12,5;25/12/1999\r\n"
	if err := os.WriteFile(filepath.Join(dir, "orgs.csv"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg := Config{Path: "orgs.csv", Locale: "en-ZA", Header: HeaderAuto, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if ps := cfg.Check(false); len(ps) != 0 {
		t.Fatalf("problems %+v", ps)
	}
	tb, err := Read(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := tb.Schema().String(); got != "Name:string, Revenue:float64, Founded:date" {
		t.Fatalf("schema %s", got)
	}
	want := [][]string{{"Café Aviation", "1234.5", "2024-04-03"}, {"“Best” – School", "12.5", "1999-12-25"}}
	for i, row := range want {
		for j, v := range row {
			if got := tb.Column(j).Format(i); got != v {
				t.Errorf("row %d column %d = %q, want %q", i+1, j+1, got, v)
			}
		}
	}
	for _, w := range []string{"encoding=windows-1252", `delimiter="\";\""`, "header=true"} {
		if !strings.Contains(logs.String(), w) {
			t.Errorf("log lacks %s:\n%s", w, logs.String())
		}
	}
	// The same file written back in windows-1252 is byte for byte what a
	// reader of that encoding expects.
	out := Config{Path: "back.csv", Encoding: "windows-1252", Delimiter: ";"}
	if _, err := Write(context.Background(), out, dir, tb, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := os.ReadFile(filepath.Join(dir, "back.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Name;Revenue;Founded\nCaf\xe9 Aviation;1234.5;2024-04-03\n\x93Best\x94 \x96 School;12.5;1999-12-25\n"; string(back) != want {
		t.Errorf("written back %q", back)
	}
}

// TestReadXLSXWarningsLogged: the xlsx reader's warnings reach the task
// log as the CSV reader's do, such as a column of text dates whose day
// order is not declared.
func TestReadXLSXWarningsLogged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	schema, err := table.NewSchema(table.Field{Name: "Name", Type: table.String}, table.Field{Name: "Founded", Type: table.String})
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewBuilder(schema, 2)
	for _, row := range [][]string{{"Alpha", "03/04/2024"}, {"Bravo", "25/12/1999"}} {
		for j, v := range row {
			b.Column(j).AppendString(v)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Write(context.Background(), Config{Path: "orgs.xlsx"}, dir, tb, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cfg  Config
		want bool
	}{
		{"undeclared", Config{Path: "orgs.xlsx"}, true},
		{"day first", Config{Path: "orgs.xlsx", Locale: "en-ZA"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			tt.cfg.Log = slog.New(slog.NewTextHandler(&logs, nil))
			got, err := Read(context.Background(), tt.cfg, dir)
			if err != nil {
				t.Fatal(err)
			}
			logged := strings.Contains(logs.String(), "level=WARN") && strings.Contains(logs.String(), `column \"Founded\" stays text`)
			if logged != tt.want {
				t.Errorf("warning logged %v, want %v; log:\n%s", logged, tt.want, logs.String())
			}
			wantType := table.String
			if !tt.want {
				wantType = table.Date
			}
			if typ := got.Schema().Field(1).Type; typ != wantType {
				t.Errorf("Founded read as %s, want %s", typ, wantType)
			}
		})
	}
}
