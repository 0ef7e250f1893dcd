package geo

import (
	"math"

	"github.com/hotpass/hotpass/internal/unionfind"
)

// Point is a located item for Clusters.
type Point struct{ Lat, Lon float64 }

// Clusters groups points into proximity clusters: two points within
// radiusKm of each other are in one cluster, and so, transitively, are
// their neighbours (single linkage). It returns each point's cluster
// number, 0 for the cluster of the first point and so on in order of
// first appearance. Points are bucketed in cells one radius wide, so each
// is compared only with the points of its own and the eight adjacent
// cells.
func Clusters(points []Point, radiusKm float64) []int {
	labels, _ := clusters(points, radiusKm)
	return labels
}

// clusters is Clusters, also returning how many distances it computed.
// Points at the same spot join the first point there without comparing:
// a geocoded table puts every row of a town at the town's centre, and
// comparing each of them with all the others took minutes for 50,000
// rows of one town.
func clusters(points []Point, radiusKm float64) (labels []int, compared int) {
	sets := unionfind.New(len(points))
	if !(radiusKm >= 0) {
		// No distance is within a negative or NaN radius.
		return sets.Labels(), 0
	}
	// A degree of latitude is 111 km; a degree of longitude shrinks with
	// the cosine of the latitude, so cells use the widest latitude's.
	latDeg := radiusKm / 111.0
	maxAbs := 0.0
	for _, p := range points {
		maxAbs = math.Max(maxAbs, math.Abs(p.Lat))
	}
	lonDeg := radiusKm / (111.0 * math.Max(math.Cos(math.Min(maxAbs, 89)*math.Pi/180), 0.01))
	type key struct{ a, b int64 }
	cells := map[key][]int{}
	first := map[Point]int{}
	for i, p := range points {
		if j, ok := first[p]; ok {
			sets.Union(i, j)
			continue
		}
		first[p] = i
		k := key{int64(math.Floor(p.Lat / latDeg)), int64(math.Floor(p.Lon / lonDeg))}
		for da := int64(-1); da <= 1; da++ {
			for db := int64(-1); db <= 1; db++ {
				for _, j := range cells[key{k.a + da, k.b + db}] {
					q := points[j]
					compared++
					if DistanceKm(p.Lat, p.Lon, q.Lat, q.Lon) <= radiusKm {
						sets.Union(i, j)
					}
				}
			}
		}
		cells[k] = append(cells[k], i)
	}
	return sets.Labels(), compared
}
