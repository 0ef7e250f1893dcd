package temporal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/specs/tmpl"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// noopDAG is a spec of n independent noop tasks at concurrency 8.
func noopDAG(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nname: bench\nconcurrency: {max: 8}\ntasks:\n")
	for i := range n {
		fmt.Fprintf(&b, "  t%04d: {type: noop}\n", i)
	}
	return b.String()
}

// BenchmarkNoopDAG compares the per-task cost of a 200-task noop DAG on
// the embedded engine, on RunWorkflow in the SDK's test environment
// (scheduling logic and activities, no server) and, when
// HOTPASS_TEMPORAL_ADDRESS names a Temporal server, on that server with
// two in-process workers.
func BenchmarkNoopDAG(b *testing.B) {
	const n = 200
	src := noopDAG(n)
	b.Run("embedded", func(b *testing.B) {
		h := newHarness(b, src)
		spec, _, err := h.acts.Loader.ParseContext(context.Background(), "bench.yaml", h.source, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		prep, err := h.acts.Loader.Prepare(spec, engine.PrepareOptions{Run: tmpl.Run{ID: "bench", Date: "2026-12-07"}})
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			i++
			if _, err := prep.Plan.Run(context.Background(), engine.RunOptions{RunID: fmt.Sprintf("bench-%d", i), StateDir: h.dir}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
	})
	b.Run("testsuite", func(b *testing.B) {
		h := newHarness(b, src)
		i := 0
		for b.Loop() {
			i++
			in := h.input()
			in.RunID = fmt.Sprintf("bench-%d", i)
			env := h.env()
			env.ExecuteWorkflow(hptemporal.WorkflowName, in)
			if err := env.GetWorkflowError(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
	})
	b.Run("server-2-workers", func(b *testing.B) {
		addr := os.Getenv(hptemporal.EnvAddress)
		if addr == "" {
			b.Skipf("set %s to a Temporal server to measure it", hptemporal.EnvAddress)
		}
		h := newHarness(b, src)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c, err := hptemporal.Conn{Address: addr}.Dial(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		queue := "hotpass-bench-" + time.Now().Format("150405.000")
		h.acts.Client, h.acts.TaskQueue = c, queue
		for range 2 {
			go func() { _ = hptemporal.Serve(ctx, c, queue, 0, h.acts) }()
		}
		abs, _ := filepath.Abs(filepath.Join(h.dir, "spec.yaml"))
		i := 0
		for b.Loop() {
			i++
			in := h.input()
			in.RunID = fmt.Sprintf("bench-%s-%d", queue, i)
			in.SpecPath, in.TaskQueue = abs, queue
			run, err := hptemporal.Submit(ctx, c, queue, in)
			if err != nil {
				b.Fatal(err)
			}
			var res hptemporal.RunResult
			if err := run.Get(ctx, &res); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
	})
}
