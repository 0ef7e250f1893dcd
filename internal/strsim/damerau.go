package strsim

// DamerauLevenshtein returns the unrestricted Damerau-Levenshtein distance
// between a and b: the minimum number of code point insertions, deletions,
// substitutions and transpositions of adjacent code points, where a
// transposed pair may be edited again afterwards (so "CA" to "ABC" costs 2).
func DamerauLevenshtein(a, b string) int { return damerauLevenshtein(a, b, nil) }

// DamerauLevenshteinSimilarity returns 1 - DamerauLevenshtein(a, b) /
// max(|a|, |b|) with lengths in code points, in [0, 1]; two empty strings
// score 1.
func DamerauLevenshteinSimilarity(a, b string) float64 {
	return damerauLevenshteinSimilarity(a, b, nil)
}

// DamerauLevenshtein is [DamerauLevenshtein] using the buffers of s for
// long strings.
func (s *Scratch) DamerauLevenshtein(a, b string) int { return damerauLevenshtein(a, b, s) }

// DamerauLevenshteinSimilarity is [DamerauLevenshteinSimilarity] using the
// buffers of s for long strings.
func (s *Scratch) DamerauLevenshteinSimilarity(a, b string) float64 {
	return damerauLevenshteinSimilarity(a, b, s)
}

func damerauLevenshtein(a, b string, s *Scratch) int {
	if isASCII(a) && isASCII(b) {
		return damerauUnits(bytesOf(a), bytesOf(b), s)
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	return damerauUnits(decode(a, sa[:], ka), decode(b, sb[:], kb), s)
}

func damerauLevenshteinSimilarity(a, b string, s *Scratch) float64 {
	if isASCII(a) && isASCII(b) {
		return normalise(damerauUnits(bytesOf(a), bytesOf(b), s), len(a), len(b))
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	ra, rb := decode(a, sa[:], ka), decode(b, sb[:], kb)
	return normalise(damerauUnits(ra, rb, s), len(ra), len(rb))
}

// cell is the type of a distance-matrix entry: uint16 for the stack
// buffers of short strings (every value stays below 3*(64+64)), int32
// otherwise.
type cell interface{ uint16 | int32 }

// Stack matrix sizes, in cells. The matrix has (|a|+2)*(|b|+2) cells and
// Go zeroes a stack array on every call, so short names get a small
// array instead of paying to clear the 64x64 one.
const (
	smallUnits = 14
	smallCells = (smallUnits + 2) * (smallUnits + 2)
	largeCells = (stackUnits + 2) * (stackUnits + 2)
)

func damerauUnits[T unit](a, b []T, s *Scratch) int {
	n, m := len(a), len(b)
	if n == 0 {
		return m
	}
	if m == 0 {
		return n
	}
	cells := (n + 2) * (m + 2)
	switch {
	case n <= smallUnits && m <= smallUnits:
		var d [smallCells]uint16
		var aux [3 * smallUnits]uint16
		return damerauCore(a, b, d[:cells], aux[:n], aux[n:2*n], aux[2*n:2*n+m])
	case n <= stackUnits && m <= stackUnits:
		var d [largeCells]uint16
		var aux [3 * stackUnits]uint16
		return damerauCore(a, b, d[:cells], aux[:n], aux[n:2*n], aux[2*n:2*n+m])
	default:
		buf := s.int32s(cells + 2*n + m)
		return damerauCore(a, b, buf[:cells], buf[cells:cells+n], buf[cells+n:cells+2*n], buf[cells+2*n:])
	}
}

// damerauCore is the Lowrance-Wagner algorithm. d is the (n+2)x(m+2)
// matrix, with row and column 0 holding the "infinite" sentinel. The
// algorithm needs, for each unit of b, the last row in which that unit
// occurred in a; instead of a map keyed by character, each unit is given
// the index of its first occurrence in a (firstA for units of a, inA+1 for
// units of b, 0 when absent) and lastRow is indexed by that, which keeps
// rune inputs allocation-free.
func damerauCore[T unit, C cell](a, b []T, d, lastRow, firstA, inA []C) int {
	n, m := len(a), len(b)
	w := m + 2
	for i, c := range a {
		firstA[i] = C(i)
		for k := range i {
			if a[k] == c {
				firstA[i] = C(k)
				break
			}
		}
		lastRow[i] = 0
	}
	for j, c := range b {
		inA[j] = 0
		for k, ca := range a {
			if ca == c {
				inA[j] = C(k + 1)
				break
			}
		}
	}
	inf := C(n + m)
	d[0] = inf
	for i := 0; i <= n; i++ {
		d[(i+1)*w] = inf
		d[(i+1)*w+1] = C(i)
	}
	for j := 0; j <= m; j++ {
		d[j+1] = inf
		d[w+j+1] = C(j)
	}
	for i := 1; i <= n; i++ {
		ca := a[i-1]
		lastCol := 0 // last column of this row where b matched ca
		row, up := d[(i+1)*w:(i+2)*w], d[i*w:(i+1)*w]
		for j := 1; j <= m; j++ {
			k := 0 // last row above where a matched b[j-1]
			if id := inA[j-1]; id != 0 {
				k = int(lastRow[id-1])
			}
			l := lastCol
			cost := C(1)
			if ca == b[j-1] {
				cost = 0
				lastCol = j
			}
			best := min(up[j]+cost, row[j]+1, up[j+1]+1)
			if k > 0 && l > 0 {
				if t := int(d[k*w+l]) + (i - k - 1) + 1 + (j - l - 1); t < int(best) {
					best = C(t)
				}
			}
			row[j+1] = best
		}
		lastRow[firstA[i-1]] = C(i)
	}
	return int(d[(n+1)*w+m+1])
}
