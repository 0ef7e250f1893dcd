package linkage

import (
	"cmp"
	"slices"
)

// oneToOne keeps, for link_only with one_to_one, at most one match per
// record and other input: match pairs are taken best first (by weight,
// ties by record numbers), and a pair whose record already has a match in
// the other pair's input is displaced. Displaced pairs go to the review
// band when there is one (they are strong pairs a stronger one
// contradicts), otherwise they are rejected. It returns how many pairs it
// displaced.
func (l *Linker) oneToOne(pred *Prediction) int {
	var idx []int
	for k, p := range pred.Pairs {
		if p.Weight >= pred.matchW {
			idx = append(idx, k)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		pa, pb := pred.Pairs[a], pred.Pairs[b]
		if c := cmp.Compare(pb.Weight, pa.Weight); c != 0 {
			return c
		}
		if c := cmp.Compare(pa.I, pb.I); c != 0 {
			return c
		}
		return cmp.Compare(pa.J, pb.J)
	})
	ns := l.recs.NumInputs()
	src := l.recs.Sources()
	// taken[i·ns + s] is set once record i has a match in input s.
	taken := make([]bool, l.recs.Len()*ns)
	displaced := 0
	for _, k := range idx {
		p := &pred.Pairs[k]
		a, b := int(p.I)*ns+int(src[p.J]), int(p.J)*ns+int(src[p.I])
		if taken[a] || taken[b] {
			p.Displaced = true
			displaced++
			continue
		}
		taken[a], taken[b] = true, true
	}
	pred.Matches -= int64(displaced)
	if pred.reviewW < pred.matchW {
		pred.Reviews += int64(displaced)
	}
	pred.Displaced = int64(displaced)
	return displaced
}
