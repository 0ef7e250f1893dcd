package refine_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hotpass/hotpass/internal/synth"
)

// BenchmarkEntityResolution refines synthetic aviation workbooks of
// RESOLVE_BENCH_ORGS organisations (default 5,000) with the aviation
// profile's entity resolution: linkage table, geocoding, training,
// prediction, clustering and settling, end to end through the task.
func BenchmarkEntityResolution(b *testing.B) {
	orgs := 5000
	if s := os.Getenv("RESOLVE_BENCH_ORGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("RESOLVE_BENCH_ORGS=%q: want a positive number", s)
		}
		orgs = n
	}
	dir := b.TempDir()
	if _, err := synth.WriteAviationWorkbooks(filepath.Join(dir, "data"), 1, orgs); err != nil {
		b.Fatal(err)
	}
	rows := 0
	for b.Loop() {
		rows = refineWithProfile(b, dir, "aviation", true).NumRows()
	}
	b.ReportMetric(float64(orgs)*float64(b.N)/b.Elapsed().Seconds(), "orgs/s")
	b.ReportMetric(float64(rows), "rows")
}
