package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/cputime"
)

// The splitter stands in for encoding/csv (see splitter). These tests and
// benchmarks hold it to that: the same records as encoding/csv on the same
// input, and a measured reason to keep it. encoding/csv runs as the reader
// would have to use it: ReuseRecord, and FieldPos for the line number of
// every record; it still cannot give the raw text of a rejected record.

// splitInput is n records shaped like an organisations export. With quoted
// set, every record has two quoted fields, one holding the delimiter and
// one doubled quotes, and every tenth a line break inside quotes.
func splitInput(n int, quoted bool) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,email,phone,province,website,employees,revenue,founded,active,updated_at,notes\n")
	for i := 1; i <= n; i++ {
		name, notes := fmt.Sprintf("Cape Aviation Branch %d", i%90), "contact via ops desk"
		if quoted {
			name = fmt.Sprintf("\"Cape Aviation, Branch %d\"", i%90)
			notes = `"contact via ""ops"" desk"`
			if i%10 == 0 {
				notes = "\"first line\nsecond line\""
			}
		}
		fmt.Fprintf(&b, "%d,%s,ops%d@org%d.co.za,0821234567,Western Cape,www.org%d.co.za,%d,%d.25,1999-04-01,true,2024-01-31T08:00:00Z,%s\n",
			i, name, i, i%500, i%500, i%5000, i*7, notes)
	}
	return b.Bytes()
}

// splitAll splits data with the splitter and calls fn with each record's
// fields and first line.
func splitAll(data []byte, fn func(fields []string, line int)) error {
	s := newSplitter(bufio.NewReaderSize(bytes.NewReader(data), readBufSize), ',', '"', modeUTF8)
	for {
		rec, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(rec.fields, rec.line)
	}
}

// stdlibAll does the same with encoding/csv.
func stdlibAll(data []byte, fn func(fields []string, line int)) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		line, _ := r.FieldPos(0)
		fn(fields, line)
	}
}

func TestSplitterAgreesWithEncodingCSV(t *testing.T) {
	t.Parallel()
	inputs := map[string][]byte{
		"plain":   splitInput(500, false),
		"quoted":  splitInput(500, true),
		"edges":   []byte("a,b,\n\n,,\n\"\",x\n\"multi\r\nline\",\"q\"\"q\"\r\nlast,\"\"\"\"\n"),
		"no eol":  []byte("a,b\nc,d"),
		"one col": []byte("a\nb\n\nc\n"),
	}
	type rec struct {
		fields []string
		line   int
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got, want []rec
			if err := splitAll(data, func(f []string, line int) { got = append(got, rec{slices.Clone(f), line}) }); err != nil {
				t.Fatal(err)
			}
			if err := stdlibAll(data, func(f []string, line int) { want = append(want, rec{slices.Clone(f), line}) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d records, encoding/csv %d", len(got), len(want))
			}
			for i := range got {
				if !slices.Equal(got[i].fields, want[i].fields) || got[i].line != want[i].line {
					t.Fatalf("record %d: %q at line %d, encoding/csv %q at line %d", i, got[i].fields, got[i].line, want[i].fields, want[i].line)
				}
			}
		})
	}
}

// BenchmarkSplitVsEncodingCSV splits 100,000 records with the splitter and
// with encoding/csv, keeping every field (as the reader does when it
// builds columns), so both pay for the strings they hand out.
func BenchmarkSplitVsEncodingCSV(b *testing.B) {
	for _, quoted := range []bool{false, true} {
		data := splitInput(100_000, quoted)
		for _, impl := range []struct {
			name  string
			split func([]byte, func([]string, int)) error
		}{{"splitter", splitAll}, {"encoding_csv", stdlibAll}} {
			b.Run(fmt.Sprintf("quoted=%t/impl=%s", quoted, impl.name), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				keep := make([]string, 0, 12*100_001)
				var cpu time.Duration
				for b.Loop() {
					start := cputime.Process()
					keep = keep[:0]
					if err := impl.split(data, func(f []string, _ int) { keep = append(keep, f...) }); err != nil {
						b.Fatal(err)
					}
					cpu += cputime.Process() - start
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
