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

// BenchmarkReplay replays 60 synthetic archives (three aviation workbooks
// each) with the engine, sequentially and with a concurrency limit of 4.
// One op is the whole backfill; each op starts from an empty restore root.
func BenchmarkReplay(b *testing.B) {
	dir := b.TempDir()
	archives := filepath.Join(dir, "archives")
	pattern, _ := ParsePattern(DefaultArchivePattern)
	start := day("2024-01-01")
	var bytes int64
	for i := range benchArchives {
		in := filepath.Join(dir, "in", fmt.Sprint(i))
		if _, err := synth.WriteAviationWorkbooks(in, int64(i+1), benchOrgs); err != nil {
			b.Fatal(err)
		}
		name, _ := pattern.Render(start.AddDate(0, 0, i), "1")
		c, err := archive.Create(in, filepath.Join(archives, name))
		if err != nil {
			b.Fatal(err)
		}
		bytes += c.Bytes
	}
	spec := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(spec, []byte(benchPipeline), 0o644); err != nil {
		b.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, limit := range []int{0, 4} {
		b.Run(fmt.Sprintf("concurrency_limit=%d", limit), func(b *testing.B) {
			var rows int64
			n := 0
			for b.Loop() {
				n++
				root := filepath.Join(dir, fmt.Sprintf("run-%d-%d", limit, n))
				cfg := &Config{
					File: "bench", ArchiveRoot: archives, RestoreRoot: filepath.Join(root, "restore"),
					ArchivePattern: pattern, ConcurrencyLimit: limit, ConcurrencyKey: DefaultConcurrencyKey,
					Pipeline: PipelineRef{Spec: spec}, OnMissing: MissingFail,
					Windows: []Window{{Start: start, End: start.AddDate(0, 0, benchArchives-1), Versions: []string{"1"}}},
				}
				jobs, err := cfg.Jobs(Selection{})
				if err != nil {
					b.Fatal(err)
				}
				t0 := time.Now()
				sum, err := Run(context.Background(), cfg, jobs, Options{
					Pipeline: runnerPipeline(b, l, filepath.Join(root, "state")),
				})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Succeeded != benchArchives {
					b.Fatalf("%d of %d runs succeeded: %+v", sum.Succeeded, benchArchives, sum.Runs[0])
				}
				b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
				rec, err := engine.ReadRunRecord(filepath.Join(root, "state", "runs", jobs[0].RunID, engine.RunRecordFile))
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
	dir := b.TempDir()
	archives := filepath.Join(dir, "archives")
	pattern, _ := ParsePattern(DefaultArchivePattern)
	start := day("2024-01-01")
	for name, body := range map[string]string{"good/orgs.csv": orgs, "bad/other.csv": orgs} {
		p := filepath.Join(dir, "in", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for i := range failFastDates {
		in := filepath.Join(dir, "in", "good")
		if i == 4 {
			in = filepath.Join(dir, "in", "bad")
		}
		name, _ := pattern.Render(start.AddDate(0, 0, i), "1")
		if _, err := archive.Create(in, filepath.Join(archives, name)); err != nil {
			b.Fatal(err)
		}
	}
	spec := filepath.Join(dir, "pipeline.yaml")
	if err := os.WriteFile(spec, []byte(pipelineSpec), 0o644); err != nil {
		b.Fatal(err)
	}
	l, err := engine.NewLoader(tasks.Default())
	if err != nil {
		b.Fatal(err)
	}
	for _, failFast := range []bool{false, true} {
		b.Run(fmt.Sprintf("fail_fast=%v", failFast), func(b *testing.B) {
			n, ran := 0, 0
			for b.Loop() {
				n++
				root := filepath.Join(dir, fmt.Sprintf("run-%v-%d", failFast, n))
				cfg := &Config{
					File: "bench", ArchiveRoot: archives, RestoreRoot: filepath.Join(root, "restore"),
					ArchivePattern: pattern, ConcurrencyLimit: 0, ConcurrencyKey: DefaultConcurrencyKey,
					Pipeline: PipelineRef{Spec: spec}, OnMissing: MissingFail, FailFast: failFast,
					Windows: []Window{{Start: start, End: start.AddDate(0, 0, failFastDates-1), Versions: []string{"1"}}},
				}
				jobs, err := cfg.Jobs(Selection{})
				if err != nil {
					b.Fatal(err)
				}
				sum, err := Run(context.Background(), cfg, jobs, Options{Pipeline: runnerPipeline(b, l, filepath.Join(root, "state"))})
				if err != nil {
					b.Fatal(err)
				}
				if sum.Failed != 1 || (failFast && sum.NotStarted != failFastDates-5) {
					b.Fatalf("%d failed, %d not started", sum.Failed, sum.NotStarted)
				}
				ran = sum.Succeeded + sum.Failed
			}
			b.ReportMetric(float64(ran), "runs/op")
		})
	}
}
