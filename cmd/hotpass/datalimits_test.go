package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

// runLimited runs `hotpass run` on a one-task spec reading path with the
// given extra options, under the address-space limit.
func runLimited(t *testing.T, bin, dir, path, with string) (code int, output string) {
	t.Helper()
	spec := filepath.Join(dir, "spec.yaml")
	src := fmt.Sprintf("version: 1\nname: limits\ntasks:\n  load: {type: read, with: {path: %s%s}}\n", filepath.Base(path), with)
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := limitedCommand(t, bin, "run", "--no-progress", "--state-dir", filepath.Join(dir, "state"), spec)
	stdout, stderr, code, killed := runGuarded(t, cmd, guardTime)
	if killed {
		t.Fatalf("hotpass run did not end within %s:\n%s", guardTime, tail(stdout+stderr))
	}
	return code, stdout + stderr
}

// TestBinaryStartsUnderAddressLimit makes sure the limit leaves room for
// the binary itself, so that the refusals below are the reader's doing.
func TestBinaryStartsUnderAddressLimit(t *testing.T) {
	bin := hotpassBinary(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "ok.csv")
	if err := os.WriteFile(csv, []byte("a,b\n1,x\n2,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := runLimited(t, bin, dir, csv, ""); code != 0 {
		t.Fatalf("exit %d under the address-space limit:\n%s", code, tail(out))
	}
}

// deflateSegment compresses data on its own, ending with a sync flush (or
// the final block when last), so that segments concatenate into one valid
// deflate stream: none refers back into another.
func deflateSegment(t *testing.T, data []byte, last bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if last {
		err = fw.Close()
	} else {
		err = fw.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPart is a zip part of head, then body repeated n times, then end,
// stored as raw deflate built from compressed segments, so that gigabytes
// of XML cost a few megabytes on disk and no time to compress.
type bombPart struct {
	name            string
	head, body, end []byte
	n               int
}

// writeBombXLSX writes a workbook with one sheet whose parts are the given
// ones plus the minimal workbook structure.
func writeBombXLSX(t *testing.T, path string, parts ...bombPart) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	zw := zip.NewWriter(bw)
	plain := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":     `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(plain[name])); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range parts {
		head := deflateSegment(t, p.head, false)
		body := deflateSegment(t, p.body, false)
		end := deflateSegment(t, p.end, true)
		crc := crc32.Update(0, crc32.IEEETable, p.head)
		for range p.n {
			crc = crc32.Update(crc, crc32.IEEETable, p.body)
		}
		crc = crc32.Update(crc, crc32.IEEETable, p.end)
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: p.name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64:   uint64(len(head) + p.n*len(body) + len(end)),
			UncompressedSize64: uint64(len(p.head) + p.n*len(p.body) + len(p.end)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(head); err != nil {
			t.Fatal(err)
		}
		for range p.n {
			if _, err := w.Write(body); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.Write(end); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetEnd  = `</sheetData></worksheet>`
	sstHead   = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

// smallSheet is a sheet part using shared string 0 in A1 and a number in A2.
var smallSheet = bombPart{name: "xl/worksheets/sheet1.xml",
	head: []byte(sheetHead + `<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>`),
	end:  []byte(sheetEnd)}

// TestXLSXBombsUnderAddressLimit reads hostile workbooks of a few
// megabytes that expand to gigabytes, each in a `hotpass run` limited to
// the address-space limit: each must end in a clear error naming the file,
// the part and the limit to raise.
func TestXLSXBombsUnderAddressLimit(t *testing.T) {
	bin := hotpassBinary(t)
	tiny := bytes.Repeat([]byte("<si><t>a</t></si>"), 1<<16)
	huge := bytes.Repeat([]byte("a"), 1<<20)
	tests := []struct {
		name  string
		parts []bombPart
		want  []string
	}{
		{"4 GiB of tiny shared strings", []bombPart{smallSheet,
			{name: "xl/sharedStrings.xml", head: []byte(sstHead), body: tiny, n: 4 << 30 / len(tiny), end: []byte("</sst>")}},
			[]string{"bomb.xlsx", "xl/sharedStrings.xml", "max_"}},
		{"one 2 GiB shared string", []bombPart{smallSheet,
			{name: "xl/sharedStrings.xml", head: []byte(sstHead + "<si><t>"), body: huge, n: 2 << 10, end: []byte("</t></si></sst>")}},
			[]string{"bomb.xlsx", "xl/sharedStrings.xml", "max_cell_bytes"}},
		{"one 2 GiB inline string", []bombPart{
			{name: "xl/worksheets/sheet1.xml", head: []byte(sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>`), body: huge, n: 2 << 10,
				end: []byte(`</t></is></c></row>` + sheetEnd)}},
			[]string{"bomb.xlsx", "xl/worksheets/sheet1.xml", "A1", "max_cell_bytes"}},
		{"cells at XFD1 and XFD1048576", []bombPart{
			{name: "xl/worksheets/sheet1.xml", head: []byte(sheetHead +
				`<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>` +
				`<row r="2"><c r="A2"><v>1</v></c></row>` +
				`<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>`), end: []byte(sheetEnd)}},
			[]string{"bomb.xlsx", "xl/worksheets/sheet1.xml", "max_"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "bomb.xlsx")
			writeBombXLSX(t, path, tt.parts...)
			code, out := runLimited(t, bin, dir, path, "")
			checkRefusal(t, code, out, tt.want)
		})
	}
}

// checkRefusal asserts a clean failure: exit 1 or 2, no crash, and a
// message with every wanted part.
func checkRefusal(t *testing.T, code int, out string, want []string) {
	t.Helper()
	if code != exitFailed && code != exitInvalid {
		t.Fatalf("exit %d, want 1 or 2:\n%s", code, tail(out))
	}
	for _, crash := range []string{"out of memory", "panic:", "goroutine "} {
		if strings.Contains(out, crash) {
			t.Fatalf("the run crashed (%q):\n%s", crash, tail(out))
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "failed after") {
			t.Log(line)
		}
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, tail(out))
		}
	}
}

// TestWideCSVUnderAddressLimit reads CSV files with more columns than a
// table can hold: a clear error naming the header and the limit, not a
// panic inside the Parquet writer or minutes of work. A file at the
// default limit is read.
func TestWideCSVUnderAddressLimit(t *testing.T) {
	bin := hotpassBinary(t)
	for _, n := range []int{5_000, 100_000, 1_000_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "wide.csv")
			var b strings.Builder
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "c%d", i)
			}
			b.WriteString("\n")
			for range 20 {
				b.WriteString(strings.Repeat("1,", n-1) + "1\n")
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runLimited(t, bin, dir, path, "")
			if n <= table.DefaultMaxColumns {
				if code != 0 {
					t.Fatalf("exit %d, want 0:\n%s", code, tail(out))
				}
				return
			}
			checkRefusal(t, code, out, []string{"wide.csv", "columns", "max_columns"})
		})
	}
}

// TestHugeValuesUnderAddressLimit reads a CSV field and a JSON value of
// tens of megabytes: within the field limit they are read and kept as
// Parquet in bounded memory; past it they are refused with the row, the
// column and the limit named.
func TestHugeValuesUnderAddressLimit(t *testing.T) {
	bin := hotpassBinary(t)
	big := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name, file, content string
		want                []string // nil: the read must succeed
	}{
		{"32 MB CSV field", "big.csv", "id,blob\n1," + big(32<<20) + "\n2,short\n", nil},
		{"32 MB JSON value", "big.jsonl", `{"id":1,"blob":"` + big(32<<20) + `"}` + "\n" + `{"id":2,"blob":"short"}` + "\n", nil},
		{"100 MB CSV field", "huge.csv", "id,blob\n1,short\n2," + big(100<<20) + "\n", []string{"huge.csv", "blob", "max_field_bytes"}},
		{"200 MB JSON value", "huge.jsonl", `{"id":1,"blob":"short"}` + "\n" + `{"id":2,"blob":"` + big(200<<20) + `"}` + "\n", []string{"huge.jsonl", "blob", "max_field_bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := runLimited(t, bin, dir, path, "")
			if tt.want == nil {
				if code != 0 {
					t.Fatalf("exit %d, want 0:\n%s", code, tail(out))
				}
				return
			}
			checkRefusal(t, code, out, tt.want)
		})
	}
}
