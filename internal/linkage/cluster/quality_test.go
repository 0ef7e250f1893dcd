package cluster

import (
	"reflect"
	"testing"
)

func TestQualityAndSplit(t *testing.T) {
	t.Parallel()
	// Records 0-3 form a chain held by one weak edge (density 3/6); 4-6 a
	// triangle of strong edges; 7 is alone.
	chain := []Edge{{A: 0, B: 1, Probability: 0.99}, {A: 1, B: 2, Probability: 0.92}, {A: 2, B: 3, Probability: 0.995}}
	triangle := []Edge{{A: 4, B: 5, Probability: 0.97}, {A: 5, B: 6, Probability: 0.96}, {A: 4, B: 6, Probability: 0.91}}
	edges := append(append([]Edge{}, chain...), triangle...)
	tests := []struct {
		name       string
		threshold  float64
		maxDensity float64
		mustLink   [][2]int32
		labels     []int32
		split      int
	}{
		{"the weak edge of the sparse chain goes", 0.95, 0.6, nil, []int32{0, 0, 1, 1, 2, 2, 2, 3}, 1},
		{"dense clusters keep weak edges", 0.95, 0.4, nil, []int32{0, 0, 0, 0, 1, 1, 1, 2}, 0},
		{"a must-link pair holds across a weak edge", 0.95, 0.6, [][2]int32{{1, 2}}, []int32{0, 0, 0, 0, 1, 1, 1, 2}, 0},
		{"a high threshold splits the chain apart", 0.999, 0.6, nil, []int32{0, 1, 2, 3, 4, 4, 4, 5}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Cluster(8, edges, 0.9, Constraints{MustLink: tc.mustLink})
			if err != nil {
				t.Fatal(err)
			}
			q := Qualities(res, edges, 0.9, nil)
			if got := q[res.Labels[0]]; got.Size != 4 || got.Edges != 3 || got.Possible != 6 || got.Density != 0.5 || got.Weakest != 0.92 {
				t.Errorf("chain quality %+v, want 4 records, 3 of 6 edges, density 0.5, weakest 0.92", got)
			}
			if got := q[res.Labels[4]]; got.Density != 1 || got.Weakest != 0.91 {
				t.Errorf("triangle quality %+v, want density 1, weakest 0.91", got)
			}
			if got := q[res.Labels[7]]; got.Size != 1 || got.Density != 1 || got.Weakest != 1 {
				t.Errorf("singleton quality %+v", got)
			}
			out, n := Split(res, edges, q, tc.threshold, tc.maxDensity, tc.mustLink)
			if n != tc.split || !reflect.DeepEqual(out.Labels, tc.labels) || out.NumClusters != int(tc.labels[7])+1 {
				t.Errorf("split %d clusters into %v (%d clusters), want %d into %v", n, out.Labels, out.NumClusters, tc.split, tc.labels)
			}
		})
	}
}

func TestQualityLinkOnly(t *testing.T) {
	t.Parallel()
	// Two records of source 0 and one of source 1: only two cross pairs
	// are possible, and both are edges.
	edges := []Edge{{A: 0, B: 2, Probability: 0.95}, {A: 1, B: 2, Probability: 0.93}}
	res, err := Cluster(3, edges, 0.9, Constraints{})
	if err != nil {
		t.Fatal(err)
	}
	q := Qualities(res, edges, 0.9, []uint16{0, 0, 1})
	if len(q) != 1 || q[0].Possible != 2 || q[0].Density != 1 || q[0].Weakest != 0.93 {
		t.Errorf("quality %+v, want 2 possible cross pairs, density 1, weakest 0.93", q)
	}
}
