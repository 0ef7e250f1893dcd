package refine_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
	"github.com/hotpass/hotpass/profiles"
)

// readProfile is a one-source profile over *.csv whose read: block and
// date order the test supplies.
func readProfile(t *testing.T, read, dateOrder string) *refine.Refiner {
	t.Helper()
	return readProfileFiles(t, "*.csv", read, dateOrder)
}

func readProfileFiles(t *testing.T, pattern, read, dateOrder string) *refine.Refiner {
	t.Helper()
	src := `name: readopts
sources:
  - name: members
    files: ["` + pattern + `"]
` + read + `    sheets:
      - sheet: "*"
        columns:
          organization_name: [Name]
          last_interaction_date: [Last Contact]
          notes: [Fleet Hours]
normalisation:
  date_order: ` + dateOrder + "\n"
	p, err := profiles.Parse("readopts.yaml", []byte(src))
	if err != nil {
		t.Fatalf("profile: %v", err)
	}
	r, err := refine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A semicolon CSV with decimal commas and day-first dates, declared through
// the source's read options, reads as one and a half and 3 April even when
// the profile otherwise reads dates month-first.
func TestReadOptionsLocaleCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := "Name;Last Contact;Fleet Hours\n" +
		"Alpha Aviation;03/04/2024;1 234,5\n" +
		"Bravo Flight School;13/05/2024;0,75\n" +
		"Charlie Air;01/12/2023;12\n"
	if err := os.WriteFile(filepath.Join(dir, "members.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		read  string
		dates map[string]string
		notes map[string]string
	}{
		{
			name:  "locale",
			read:  "    read: {delimiter: \";\", locale: en-ZA}\n",
			dates: map[string]string{"Alpha Aviation": "2024-04-03", "Bravo Flight School": "2024-05-13", "Charlie Air": "2023-12-01"},
			notes: map[string]string{"Alpha Aviation": "1234.5", "Bravo Flight School": "0.75", "Charlie Air": "12"},
		},
		{
			name:  "separate options",
			read:  "    read: {delimiter: \";\", decimal: \",\", thousands: \" \", day_first: true, encoding: utf8}\n",
			dates: map[string]string{"Alpha Aviation": "2024-04-03", "Bravo Flight School": "2024-05-13", "Charlie Air": "2023-12-01"},
			notes: map[string]string{"Alpha Aviation": "1234.5", "Bravo Flight School": "0.75", "Charlie Air": "12"},
		},
		{
			// Sniffed delimiter, no conventions: the text stays as written
			// and the profile's month-first order reads the dates.
			name:  "undeclared",
			read:  "",
			dates: map[string]string{"Alpha Aviation": "2024-03-04", "Bravo Flight School": "2024-05-13", "Charlie Air": "2023-01-12"},
			notes: map[string]string{"Alpha Aviation": "1 234,5", "Bravo Flight School": "0,75", "Charlie Air": "12"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := readProfile(t, tt.read, "month_first")
			b, err := r.Ingest(context.Background(), refine.IngestOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Records) != 3 {
				t.Fatalf("%d records, want 3", len(b.Records))
			}
			noOrderWarning(t, b)
			for _, rec := range b.Records {
				name := rec.Field(refine.FieldOrganizationName)
				raw := rec.Field(refine.FieldLastInteraction)
				days, ok := refine.ParseDate(raw, refine.MonthFirst)
				if !ok {
					t.Errorf("%s: date %q does not parse", name, raw)
					continue
				}
				if got := formatDays(days); got != tt.dates[name] {
					t.Errorf("%s: date %q read as %s, want %s", name, raw, got, tt.dates[name])
				}
				if got := rec.Field(refine.FieldNotes); got != tt.notes[name] {
					t.Errorf("%s: fleet hours %q, want %q", name, got, tt.notes[name])
				}
			}
		})
	}
}

// A file whose first lines split equally on two delimiters stops the read
// with an error naming the profile option that settles it; setting it reads
// the file.
func TestReadOptionsAmbiguousDelimiter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := "Name,Fleet Hours;Last Contact\nAlpha,1;2024-01-02\n"
	if err := os.WriteFile(filepath.Join(dir, "members.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := readProfile(t, "", "day_first").Ingest(context.Background(), refine.IngestOptions{Dir: dir})
	if err == nil {
		t.Fatal("ambiguous delimiter read without an error")
	}
	t.Log(err)
	for _, want := range []string{"source members", "members.csv", "cannot tell the delimiter", "sources[0].read.delimiter", `read: {delimiter: ","}`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	b, err := readProfile(t, "    read: {delimiter: \",\"}\n", "day_first").Ingest(context.Background(), refine.IngestOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Records) != 1 || b.Records[0].Field(refine.FieldOrganizationName) != "Alpha" {
		t.Errorf("records %+v, want one named Alpha", b.Records)
	}
}

// Bad read options are reported against the option, at the profile or the
// source.
func TestReadOptionsCheck(t *testing.T) {
	t.Parallel()
	no := false
	tests := []struct {
		name string
		p    refine.Profile
		path string
		msg  string
	}{
		{"encoding", refine.Profile{Read: refine.ReadOptions{Encoding: "ebcdic"}}, "read.encoding", "unsupported encoding"},
		{"delimiter", refine.Profile{Sources: []refine.Source{{Name: "a", Sheets: []refine.Sheet{{}}, Read: refine.ReadOptions{Delimiter: ";;"}}}}, "sources.0.read.delimiter", "one character"},
		{"locale", refine.Profile{Read: refine.ReadOptions{Locale: "xx-YY", DayFirst: &no}}, "read.locale", "unknown locale"},
		{"decimal", refine.Profile{Read: refine.ReadOptions{Decimal: ";"}}, "read.decimal", "decimal separator"},
		{"clash", refine.Profile{Read: refine.ReadOptions{Decimal: ",", Thousands: ","}}, "read.thousands", "both"},
		{"date format beside a locale", refine.Profile{Read: refine.ReadOptions{Locale: "en-ZA", DateFormat: locale.DateFormat{All: "%Q"}}}, "read.date_format", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var found []string
			for _, pr := range tt.p.Check() {
				var parts []string
				for _, e := range pr.Path {
					switch v := e.(type) {
					case string:
						parts = append(parts, v)
					case int:
						parts = append(parts, strconv.Itoa(v))
					}
				}
				path := strings.Join(parts, ".")
				found = append(found, path+": "+pr.Message)
				if path == tt.path && strings.Contains(pr.Message, tt.msg) {
					return
				}
			}
			t.Errorf("no problem at %s mentioning %q; got %q", tt.path, tt.msg, found)
		})
	}
}

func formatDays(days int32) string { return table.DateToTime(days).Format(time.DateOnly) }

// noOrderWarning fails when a reader warned that a date order is unknown:
// refine always has one, the source's or normalisation.date_order.
func noOrderWarning(t *testing.T, b *refine.Batch) {
	t.Helper()
	for _, w := range b.Warnings {
		if strings.Contains(w.Message, "stays text") {
			t.Errorf("warning %q, though the profile gives a date order", w)
		}
	}
}

// Text cells of numeric dates in a workbook follow the source's day_first,
// else the profile's date order, without a warning either way.
func TestReadOptionsXLSXTextDates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, "members.xlsx"), sheet{name: "Members", rows: [][]any{
		{"Name", "Last Contact"},
		{"Alpha Aviation", "03/04/2024"},
		{"Bravo Flight School", "05/06/2023"},
	}})
	tests := []struct {
		name, read string
		want       map[string]string
	}{
		{"day first declared", "    read: {day_first: true}\n", map[string]string{"Alpha Aviation": "2024-04-03", "Bravo Flight School": "2023-06-05"}},
		{"profile order", "", map[string]string{"Alpha Aviation": "2024-03-04", "Bravo Flight School": "2023-05-06"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := readProfileFiles(t, "*.xlsx", tt.read, "month_first").Ingest(context.Background(), refine.IngestOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			noOrderWarning(t, b)
			if len(b.Records) != 2 {
				t.Fatalf("%d records, want 2", len(b.Records))
			}
			for _, rec := range b.Records {
				name := rec.Field(refine.FieldOrganizationName)
				days, ok := refine.ParseDate(rec.Field(refine.FieldLastInteraction), refine.MonthFirst)
				if got := formatDays(days); !ok || got != tt.want[name] {
					t.Errorf("%s: date %q read as %s, want %s", name, rec.Field(refine.FieldLastInteraction), got, tt.want[name])
				}
			}
		})
	}
}

// A value past the type-inference sample that fits no declared convention
// ("unknown" in a date column) stays as written instead of stopping the
// read.
func TestReadOptionsLateText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Name;Last Contact;Fleet Hours\n")
	for i := range 1500 {
		b.WriteString("Org " + strconv.Itoa(i) + ";03/04/2024;1,5\n")
	}
	b.WriteString("Late Org;unknown;lots\n")
	if err := os.WriteFile(filepath.Join(dir, "members.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	batch, err := readProfile(t, "    read: {locale: en-ZA}\n", "month_first").Ingest(context.Background(), refine.IngestOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Records) != 1501 {
		t.Fatalf("%d records, want 1501", len(batch.Records))
	}
	first, last := batch.Records[0], batch.Records[1500]
	if got := first.Field(refine.FieldLastInteraction) + " " + first.Field(refine.FieldNotes); got != "2024-04-03 1.5" {
		t.Errorf("first row %q, want %q", got, "2024-04-03 1.5")
	}
	if got := last.Field(refine.FieldNotes); got != "lots" {
		t.Errorf("last row's fleet hours %q, want it as written", got)
	}
}
