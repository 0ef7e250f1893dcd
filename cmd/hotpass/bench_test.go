package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// BenchmarkValidate1000 loads and validates a 1,000-task spec: schema,
// templates, rendering and DAG compilation (target: under 100 ms).
func BenchmarkValidate1000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, specgen.RandomDAG(1000, 3, 1, "noop"), 0o644); err != nil {
		b.Fatal(err)
	}
	l, err := newLoader()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ds, err := validateFile(context.Background(), l, path, false); err != nil || ds.HasErrors() {
			b.Fatal(ds)
		}
	}
}

// BenchmarkRunNoop10000 runs a random 10,000-task noop DAG (about three
// edges per task) through the whole `hotpass run` command (target: under
// 2 s). The per-task figure is reported as ns/task.
func BenchmarkRunNoop10000(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(path, specgen.RandomDAG(10000, 3, 1, "noop"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var errb bytes.Buffer
		code := execute(context.Background(), []string{"run", "--no-progress", "--state-dir", filepath.Join(dir, "state"), path}, io.Discard, &errb)
		if code != exitOK {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/task")
}

// BenchmarkRunNoop10000Observed measures what telemetry costs a whole
// run (target: under 15 %): each iteration runs the DAG of
// BenchmarkRunNoop10000 once without and once with --enable-observability,
// exporting over OTLP/HTTP to an in-process receiver, and overhead-% compares
// the two totals. Pairing the runs keeps a machine whose speed drifts (a
// shared or virtual one) from deciding the result. "decode" has the
// receiver decode and keep every span in this process; "discard"
// acknowledges without decoding, as a collector elsewhere would cost this
// process. Each mode keeps its own state directory, so both histories grow
// alike.
func BenchmarkRunNoop10000Observed(b *testing.B) {
	for _, mode := range []string{"decode", "discard"} {
		b.Run(mode, func(b *testing.B) {
			var r *otlptest.Receiver
			if mode == "discard" {
				r = otlptest.NewHTTP(b, otlptest.Discard())
			} else {
				r = otlptest.NewHTTP(b)
			}
			for k, v := range r.Env() {
				b.Setenv(k, v)
			}
			dir := b.TempDir()
			path := filepath.Join(dir, "spec.yaml")
			if err := os.WriteFile(path, specgen.RandomDAG(10000, 3, 1, "noop"), 0o644); err != nil {
				b.Fatal(err)
			}
			run := func(args ...string) time.Duration {
				start := time.Now()
				var errb bytes.Buffer
				code := execute(context.Background(), append([]string{"run", "--no-progress"}, append(args, path)...), io.Discard, &errb)
				if code != exitOK {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
				return time.Since(start)
			}
			observed := func() time.Duration {
				d := run("--enable-observability", "--state-dir", filepath.Join(dir, "on"))
				b.StopTimer()
				if mode == "decode" && r.SpanCount() < 10000 {
					b.Fatalf("receiver got %d spans, want at least 10000", r.SpanCount())
				}
				if r.Requests() == 0 {
					b.Fatal("nothing was exported")
				}
				// A collector forwards what it decodes; keeping every
				// run's spans here would grow the heap that the
				// garbage collector of both runs has to scan.
				r.Reset()
				b.StartTimer()
				return d
			}
			var off, on time.Duration
			ratios := make([]float64, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// Alternate which run goes first, so neither always
				// follows the other's garbage.
				var o, w time.Duration
				if i%2 == 0 {
					o = run("--state-dir", filepath.Join(dir, "off"))
					w = observed()
				} else {
					w = observed()
					o = run("--state-dir", filepath.Join(dir, "off"))
				}
				off += o
				on += w
				ratios = append(ratios, float64(w)/float64(o))
			}
			b.StopTimer()
			b.ReportMetric(float64(off.Nanoseconds())/float64(b.N)/10000, "off-ns/task")
			b.ReportMetric(float64(on.Nanoseconds())/float64(b.N)/10000, "on-ns/task")
			b.ReportMetric(100*(float64(on)/float64(off)-1), "overhead-%")
			// A pair caught by a slow spell of a shared machine moves the
			// totals above; the median pair does not.
			slices.Sort(ratios)
			b.ReportMetric(100*(ratios[len(ratios)/2]-1), "median-overhead-%")
		})
	}
}

// BenchmarkExecuteVersion is the in-process part of `hotpass version`:
// building every command with its flags and printing the version. It
// guards start-up against work the command tree does for its help text
// (parsing the built-in profiles to list their names took 9 ms here).
func BenchmarkExecuteVersion(b *testing.B) {
	for b.Loop() {
		if code := execute(context.Background(), []string{"version"}, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit %d", code)
		}
	}
}
