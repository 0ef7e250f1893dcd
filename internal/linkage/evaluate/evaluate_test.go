package evaluate

import (
	"math"
	"testing"
)

func TestPairsAndClusters(t *testing.T) {
	t.Parallel()
	// Entities: {0,1,2} {3,4} {5}.
	truth := Truth{Entity: []string{"a", "a", "a", "b", "b", "c"}}
	s, err := Pairs([][2]int32{{0, 1}, {1, 2}, {3, 5}}, truth)
	if err != nil {
		t.Fatal(err)
	}
	if s.TruePositives != 2 || s.FalsePositives != 1 || s.FalseNegatives != 2 {
		t.Errorf("pairs: %v, want TP 2 FP 1 FN 2", s)
	}
	if math.Abs(s.Precision-2.0/3) > 1e-12 || math.Abs(s.Recall-0.5) > 1e-12 || math.Abs(s.F1-4.0/7) > 1e-12 {
		t.Errorf("pairs measures: %v", s)
	}
	// Clusters {0,1,2} {3,4,5}: TP 3+1, FP 2 (3-5, 4-5), FN 0.
	c, err := Clusters([]int32{0, 0, 0, 1, 1, 1}, truth)
	if err != nil {
		t.Fatal(err)
	}
	if c.TruePositives != 4 || c.FalsePositives != 2 || c.FalseNegatives != 0 {
		t.Errorf("clusters: %v, want TP 4 FP 2 FN 0", c)
	}
}

func TestCrossOnly(t *testing.T) {
	t.Parallel()
	// Entity a has two records in source 0 and one in source 1: two cross
	// pairs; the within-source pair is not a candidate.
	truth := Truth{Entity: []string{"a", "a", "a", "b"}, Source: []uint16{0, 0, 1, 1}, CrossOnly: true}
	s, err := Pairs([][2]int32{{0, 2}, {0, 1}}, truth)
	if err != nil {
		t.Fatal(err)
	}
	if s.TruePositives != 1 || s.FalsePositives != 0 || s.FalseNegatives != 1 {
		t.Errorf("pairs: %v, want TP 1 FP 0 FN 1", s)
	}
	c, err := Clusters([]int32{0, 0, 0, 0}, truth)
	if err != nil {
		t.Fatal(err)
	}
	// One cluster: cross pairs 0-2, 1-2, 0-3, 1-3 of which 2 are true.
	if c.TruePositives != 2 || c.FalsePositives != 2 || c.FalseNegatives != 0 {
		t.Errorf("clusters: %v, want TP 2 FP 2 FN 0", c)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	truth := Truth{Entity: []string{"a", "b"}}
	if _, err := Pairs([][2]int32{{0, 2}}, truth); err == nil {
		t.Error("a pair outside the records was accepted")
	}
	if _, err := Pairs([][2]int32{{1, 1}}, truth); err == nil {
		t.Error("a record paired with itself was accepted")
	}
	if _, err := Clusters([]int32{0}, truth); err == nil {
		t.Error("labels of the wrong length were accepted")
	}
}
