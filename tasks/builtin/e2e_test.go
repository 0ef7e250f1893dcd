package builtin_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/tasks"
)

// loadPlan writes src as a spec file and compiles it through the loader, as
// `hotpass run` does.
func loadPlan(tb testing.TB, src []byte) *engine.Plan {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		tb.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		tb.Fatal(err)
	}
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		tb.Fatal(err)
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return prep.Plan
}

// The generated specs load through the real loader and run.
func TestGeneratedSpecsRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  []byte
		n    int
	}{
		{"random noop DAG", specgen.RandomDAG(300, 3, 5, "noop"), 300},
		{"exec true", specgen.ExecTrue(20, 4), 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := loadPlan(t, tc.src)
			rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Counts()[engine.StatusSucceeded]; got != tc.n {
				t.Fatalf("%d tasks succeeded, want %d", got, tc.n)
			}
		})
	}
}

// BenchmarkEndToEnd is `hotpass run` on a generated 10,000-task noop DAG
// without the CLI: write the YAML, load, check, render, compile, run.
func BenchmarkEndToEnd(b *testing.B) {
	const n = 10000
	src := specgen.RandomDAG(n, 3, 1, "noop")
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		c := cputime.Process()
		p := loadPlan(b, src)
		rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: b.TempDir()})
		cpu += cputime.Process() - c
		if err != nil {
			b.Fatal(err)
		}
		if rec.Counts()[engine.StatusSucceeded] != n {
			b.Fatalf("counts %v", rec.Counts())
		}
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/n, "cpu-ns/task")
}

// BenchmarkExecTrue runs 200 independent `true` commands, 8 at a time: the
// cost of starting a process through the exec task.
func BenchmarkExecTrue(b *testing.B) {
	const n = 200
	p := loadPlan(b, specgen.ExecTrue(n, 8))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Run(context.Background(), engine.RunOptions{StateDir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/task")
}
