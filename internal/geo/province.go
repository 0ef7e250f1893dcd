package geo

import (
	"fmt"
	"math"
	"sort"
)

// provinceK is how many nearest places vote in ProvinceAt.
const provinceK = 5

// maxVoteKm is how far the nearest place may be before a point is taken
// to be outside the country.
const maxVoteKm = 150

// ProvinceAt infers the province of a point from the nearest places of the
// gazetteer: each of the five nearest votes with weight 1/(1+distance).
// share is the winning province's part of the votes (1 when all agree;
// near a border it drops). Coordinates that are out of range, swapped or
// far outside the country are errors.
func (g *Gazetteer) ProvinceAt(lat, lon float64) (province string, share float64, err error) {
	if err := CheckLatLon(lat, lon, g.country); err != nil {
		return "", 0, err
	}
	near := g.nearest(lat, lon, provinceK)
	if len(near) == 0 || near[0].d > maxVoteKm {
		return "", 0, fmt.Errorf("(%v, %v) is more than %d km from any place in %s", lat, lon, maxVoteKm, g.country)
	}
	votes := map[string]float64{}
	total := 0.0
	for _, n := range near {
		w := 1 / (1 + n.d)
		votes[g.places[n.id].Province] += w
		total += w
	}
	for p, w := range votes {
		if w > share || w == share && p < province {
			province, share = p, w
		}
	}
	return province, round2(share / total), nil
}

type hit struct {
	id int32
	d  float64
}

// nearest returns up to k places nearest to the point, searching rings of
// grid cells outwards until k are found and the next ring cannot hold a
// nearer one.
func (g *Gazetteer) nearest(lat, lon float64, k int) []hit {
	c := cellOf(lat, lon)
	var hits []hit
	for r := 0; r <= 8; r++ {
		for dl := -r; dl <= r; dl++ {
			for dn := -r; dn <= r; dn++ {
				if max(abs(dl), abs(dn)) != r {
					continue
				}
				for _, id := range g.grid[cell{c.lat + int16(dl), c.lon + int16(dn)}] {
					p := g.places[id]
					hits = append(hits, hit{id, DistanceKm(lat, lon, p.Lat, p.Lon)})
				}
			}
		}
		// A cell is at least 40 km wide at these latitudes, so after ring
		// r every place within r*40 km has been seen.
		if len(hits) >= k {
			sort.Slice(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
			if hits[k-1].d <= float64(r)*gridDeg*111*math.Cos(lat*math.Pi/180) {
				return hits[:k]
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].d < hits[j].d })
	if len(hits) > k {
		hits = hits[:k]
	}
	return hits
}

// NearestPlace returns the name of the nearest town and its distance.
func (g *Gazetteer) NearestPlace(lat, lon float64) (string, float64) {
	h := g.nearest(lat, lon, 1)
	if len(h) == 0 {
		return "", math.Inf(1)
	}
	return g.places[h[0].id].Name, h[0].d
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
