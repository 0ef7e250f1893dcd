package strsim

import (
	"encoding/binary"
	"math/bits"
)

// Jaro-Winkler parameters, fixed to the values DuckDB and Splink use.
const (
	// WinklerPrefixScale is the weight given to each common prefix character.
	WinklerPrefixScale = 0.1
	// WinklerMaxPrefix caps the common prefix that earns the bonus.
	WinklerMaxPrefix = 4
	// WinklerBoostThreshold is the Jaro score a pair must exceed before the
	// prefix bonus applies, so that unrelated strings sharing an initial do
	// not get promoted.
	WinklerBoostThreshold = 0.7
)

// Jaro returns the Jaro similarity of a and b, in [0, 1]. It is 0 when
// either string is empty. See the package documentation for the exact
// matching rule and for how non-ASCII input is treated.
func Jaro(a, b string) float64 { return jaro(a, b, nil) }

// JaroWinkler returns the Jaro-Winkler similarity of a and b, in [0, 1]:
// the Jaro score s, raised to s + p*0.1*(1-s) when s > 0.7, where p is the
// length of the common prefix capped at 4.
func JaroWinkler(a, b string) float64 { return jaroWinkler(a, b, nil) }

// Jaro is [Jaro] using the buffers of s for long strings.
func (s *Scratch) Jaro(a, b string) float64 { return jaro(a, b, s) }

// JaroWinkler is [JaroWinkler] using the buffers of s for long strings.
func (s *Scratch) JaroWinkler(a, b string) float64 { return jaroWinkler(a, b, s) }

