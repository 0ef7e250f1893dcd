package tablebench

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

const benchRows = 1_000_000

var (
	genOnce sync.Once
	genPath string
	genErr  error
)

// benchCSV generates the 1M-row CSV once per test binary, in a temp dir
// removed by TestMain.
func benchCSV(tb testing.TB) string {
	tb.Helper()
	genOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hotpass-tablebench-")
		if err != nil {
			genErr = err
			return
		}
		genPath = filepath.Join(dir, "orgs.csv")
		genErr = GenerateCSV(genPath, benchRows)
	})
	if genErr != nil {
		tb.Fatal(genErr)
	}
	return genPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genPath != "" {
		_ = os.RemoveAll(filepath.Dir(genPath))
	}
	os.Exit(code)
}

func convert(csvPath, parquetPath string) (int64, error) {
	return convertWith(csvPath, parquetPath, csvio.ReadOptions{})
}

func convertWith(csvPath, parquetPath string, opts csvio.ReadOptions) (int64, error) {
	r, err := csvio.Open(csvPath, opts)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	w, err := parquetio.Create(parquetPath, r.Schema(), parquetio.WriteOptions{})
	if err != nil {
		return 0, err
	}
	n, err := table.Copy(w, r)
	if err != nil {
		_ = table.Abort(w)
		return n, err
	}
	return n, w.Close()
}

func TestGenerateCSVShape(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "small.csv")
	if err := GenerateCSV(path, 2000); err != nil {
		t.Fatal(err)
	}
	r, err := csvio.Open(path, csvio.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := table.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := "id:int64, name:string, email:string, phone:string, province:string, website:string, employees:int64, " +
		"revenue:float64, founded:date, active:bool, updated_at:timestamp, notes:string"
	if got.Schema().String() != want || got.NumRows() != 2000 {
		t.Errorf("generated %d rows of %s", got.NumRows(), got.Schema())
	}
}

func BenchmarkCSVRead(b *testing.B) {
	path := benchCSV(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		r, err := csvio.Open(path, csvio.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			t, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += t.NumRows()
		}
		_ = r.Close()
		if rows != benchRows {
			b.Fatalf("read %d rows", rows)
		}
	}
}

func BenchmarkParquetWrite(b *testing.B) {
	r, err := csvio.Open(benchCSV(b), csvio.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	data, err := table.ReadAll(r)
	_ = r.Close()
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(b.TempDir(), "out.parquet")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w, err := parquetio.Create(out, data.Schema(), parquetio.WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := table.Copy(w, table.NewTableReader(data, csvio.DefaultBatchRows)); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCSVToParquet(b *testing.B) {
	path := benchCSV(b)
	st, _ := os.Stat(path)
	out := filepath.Join(b.TempDir(), "out.parquet")
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if n, err := convert(path, out); err != nil || n != benchRows {
			b.Fatalf("converted %d rows: %v", n, err)
		}
	}
}

// TestConvertReport converts the CSV named by HOTPASS_BENCH_CSV to Parquet
// and logs wall time and peak RSS. A missing file is first generated there
// (1M rows) and kept, so DuckDB can convert the same input. It is skipped
// unless the variable is set, so ordinary test runs stay fast; run the
// compiled test binary under /usr/bin/time -v for an outside view.
func TestConvertReport(t *testing.T) {
	src := os.Getenv("HOTPASS_BENCH_CSV")
	if src == "" {
		t.Skip("set HOTPASS_BENCH_CSV to a CSV path")
	}
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		if err := GenerateCSV(src, benchRows); err != nil {
			t.Fatal(err)
		}
		t.Logf("generated %s", src)
		return // measure in a fresh process, without the generator's memory
	}
	out := filepath.Join(t.TempDir(), "out.parquet")
	start := time.Now()
	n, err := convert(src, out)
	wall := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	peak, ok := cputime.PeakRSS()
	if !ok {
		t.Fatal("this system does not report the peak resident set size")
	}
	in, _ := os.Stat(src)
	pq, _ := os.Stat(out)
	t.Logf("csv_to_parquet rows=%d csv_bytes=%d parquet_bytes=%d wall_ms=%d peak_rss_mb=%s",
		n, in.Size(), pq.Size(), wall.Milliseconds(), strconv.FormatFloat(float64(peak)/(1<<20), 'f', 1, 64))
}
