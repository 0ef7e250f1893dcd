package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/specs"
	"github.com/hotpass/hotpass/tasks/noop"
)

func noopRegistry(b *testing.B) engine.Registry { return registry(b, noop.Type{}) }

// benchSpec is specgen.RandomDAG's spec: noop tasks with `with: {}`.
func benchSpec(n int) *specs.Spec {
	s := randomSpec(n, 3, 1, "noop")
	for _, t := range s.Tasks {
		t.With = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	return s
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			s := benchSpec(n)
			reg := noopRegistry(b)
			b.ReportAllocs()
			cpu := cputime.Process()
			for b.Loop() {
				if _, err := engine.Compile(s, reg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGraph measures building the dominikbraun/graph mirror of a
// 10,000-task plan, which Plan.Graph does on first use.
func BenchmarkGraph(b *testing.B) {
	s := benchSpec(10000)
	reg := noopRegistry(b)
	b.ReportAllocs()
	for b.Loop() {
		p, err := engine.Compile(s, reg)
		if err != nil {
			b.Fatal(err)
		}
		if p.Graph() == nil {
			b.Fatal("no graph")
		}
	}
}

// BenchmarkRun runs a 10,000-task random noop DAG (about 3 dependencies per
// task) end to end: run directory, per-task logs, run.json. ns/task is the
// scheduler's cost per task, wall time divided by the number of tasks;
// cpu-ns/task the CPU time (all cores) per task.
func BenchmarkRun(b *testing.B) {
	const n = 10000
	s := benchSpec(n)
	p, err := engine.Compile(s, noopRegistry(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var total, cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		b.StartTimer()
		start, cpuStart := time.Now(), cputime.Process()
		rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: dir})
		total += time.Since(start)
		cpu += cputime.Process() - cpuStart
		if err != nil {
			b.Fatal(err)
		}
		if rec.Counts()[engine.StatusSucceeded] != n {
			b.Fatalf("counts %v", rec.Counts())
		}
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/n, "ns/task")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/n, "cpu-ns/task")
}

// BenchmarkExport renders a 1,000- and a 10,000-task plan as Mermaid and as
// DOT (what `hotpass graph` prints), from a freshly compiled plan each time
// so that building the graph the renderers read is counted.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		s := benchSpec(n)
		reg := noopRegistry(b)
		for _, f := range []struct {
			name   string
			render func(*engine.Plan) string
		}{{"mermaid", (*engine.Plan).Mermaid}, {"dot", (*engine.Plan).DOT}} {
			b.Run(fmt.Sprintf("format=%s/tasks=%d", f.name, n), func(b *testing.B) {
				b.ReportAllocs()
				var cpu time.Duration
				for b.Loop() {
					b.StopTimer()
					p, err := engine.Compile(s, reg)
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := cputime.Process()
					if f.render(p) == "" {
						b.Fatal("empty output")
					}
					cpu += cputime.Process() - start
				}
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
