package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/internal/specgen"
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
		if ds := validateFile(l, path, false); ds.HasErrors() {
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
