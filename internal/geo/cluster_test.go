package geo

import (
	"math"
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

// Rows geocoded to one town share its centre: they join one cluster
// without a distance computed per pair, which made 50,000 rows of one
// town take minutes.
func TestClustersOfOneSpotCompareNothing(t *testing.T) {
	t.Parallel()
	pts := make([]Point, 10_000)
	for i := range pts {
		pts[i] = Point{-26.2041, 28.0473} // Johannesburg
	}
	pts = append(pts, Point{-26.2425, 28.1512}, Point{-26.2041, 28.0473}, Point{-33.9249, 18.4241})
	labels, compared := clusters(pts, 5)
	if compared > 2 {
		t.Errorf("%d distances computed for three distinct spots", compared)
	}
	// Rand Airport is 11 km from Johannesburg's centre, beyond 5 km.
	want := append(make([]int, 10_000), 1, 0, 2)
	if !slices.Equal(labels, want) {
		t.Errorf("labels end %v, want %v", labels[9_998:], want[9_998:])
	}
	for _, r := range []float64{-1, math.NaN()} {
		if got := Clusters(pts[:3], r); !slices.Equal(got, []int{0, 1, 2}) {
			t.Errorf("radius %v: %v, want every point alone", r, got)
		}
	}
	if got := Clusters(pts[:3], 0); !slices.Equal(got, []int{0, 0, 0}) {
		t.Errorf("radius 0: %v, want the points of one spot together", got)
	}
}
