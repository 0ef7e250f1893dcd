package xlsxio

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func TestFormatCodeKind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want fmtKind
	}{
		{"General", fmtNumber},
		{"0.00", fmtNumber},
		{"#,##0.00;[Red]-#,##0.00", fmtNumber},
		{"0.00E+00", fmtNumber},
		{`[$R-1C09] #,##0.00`, fmtNumber},
		{`0.0 "km"`, fmtNumber},
		{`0 "days"`, fmtNumber},
		{"yyyy-mm-dd", fmtDate},
		{"dd/mm/yyyy", fmtDate},
		{"mmm-yy", fmtDate},
		{"mmmm", fmtDate},
		{`[$-409]d-mmm-yyyy;@`, fmtDate},
		{`"Day" d mmm yyyy`, fmtDate},
		{"yyyy-mm-dd hh:mm:ss", fmtDateTime},
		{"m/d/yy h:mm AM/PM", fmtDateTime},
		{"hh:mm", fmtTime},
		{"h:mm AM/PM", fmtTime},
		{"mm:ss.0", fmtTime},
		{"[h]:mm:ss", fmtTime},
		{`\d\a\y 0`, fmtNumber},
	}
	for _, tc := range tests {
		if got := formatCodeKind(tc.code); got != tc.want {
			t.Errorf("formatCodeKind(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
	for id, want := range map[int]fmtKind{0: fmtNumber, 2: fmtNumber, 14: fmtDate, 17: fmtDate, 22: fmtDateTime, 20: fmtTime, 46: fmtTime, 49: fmtNumber} {
		if got := builtinFormatKind(id); got != want {
			t.Errorf("builtinFormatKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestSerialConversion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		serial   float64
		date1904 bool
		want     string
	}{
		{1, false, "1900-01-01T00:00:00Z"},
		{59, false, "1900-02-28T00:00:00Z"},
		{61, false, "1900-03-01T00:00:00Z"},
		{25569, false, "1970-01-01T00:00:00Z"},
		{45306.5625, false, "2024-01-15T13:30:00Z"},
		{45306.999999999, false, "2024-01-16T00:00:00Z"},
		{0, true, "1904-01-01T00:00:00Z"},
		{43844, true, "2024-01-15T00:00:00Z"},
	}
	for _, tc := range tests {
		us, ok := serialToMicros(tc.serial, tc.date1904)
		if !ok {
			t.Errorf("serialToMicros(%v) failed", tc.serial)
			continue
		}
		if got := table.FormatTimestamp(us); got != tc.want {
			t.Errorf("serialToMicros(%v, %v) = %s, want %s", tc.serial, tc.date1904, got, tc.want)
		}
		if !tc.date1904 && tc.serial != 45306.999999999 {
			if back := microsToSerial(us); back != tc.serial {
				t.Errorf("microsToSerial(%s) = %v, want %v", tc.want, back, tc.serial)
			}
		}
	}
	for _, bad := range []float64{-1, 3e6} {
		if _, ok := serialToMicros(bad, false); ok {
			t.Errorf("serialToMicros(%v) succeeded", bad)
		}
	}
}

func TestNormalizeNumber(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"27821234567":         "27821234567",
		"2.7821234567E10":     "27821234567",
		"1E+20":               "100000000000000000000",
		"1.5E-3":              "1.5E-3",
		"0.30000000000000004": "0.30000000000000004",
	} {
		if got := normalizeNumber(raw); got != want {
			t.Errorf("normalizeNumber(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestXMLScannerSmallBuffer(t *testing.T) {
	t.Parallel()
	// Tokens straddling buffer refills, quotes holding '>', comments,
	// CDATA and processing instructions.
	doc := `<?xml version="1.0"?><!-- a > comment --><root a="x>y" b='q"'><t>one &amp; two</t><![CDATA[<raw>]]><e/></root>`
	s := newXMLScanner(iotestOneByte(doc))
	s.buf = make([]byte, 4)
	var got []string
	for {
		if err := s.next(); err != nil {
			t.Fatal(err)
		}
		if s.kind == tokEOF {
			break
		}
		switch s.kind {
		case tokStart:
			v, _ := attr(s.attrs, "a")
			got = append(got, "<"+string(s.name)+":"+string(v))
		case tokEnd:
			got = append(got, "</"+string(s.name))
		case tokText:
			got = append(got, string(s.appendText(nil)))
		}
	}
	want := "<root:x>y|<t:|one & two|</t|<raw>|<e:|</root"
	if strings.Join(got, "|") != want {
		t.Errorf("tokens = %s\nwant     %s", strings.Join(got, "|"), want)
	}
}

// iotestOneByte returns a reader that yields one byte per Read.
func iotestOneByte(s string) io.Reader { return &oneByte{r: strings.NewReader(s)} }

type oneByte struct{ r io.Reader }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestMergeScan(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{
		`<worksheet><sheetData><row r="1"/></sheetData><mergeCells count="1"><mergeCell ref="C1:D1"/></mergeCells></worksheet>`,
		`<x:worksheet><x:sheetData/><x:mergeCells><x:mergeCell ref="C1:D1"/></x:mergeCells></x:worksheet>`,
		`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>sheetData&gt; trick</t></is></c></row></sheetData><mergeCells><mergeCell ref="$C$1:$D$1"/></mergeCells></worksheet>`,
	} {
		got, err := scanMergedCells(strings.NewReader(doc), "sheet", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].String() != "C1:D1" {
			t.Errorf("merges of %s = %v, want [C1:D1]", doc, got)
		}
	}
}

func TestColumnNames(t *testing.T) {
	t.Parallel()
	for col, name := range map[int]string{1: "A", 26: "Z", 27: "AA", 52: "AZ", 703: "AAA", 16384: "XFD"} {
		if got := columnName(col); got != name {
			t.Errorf("columnName(%d) = %s, want %s", col, got, name)
		}
		if got, ok := columnOf([]byte(name + "12")); !ok || got != col {
			t.Errorf("columnOf(%s12) = %d, %v", name, got, ok)
		}
	}
	if _, ok := columnOf([]byte("XFE1")); ok {
		t.Error("columnOf accepted a column beyond XFD")
	}
}

// FuzzSheetScanner feeds arbitrary sheet XML to the row scanner: it must
// return rows or an error, never panic or loop.
func FuzzSheetScanner(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1"><v>45306</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<sheetData><row><c t="inlineStr"><is><r><t>a</t></r><rPh><t>b</t></rPh></is></c><c><f>A1</f></c></row></sheetData>`))
	f.Add([]byte(`<sheetData><row r="2"><c r="ZZ9" t="e"><v>#N/A</v></c><c t="b"><v>1</v></c><c t="d"><v>2024-01-15T10:00:00</v></c></row>`))
	f.Add([]byte(`<sheetData><![CDATA[x]]><!-- c --><row r="0">`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		s := newSheetScanner(io.NopCloser(bytes.NewReader(doc)), "sheet", sstOf("x"), []fmtKind{fmtNumber, fmtDate}, DefaultMaxCellBytes)
		for i := 0; i < 10000; i++ {
			_, _, err := s.nextRow()
			if err != nil {
				return
			}
		}
		t.Fatal("scanner did not finish")
	})
}

// FuzzFormatCodeKind checks that any format code classifies without
// panicking, and that quoted text never makes a number format a date.
func FuzzFormatCodeKind(f *testing.F) {
	for _, s := range []string{"yyyy-mm-dd", `"d"0`, "[h]:mm", `\`, `"`, "[", "0.0E+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		_ = formatCodeKind(code)
		if !strings.ContainsAny(code, `"\;[`) && formatCodeKind(`"`+strings.ReplaceAll(code, `"`, "")+`"0`) != fmtNumber {
			t.Errorf("quoted %q classified as a date", code)
		}
	})
}

// richTextCases are the children of an <is> element followed by the rest
// of the cell, with the text readRichText must give.
var richTextCases = []struct{ doc, want string }{
	{`<t>plain</t></is></c>`, "plain"},
	{`<t xml:space="preserve"> spaced </t></is></c>`, " spaced "},
	{`<t>a &amp; b &#233;</t></is></c>`, "a & b é"},
	{`<t></t></is></c>`, ""},
	{`<t/></is></c>`, ""},
	{`<r><t>rich </t></r><r><rPr><b/></rPr><t>text</t></r></is></c>`, "rich text"},
	{`<t>base</t><rPh sb="0" eb="1"><t>reading</t></rPh></is></c>`, "base"},
	{`<t><![CDATA[<x>]]></t></is></c>`, "<x>"},
	{`<x:t>prefixed</x:t></is></c>`, "prefixed"},
	{`<t>not closed here</t></si></c>`, ""}, // wrong end tag: an error
}

// The plain-run shortcut and the tokenizer agree on every case, whether
// the input is buffered whole or arrives a byte at a time, and both leave
// the scanner on the tag after </is>.
func TestReadRichText(t *testing.T) {
	t.Parallel()
	for _, tc := range richTextCases {
		for _, small := range []bool{false, true} {
			var s *xmlScanner
			if small {
				s = newXMLScanner(iotestOneByte(tc.doc))
				s.buf = make([]byte, 4)
			} else {
				s = newXMLScanner(strings.NewReader(tc.doc))
			}
			got, err := readRichText(s, nil, "is", DefaultMaxCellBytes)
			if strings.Contains(tc.doc, "</si>") {
				if err == nil {
					t.Errorf("%s: no error for a run not closed by </is>", tc.doc)
				}
				continue
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("%s (small buffer %v): %q, %v; want %q", tc.doc, small, got, err, tc.want)
				continue
			}
			if err := s.next(); err != nil || s.kind != tokEnd || string(s.name) != "c" {
				t.Errorf("%s (small buffer %v): next token is not </c>", tc.doc, small)
			}
		}
	}
}

// FuzzReadRichText checks the plain-run shortcut against the tokenizer on
// arbitrary input: same text, same error or not, same position after.
func FuzzReadRichText(f *testing.F) {
	for _, tc := range richTextCases {
		f.Add(tc.doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		fast := newXMLScanner(strings.NewReader(doc))
		slow := newXMLScanner(strings.NewReader(doc))
		a, errA := readRichText(fast, nil, "is", DefaultMaxCellBytes)
		b, errB := readRichTokens(slow, nil, "is", DefaultMaxCellBytes)
		if (errA == nil) != (errB == nil) || !bytes.Equal(a, b) {
			t.Fatalf("shortcut %q, %v; tokenizer %q, %v", a, errA, b, errB)
		}
		if errA == nil && fast.pos != slow.pos {
			t.Fatalf("shortcut stopped at %d, tokenizer at %d", fast.pos, slow.pos)
		}
	})
}

// sstOf builds a shared-string table of the given entries.
func sstOf(entries ...string) *sharedStrings {
	t := newSharedStrings(0)
	for _, e := range entries {
		t.add([]byte(e))
	}
	t.seal()
	return t
}

// TestSharedStrings checks the compact table against the entries it was
// given, across chunk boundaries and with empty and oversized entries.
func TestSharedStrings(t *testing.T) {
	t.Parallel()
	var want []string
	for i := range 3000 {
		switch i % 7 {
		case 0:
			want = append(want, "")
		case 3:
			want = append(want, strings.Repeat("x", sstChunk/500+i))
		default:
			want = append(want, fmt.Sprintf("entry %d", i))
		}
	}
	want = append(want, strings.Repeat("big", sstChunk), "", "after")
	got := sstOf(want...)
	if got.len() != len(want) {
		t.Fatalf("len = %d, want %d", got.len(), len(want))
	}
	for i, w := range want {
		if g := got.get(i); g != w {
			t.Fatalf("entry %d = %.20q (%d bytes), want %.20q (%d bytes)", i, g, len(g), w, len(w))
		}
	}
	if empty := sstOf(""); empty.len() != 1 || empty.get(0) != "" {
		t.Errorf("a table of one empty entry reads back %d entries", empty.len())
	}
}
