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
	"github.com/hotpass/hotpass/internal/temporaltest"
	"github.com/hotpass/hotpass/specs/tmpl"

	hptemporal "github.com/hotpass/hotpass/internal/temporal"
)

// dagSpec is a spec of n independent tasks at concurrency max, each
// written by task.
func dagSpec(n, max int, task string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nname: bench\nconcurrency: {max: %d}\ntasks:\n", max)
	for i := range n {
		fmt.Fprintf(&b, "  t%04d: %s\n", i, task)
	}
	return b.String()
}

// reportPerTask reports the wall of one run and its cost per task, the
// figures to set side by side across engines.
func reportPerTask(b *testing.B, n int) {
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1e9, "s/run")
	b.ReportMetric(per/float64(n), "ns/task")
}

// benchEmbedded runs the spec of h on the embedded engine.
func benchEmbedded(b *testing.B, h *harness, n int) {
	spec, _, err := h.acts.Loader.ParseContext(context.Background(), "bench.yaml", h.source, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	spec.Dir = h.dir
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
	reportPerTask(b, n)
}

// benchServer runs the spec of h on a Temporal server with workers
// in-process workers, each running at most maxTasks activities at once (0:
// the SDK's default). The server is HOTPASS_TEMPORAL_ADDRESS's, or a dev
// server started for the benchmark, which is skipped without the binary.
func benchServer(b *testing.B, h *harness, n, workers, maxTasks int) {
	addr := os.Getenv(hptemporal.EnvAddress)
	if addr == "" {
		addr = temporaltest.Start(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := hptemporal.Conn{Address: addr}.Dial(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	queue := "hotpass-bench-" + strings.ReplaceAll(b.Name(), "/", "-") + "-" + time.Now().Format("150405.000")
	h.acts.Client, h.acts.TaskQueue = c, queue
	for range workers {
		go func() { _ = hptemporal.Serve(ctx, c, queue, maxTasks, h.acts) }()
	}
	temporaltest.WaitPollers(b, c, queue, 1)
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
	reportPerTask(b, n)
}

// BenchmarkNoopDAG compares the per-task cost of a 1,000-task noop DAG at
// concurrency 8 on the embedded engine, on RunWorkflow in the SDK's test
// environment (scheduling logic and activities, no server) and on a
// Temporal server with two in-process workers. The difference in ns/task
// between the server and the embedded engine is Temporal's overhead per
// task.
func BenchmarkNoopDAG(b *testing.B) {
	const n = 1000
	src := dagSpec(n, 8, "{type: noop}")
	b.Run("embedded", func(b *testing.B) {
		benchEmbedded(b, newHarness(b, src), n)
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
		reportPerTask(b, n)
	})
	b.Run("server-2-workers", func(b *testing.B) {
		benchServer(b, newHarness(b, src), n, 2, 0)
	})
}

// BenchmarkExecTrue runs 200 exec tasks of `true` at concurrency 8: what a
// task that starts a process costs on each engine.
func BenchmarkExecTrue(b *testing.B) {
	const n = 200
	src := dagSpec(n, 8, `{type: exec, with: {command: "true"}}`)
	b.Run("embedded", func(b *testing.B) {
		benchEmbedded(b, newHarness(b, src), n)
	})
	b.Run("server-2-workers", func(b *testing.B) {
		benchServer(b, newHarness(b, src), n, 2, 0)
	})
}

// BenchmarkWorkerScaling runs 200 one-second tasks on 1, 2 and 4 workers
// of 8 task slots each, with the run's own limit out of the way: the wall
// should halve as the workers double. One run takes 25 s on one worker;
// use -benchtime 1x.
func BenchmarkWorkerScaling(b *testing.B) {
	const n, slots = 200, 8
	src := dagSpec(n, n, `{type: exec, with: {command: "sleep 1"}}`)
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers-%d", workers), func(b *testing.B) {
			benchServer(b, newHarness(b, src), n, workers, slots)
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}
