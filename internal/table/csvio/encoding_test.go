package csvio

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/encoding/charmap"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// textTable is a table of strings, one column per name, for encoding tests.
func textTable(t *testing.T, names []string, rows ...[]string) *table.Table {
	t.Helper()
	fields := make([]table.Field, len(names))
	for i, n := range names {
		fields[i] = table.Field{Name: n, Type: table.String}
	}
	b := table.NewBuilder(table.MustSchema(fields...), len(rows))
	for _, r := range rows {
		for j, v := range r {
			b.Column(j).AppendString(v)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// writeBytes writes tb with opts and returns the file's bytes.
func writeBytes(t *testing.T, tb *table.Table, opts WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, tb.Schema(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEncodingDialectRoundTrip writes the same values in every encoding and
// delimiter and reads them back both detected (the defaults) and declared.
func TestEncodingDialectRoundTrip(t *testing.T) {
	t.Parallel()
	// Text each encoding can hold: Windows-1252 has the smart quotes and
	// dash Excel produces, latin-1 only its own range.
	text := map[string][]string{
		UTF8:        {"Café Aviation", "“best” – school", "łódź 🚀", "Zoë; \"quoted\", | piped\ttabbed"},
		UTF8BOM:     {"Café Aviation", "“best” – school", "łódź", "multi\nline"},
		UTF16:       {"Café Aviation", "“best” – school", "łódź 🚀", "ünïcödé"},
		UTF16LE:     {"Café Aviation", "“best” – school", "日本語", "a,b;c"},
		UTF16BE:     {"Café Aviation", "“best” – school", "Ελληνικά", "x"},
		Windows1252: {"Café Aviation", "“best” – school", "€5 … Œuvre", "naïve, \"quoted\""},
		Latin1:      {"Café Aviation", "Zoë Ærø", "£5 ½ ¿", "naïve"},
	}
	for _, enc := range []string{UTF8, UTF8BOM, UTF16, UTF16LE, UTF16BE, Windows1252, Latin1} {
		for _, delim := range []rune{',', ';', '\t', '|'} {
			t.Run(fmt.Sprintf("%s/%s", enc, delimName(byte(delim))), func(t *testing.T) {
				t.Parallel()
				v := text[enc]
				want := textTable(t, []string{"name", "motto", "city"},
					[]string{v[0], v[1], "Cape Town"},
					[]string{v[2], v[3], "Durban"},
					[]string{"plain", "ascii", "George"},
				)
				data := writeBytes(t, want, WriteOptions{Encoding: enc, Delimiter: delim})
				declared := ReadOptions{Encoding: enc, Delimiter: delim}
				detected := ReadOptions{}
				if enc == UTF16LE || enc == UTF16BE {
					detected.Encoding = enc // no byte-order mark: nothing to detect
				}
				for name, opts := range map[string]ReadOptions{"declared": declared, "detected": detected} {
					got := mustRead(t, string(data), opts)
					if d := got.Diff(want); d != "" {
						t.Errorf("%s read differs: %s", name, d)
					}
				}
			})
		}
	}
}

// TestWindows1252NeverBecomesControlCharacters is the Excel-on-Windows file:
// read with the defaults, its quotes and dash are themselves, and no value
// holds a C1 control character, which is what reading it as latin-1 gives.
func TestWindows1252NeverBecomesControlCharacters(t *testing.T) {
	t.Parallel()
	data := "name,motto\r\nCaf\xe9 Aviation,\x93best\x94 \x96 school\r\n"
	for _, opts := range []ReadOptions{{}, {Encoding: Windows1252}, {Encoding: "CP1252"}} {
		r, err := NewReader(strings.NewReader(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := table.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := tb.Column(0).Format(0) + "|" + tb.Column(1).Format(0); got != "Café Aviation|“best” – school" {
			t.Errorf("encoding %q read %q", opts.Encoding, got)
		}
		if r.Dialect().Encoding != Windows1252 {
			t.Errorf("encoding %q detected %s", opts.Encoding, r.Dialect().Encoding)
		}
	}
	// The hint for the same file read as UTF-8 names windows-1252, never latin-1.
	_, err := readString(t, data, ReadOptions{Encoding: UTF8})
	if err == nil || !strings.Contains(err.Error(), "windows-1252") || strings.Contains(strings.ToLower(err.Error()), "latin") {
		t.Errorf("utf-8 read error %v", err)
	}
	// Whatever auto decides, it never yields C1 controls from these bytes.
	for b := 0x80; b < 0xA0; b++ {
		in := "a\nx" + string([]byte{byte(b)}) + "y\n"
		tb, err := readString(t, in, ReadOptions{})
		if err != nil {
			continue // an undefined Windows-1252 byte is refused, not mapped
		}
		for _, r := range tb.Column(0).Format(0) {
			if unicode.Is(unicode.Cc, r) {
				t.Errorf("byte 0x%02X read as control %U", b, r)
			}
		}
	}
}

func TestUTF16ExcelUnicodeText(t *testing.T) {
	t.Parallel()
	// Excel's "Unicode Text": UTF-16LE with a byte-order mark, tab-separated.
	utf16le := func(s string) []byte {
		out := []byte{0xFF, 0xFE}
		for _, r := range s {
			out = append(out, byte(r), byte(r>>8))
		}
		return out
	}
	data := utf16le("Name\tRevenue\r\nCafé Aviation\t12\r\nŽiva\t7\r\n")
	tb := mustRead(t, string(data), ReadOptions{})
	if tb.Schema().String() != "Name:string, Revenue:int64" || tb.Column(0).Format(1) != "Živa" || tb.Column(1).Format(0) != "12" {
		t.Errorf("read %s: %v %v", tb.Schema(), tb.Row(0), tb.Row(1))
	}
	// Without its byte-order mark the file is refused under auto, not read
	// with a NUL in every value.
	_, err := readString(t, string(data[2:]), ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "utf-16le") {
		t.Errorf("UTF-16 without a mark: %v", err)
	}
}

func TestDeepInvalidUTF8UnderAutoStops(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString("name,n\n")
	lines := 1
	for sb.Len() < sniffBytes+1000 {
		sb.WriteString("Zoë,1\n")
		lines++
	}
	sb.WriteString("Caf\xe9,2\n")
	lines++
	for _, policy := range []BadRowPolicy{BadRowError, BadRowSkip} {
		_, err := readString(t, sb.String(), ReadOptions{OnBadRow: policy})
		var re *RowError
		if !errors.As(err, &re) || re.Line != lines || !strings.Contains(err.Error(), "encoding: windows-1252") {
			t.Errorf("policy %s: error %v, want line %d with a windows-1252 hint", policy, err, lines)
		}
	}
	// Declared UTF-8 makes such a line a bad row like any other.
	r, err := NewReader(strings.NewReader(sb.String()), ReadOptions{Encoding: UTF8, OnBadRow: BadRowSkip})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb, err := table.ReadAll(r)
	if err != nil || r.BadRows() != 1 || tb.NumRows() != lines-2 {
		t.Errorf("utf-8 skip: %v, %d bad rows", err, r.BadRows())
	}
}

func TestWriterRefusesUnencodable(t *testing.T) {
	t.Parallel()
	tb := textTable(t, []string{"a", "b"}, []string{"ok", "fine"}, []string{"€ is fine", "łódź is not"})
	for _, enc := range []string{Windows1252, Latin1} {
		w, err := NewWriter(&bytes.Buffer{}, tb.Schema(), WriteOptions{Encoding: enc})
		if err != nil {
			t.Fatal(err)
		}
		err = w.Write(tb)
		want := `row 2, column "b": character 'ł' (U+0142) cannot be written in ` + enc
		if enc == Latin1 {
			want = `row 2, column "a": character '€' (U+20AC) cannot be written in latin-1`
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", enc, err, want)
		}
	}
	if got := writeBytes(t, tb.Slice(0, 1), WriteOptions{Encoding: UTF8BOM}); !bytes.HasPrefix(got, bomUTF8) {
		t.Errorf("utf-8-sig output starts %q", got[:3])
	}
	if _, err := NewWriter(&bytes.Buffer{}, tb.Schema(), WriteOptions{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("unknown encoding error %v", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want byte // 0: an ambiguity error
	}{
		{"comma", "a,b,c\n1,2,3\n", ','},
		{"semicolon with decimal commas", "name;amount\nA;1,5\nB;2,25\nC;3\n", ';'},
		{"tab", "a\tb\n1 2\t3,4\n", '\t'},
		{"pipe", "a|b\n1|2\n", '|'},
		{"quoted delimiters", "a,b\n\"x;y\",1\n\"p;q\",2\n", ','},
		{"quoting breaks the tie", "a;b,c\n\"1;2\",3\n", ','},
		{"multi-line quoted field", "a;b\n\"x\ny,z\";1\n", ';'},
		{"one column", "name\nAcme\nBeta\n", ','},
		{"ragged comma file", "id,name,founded\n1,a,1990\n2,b\n4,d,1992\n", ','},
		{"header only", "a;b;c\n", ';'},
		{"cut record ignored", "a;b\n1;2\n3,4,5,6", ';'},
		{"ambiguous", "a;b,c\n1;2,3\n", 0},
		{"ambiguous header only", "a;b,c\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			atEOF := tt.name != "cut record ignored"
			got, why, err := sniffDelimiter([]byte(tt.data), '"', atEOF)
			if tt.want == 0 {
				var ae *AmbiguousDelimiterError
				if !errors.As(err, &ae) || !strings.Contains(err.Error(), "set delimiter:") {
					t.Errorf("got %q (%s), %v; want an ambiguity error", got, why, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q (%s), %v; want %q", got, why, err, tt.want)
			}
		})
	}
}

func TestSniffedDelimiterIsLogged(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	tb := mustRead(t, "name;amount\nA;1,5\nB;2,25\n", ReadOptions{Logger: log})
	if tb.NumCols() != 2 || tb.Column(1).Format(1) != "2,25" {
		t.Fatalf("read %s", tb.Schema())
	}
	for _, want := range []string{`delimiter="\";\""`, "encoding=utf-8", `delimiter_from="3 of the first 3 records have 2 fields"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q lacks %s", logs.String(), want)
		}
	}
	logs.Reset()
	mustRead(t, "a,b\n1,2\n", ReadOptions{Delimiter: ',', Encoding: UTF8, Logger: log})
	if logs.Len() != 0 {
		t.Errorf("nothing detected, yet logged %q", logs.String())
	}
	logs.Reset()
	mustRead(t, "a,day\n1,03/04/2024\n", ReadOptions{Delimiter: ',', Encoding: UTF8, Logger: log})
	if !strings.Contains(logs.String(), `level=WARN`) || !strings.Contains(logs.String(), `column \"day\" stays text`) {
		t.Errorf("undeclared date order not logged: %q", logs.String())
	}
}

func TestSniffHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		header bool
		errMsg string
	}{
		{"names over numbers", "id,founded\n1,1990\n2,1991\n", true, ""},
		{"numbers all the way", "1,1990\n2,1991\n3,1992\n", false, ""},
		{"dates", "2024-01-01,x\n2024-02-01,y\n", false, ""},
		{"only a header", "a,b\n", true, ""},
		{"all text", "name,city\nAcme,Durban\n", false, "every column is text"},
		{"mixed evidence", "id,1990\n1,1991\n2,1992\n", false, "set header: true or header: false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader(strings.NewReader(tt.data), ReadOptions{SniffHeader: true, Name: "in.csv"})
			if tt.errMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errMsg) || !strings.HasPrefix(err.Error(), "in.csv:1: ") {
					t.Errorf("error %v, want %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			tb, err := table.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Count(tt.data, "\n")
			if r.Dialect().Header != tt.header || (tt.header && tb.NumRows() != lines-1) || (!tt.header && tb.NumRows() != lines) {
				t.Errorf("header %v (%s), %d rows", r.Dialect().Header, r.Dialect().HeaderWhy, tb.NumRows())
			}
		})
	}
}

// TestHintsGolden pins the wording of every hint about encodings and
// dialects: they must name the file, line and option to set, and never
// suggest latin-1.
func TestHintsGolden(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("Zoë,1\n", sniffBytes/7+10) + "Caf\xe9,2\n"
	cases := []struct {
		name string
		data string
		opts ReadOptions
	}{
		{"invalid UTF-8 declared", "name\nCaf\xe9\n", ReadOptions{Encoding: UTF8}},
		{"invalid UTF-8 in a quoted continuation line", "a,b\n\"x\nCaf\xe9\",1\n", ReadOptions{Encoding: UTF8}},
		{"invalid UTF-8 past the sniffed prefix", "name,n\n" + deep, ReadOptions{}},
		{"undefined Windows-1252 byte", "name\nx\x81y\n", ReadOptions{}},
		{"UTF-16 without a mark", "a\x00,\x00b\x00\r\x00\n\x001\x00,\x002\x00\r\x00\n\x00", ReadOptions{}},
		{"UTF-16 mark under utf-8", "\xff\xfea\x00\n\x00", ReadOptions{Encoding: UTF8}},
		{"UTF-16 mark of the other order", "\xff\xfea\x00\n\x00", ReadOptions{Encoding: UTF16BE}},
		{"utf-16 with no mark", "a,b\n", ReadOptions{Encoding: UTF16}},
		{"UTF-8 mark under windows-1252", "\xef\xbb\xbfa\n", ReadOptions{Encoding: Windows1252}},
		{"ambiguous delimiter", "a;b,c\n1;2,3\n", ReadOptions{}},
		{"header all text", "name,city\nAcme,Durban\n", ReadOptions{SniffHeader: true}},
		{"unknown encoding", "a\n", ReadOptions{Encoding: "latin-9"}},
	}
	var out strings.Builder
	for _, c := range cases {
		c.opts.Name = "in.csv"
		_, err := readString(t, c.data, c.opts)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		if c.name != "unknown encoding" && strings.Contains(strings.ToLower(msg), "latin") {
			t.Errorf("%s: hint suggests latin-1: %s", c.name, msg)
		}
		fmt.Fprintf(&out, "%s:\n  %s\n", c.name, msg)
	}
	tb := textTable(t, []string{"name"}, []string{"łódź"})
	_, err := NewWriter(&bytes.Buffer{}, tb.Schema(), WriteOptions{Encoding: Windows1252})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := NewWriter(&bytes.Buffer{}, tb.Schema(), WriteOptions{Encoding: Windows1252})
	fmt.Fprintf(&out, "unencodable on write:\n  %v\n", w.Write(tb))

	golden := filepath.Join("testdata", "hints.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("hints differ from %s (rerun with -update if intended):\n%s", golden, out.String())
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), true)
	f.Add([]byte("a;b\n\"x;\ny\";2\n"), false)
	f.Add([]byte("a\tb|c\n\"\"\"\n"), true)
	f.Add([]byte("\"unterminated,\n;|\t"), false)
	f.Add([]byte("\r\n\r\n,;"), true)
	f.Fuzz(func(t *testing.T, data []byte, atEOF bool) {
		d, why, err := sniffDelimiter(data, '"', atEOF)
		if err != nil {
			var ae *AmbiguousDelimiterError
			if !errors.As(err, &ae) || len(ae.Chosen) < 2 {
				t.Fatalf("error %v is not an ambiguity between two delimiters", err)
			}
			return
		}
		if bytes.IndexByte(SniffDelimiters, d) < 0 || why == "" {
			t.Fatalf("sniffed %q (%q)", d, why)
		}
		// A sniffed delimiter reads the input without failing to start,
		// unless the text itself is bad.
		if atEOF {
			r, err := NewReader(bytes.NewReader(data), ReadOptions{Delimiter: rune(d), Encoding: Windows1252, OnBadRow: BadRowSkip, NullValues: []string{}})
			if err == nil {
				_, _ = table.ReadAll(r)
				_ = r.Close()
			}
		}
	})
}

func TestLocaleNumbersAndDates(t *testing.T) {
	t.Parallel()
	data := "name;amount;founded;phone\n" +
		"Café Aviation;1 234,5;03/04/2024;082 555 1234\n" +
		"Beta;-7;25/12/2023;021 555 0000\n" +
		"Gamma, Inc.;0,25;01/01/2000;\n"
	za, err := locale.Options{}.WithLocale("en-ZA")
	if err != nil {
		t.Fatal(err)
	}
	dayFirst, monthFirst := true, false
	tests := []struct {
		name     string
		opts     locale.Options
		schema   string
		row0     string
		warnings int
	}{
		{"en-ZA", za, "name:string, amount:float64, founded:date, phone:string",
			"Café Aviation|1234.5|2024-04-03|082 555 1234", 0},
		{"decimal comma only", locale.Options{Decimal: ","}, "name:string, amount:string, founded:string, phone:string",
			"Café Aviation|1 234,5|03/04/2024|082 555 1234", 1},
		{"strftime per column", locale.Options{Decimal: ",", Thousands: " ", DateFormats: map[string]string{"founded": "%d/%m/%Y"}},
			"name:string, amount:float64, founded:date, phone:string", "Café Aviation|1234.5|2024-04-03|082 555 1234", 0},
		{"month first declared", locale.Options{DayFirst: &monthFirst}, "name:string, amount:string, founded:string, phone:string",
			"Café Aviation|1 234,5|03/04/2024|082 555 1234", 0},
		{"day first declared", locale.Options{DayFirst: &dayFirst}, "name:string, amount:string, founded:date, phone:string",
			"Café Aviation|1 234,5|2024-04-03|082 555 1234", 0},
		{"nothing declared", locale.Options{}, "name:string, amount:string, founded:string, phone:string",
			"Café Aviation|1 234,5|03/04/2024|082 555 1234", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewReader(strings.NewReader(data), ReadOptions{Locale: tt.opts, Name: "in.csv"})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			tb, err := table.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if tb.Schema().String() != tt.schema {
				t.Errorf("schema %s, want %s", tb.Schema(), tt.schema)
			}
			var row []string
			for j := range tb.NumCols() {
				row = append(row, tb.Column(j).Format(0))
			}
			if got := strings.Join(row, "|"); got != tt.row0 {
				t.Errorf("row 1 = %s, want %s", got, tt.row0)
			}
			if len(r.Warnings()) != tt.warnings {
				t.Errorf("warnings %q, want %d", r.Warnings(), tt.warnings)
			}
			for _, w := range r.Warnings() {
				if !strings.Contains(w, `column "founded"`) || !strings.Contains(w, "at line 2") || !strings.Contains(w, "day_first") {
					t.Errorf("warning %q does not name the column, the line and the option", w)
				}
				// A date may be a date of birth: warnings say where, never what.
				if strings.Contains(w, "03/04/2024") {
					t.Errorf("warning %q quotes a value", w)
				}
			}
		})
	}
}

// FuzzWindows1252RoundTrip writes any text Windows-1252 can hold and reads it
// back with the defaults: detection must give back the same values.
func FuzzWindows1252RoundTrip(f *testing.F) {
	f.Add("Café Aviation", "“best” – school")
	f.Add("a,b", "x\ny")
	f.Add("", "€")
	f.Fuzz(func(t *testing.T, a, b string) {
		keep := func(s string) string {
			return strings.Map(func(r rune) rune {
				if _, ok := charmap.Windows1252.EncodeRune(r); !ok || r == '\r' || r == 0 {
					return -1
				}
				return r
			}, s)
		}
		a, b = keep(a), keep(b)
		want := textTable(t, []string{"a", "b"}, []string{a, b}, []string{"x", "y"})
		data := writeBytes(t, want, WriteOptions{Encoding: Windows1252})
		r, err := NewReader(bytes.NewReader(data), ReadOptions{NullValues: []string{}, Delimiter: ',', BatchRows: 2, InferRows: 2, Types: map[string]table.Type{"a": table.String, "b": table.String}})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		got, err := table.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if d := got.Diff(want); d != "" {
			t.Fatalf("round trip of %q, %q differs: %s", a, b, d)
		}
	})
}
