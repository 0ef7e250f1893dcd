// Package cluster groups records into entities from scored match pairs:
// connected components over the match edges (union-find), honouring
// must-link pairs (always together) and cannot-link pairs (never together).
package cluster

import (
	"cmp"
	"fmt"
	"slices"
)

// Edge is a scored pair of record numbers.
type Edge struct {
	A, B        int32
	Probability float64
}

// Constraints are clerical decisions applied before and during clustering.
type Constraints struct {
	// MustLink pairs are merged before any edge is considered.
	MustLink [][2]int32
	// CannotLink pairs never end up in one cluster: a match edge that would
	// join two clusters holding such a pair is skipped.
	CannotLink [][2]int32
}

// Result assigns every record a cluster.
type Result struct {
	// Labels[i] is record i's cluster, numbered 0..NumClusters-1 in order
	// of each cluster's lowest record number.
	Labels      []int32
	NumClusters int
	// Merged counts the edges that joined two clusters.
	Merged int
	// Blocked counts the edges skipped because of a cannot-link pair.
	Blocked int
	// Quality holds each cluster's density and weakest edge, when the
	// caller computed them (Qualities).
	Quality []Quality
	// Split counts the clusters Split broke up.
	Split int
}

// Members lists the records of each cluster, in record order.
func (r *Result) Members() [][]int32 {
	out := make([][]int32, r.NumClusters)
	for i, l := range r.Labels {
		out[l] = append(out[l], int32(i))
	}
	return out
}

type unionFind struct {
	parent []int32
	size   []int32
	// banned[root] lists records that may not join root's cluster; kept
	// only on roots and merged small into large.
	banned map[int32][]int32
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

// conflict reports whether clusters with roots a and b hold a cannot-link
// pair.
func (u *unionFind) conflict(a, b int32) bool {
	if len(u.banned[a]) > len(u.banned[b]) {
		a, b = b, a
	}
	for _, x := range u.banned[a] {
		if u.find(x) == b {
			return true
		}
	}
	return false
}

func (u *unionFind) union(a, b int32) {
	if u.size[a] < u.size[b] {
		a, b = b, a
	}
	u.parent[b] = a
	u.size[a] += u.size[b]
	if bl, ok := u.banned[b]; ok {
		u.banned[a] = append(u.banned[a], bl...)
		delete(u.banned, b)
	}
}

// Cluster groups n records. Edges with Probability ≥ threshold are merged
// in descending probability (ties by record numbers, so the result does not
// depend on edge order), after the must-link pairs. It fails when a
// must-link pair contradicts a cannot-link pair or a record number is out
// of range.
func Cluster(n int, edges []Edge, threshold float64, cons Constraints) (*Result, error) {
	u := &unionFind{parent: make([]int32, n), size: make([]int32, n), banned: map[int32][]int32{}}
	for i := range u.parent {
		u.parent[i] = int32(i)
		u.size[i] = 1
	}
	check := func(what string, k int, a, b int32) error {
		if a < 0 || int(a) >= n || b < 0 || int(b) >= n {
			return fmt.Errorf("cluster: %s pair %d (%d, %d) names a record outside 0..%d", what, k+1, a, b, n-1)
		}
		return nil
	}
	for k, p := range cons.CannotLink {
		if err := check("cannot-link", k, p[0], p[1]); err != nil {
			return nil, err
		}
		if p[0] == p[1] {
			return nil, fmt.Errorf("cluster: cannot-link pair %d links record %d with itself", k+1, p[0])
		}
		u.banned[p[0]] = append(u.banned[p[0]], p[1])
		u.banned[p[1]] = append(u.banned[p[1]], p[0])
	}
	res := &Result{}
	for k, p := range cons.MustLink {
		if err := check("must-link", k, p[0], p[1]); err != nil {
			return nil, err
		}
		a, b := u.find(p[0]), u.find(p[1])
		if a == b {
			continue
		}
		if u.conflict(a, b) {
			return nil, fmt.Errorf("cluster: must-link pair %d (%d, %d) joins records that a cannot-link pair keeps apart; fix the clerical labels", k+1, p[0], p[1])
		}
		u.union(a, b)
	}
	order := make([]int, 0, len(edges))
	for k, e := range edges {
		if e.Probability >= threshold {
			if err := check("edge", k, e.A, e.B); err != nil {
				return nil, err
			}
			order = append(order, k)
		}
	}
	// Order matters only when cannot-link pairs can veto merges: then the
	// strongest evidence must be applied first.
	if len(cons.CannotLink) > 0 {
		slices.SortFunc(order, func(x, y int) int {
			ex, ey := edges[x], edges[y]
			if c := cmp.Compare(ey.Probability, ex.Probability); c != 0 {
				return c
			}
			if c := cmp.Compare(ex.A, ey.A); c != 0 {
				return c
			}
			return cmp.Compare(ex.B, ey.B)
		})
	}
	for _, k := range order {
		a, b := u.find(edges[k].A), u.find(edges[k].B)
		if a == b {
			continue
		}
		if len(u.banned) > 0 && u.conflict(a, b) {
			res.Blocked++
			continue
		}
		u.union(a, b)
		res.Merged++
	}
	res.Labels, res.NumClusters = u.labels()
	return res, nil
}

// labels numbers the components 0..k-1 in order of each one's lowest
// record number and returns every record's number and k.
func (u *unionFind) labels() ([]int32, int) {
	n := len(u.parent)
	out := make([]int32, n)
	label := make([]int32, n)
	for i := range label {
		label[i] = -1
	}
	k := 0
	for i := 0; i < n; i++ {
		r := u.find(int32(i))
		if label[r] < 0 {
			label[r] = int32(k)
			k++
		}
		out[i] = label[r]
	}
	return out, k
}
