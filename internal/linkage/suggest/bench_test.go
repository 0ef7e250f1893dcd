package suggest

import (
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/linkage"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// persons1MEnv names a 1M-row persons CSV from gen_persons.py; without it
// the benchmark generates one (about 15 s).
const persons1MEnv = "HOTPASS_LINKAGE_PERSONS_1M"

// BenchmarkSuggestBlocking1M chooses blocking rules for one million
// generated persons with only the comparisons of examples/linkage/persons.yaml
// written. The target is under 20 s on two cores and under 1.5 GB; the
// reported go-sys-MB is the memory the Go runtime obtained from the system (run the test
// binary under /usr/bin/time -v for the resident set).
func BenchmarkSuggestBlocking1M(b *testing.B) {
	var d dataset
	if path := os.Getenv(persons1MEnv); path != "" {
		d = personsCSV(b, path)
	} else {
		d = persons(b, 1_000_000)
	}
	s := loadSettings(b, "persons.yaml")
	s.BlockingRules = settings.RuleList{settings.AutoBlocking}
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := cputime.Process()
	var res *Result
	for b.Loop() {
		l, err := linkage.New(s, d.inputs, linkage.Options{Logger: quiet})
		if err != nil {
			b.Fatal(err)
		}
		if res, err = Suggest(ctx, l, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// On a shared machine wall time says little; CPU time per run does.
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	for _, c := range res.Rules {
		b.Logf("%-50s %12d  +%.4f  %.4f  %d", c.Rule, c.Comparisons, c.RecallAdded, c.Recall, c.CumulativeComparisons)
	}
	b.Logf("candidates %d, anchors %d, broad pairs %d, likely matches %d, λ %.3g; warnings %v", res.Candidates, res.Anchors, res.BroadPairs, res.LikelyMatches, res.BroadLambda, res.Warnings)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Sys)/(1<<20), "go-sys-MB")
	b.ReportMetric(float64(len(res.Rules)), "rules")
	b.ReportMetric(res.EstimatedRecall, "est-recall")
	b.ReportMetric(float64(res.Comparisons), "comparisons")
}
