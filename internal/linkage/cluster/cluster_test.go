package cluster

import (
	"slices"
	"strings"
	"testing"
)

func TestCluster(t *testing.T) {
	t.Parallel()
	edges := []Edge{
		{0, 1, 0.99}, {1, 2, 0.95}, {3, 4, 0.97}, {2, 3, 0.5}, {5, 6, 0.2},
	}
	for _, tc := range []struct {
		name      string
		threshold float64
		cons      Constraints
		want      [][]int32
		blocked   int
	}{
		{"components", 0.9, Constraints{}, [][]int32{{0, 1, 2}, {3, 4}, {5}, {6}}, 0},
		{"lower threshold joins", 0.4, Constraints{}, [][]int32{{0, 1, 2, 3, 4}, {5}, {6}}, 0},
		{"must link first", 0.9, Constraints{MustLink: [][2]int32{{5, 6}}}, [][]int32{{0, 1, 2}, {3, 4}, {5, 6}}, 0},
		// The weakest edge of the chain 0-1-2 is dropped, not the strongest.
		{"cannot link", 0.9, Constraints{CannotLink: [][2]int32{{0, 2}}}, [][]int32{{0, 1}, {2}, {3, 4}, {5}, {6}}, 1},
		{"cannot link across a weak edge", 0.4, Constraints{CannotLink: [][2]int32{{0, 4}}}, [][]int32{{0, 1, 2}, {3, 4}, {5}, {6}}, 1},
	} {
		res, err := Cluster(7, edges, tc.threshold, tc.cons)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got := res.Members()
		if !slices.EqualFunc(got, tc.want, slices.Equal) || res.Blocked != tc.blocked || res.NumClusters != len(tc.want) {
			t.Errorf("%s: clusters %v (blocked %d), want %v (blocked %d)", tc.name, got, res.Blocked, tc.want, tc.blocked)
		}
	}
}

func TestClusterOrderIndependent(t *testing.T) {
	t.Parallel()
	edges := []Edge{{0, 1, 0.9}, {1, 2, 0.95}, {2, 3, 0.99}, {3, 0, 0.92}}
	cons := Constraints{CannotLink: [][2]int32{{0, 2}}}
	first, err := Cluster(4, edges, 0.5, cons)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(edges)
	second, err := Cluster(4, edges, 0.5, cons)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.Labels, second.Labels) {
		t.Errorf("labels depend on edge order: %v vs %v", first.Labels, second.Labels)
	}
}

func TestClusterErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edges []Edge
		cons  Constraints
		want  string
	}{
		{"contradiction", nil, Constraints{MustLink: [][2]int32{{0, 1}, {1, 2}}, CannotLink: [][2]int32{{0, 2}}}, "cannot-link"},
		{"self cannot-link", nil, Constraints{CannotLink: [][2]int32{{1, 1}}}, "itself"},
		{"out of range edge", []Edge{{0, 9, 1}}, Constraints{}, "outside"},
		{"out of range must-link", nil, Constraints{MustLink: [][2]int32{{-1, 0}}}, "outside"},
	} {
		_, err := Cluster(3, tc.edges, 0.5, tc.cons)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}
