package compliance_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hotpass/hotpass/engine"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/synth"

	_ "github.com/hotpass/hotpass/tasks/write"
)

// BenchmarkMaskingOverhead runs what `hotpass orchestrate` does at its
// core — refine the three aviation workbooks and write the SSOT workbook —
// with and without the aviation profile's compliance task between the two,
// and reports the time the compliance task adds (scan, policy, operators,
// report, audit) as a share of the run without it. COMPLIANCE_BENCH_ORGS
// sets the number of organisations (default 5,000; the target is measured
// at 100,000).
func BenchmarkMaskingOverhead(b *testing.B) {
	orgs := 5000
	if s := os.Getenv("COMPLIANCE_BENCH_ORGS"); s != "" {
		orgs, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	data := filepath.Join(dir, "data")
	if _, err := synth.WriteAviationWorkbooks(data, 1, orgs); err != nil {
		b.Fatal(err)
	}
	const plain = `version: 1
name: bench-plain
tasks:
  refine: {type: refine, with: {profile: aviation, input_dir: data}}
  save: {type: write, needs: [refine], with: {input: refine, path: out/plain.xlsx}}
`
	const masked = `version: 1
name: bench-masked
tasks:
  refine: {type: refine, with: {profile: aviation, input_dir: data}}
  comply: {type: compliance, needs: [refine], with: {input: refine, profile: aviation, report: out/compliance, audit: out/audit.jsonl}}
  save: {type: write, needs: [comply], with: {input: comply, path: out/masked.xlsx}}
`
	var tTask, cPlain, cMasked time.Duration
	run := func(src string, cpu *time.Duration) time.Duration {
		sub := b.TempDir()
		if err := os.Symlink(data, filepath.Join(sub, "data")); err != nil {
			b.Fatal(err)
		}
		p, err := loadB(b, sub, src)
		if err != nil {
			b.Fatal(err)
		}
		start, c0 := time.Now(), cputime.Process()
		rec, err := p.Run(context.Background(), engine.RunOptions{StateDir: b.TempDir()})
		if err != nil || rec.Status != engine.StatusSucceeded {
			b.Fatalf("run: %v %+v", err, rec)
		}
		took := time.Since(start)
		*cpu += cputime.Process() - c0
		for _, t := range rec.Tasks {
			if t.ID == "comply" {
				tTask += t.Duration
			}
		}
		return took
	}
	var tPlain, tMasked time.Duration
	for b.Loop() {
		tPlain += run(plain, &cPlain)
		tMasked += run(masked, &cMasked)
	}
	b.ReportMetric(float64(orgs), "orgs")
	b.ReportMetric(tPlain.Seconds()/float64(b.N), "plain-s/op")
	b.ReportMetric(tMasked.Seconds()/float64(b.N), "masked-s/op")
	b.ReportMetric(100*(tMasked.Seconds()-tPlain.Seconds())/tPlain.Seconds(), "overhead-%")
	// The task's own time over the plain run: the overhead without the
	// noise of two separate runs on a shared machine.
	b.ReportMetric(100*tTask.Seconds()/tPlain.Seconds(), "task-%")
	b.ReportMetric(100*(cMasked.Seconds()-cPlain.Seconds())/cPlain.Seconds(), "cpu-overhead-%")
}
