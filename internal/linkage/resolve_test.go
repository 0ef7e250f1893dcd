package linkage

import (
	"context"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/evaluate"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Unresolved `blocking_rules: auto` is refused before any pair is made.
func TestUnresolvedAutoBlocking(t *testing.T) {
	t.Parallel()
	s := simpleSettings()
	s.BlockingRules = settings.RuleList{settings.AutoBlocking}
	l := mustLinker(t, s, records.Input{Name: "people", Table: peopleTable(t, people...)})
	_, err := l.Predict(context.Background(), PredictOptions{})
	if err == nil || !strings.Contains(err.Error(), "blocking_rules: auto has not been resolved") {
		t.Errorf("error %v, want one saying auto is unresolved", err)
	}
	if err := l.SetBlockingRules([]string{"city"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Predict(context.Background(), PredictOptions{}); err != nil {
		t.Errorf("after SetBlockingRules: %v", err)
	}
	if err := l.SetBlockingRules([]string{"town"}); err == nil || !strings.Contains(err.Error(), `"town"`) {
		t.Errorf("a rule on a missing column: error %v", err)
	}
}

// Linker.Cluster measures every cluster and, with cluster_split, splits
// the sparse ones at the higher threshold.
func TestClusterSplitThroughLinker(t *testing.T) {
	if raceEnabled {
		t.Skip("a full training run; run go test without -race")
	}
	t.Parallel()
	tb := readCSV(t, testdata+"fake_1000/fake_1000.csv", ',', false)
	s := loadSettings(t, examples+"fake_1000.yaml")
	l := mustLinker(t, s, records.Input{Name: "fake_1000", Table: tb})
	_, pred := trainPredict(t, l)
	plain, err := l.Cluster(pred, clusterNone)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Quality) != plain.NumClusters || plain.Split != 0 {
		t.Fatalf("%d qualities for %d clusters, %d split", len(plain.Quality), plain.NumClusters, plain.Split)
	}
	sparse := 0
	for _, q := range plain.Quality {
		if q.Size >= 3 && q.Density < 0.5 {
			sparse++
		}
	}
	s.ClusterSplit = &settings.ClusterSplit{Threshold: 0.99, MaxDensity: 0.5}
	ls := mustLinker(t, s, records.Input{Name: "fake_1000", Table: tb})
	_, pred = trainPredict(t, ls)
	split, err := ls.Cluster(pred, clusterNone)
	if err != nil {
		t.Fatal(err)
	}
	truth := evaluate.Truth{Entity: columnStrings(t, tb, "cluster")}
	before, err := evaluate.Clusters(plain.Labels, truth)
	if err != nil {
		t.Fatal(err)
	}
	after, err := evaluate.Clusters(split.Labels, truth)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d clusters, %d sparse (%v); split at 0.99: %d split, %d clusters (%v)", plain.NumClusters, sparse, before, split.Split, split.NumClusters, after)
	if sparse == 0 || split.Split == 0 || split.Split > sparse || split.NumClusters <= plain.NumClusters || len(split.Quality) != split.NumClusters {
		t.Errorf("%d sparse clusters; split %d into %d clusters (from %d)", sparse, split.Split, split.NumClusters, plain.NumClusters)
	}
}
