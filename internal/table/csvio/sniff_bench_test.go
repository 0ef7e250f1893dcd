package csvio

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"
)

// sniffPrefix is a 64 KiB prefix shaped like the tablebench organisations
// file: quoted names with commas, emails, numbers, dates and notes.
func sniffPrefix() []byte {
	var b bytes.Buffer
	b.WriteString("id,name,email,phone,province,website,employees,revenue,founded,active,updated_at,notes\n")
	for i := 1; b.Len() < sniffBytes+4096; i++ {
		fmt.Fprintf(&b, "%d,\"Cape Aviation, Branch %d\",ops%d@org%d.co.za,0821234567,Western Cape,www.org%d.co.za,%d,%d.25,1999-04-01,true,2024-01-31T08:00:00Z,\"contact via \"\"ops\"\" desk\"\n",
			i, i%90, i, i%500, i%500, i%5000, i*7)
	}
	return b.Bytes()[:sniffBytes]
}

// BenchmarkSniffDelimiter is the whole cost sniffing adds to a read: it
// runs once per file, on at most sniffBytes.
func BenchmarkSniffDelimiter(b *testing.B) {
	prefix := sniffPrefix()
	b.SetBytes(int64(len(prefix)))
	b.ReportAllocs()
	for b.Loop() {
		if d, _, err := sniffDelimiter(prefix, '"', false); err != nil || d != ',' {
			b.Fatalf("sniffed %q: %v", d, err)
		}
	}
}

// BenchmarkDetectEncoding is the one-off cost of auto detection on a UTF-8
// file: a look at the first sniffBytes.
func BenchmarkDetectEncoding(b *testing.B) {
	data := append(sniffPrefix(), sniffPrefix()...)
	b.SetBytes(sniffBytes)
	b.ReportAllocs()
	for b.Loop() {
		d, err := detectEncoding(bufio.NewReaderSize(bytes.NewReader(data), readBufSize), Auto)
		if err != nil || d.mode != modeUTF8Auto {
			b.Fatalf("detected %+v: %v", d, err)
		}
	}
}
