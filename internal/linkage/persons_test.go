package linkage

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/benchdata"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/linkage/cluster"
	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/table"
)

// personsEnv names a persons CSV (from gen_persons.py) for TestPersons, the
// end-to-end performance run:
//
//	python3 shared/linkage-benchmarks/gen_persons.py --rows 1000000 --out /tmp/persons_1m.csv
//	go test -c -o /tmp/linkage.test ./internal/linkage
//	HOTPASS_LINKAGE_PERSONS=/tmp/persons_1m.csv /usr/bin/time -v /tmp/linkage.test -test.run TestPersons -test.v
const personsEnv = "HOTPASS_LINKAGE_PERSONS"

// TestPersons trains, predicts and clusters a generated persons file and
// reports wall times, throughput and pairwise accuracy. It runs only when
// HOTPASS_LINKAGE_PERSONS is set.
func TestPersons(t *testing.T) {
	path := os.Getenv(personsEnv)
	if path == "" {
		t.Skip("set " + personsEnv + " to a CSV from gen_persons.py to run the end-to-end performance test")
	}
	start := time.Now()
	tb := readCSV(t, path, ',', false)
	load := time.Since(start)
	s := loadSettings(t, examples+"persons.yaml")
	ctx := context.Background()

	t0 := time.Now()
	l := mustLinker(t, s, records.Input{Name: "persons", Table: tb})
	prep := time.Since(t0)
	st, err := l.BlockingStats(s.BlockingRules)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("blocking stats: %v", st)
	t1, c1 := time.Now(), cputime.Process()
	res, err := l.Train(ctx)
	if err != nil {
		t.Fatal(err)
	}
	train, trainCPU := time.Since(t1), cputime.Process()-c1
	for _, w := range res.Warnings {
		t.Logf("training warning: %s", w)
	}
	for _, r := range res.Rules {
		t.Logf("EM %q: %d pairs, %d iterations, converged %v", r.Rule, r.Pairs, r.Iterations, r.Converged)
	}
	t2, c2 := time.Now(), cputime.Process()
	pred, err := l.Predict(ctx, PredictOptions{})
	if err != nil {
		t.Fatal(err)
	}
	predict, predictCPU := time.Since(t2), cputime.Process()-c2
	t3 := time.Now()
	cl, err := l.Cluster(pred, cluster.Constraints{})
	if err != nil {
		t.Fatal(err)
	}
	clus := time.Since(t3)
	total := time.Since(t0)

	truth := evaluate.Truth{Entity: columnStrings(t, tb, "cluster")}
	pairs, err := evaluate.Pairs(pred.MatchPairs(), truth)
	if err != nil {
		t.Fatal(err)
	}
	clusters, err := evaluate.Clusters(cl.Labels, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records, GOMAXPROCS %d: load %v; prepare %v, train %v, predict %v (%d comparisons, %.2fM/s), cluster %v; prepare+train+predict+cluster %v",
		tb.NumRows(), runtime.GOMAXPROCS(0), load.Round(time.Millisecond), prep.Round(time.Millisecond), train.Round(time.Millisecond),
		predict.Round(time.Millisecond), pred.Compared, float64(pred.Compared)/predict.Seconds()/1e6, clus.Round(time.Millisecond), total.Round(time.Millisecond))
	t.Logf("CPU time: train %v, predict %v (%.2fM comparisons per CPU-second)", trainCPU.Round(time.Millisecond), predictCPU.Round(time.Millisecond),
		float64(pred.Compared)/predictCPU.Seconds()/1e6)
	t.Logf("λ %.3g; %d matches, %d reviews; pairwise %v; clusters %v", res.Lambda, pred.Matches, pred.Reviews, pairs, clusters)
	if pairs.F1 < 0.93 {
		t.Errorf("pairwise F1 %.4f, want at least 0.93", pairs.F1)
	}
}

var (
	persons100kOnce sync.Once
	persons100k     *table.Table
	persons100kErr  string
)

// loadPersons100k generates 100,000 persons with gen_persons.py once per
// test binary, or reports why it cannot.
func loadPersons100k(b *testing.B) *table.Table {
	persons100kOnce.Do(func() {
		dir := benchdata.SharedDir()
		py, err := exec.LookPath("python3")
		if dir == "" || err != nil {
			persons100kErr = "python3 and shared/linkage-benchmarks/gen_persons.py are needed to generate the benchmark data"
			return
		}
		out := filepath.Join(b.TempDir(), "persons_100k.csv")
		cmd := exec.Command(py, filepath.Join(dir, "gen_persons.py"), "--rows", "100000", "--out", out)
		if msg, err := cmd.CombinedOutput(); err != nil {
			persons100kErr = "gen_persons.py: " + err.Error() + ": " + string(msg)
			return
		}
		persons100k = readCSV(b, out, ',', false)
	})
	if persons100k == nil {
		b.Skip(persons100kErr)
	}
	return persons100k
}

// BenchmarkPredict100k scores the blocked pairs of 100,000 generated persons
// with trained parameters; comparisons/s is reported per run.
func BenchmarkPredict100k(b *testing.B) {
	tb := loadPersons100k(b)
	l := mustLinker(b, loadSettings(b, examples+"persons.yaml"), records.Input{Name: "persons", Table: tb})
	ctx := context.Background()
	if _, err := l.Train(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	benchPredict(b, l)
}

// benchPredict predicts in a benchmark loop and reports comparisons/s.
func benchPredict(b *testing.B, l *Linker) { benchPredictWith(b, l.Predict) }

// benchPredictWith runs predict (the model's or the rules') in a benchmark
// loop and reports comparisons/s.
func benchPredictWith(b *testing.B, predict func(context.Context, PredictOptions) (*Prediction, error)) {
	ctx := context.Background()
	var compared int64
	for b.Loop() {
		pred, err := predict(ctx, PredictOptions{})
		if err != nil {
			b.Fatal(err)
		}
		compared += pred.Compared
	}
	b.ReportMetric(float64(compared)/b.Elapsed().Seconds(), "comparisons/s")
}

// BenchmarkTrain100k measures u sampling and EM on 100,000 persons.
func BenchmarkTrain100k(b *testing.B) {
	tb := loadPersons100k(b)
	s := loadSettings(b, examples+"persons.yaml")
	l := mustLinker(b, s, records.Input{Name: "persons", Table: tb})
	ctx := context.Background()
	for b.Loop() {
		if err := l.SetParams(l.Params()); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Train(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
