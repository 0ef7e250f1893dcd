package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/cputime"
)

// benchRows reads a row count from the environment, else def.
func benchRows(b *testing.B, env string, def int) int {
	b.Helper()
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number of rows", env, v)
		}
		return n
	}
	return def
}

// benchTable builds the binary into a new directory and writes there
// orgs.csv, synthetic organisations with the row count env sets (def
// when unset).
func benchTable(b *testing.B, env string, def int) (dir, bin string) {
	b.Helper()
	dir = b.TempDir()
	bin = hotpassBinary(b)
	rows := benchRows(b, env, def)
	if out, err := exec.Command(bin, "gen", "table", "organisations", "--rows", strconv.Itoa(rows), "--out", filepath.Join(dir, "orgs.csv")).CombinedOutput(); err != nil {
		b.Fatalf("gen: %v\n%s", err, out)
	}
	return dir, bin
}

// peakRSS runs the binary with args in dir and returns its peak resident
// set size in bytes.
func peakRSS(b *testing.B, dir, bin string, args ...string) int64 {
	b.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("hotpass %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	rss, ok := cputime.ChildPeakRSS(cmd.ProcessState)
	if !ok {
		b.Skip("this system does not report a child's peak RSS")
	}
	return rss
}

// chainSpec writes a spec of n read→write chains over orgs.csv, at most
// max tasks at once, and returns its path.
func chainSpec(b *testing.B, dir, name string, n, max int) string {
	b.Helper()
	var s strings.Builder
	fmt.Fprintf(&s, "version: 1\nname: %s\nconcurrency: {max: %d}\ntasks:\n", name, max)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&s, "  r%d: {type: read, with: {path: orgs.csv}}\n", i)
		fmt.Fprintf(&s, "  w%d: {type: write, with: {input: r%d, path: out/w%d.parquet}}\n", i, i, i)
	}
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkPeakRSSChains measures the peak RSS of `hotpass run` on five
// read→write chains run one after the other (concurrency.max 1) against
// one chain, over a CSV of synthetic organisations (1,000,000 rows, about
// 168 MB; HOTPASS_BENCH_CHAIN_ROWS sets another size). ratio is five over
// one: a run holds only what its running tasks need, so it stays near 1.
func BenchmarkPeakRSSChains(b *testing.B) {
	dir, bin := benchTable(b, "HOTPASS_BENCH_CHAIN_ROWS", 1_000_000)
	one := chainSpec(b, dir, "one", 1, 1)
	five := chainSpec(b, dir, "five", 5, 1)
	state := filepath.Join(dir, "state")
	b.ResetTimer()
	var r1, r5 int64
	for range b.N {
		r1 = max(r1, peakRSS(b, dir, bin, "run", "--no-progress", "--state-dir", state, one))
		r5 = max(r5, peakRSS(b, dir, bin, "run", "--no-progress", "--state-dir", state, five))
	}
	b.ReportMetric(float64(r1)/1e6, "peak-MB-1chain")
	b.ReportMetric(float64(r5)/1e6, "peak-MB-5chains")
	b.ReportMetric(float64(r5)/float64(r1), "ratio")
}

// BenchmarkPeakRSSDAG200 measures the peak RSS of `hotpass run` on a
// 200-task DAG, 100 read→write chains over a 100,000-row CSV
// (HOTPASS_BENCH_DAG_ROWS sets another size), at concurrency.max 4.
func BenchmarkPeakRSSDAG200(b *testing.B) {
	dir, bin := benchTable(b, "HOTPASS_BENCH_DAG_ROWS", 100_000)
	spec := chainSpec(b, dir, "dag200", 100, 4)
	reportPeakRSS(b, dir, bin, spec)
}

// BenchmarkPeakRSSReads20 measures the peak RSS of `hotpass run` on a spec
// of 20 independent read tasks over a 5,000-row CSV
// (HOTPASS_BENCH_READS_ROWS sets another size). Each read keeps its output
// as Parquet and nothing downstream holds it, so the peak is what writing
// many small kept outputs costs on its own.
func BenchmarkPeakRSSReads20(b *testing.B) {
	dir, bin := benchTable(b, "HOTPASS_BENCH_READS_ROWS", 5_000)
	var s strings.Builder
	s.WriteString("version: 1\nname: reads20\ntasks:\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&s, "  r%d: {type: read, with: {path: orgs.csv}}\n", i)
	}
	spec := filepath.Join(dir, "reads20.yaml")
	if err := os.WriteFile(spec, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	reportPeakRSS(b, dir, bin, spec)
}

// reportPeakRSS runs spec b.N times and reports the highest peak RSS.
func reportPeakRSS(b *testing.B, dir, bin, spec string) {
	b.Helper()
	state := filepath.Join(dir, "state")
	b.ResetTimer()
	var peak int64
	for range b.N {
		peak = max(peak, peakRSS(b, dir, bin, "run", "--no-progress", "--state-dir", state, spec))
	}
	b.ReportMetric(float64(peak)/1e6, "peak-MB")
}
