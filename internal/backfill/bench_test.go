package backfill

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/tasks"
)

// benchPipeline reads the three aviation workbooks and writes the largest
// sheet as Parquet next to the restored inputs.
var benchPipeline = fmt.Sprintf(`version: 1
name: replay-aviation
params:
  input_dir: {type: string}
  output_path: {type: string}
tasks:
  reachout:
    type: read
    with: {path: "{{ params.input_dir }}/%s", sheet: %q}
  contacts:
    type: read
    with: {path: "{{ params.input_dir }}/%s", sheet: %q}
  sacaa:
    type: read
    with: {path: "{{ params.input_dir }}/%s", sheet: %q}
  publish:
    type: write
    with: {input: contacts, path: "{{ params.input_dir }}.parquet"}
`, synth.ReachoutFile, synth.SheetOrganisation, synth.ContactFile, synth.SheetCompanyContacts, synth.SACAAFile, synth.SheetCleaned)

// benchArchives is how many dates the replay benchmark covers.
const benchArchives = 60

// benchOrgs gives about 2,000 rows over the three sheets read.
const benchOrgs = 1000

// benchSet is a directory of archives for consecutive dates from
// 2024-01-01 (version 1), and the pipeline that replays them.
type benchSet struct {
	dir, archives, spec string
	pattern             Pattern
	start               time.Time
	days                int
	loader              *engine.Loader
}

// newBenchSet archives, for each of days dates, the directory input
// fills for it, and writes pipeline; it returns the archives' total size
// too.
func newBenchSet(b *testing.B, pipeline string, days int, input func(in string, i int) error) (*benchSet, int64) {
	b.Helper()
	dir := b.TempDir()
	s := &benchSet{dir: dir, archives: filepath.Join(dir, "archives"), spec: filepath.Join(dir, "pipeline.yaml"),
		start: day("2024-01-01"), days: days}
	s.pattern, _ = ParsePattern(DefaultArchivePattern)
	var bytes int64
	for i := range days {
		in := filepath.Join(dir, "in", fmt.Sprint(i))
		if err := input(in, i); err != nil {
			b.Fatal(err)
		}
		name, _ := s.pattern.Render(s.start.AddDate(0, 0, i), "1")
		c, err := archive.Create(in, filepath.Join(s.archives, name))
		if err != nil {
			b.Fatal(err)
		}
		bytes += c.Bytes
	}
	if err := os.WriteFile(s.spec, []byte(pipeline), 0o644); err != nil {
		b.Fatal(err)
	}
	var err error
	if s.loader, err = engine.NewLoader(tasks.Default()); err != nil {
		b.Fatal(err)
	}
	return s, bytes
}

// run backfills every date into a new root named after the op and returns
// the summary and the jobs.
func (s *benchSet) run(b *testing.B, op string, limit int, failFast bool) (*Summary, []Job) {
	b.Helper()
	root := filepath.Join(s.dir, op)
	cfg := &Config{
		File: "bench", ArchiveRoot: s.archives, RestoreRoot: filepath.Join(root, "restore"),
		ArchivePattern: s.pattern, ConcurrencyLimit: limit, ConcurrencyKey: DefaultConcurrencyKey,
		Pipeline: PipelineRef{Spec: s.spec}, OnMissing: MissingFail, FailFast: failFast,
		Windows: []Window{{Start: s.start, End: s.start.AddDate(0, 0, s.days-1), Versions: []string{"1"}}},
	}
	jobs, err := cfg.Jobs(Selection{})
	if err != nil {
		b.Fatal(err)
	}
	sum, err := Run(context.Background(), cfg, jobs, Options{Pipeline: runnerPipeline(b, s.loader, filepath.Join(root, "state"))})
	if err != nil {
		b.Fatal(err)
	}
	return sum, jobs
}

// BenchmarkReplay replays 60 synthetic archives (three aviation workbooks
// each) with the engine, sequentially and with a concurrency limit of 4.
// One op is the whole backfill; each op starts from an empty restore root.
func BenchmarkReplay(b *testing.B) {
	set, bytes := newBenchSet(b, benchPipeline, benchArchives, func(in string, i int) error {
		_, err := synth.WriteAviationWorkbooks(in, int64(i+1), benchOrgs)
		return err
	})
	for _, limit := range []int{0, 4} {
		b.Run(fmt.Sprintf("concurrency_limit=%d", limit), func(b *testing.B) {
			var rows int64
			n := 0
			for b.Loop() {
				n++
				op := fmt.Sprintf("run-%d-%d", limit, n)
				t0 := time.Now()
				sum, jobs := set.run(b, op, limit, false)
				if sum.Succeeded != benchArchives {
					b.Fatalf("%d of %d runs succeeded: %+v", sum.Succeeded, benchArchives, sum.Runs[0])
				}
				b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
				rec, err := engine.ReadRunRecord(filepath.Join(set.dir, op, "state", "runs", jobs[0].RunID, engine.RunRecordFile))
				if err != nil {
					b.Fatal(err)
				}
				rows = 0
				for _, t := range rec.Tasks {
					if t.Type == "read" {
						rows += t.RowsOut
					}
				}
			}
			b.ReportMetric(float64(rows), "rows/archive")
			b.ReportMetric(float64(bytes)/benchArchives/1e6, "input-MB/archive")
		})
	}
}

// failFastDates is how many dates BenchmarkFailFast replays; the fifth one
// fails.
const failFastDates = 100

// BenchmarkFailFast replays 100 small archives whose fifth fails, with
// and without fail_fast: runs/op is how many pipelines ran, and the time
// is what a backfill costs before it reports the failure.
func BenchmarkFailFast(b *testing.B) {
	set, _ := newBenchSet(b, pipelineSpec, failFastDates, func(in string, i int) error {
		name := "orgs.csv"
		if i == 4 {
			name = "other.csv" // the pipeline reads orgs.csv
		}
		if err := os.MkdirAll(in, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(in, name), []byte(orgs), 0o644)
	})
	for _, failFast := range []bool{false, true} {
		b.Run(fmt.Sprintf("fail_fast=%v", failFast), func(b *testing.B) {
			n, ran := 0, 0
			for b.Loop() {
				n++
				sum, _ := set.run(b, fmt.Sprintf("run-%v-%d", failFast, n), 0, failFast)
				if sum.Failed != 1 || (failFast && sum.NotStarted != failFastDates-5) {
					b.Fatalf("%d failed, %d not started", sum.Failed, sum.NotStarted)
				}
				ran = sum.Succeeded + sum.Failed
			}
			b.ReportMetric(float64(ran), "runs/op")
		})
	}
}