func jaro(a, b string, s *Scratch) float64 {
	if len(a) <= 8 && len(b) <= 8 {
		if wa, wb := loadString8(a), loadString8(b); (wa|wb)&highs == 0 {
			return jaroShort(wa, wb, len(a), len(b))
		}
	}
	if isASCII(a) && isASCII(b) {
		return jaroBytes(bytesOf(a), bytesOf(b), s)
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	return jaroUnits(decode(a, sa[:], ka), decode(b, sb[:], kb), s)
}

func jaroWinkler(a, b string, s *Scratch) float64 {
	if len(a) <= 8 && len(b) <= 8 {
		// Most names: both strings fit a machine word each.
		if wa, wb := loadString8(a), loadString8(b); (wa|wb)&highs == 0 {
			prefix := min(bits.TrailingZeros64(wa^wb)>>3, len(a), len(b), WinklerMaxPrefix)
			return winkler(jaroShort(wa, wb, len(a), len(b)), prefix)
		}
	}
	if isASCII(a) && isASCII(b) {
		p, q := bytesOf(a), bytesOf(b)
		return winkler(jaroBytes(p, q, s), prefixBytes(p, q))
	}
	var sa, sb [stackUnits]rune
	ka, kb := s.runeBuffers()
	p, q := decode(a, sa[:], ka), decode(b, sb[:], kb)
	return winkler(jaroUnits(p, q, s), prefixUnits(p, q))
}

// winkler applies the prefix bonus to a Jaro score.
func winkler(sim float64, prefix int) float64 {
	if sim > WinklerBoostThreshold {
		// The explicit conversion forbids a fused multiply-add, which would
		// round differently from the reference on some CPUs.
		sim += float64(float64(prefix) * WinklerPrefixScale * (1 - sim))
	}
	return sim
}

// prefixBytes returns the Winkler prefix length of two ASCII strings: the
// first differing byte of their leading words, found without a branch per
// byte. The 0xFF padding of load8 cannot hide a difference inside the
// shorter string, and the result is capped at its length.
func prefixBytes(p, q []byte) int {
	diff := load8(p) ^ load8(q)
	return min(bits.TrailingZeros64(diff)>>3, len(p), len(q), WinklerMaxPrefix)
}

func prefixUnits[T unit](p, q []T) int {
	limit := min(len(p), len(q), WinklerMaxPrefix)
	n := 0
	for n < limit && p[n] == q[n] {
		n++
	}
	return n
}

// jaroScore combines the match counts in the reference's operation order.
func jaroScore(pl, ql, common, trans int) float64 {
	if common == 0 {
		return 0
	}
	m := float64(common)
	return (m/float64(pl) + m/float64(ql) + (m-float64(trans))/m) / 3
}

// The matching step. Each unit of q, left to right, claims the leftmost
// unclaimed equal unit of p within max(|p|,|q|)/2 - 1 positions. The
// reference drives the matching from its second argument; the matched
// positions come out the same whichever string drives it (the reference
// and fuzz tests check this against a direct transcription), so the fast
// paths let the shorter string be the pattern p, whose length decides how
// many machine words it needs.
//
// Matched positions are kept as bit sets, one bit per position, and the
// transpositions are the pairs that differ when both sets are read in
// order, halved.

// jaroBytes is Jaro for ASCII strings.
func jaroBytes(p, q []byte, s *Scratch) float64 {
	pl, ql := len(p), len(q)
	if pl == 0 || ql == 0 {
		return 0
	}
	if pl == 1 && ql == 1 {
		return float64(b2u(p[0] == q[0]))
	}
	bound := max(pl, ql)/2 - 1
	if pl > ql {
		p, q = q, p
	}
	var common, trans int
	switch {
	case len(q) > 64:
		common, trans = matchLong(p, q, bound, s)
	case len(p) <= 8:
		common, trans = matchBytes8(p, q, bound)
	case len(p) <= 16:
		common, trans = matchBytes16(p, q, bound)
	default:
		common, trans = matchBytes64(p, q, bound)
	}
	return jaroScore(pl, ql, common, trans)
}

// jaroUnits is Jaro for code points.
func jaroUnits[T unit](p, q []T, s *Scratch) float64 {
	pl, ql := len(p), len(q)
	if pl == 0 || ql == 0 {
		return 0
	}
	if pl == 1 && ql == 1 {
		return float64(b2u(p[0] == q[0]))
	}
	bound := max(pl, ql)/2 - 1
	if pl > ql {
		p, q = q, p
	}
	var common, trans int
	if len(q) <= 64 {
		common, trans = matchWord(p, q, bound)
	} else {
		common, trans = matchLong(p, q, bound, s)
	}
	return jaroScore(pl, ql, common, trans)
}

// jaroShort is Jaro for two ASCII strings of at most eight bytes, held
// zero-padded in the words wa and wb. Everything stays in registers: the
// masks have one bit per byte lane (the top bit of the byte), equal bytes
// are found all at once with SWAR arithmetic, and nothing branches on the
// data.
func jaroShort(wa, wb uint64, la, lb int) float64 {
	if la == 0 || lb == 0 {
		return 0
	}
	if la == 1 && lb == 1 {
		return float64(b2u(wa == wb))
	}
	pw, qw, pl, ql := wa, wb, la, lb
	if pl > ql {
		pw, qw, pl, ql = qw, pw, ql, pl
	}
	bound := ql/2 - 1
	valid := lanes(pl)
	pf, qf := matchLanes(pw, qw, valid, bound, min(ql, pl+bound))
	pf &= valid
	common := bits.OnesCount64(qf)
	var trans int
	if pf == qf {
		// Matched positions coincide, so the k-th matched bytes of p and
		// q sit in the same lane: count the lanes where they differ.
		trans = bits.OnesCount64(pf & ((pw ^ qw) + low7s))
	} else {
		for ; qf != 0; qf &= qf - 1 {
			i, j := bits.TrailingZeros64(pf)&^7, bits.TrailingZeros64(qf)&^7
			trans += int(b2u(byte(pw>>uint(i)) != byte(qw>>uint(j))))
			pf &= pf - 1
		}
	}
	return jaroScore(la, lb, common, trans/2)
}

// matchLanes is the matching loop of jaroShort, kept apart so that its
// few live values stay in registers. It returns the matched lanes of the
// pattern pw (plus its padding lanes, marked taken up front so that they
// never match) and of the first n bytes of the text qw.
//
// The window covers lanes [j-bound, j+bound] of the pattern. While its left
// edge is still at lane 0 it grows by one lane per text byte, afterwards
// it slides; two loops avoid testing which phase applies. The loops track
// the complement of the window, which is what the claim step needs.
func matchLanes(pw, qw, valid uint64, bound, n int) (pf, qf uint64) {
	pf = ^valid & highs
	outside := ^lanes(bound + 1)
	j, growing := 0, min(bound, n)
	for ; j < growing; j++ {
		var low uint64
		pf, low = claimLane(pw, qw, outside, pf)
		qf = qf>>8 | -low&(1<<63)
		qw >>= 8
		outside = outside<<8 | 0x7f
	}
	for ; j < n; j++ {
		var low uint64
		pf, low = claimLane(pw, qw, outside, pf)
		qf = qf>>8 | -low&(1<<63)
		qw >>= 8
		outside = outside<<8 | 0xff
	}
	return pf, qf >> (uint(64-8*n) & 63) // 1 <= n <= 8
}

// claimLane is one step of matchLanes: the lowest byte of qw claims the
// leftmost free equal lane of pw that is not outside the window. It
// returns the updated taken lanes and the claimed lane, or 0.
//
// Both bytes are below 0x80, so adding 0x7f sets a lane's top bit exactly
// when the lane differs, and never carries across lanes. blocked then has
// every bit set except the top bits of the free, equal lanes inside the
// window, so adding 1 carries up to the leftmost of them. The hit flag the
// caller derives from -low has its top bit set exactly when low != 0,
// because low is a single bit no higher than bit 63.
func claimLane(pw, qw, outside, taken uint64) (uint64, uint64) {
	blocked := (pw ^ (qw&0xff)*lsbs) + low7s | outside | taken
	low := ^blocked & (blocked + 1)
	return taken | low, low
}

// loadString8 reads a string of at most eight bytes as a little-endian
// word, zero-padded. The eight-byte case is kept small enough to inline.
func loadString8(s string) uint64 {
	if len(s) == 8 {
		return binary.LittleEndian.Uint64(bytesOf(s))
	}
	return loadShort(s)
}

// loadShort is loadString8 for fewer than eight bytes.
func loadShort(s string) uint64 {
	b := bytesOf(s)
	var w uint64
	n := 0
	if len(b)&4 != 0 {
		w = uint64(binary.LittleEndian.Uint32(b))
		n = 4
	}
	if len(b)&2 != 0 {
		w |= uint64(binary.LittleEndian.Uint16(b[n:])) << (uint(8*n) & 63)
		n += 2
	}
	if len(b)&1 != 0 {
		w |= uint64(b[n]) << (uint(8*n) & 63)
	}
	return w
}

// matchBytes8 handles a pattern of at most eight bytes, held in one word,
// against a longer text of at most 64 bytes (jaroShort covers two short
// strings). Equal bytes are found all at once with SWAR arithmetic, and
// the masks have one bit per byte lane (the top bit of the byte) so they
// need no packing. The window covers lanes [j-bound, j+bound]: while its
// left edge is still at lane 0 it grows by a lane per text byte,
// afterwards it slides, hence two loops.
func matchBytes8(p, q []byte, bound int) (common, trans int) {
	pw := load8(p)
	q = q[:min(len(q), len(p)+bound)] // later bytes have an empty window
	win := lanes(bound + 1)
	var pf, qf uint64
	j := 0
	for ; j < min(bound, len(q)); j++ {
		low := claim(pw, q[j], win, pf)
		pf |= low
		qf |= hit(low) << (uint(j) & 63)
		win = win<<8 | 0x80
	}
	for ; j < len(q); j++ {
		low := claim(pw, q[j], win, pf)
		pf |= low
		qf |= hit(low) << (uint(j) & 63)
		win <<= 8
	}
	common = bits.OnesCount64(qf)
	for ; qf != 0; qf &= qf - 1 {
		trans += int(b2u(p[bits.TrailingZeros64(pf)>>3&7] != q[bits.TrailingZeros64(qf)]))
		pf &= pf - 1
	}
	return common, trans / 2
}

// claim returns the lane of the leftmost pattern byte equal to c inside
// win and not yet in taken, or 0.
func claim(pw uint64, c byte, win, taken uint64) uint64 {
	m := equalLanes(pw, uint64(c)*lsbs) & win &^ taken
	return m & -m
}

// hit is 1 when the lane mask x is non-zero; x holds at most one bit.
func hit(x uint64) uint64 { return (x | -x) >> 63 }

// matchBytes16 handles a pattern of 9 to 16 bytes, held in two words,
// against a text of at most 64.
func matchBytes16(p, q []byte, bound int) (common, trans int) {
	w0, w1 := load8(p), load8(p[8:])
	var pf, qf uint64
	for j, c := range q {
		lo := max(j-bound, 0)
		hi := min(j+bound+1, len(p))
		if lo >= hi {
			break // later bytes have an empty window
		}
		bc := uint64(c) * lsbs
		eq := packLanes(equalLanes(w0, bc)) | packLanes(equalLanes(w1, bc))<<8
		m := eq & window(lo, hi) &^ pf
		low := m & -m
		pf |= low
		qf |= (low | -low) >> 63 << (uint(j) & 63)
	}
	return bits.OnesCount64(pf), transpositions(p, q, pf, qf)
}

// matchBytes64 handles a pattern of 17 to 64 bytes against a text of at
// most 64, scanning only the words that overlap the window.
func matchBytes64(p, q []byte, bound int) (common, trans int) {
	var words [8]uint64
	for k := range (len(p) + 7) / 8 {
		words[k] = load8(p[8*k:])
	}
	var pf, qf uint64
	for j, c := range q {
		lo := max(j-bound, 0)
		hi := min(j+bound+1, len(p))
		if lo >= hi {
			break
		}
		bc := uint64(c) * lsbs
		var eq uint64
		for k := lo >> 3; k <= (hi-1)>>3; k++ {
			eq |= packLanes(equalLanes(words[k&7], bc)) << (uint(8*k) & 63)
		}
		m := eq & window(lo, hi) &^ pf
		low := m & -m
		pf |= low
		qf |= (low | -low) >> 63 << (uint(j) & 63)
	}
	return bits.OnesCount64(pf), transpositions(p, q, pf, qf)
}

// matchWord handles code points, both strings at most 64 long.
func matchWord[T unit](p, q []T, bound int) (common, trans int) {
	var pf, qf uint64
	for j, c := range q {
		lo := max(j-bound, 0)
		hi := min(j+bound+1, len(p))
		if lo >= hi {
			break
		}
		var eq uint64
		for i := lo; i < hi; i++ {
			eq |= b2u(p[i] == c) << (uint(i) & 63)
		}
		m := eq &^ pf
		low := m & -m
		pf |= low
		qf |= (low | -low) >> 63 << (uint(j) & 63)
	}
	return bits.OnesCount64(pf), transpositions(p, q, pf, qf)
}

// matchLong handles texts longer than 64 units, with bit sets spread over
// several words taken from s.
func matchLong[T unit](p, q []T, bound int, s *Scratch) (common, trans int) {
	pw, qw := (len(p)+63)/64, (len(q)+63)/64
	w := s.words(pw + qw)
	pf, qf := w[:pw], w[pw:]
	for j, c := range q {
		lo := max(j-bound, 0)
		hi := min(j+bound+1, len(p))
		if lo >= hi {
			break
		}
		for i := lo; i < hi; i++ {
			if p[i] == c && pf[i>>6]&(1<<(uint(i)&63)) == 0 {
				pf[i>>6] |= 1 << (uint(i) & 63)
				qf[j>>6] |= 1 << (uint(j) & 63)
				common++
				break
			}
		}
	}
	i := 0
	for j := range q {
		if qf[j>>6]&(1<<(uint(j)&63)) == 0 {
			continue
		}
		for pf[i>>6]&(1<<(uint(i)&63)) == 0 {
			i++
		}
		trans += int(b2u(p[i] != q[j]))
		i++
	}
	return common, trans / 2
}

// transpositions counts, halved, the matched pairs that differ when the
// matched positions pf of p and qf of q are read in order.
func transpositions[T unit](p, q []T, pf, qf uint64) int {
	trans := 0
	for ; qf != 0; qf &= qf - 1 {
		trans += int(b2u(p[bits.TrailingZeros64(pf)] != q[bits.TrailingZeros64(qf)]))
		pf &= pf - 1
	}
	return trans / 2
}

// SWAR (SIMD within a register) helpers for ASCII strings.

const (
	lsbs  = 0x0101010101010101
	highs = 0x8080808080808080
	low7s = 0x7f7f7f7f7f7f7f7f
	// gather moves bit 0 of byte k to bit 56+k when multiplied; no two
	// partial products share a bit, so nothing carries into the result.
	gather = 0x0102040810204080
)

// load8 reads up to the first eight bytes of b as a little-endian word and
// fills the missing bytes with 0xFF, which never equals an ASCII byte, so
// padding cannot produce a match.
func load8(b []byte) uint64 {
	if len(b) >= 8 {
		return binary.LittleEndian.Uint64(b)
	}
	var w uint64
	n := 0
	if len(b)&4 != 0 {
		w = uint64(binary.LittleEndian.Uint32(b))
		n = 4
	}
	if len(b)&2 != 0 {
		w |= uint64(binary.LittleEndian.Uint16(b[n:])) << (uint(8*n) & 63)
		n += 2
	}
	if len(b)&1 != 0 {
		w |= uint64(b[n]) << (uint(8*n) & 63)
	}
	return w | ^uint64(0)<<(uint(8*len(b))&63)
}

// equalLanes returns the top bit of every byte of w that equals the byte
// broadcast in bc.
func equalLanes(w, bc uint64) uint64 {
	x := w ^ bc
	// The masking keeps carries from crossing bytes, so the top bit ends
	// up set exactly where that byte of x is zero.
	return ^((x&low7s + low7s) | x | low7s)
}

// packLanes turns the top bits of the eight byte lanes into an 8-bit mask.
func packLanes(z uint64) uint64 {
	return ((z >> 7) * gather) >> 56
}

// lanes returns the top bits of the first n byte lanes, for n >= 0. Go
// defines a shift by 64 or more as 0, so n >= 8 needs no branch.
func lanes(n int) uint64 {
	return (uint64(1)<<uint(8*n) - 1) & highs
}

// window returns the bits [lo, hi) for 0 <= lo < hi <= 64; Go defines a
// shift by 64 as 0, so hi = 64 needs no special case.
func window(lo, hi int) uint64 {
	return (uint64(1)<<uint(hi) - 1) &^ (uint64(1)<<uint(lo) - 1)
}

// b2u converts a bool to 0 or 1 without a branch.
func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
