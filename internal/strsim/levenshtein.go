package strsim

// Levenshtein returns the minimum number of single code point insertions,
// deletions and substitutions that turn a into b.
func Levenshtein(a, b string) int { return levenshtein(a, b, nil) }

// LevenshteinSimilarity returns 1 - Levenshtein(a, b)/max(|a|, |b|) with
// lengths in code points, in [0, 1]; two empty strings are identical and
// score 1.
func LevenshteinSimilarity(a, b string) float64 { return levenshteinSimilarity(a, b, nil) }

// Levenshtein is [Levenshtein] using the buffers of s for long strings.
func (s *Scratch) Levenshtein(a, b string) int { return levenshtein(a, b, s) }

// LevenshteinSimilarity is [LevenshteinSimilarity] using the buffers of s
// for long strings.
func (s *Scratch) LevenshteinSimilarity(a, b string) float64 {
	return levenshteinSimilarity(a, b, s)
}

func levenshtein(a, b string, s *Scratch) int {
	if isASCII(a) && isASCII(b) {
		return levenshteinASCII(bytesOf(a), bytesOf(b), s)
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	return levenshteinUnits(decode(a, sa[:], ka), decode(b, sb[:], kb), s)
}

func levenshteinSimilarity(a, b string, s *Scratch) float64 {
	if isASCII(a) && isASCII(b) {
		return normalise(levenshteinASCII(bytesOf(a), bytesOf(b), s), len(a), len(b))
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	ra, rb := decode(a, sa[:], ka), decode(b, sb[:], kb)
	return normalise(levenshteinUnits(ra, rb, s), len(ra), len(rb))
}

// normalise turns an edit distance between strings of la and lb units
// into a similarity in [0, 1].
func normalise(dist, la, lb int) float64 {
	longest := max(la, lb)
	if longest == 0 {
		return 1
	}
	return 1 - float64(dist)/float64(longest)
}

func levenshteinASCII(a, b []byte, s *Scratch) int {
	a, b = trimAffixes(a, b)
	switch {
	case len(b) == 0:
		return len(a)
	case len(b) <= 64:
		return levenshteinBytes(b, a)
	}
	return levenshteinRow(a, b, s.int32s(len(b)+1))
}

func levenshteinUnits[T unit](a, b []T, s *Scratch) int {
	a, b = trimAffixes(a, b)
	switch {
	case len(b) == 0:
		return len(a)
	case len(b) <= 64:
		return levenshteinBits(b, a)
	}
	return levenshteinRow(a, b, s.int32s(len(b)+1))
}

// trimAffixes drops the common prefix and suffix, which never need
// editing, and returns the longer remainder first.
func trimAffixes[T unit](a, b []T) ([]T, []T) {
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	return a, b
}

// levenshteinBits is Hyyrö's bit-parallel form of Myers' algorithm: one
// column of the edit-distance matrix is held as vertical +1/-1 deltas in
// two words, so each unit of text costs a handful of word operations.
// The pattern has at most 64 units.
func levenshteinBits[T unit](pattern, text []T) int {
	vp := ^uint64(0)
	var vn uint64
	last := uint64(1) << (uint(len(pattern)-1) & 63)
	dist := len(pattern)
	for _, c := range text {
		var eq uint64
		for i, pc := range pattern {
			if pc == c {
				eq |= 1 << (uint(i) & 63)
			}
		}
		x := eq | vn
		d0 := (((x & vp) + vp) ^ vp) | x
		hp := vn | ^(d0 | vp)
		hn := d0 & vp
		if hp&last != 0 {
			dist++
		} else if hn&last != 0 {
			dist--
		}
		hp = hp<<1 | 1
		hn <<= 1
		vp = hn | ^(d0 | hp)
		vn = hp & d0
	}
	return dist
}

// levenshteinBytes is levenshteinBits for ASCII, finding the pattern
// positions equal to each text byte eight at a time (see equalLanes).
func levenshteinBytes(pattern, text []byte) int {
	var words [8]uint64
	nw := (len(pattern) + 7) / 8
	for k := range nw {
		words[k] = load8(pattern[8*k:])
	}
	vp := ^uint64(0)
	var vn uint64
	last := uint64(1) << (uint(len(pattern)-1) & 63)
	dist := len(pattern)
	for _, c := range text {
		bc := uint64(c) * lsbs
		eq := packLanes(equalLanes(words[0], bc))
		for k := 1; k < nw; k++ {
			eq |= packLanes(equalLanes(words[k&7], bc)) << (uint(8*k) & 63)
		}
		x := eq | vn
		d0 := (((x & vp) + vp) ^ vp) | x
		hp := vn | ^(d0 | vp)
		hn := d0 & vp
		if hp&last != 0 {
			dist++
		} else if hn&last != 0 {
			dist--
		}
		hp = hp<<1 | 1
		hn <<= 1
		vp = hn | ^(d0 | hp)
		vn = hp & d0
	}
	return dist
}

// levenshteinRow is the textbook dynamic programme over one row of
// len(b)+1 cells.
func levenshteinRow[T unit](a, b []T, row []int32) int {
	for j := range row {
		row[j] = int32(j)
	}
	for i, ca := range a {
		diag := row[0]
		row[0] = int32(i + 1)
		for j, cb := range b {
			best := diag
			if ca != cb {
				best = min(diag, row[j], row[j+1]) + 1
			}
			diag = row[j+1]
			row[j+1] = best
		}
	}
	return int(row[len(b)])
}
