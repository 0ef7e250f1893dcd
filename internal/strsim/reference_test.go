package strsim

// Slow textbook implementations, written for clarity rather than speed,
// against which the optimised code paths are cross-checked.

func refJaro(p, q []rune) float64 {
	pl, ql := len(p), len(q)
	if pl == 0 || ql == 0 {
		return 0
	}
	if pl == 1 && ql == 1 {
		if p[0] == q[0] {
			return 1
		}
		return 0
	}
	bound := max(pl, ql)/2 - 1
	pm, qm := make([]bool, pl), make([]bool, ql)
	common := 0
	for j := range q {
		for i := max(0, j-bound); i < min(pl, j+bound+1); i++ {
			if !pm[i] && p[i] == q[j] {
				pm[i], qm[j] = true, true
				common++
				break
			}
		}
	}
	if common == 0 {
		return 0
	}
	var ps, qs []rune
	for i, ok := range pm {
		if ok {
			ps = append(ps, p[i])
		}
	}
	for j, ok := range qm {
		if ok {
			qs = append(qs, q[j])
		}
	}
	trans := 0
	for k := range ps {
		if ps[k] != qs[k] {
			trans++
		}
	}
	trans /= 2
	m := float64(common)
	return (m/float64(pl) + m/float64(ql) + (m-float64(trans))/m) / 3
}

func refJaroWinkler(p, q []rune) float64 {
	sim := refJaro(p, q)
	prefix := 0
	for prefix < min(len(p), len(q), 4) && p[prefix] == q[prefix] {
		prefix++
	}
	if sim > 0.7 {
		sim += float64(float64(prefix) * 0.1 * (1 - sim))
	}
	return sim
}

func refLevenshtein(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
		}
	}
	return d[len(a)][len(b)]
}

// refDamerau is the Lowrance-Wagner algorithm as usually published, with a
// map from character to the last row it occurred in.
func refDamerau(a, b []rune) int {
	n, m := len(a), len(b)
	inf := n + m
	d := make([][]int, n+2)
	for i := range d {
		d[i] = make([]int, m+2)
	}
	d[0][0] = inf
	for i := 0; i <= n; i++ {
		d[i+1][0], d[i+1][1] = inf, i
	}
	for j := 0; j <= m; j++ {
		d[0][j+1], d[1][j+1] = inf, j
	}
	last := map[rune]int{}
	for i := 1; i <= n; i++ {
		db := 0
		for j := 1; j <= m; j++ {
			k, l := last[b[j-1]], db
			cost := 1
			if a[i-1] == b[j-1] {
				cost, db = 0, j
			}
			d[i+1][j+1] = min(d[i][j]+cost, d[i+1][j]+1, d[i][j+1]+1,
				d[k][l]+(i-k-1)+1+(j-l-1))
		}
		last[a[i-1]] = i
	}
	return d[n+1][m+1]
}

// refOSA is the restricted (optimal string alignment) distance, kept to
// show that the reference values are not of this kind.
func refOSA(a, b []rune) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
