package cluster

import "math"

// Quality says how tightly a cluster's match edges hold it together.
type Quality struct {
	// Size is the number of records; Edges the match edges between them
	// and Possible the pairs that could have been edges.
	Size     int   `json:"size"`
	Edges    int   `json:"edges"`
	Possible int64 `json:"possible"`
	// Density is Edges/Possible (1 for a single record).
	Density float64 `json:"density"`
	// Weakest is the lowest probability among the edges (1 for a single
	// record).
	Weakest float64 `json:"weakest_edge"`
}

// Qualities returns the quality of every cluster of res from the edges it
// was built from (edges below threshold are not counted). With sources,
// only pairs of records from different sources could be edges (link_only);
// with nil, every pair could.
func Qualities(res *Result, edges []Edge, threshold float64, sources []uint16) []Quality {
	q := make([]Quality, res.NumClusters)
	for k := range q {
		q[k].Weakest = 1
	}
	var perSource []map[uint16]int64
	if sources != nil {
		perSource = make([]map[uint16]int64, res.NumClusters)
	}
	for i, c := range res.Labels {
		q[c].Size++
		if sources != nil {
			if perSource[c] == nil {
				perSource[c] = map[uint16]int64{}
			}
			perSource[c][sources[i]]++
		}
	}
	for _, e := range edges {
		c := res.Labels[e.A]
		if e.Probability < threshold || c != res.Labels[e.B] {
			continue
		}
		q[c].Edges++
		q[c].Weakest = math.Min(q[c].Weakest, e.Probability)
	}
	for c := range q {
		n := int64(q[c].Size)
		q[c].Possible = n * (n - 1) / 2
		if sources != nil {
			var same int64
			for _, k := range perSource[c] {
				same += k * k
			}
			q[c].Possible = (n*n - same) / 2
		}
		q[c].Density = 1
		if q[c].Possible > 0 {
			q[c].Density = float64(q[c].Edges) / float64(q[c].Possible)
		}
	}
	return q
}

// Split breaks up sparse clusters: in each cluster of three or more
// records whose density is below maxDensity, edges below threshold are
// dropped and the cluster falls apart into what the remaining edges (and
// must-link pairs) hold together. Other clusters are kept as they are. It
// returns the new clustering and the number of clusters that split.
func Split(res *Result, edges []Edge, quality []Quality, threshold, maxDensity float64, mustLink [][2]int32) (*Result, int) {
	n := len(res.Labels)
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
		u.size[i] = 1
	}
	sparse := func(c int32) bool { return quality[c].Size >= 3 && quality[c].Density < maxDensity }
	join := func(a, b int32) {
		if x, y := u.find(a), u.find(b); x != y {
			u.union(x, y)
		}
	}
	for _, p := range mustLink {
		join(p[0], p[1])
	}
	for _, e := range edges {
		c := res.Labels[e.A]
		if c != res.Labels[e.B] || (sparse(c) && e.Probability < threshold) {
			continue
		}
		join(e.A, e.B)
	}
	// Records of a dense cluster joined by edges the first clustering
	// skipped are still one cluster: re-join each kept cluster whole.
	first := make([]int32, res.NumClusters)
	for c := range first {
		first[c] = -1
	}
	for i, c := range res.Labels {
		if sparse(c) {
			continue
		}
		if first[c] < 0 {
			first[c] = int32(i)
			continue
		}
		join(first[c], int32(i))
	}
	out := &Result{Merged: res.Merged, Blocked: res.Blocked}
	out.Labels, out.NumClusters = u.labels()
	pieces := make([]map[int32]bool, res.NumClusters)
	for i, c := range res.Labels {
		if sparse(c) {
			if pieces[c] == nil {
				pieces[c] = map[int32]bool{}
			}
			pieces[c][out.Labels[i]] = true
		}
	}
	split := 0
	for _, p := range pieces {
		if len(p) > 1 {
			split++
		}
	}
	return out, split
}
