package tablebench

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
)

// accents puts the characters Excel exports carry (accents, smart quotes,
// a dash) into about a third of the generated rows.
var accents = strings.NewReplacer("Aero", "Aéro", "Falcon", "Falcón", "ATO approved", "ATO “approved” – ok", "Karoo", "Karóo")

var (
	accentOnce  sync.Once
	accentPaths map[string]string
	accentErr   error
)

// accentedCSV writes the benchmark CSV with accents once in UTF-8 and once
// in Windows-1252, next to the generated file (removed by TestMain).
func accentedCSV(tb testing.TB, enc string) string {
	tb.Helper()
	src := benchCSV(tb)
	accentOnce.Do(func() {
		accentPaths = map[string]string{}
		for _, e := range []string{csvio.UTF8, csvio.Windows1252} {
			p := filepath.Join(filepath.Dir(src), "orgs-accented-"+e+".csv")
			if accentErr = transcode(src, p, e); accentErr != nil {
				return
			}
			accentPaths[e] = p
		}
	})
	if accentErr != nil {
		tb.Fatal(accentErr)
	}
	return accentPaths[enc]
}

func transcode(src, dst, enc string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	encoder := charmap.Windows1252.NewEncoder()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := accents.Replace(sc.Text()) + "\n"
		if enc == csvio.Windows1252 {
			if line, err = encoder.String(line); err != nil {
				_ = out.Close()
				return err
			}
		}
		if _, err := w.WriteString(line); err != nil {
			_ = out.Close()
			return err
		}
	}
	if err := sc.Err(); err != nil {
		_ = out.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

func TestAccentedEncodingsReadTheSame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.csv")
	if err := GenerateCSV(src, 3000); err != nil {
		t.Fatal(err)
	}
	var tables []*table.Table
	for _, enc := range []string{csvio.UTF8, csvio.Windows1252} {
		p := filepath.Join(dir, enc+".csv")
		if err := transcode(src, p, enc); err != nil {
			t.Fatal(err)
		}
		r, err := csvio.Open(p, csvio.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		tb, err := table.ReadAll(r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r.Dialect().Encoding != enc {
			t.Errorf("%s file detected as %s", enc, r.Dialect().Encoding)
		}
		tables = append(tables, tb)
	}
	if d := tables[1].Diff(tables[0]); d != "" {
		t.Errorf("windows-1252 read differs from utf-8: %s", d)
	}
	if !strings.Contains(tables[0].Column(11).Format(0)+strings.Join(func() (s []string) {
		for i := range 200 {
			s = append(s, tables[0].Column(1).Format(i), tables[0].Column(11).Format(i))
		}
		return
	}(), ""), "é") {
		t.Error("no accented value in the first 200 rows")
	}
}

// BenchmarkCSVToParquetDialect compares the default (detected encoding,
// sniffed delimiter) with a declared dialect on the same file.
func BenchmarkCSVToParquetDialect(b *testing.B) {
	path := benchCSV(b)
	st, _ := os.Stat(path)
	for _, c := range []struct {
		name string
		opts csvio.ReadOptions
	}{
		{"detected", csvio.ReadOptions{}},
		{"declared", csvio.ReadOptions{Encoding: csvio.UTF8, Delimiter: ','}},
	} {
		b.Run(c.name, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "out.parquet")
			b.SetBytes(st.Size())
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				if n, err := convertWith(path, out, c.opts); err != nil || n != benchRows {
					b.Fatalf("converted %d rows: %v", n, err)
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCSVToParquetEncoding converts the same accented rows stored as
// UTF-8 and as Windows-1252, both detected.
func BenchmarkCSVToParquetEncoding(b *testing.B) {
	for _, enc := range []string{csvio.UTF8, csvio.Windows1252} {
		b.Run(enc, func(b *testing.B) {
			path := accentedCSV(b, enc)
			st, _ := os.Stat(path)
			out := filepath.Join(b.TempDir(), "out.parquet")
			r, err := csvio.Open(path, csvio.ReadOptions{})
			if err != nil {
				b.Fatal(err)
			}
			if got := r.Dialect().Encoding; got != enc {
				b.Fatalf("detected %s", got)
			}
			_ = r.Close()
			b.SetBytes(st.Size())
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				if n, err := convertWith(path, out, csvio.ReadOptions{}); err != nil || n != benchRows {
					b.Fatalf("converted %d rows: %v", n, err)
				}
			}
			b.ReportMetric(float64(cputime.Process()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
