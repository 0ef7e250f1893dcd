package refine_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/profiles"
)

func aviationRefiner(tb testing.TB) *refine.Refiner {
	tb.Helper()
	p, err := profiles.Builtin("aviation")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := refine.New(p)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// BenchmarkRefine100k refines 100,000 synthetic organisations spread over
// the three aviation workbooks end to end: ingest, normalise, aggregate,
// build, and write the SSOT workbook and Parquet file. It reports rows/s
// per stage and the process's peak RSS.
func BenchmarkRefine100k(b *testing.B) {
	orgs := 100000
	if s := os.Getenv("REFINE_BENCH_ORGS"); s != "" {
		orgs, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	if _, err := synth.WriteAviationWorkbooks(dir, 1, orgs); err != nil {
		b.Fatal(err)
	}
	r := aviationRefiner(b)
	out := filepath.Join(dir, "out", "refined.xlsx")
	var last *refine.Result
	var write time.Duration
	// The peak is the refine's own: generating the workbooks above is not
	// part of what is measured.
	resetPeakRSS()
	cpu0 := cputime.Process()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := refine.WriteOutputs(out, res.Table, refine.Summary(res.Table, nil, res.Batch.Unmatched, res.Batch.Stats.PerSheet, nil), refine.Thresholds{}); err != nil {
			b.Fatal(err)
		}
		write = time.Since(start)
		last = res
	}
	b.StopTimer()
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	rows := float64(last.Batch.Stats.Rows)
	recs := float64(last.Batch.Stats.Records)
	b.ReportMetric(rows/last.Timings.Ingest.Seconds(), "ingest-rows/s")
	b.ReportMetric(recs/last.Timings.Normalise.Seconds(), "normalise-records/s")
	b.ReportMetric(recs/(last.Timings.Aggregate+last.Timings.Build).Seconds(), "aggregate-records/s")
	b.ReportMetric(float64(last.Table.NumRows())/write.Seconds(), "write-orgs/s")
	b.ReportMetric(float64(last.Table.NumRows()), "orgs")
	if mb, ok := peakRSSMB(); ok {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
	b.Logf("GOMAXPROCS=%d rows=%d records=%d contacts=%d orgs=%d ingest=%v normalise=%v aggregate=%v build=%v write=%v",
		runtime.GOMAXPROCS(0), last.Batch.Stats.Rows, last.Batch.Stats.Records, last.Batch.Stats.Contacts, last.Table.NumRows(),
		last.Timings.Ingest, last.Timings.Normalise, last.Timings.Aggregate, last.Timings.Build, write)
}

// resetPeakRSS returns freed memory to the system and resets the
// kernel's high-water mark of the resident set (Linux 4.0 and later), so
// that peakRSSMB reports the peak of what follows.
func resetPeakRSS() {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMB is the resident set's high-water mark (VmHWM) in MB, or the
// process's lifetime peak where /proc is not available.
func peakRSSMB() (float64, bool) {
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.SplitSeq(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB"))); err == nil {
					return float64(kb) / 1024, true
				}
			}
		}
	}
	if b, ok := cputime.PeakRSS(); ok {
		return float64(b) / (1 << 20), true
	}
	return 0, false
}
