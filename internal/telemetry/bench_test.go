package telemetry_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/specgen"
	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
	"github.com/hotpass/hotpass/tasks/noop"
)

// bigRun returns the events of an n-task run as the scheduler emits them
// with four tasks in flight: every 100th task fails once and is retried,
// every task reports rows.
func bigRun(n int) []engine.Event {
	const run, conc = "bench-run", 4
	var out []engine.Event
	clock := t0
	tick := func() time.Time { clock = clock.Add(50 * time.Microsecond); return clock }
	out = append(out, engine.Event{Kind: engine.EventRunStarted, Time: tick(), RunID: run, Status: engine.StatusRunning, Total: n})
	types := []string{"read", "refine", "validate", "write"}
	started := make([]time.Time, n)
	start := func(i, attempt int) {
		started[i] = tick()
		out = append(out, engine.Event{Kind: engine.EventTaskStarted, Time: started[i], RunID: run, TaskID: specgen.ID(i, n),
			TaskType: types[i%len(types)], Attempt: attempt, Status: engine.StatusRunning})
	}
	finish := func(i int) {
		id, typ := specgen.ID(i, n), types[i%len(types)]
		attempt := 1
		if i%100 == 0 {
			out = append(out, engine.Event{Kind: engine.EventTaskRetrying, Time: tick(), RunID: run, TaskID: id, TaskType: typ,
				Attempt: 1, Status: engine.StatusRunning, Error: "transient", Delay: time.Millisecond})
			start(i, 2)
			attempt = 2
		}
		end := tick()
		out = append(out, engine.Event{Kind: engine.EventTaskFinished, Time: end, RunID: run, TaskID: id, TaskType: typ, Attempt: attempt,
			Status: engine.StatusSucceeded, Duration: end.Sub(started[i]), RowsIn: int64(i), RowsOut: int64(i + 1)})
	}
	for i := range n {
		start(i, 1)
		if i >= conc-1 {
			finish(i - conc + 1)
		}
	}
	for i := n - conc + 1; i < n; i++ {
		finish(i)
	}
	end := tick()
	out = append(out, engine.Event{Kind: engine.EventRunFinished, Time: end, RunID: run, Status: engine.StatusSucceeded,
		Duration: end.Sub(t0), Total: n})
	return out
}

// benchTargets are the telemetry set-ups compared: no-op, OTLP to an
// in-process receiver over HTTP and gRPC, and OTLP/HTTP to a receiver that
// does not decode (the exporter's cost alone, as with a remote collector).
func benchTargets() []struct {
	name string
	recv func(testing.TB, ...otlptest.Option) *otlptest.Receiver
} {
	return []struct {
		name string
		recv func(testing.TB, ...otlptest.Option) *otlptest.Receiver
	}{
		{"noop", nil},
		{"otlp-http", otlptest.NewHTTP},
		{"otlp-grpc", otlptest.NewGRPC},
		{"otlp-http-discard", func(tb testing.TB, _ ...otlptest.Option) *otlptest.Receiver {
			return otlptest.NewHTTP(tb, otlptest.Discard())
		}},
	}
}

func benchTelemetry(b *testing.B, newRecv func(testing.TB, ...otlptest.Option) *otlptest.Receiver) (*telemetry.Telemetry, *otlptest.Receiver) {
	if newRecv == nil {
		return telemetry.Noop(), nil
	}
	recv := newRecv(b)
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: getenv(recv.Env()), Stderr: os.Stderr})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return tel, recv
}

// BenchmarkRunObserver feeds a RunObserver the events of a 10,000-task run.
// observe-ns/task is the time Observe takes on the scheduler's goroutine
// (what slows the engine); ns/task and cpu-ns/task also include flushing
// every span and metric to the receiver, which in a real run happens on
// the exporters' goroutines.
func BenchmarkRunObserver(b *testing.B) {
	const n = 10000
	events := bigRun(n)
	for _, tc := range benchTargets() {
		b.Run(tc.name, func(b *testing.B) {
			tel, recv := benchTelemetry(b, tc.recv)
			b.ReportAllocs()
			var observe time.Duration
			cpu := cputime.Process()
			for b.Loop() {
				obs := telemetry.NewRunObserver(tel, "bench")
				start := time.Now()
				feed(obs, events)
				observe += time.Since(start)
				if err := tel.Flush(context.Background()); err != nil {
					b.Fatal(err)
				}
				if recv != nil && tc.name != "otlp-http-discard" {
					// 10,000 tasks, 100 retried attempts, one run span.
					if got := recv.SpanCount(); got != n+n/100+1 {
						b.Fatalf("receiver got %d spans, want %d: spans were dropped", got, n+n/100+1)
					}
					recv.Reset()
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
			b.ReportMetric(float64((cputime.Process()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/task")
			b.ReportMetric(float64(observe.Nanoseconds())/float64(b.N*n), "observe-ns/task")
		})
	}
}

// BenchmarkEngineRunObserved runs the engine's 10,000-task random noop DAG
// with no observer and with a RunObserver, so the observer's share of the
// engine's per-task cost is measured directly. Run it with -benchtime=3x:
// one iteration takes about a second.
func BenchmarkEngineRunObserved(b *testing.B) {
	const n = 10000
	path := filepath.Join(b.TempDir(), "spec.yaml")
	if err := os.WriteFile(path, specgen.RandomDAG(n, 3, 1, "noop"), 0o644); err != nil {
		b.Fatal(err)
	}
	reg, err := engine.NewRegistry(noop.Type{})
	if err != nil {
		b.Fatal(err)
	}
	l, err := engine.NewLoader(reg)
	if err != nil {
		b.Fatal(err)
	}
	spec, _, err := l.Load(path, false, nil)
	if err != nil {
		b.Fatal(err)
	}
	prep, err := l.Prepare(spec, engine.PrepareOptions{})
	if err != nil {
		b.Fatal(err)
	}
	targets := append([]struct {
		name string
		recv func(testing.TB, ...otlptest.Option) *otlptest.Receiver
	}{{"none", nil}}, benchTargets()...)
	for _, tc := range targets {
		b.Run(tc.name, func(b *testing.B) {
			tel, recv := benchTelemetry(b, tc.recv)
			var total, cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				dir := b.TempDir()
				var obs engine.Observer
				if tc.name != "none" {
					obs = telemetry.NewRunObserver(tel, "bench")
				}
				b.StartTimer()
				start, cpuStart := time.Now(), cputime.Process()
				rec, err := prep.Plan.Run(context.Background(), engine.RunOptions{StateDir: dir, Observer: obs})
				if err == nil {
					err = tel.Flush(context.Background())
				}
				total += time.Since(start)
				cpu += cputime.Process() - cpuStart
				if err != nil {
					b.Fatal(err)
				}
				if rec.Counts()[engine.StatusSucceeded] != n {
					b.Fatalf("counts %v", rec.Counts())
				}
				if recv != nil && tc.name != "otlp-http-discard" {
					if got := recv.SpanCount(); got != n+1 {
						b.Fatalf("receiver got %d spans, want %d", got, n+1)
					}
					recv.Reset()
				}
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N)/n, "ns/task")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/n, "cpu-ns/task")
		})
	}
}
