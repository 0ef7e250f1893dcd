// Package unionfind groups the numbers 0..n-1 into disjoint sets, for
// clustering records that pairwise evidence ties together.
package unionfind

// Sets is a disjoint-set forest over 0..n-1. The root of a set is always
// its smallest member, so results never depend on the order of unions.
type Sets struct {
	parent []int
}

// New returns n singleton sets.
func New(n int) *Sets {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &Sets{parent: p}
}

// Find returns the smallest member of i's set.
func (s *Sets) Find(i int) int {
	for s.parent[i] != i {
		s.parent[i] = s.parent[s.parent[i]]
		i = s.parent[i]
	}
	return i
}

// Union merges the sets of a and b.
func (s *Sets) Union(a, b int) {
	ra, rb := s.Find(a), s.Find(b)
	switch {
	case ra < rb:
		s.parent[rb] = ra
	case rb < ra:
		s.parent[ra] = rb
	}
}

// Labels numbers the sets 0, 1, … in the order their first member
// appears, and returns each number's label.
func (s *Sets) Labels() []int {
	out := make([]int, len(s.parent))
	label := map[int]int{}
	for i := range out {
		r := s.Find(i)
		l, ok := label[r]
		if !ok {
			l = len(label)
			label[r] = l
		}
		out[i] = l
	}
	return out
}
