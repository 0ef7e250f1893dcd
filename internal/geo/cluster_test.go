package geo

import (
	"slices"
	"testing"
)

func TestClusters(t *testing.T) {
	t.Parallel()
	pts := []Point{
		{-26.2425, 28.1512}, // Rand Airport
		{-33.9649, 18.6017}, // Cape Town International
		{-26.2150, 28.1640}, // Germiston, 3 km from Rand Airport
		{-25.9863, 28.1401}, // Grand Central, 25 km from Rand Airport
		{-33.9700, 18.6100}, // beside Cape Town International
		{-26.1000, 28.1500}, // between Germiston and Grand Central, 13 km from each
	}
	cases := []struct {
		radius float64
		want   []int
	}{
		{5, []int{0, 1, 0, 2, 1, 3}},
		{15, []int{0, 1, 0, 0, 1, 0}}, // chained through the point between
		{0.1, []int{0, 1, 2, 3, 4, 5}},
		{2000, []int{0, 0, 0, 0, 0, 0}},
	}
	for _, c := range cases {
		if got := Clusters(pts, c.radius); !slices.Equal(got, c.want) {
			t.Errorf("radius %v: %v, want %v", c.radius, got, c.want)
		}
	}
	if got := Clusters(nil, 5); len(got) != 0 {
		t.Errorf("no points: %v", got)
	}
}
