package unionfind

import (
	"fmt"
	"slices"
	"testing"
)

func TestSets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		n      int
		unions [][2]int
		want   []int
		roots  []int
	}{
		{"none", 3, nil, []int{0, 1, 2}, []int{0, 1, 2}},
		{"chain", 4, [][2]int{{3, 2}, {2, 1}}, []int{0, 1, 1, 1}, []int{0, 1, 1, 1}},
		{"two sets", 5, [][2]int{{4, 0}, {3, 1}}, []int{0, 1, 2, 1, 0}, []int{0, 1, 2, 1, 0}},
		{"merge sets", 5, [][2]int{{4, 2}, {3, 1}, {2, 3}}, []int{0, 1, 1, 1, 1}, []int{0, 1, 1, 1, 1}},
		{"self", 2, [][2]int{{1, 1}}, []int{0, 1}, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(tt.n)
			for _, u := range tt.unions {
				s.Union(u[0], u[1])
			}
			if got := s.Labels(); !slices.Equal(got, tt.want) {
				t.Errorf("Labels() = %v, want %v", got, tt.want)
			}
			for i, r := range tt.roots {
				if got := s.Find(i); got != r {
					t.Errorf("Find(%d) = %d, want the smallest member %d", i, got, r)
				}
			}
		})
	}
}

func ExampleSets() {
	s := New(5)
	s.Union(4, 1)
	s.Union(2, 4)
	fmt.Println(s.Labels(), s.Find(2))
	// Output: [0 1 1 2 1] 1
}
