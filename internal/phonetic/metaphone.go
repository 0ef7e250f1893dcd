package phonetic

import (
	"strings"
	"unicode/utf8"
)

// DefaultMetaphoneLen is the code length Double Metaphone is usually
// truncated to, and the one [DoubleMetaphone] uses.
const DefaultMetaphoneLen = 4

// Bytes standing for characters the rules treat specially. They are
// outside ASCII so they can never be confused with a letter.
const (
	cedilla = 0x80 // Ç, which codes as S
	tilde   = 0x81 // Ñ, which codes as N
	silent  = 0x82 // any non-Latin character: occupies a position, codes nothing
)

// pad is appended to the word so that rules may look a few positions past
// its end, as in the reference implementation: a trailing space is what
// lets "VAN " and "-CH " patterns match at the end of a name.
const pad = "     "

// DoubleMetaphone returns the primary and secondary Double Metaphone codes
// of s, each at most [DefaultMetaphoneLen] characters. The secondary code
// equals the primary when the name has no alternative pronunciation; both
// are "" when s has no codable letter.
func DoubleMetaphone(s string) (primary, secondary string) {
	return DoubleMetaphoneLen(s, DefaultMetaphoneLen)
}

// DoubleMetaphoneLen is [DoubleMetaphone] with codes truncated to maxLen
// characters; maxLen <= 0 means no limit.
//
// The rules are Lawrence Philips' original ones as published with the
// algorithm in 2000 (including the widely distributed corrections by
// Kevin Atkinson and Maurice Aubrey), applied to the uppercased name
// after the diacritic folding described in the package documentation.
func DoubleMetaphoneLen(s string, maxLen int) (primary, secondary string) {
	var wbuf [64]byte
	w := appendWord(wbuf[:0], s)
	n := len(w)
	w = append(w, pad...)
	e := metaphone{w: w, n: n, slavo: containsAny(w[:n], "W", "K", "CZ")}
	e.encode(maxLen)
	p, q := e.pri.bytes(), e.sec.bytes()
	if maxLen > 0 {
		p, q = p[:min(len(p), maxLen)], q[:min(len(q), maxLen)]
	}
	// One allocation for both codes.
	var both [2 * codeBuf]byte
	joined := string(append(append(both[:0], p...), q...))
	return joined[:len(p)], joined[len(p):]
}

// appendWord appends the uppercased, folded form of s to dst, one byte per
// position: ASCII characters stay themselves (uppercased), Latin letters
// fold to their base letters, Ç and Ñ become markers, and anything else
// becomes a silent position.
func appendWord(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
		case r == 'Ç' || r == 'ç':
			dst = append(dst, cedilla)
		case r == 'Ñ' || r == 'ñ':
			dst = append(dst, tilde)
		default:
			if f := foldRune(r); f != "" {
				dst = append(dst, f...)
			} else {
				dst = append(dst, silent)
			}
		}
	}
	return dst
}

func containsAny(w []byte, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(string(w), sub) {
			return true
		}
	}
	return false
}

// metaphone is the state of one encoding: the padded word, its unpadded
// length n, and the two codes being built.
type metaphone struct {
	w        []byte
	n        int
	slavo    bool // Slavic or Germanic spelling: W, K or CZ anywhere
	pri, sec code
}

// codeBuf is the room a code has before it moves to the heap; default
// codes stop growing at five characters.
const codeBuf = 16

// code is a growing code held in an array, so that building the usual
// short codes does not allocate; only unlimited codes of long input spill
// into more. more is a pointer so that growing it never assigns a slice
// into the encoder itself, which would make escape analysis move the
// encoder's stack buffers to the heap.
type code struct {
	buf  [codeBuf]byte
	n    int
	more *[]byte
}

func (c *code) add(s string) {
	if c.more == nil && c.n+len(s) <= len(c.buf) {
		c.n += copy(c.buf[c.n:], s)
		return
	}
	if c.more == nil {
		grown := append(make([]byte, 0, 4*codeBuf), c.buf[:c.n]...)
		c.more = &grown
	}
	*c.more = append(*c.more, s...)
}

func (c *code) len() int {
	if c.more != nil {
		return len(*c.more)
	}
	return c.n
}

func (c *code) bytes() []byte {
	if c.more != nil {
		return *c.more
	}
	return c.buf[:c.n]
}

// at returns the byte at i, or 0 outside the padded word.
func (e *metaphone) at(i int) byte {
	if i < 0 || i >= len(e.w) {
		return 0
	}
	return e.w[i]
}

// is reports whether one of opts starts at position start.
func (e *metaphone) is(start int, opts ...string) bool {
	if start < 0 || start >= len(e.w) {
		return false
	}
	for _, o := range opts {
		if start+len(o) <= len(e.w) && string(e.w[start:start+len(o)]) == o {
			return true
		}
	}
	return false
}

func (e *metaphone) vowel(i int) bool {
	switch e.at(i) {
	case 'A', 'E', 'I', 'O', 'U', 'Y':
		return i < e.n
	}
	return false
}

// add appends p to the primary code and s to the secondary.
func (e *metaphone) add(p, s string) {
	e.pri.add(p)
	e.sec.add(s)
}

// both appends c to both codes.
func (e *metaphone) both(c string) { e.add(c, c) }

// skipIf returns cur+2 when the next byte is one of the given letters
// (a doubled consonant codes once) and cur+1 otherwise.
func (e *metaphone) skipIf(cur int, next ...string) int {
	if e.is(cur+1, next...) {
		return cur + 2
	}
	return cur + 1
}

func (e *metaphone) encode(maxLen int) {
	cur := 0
	if e.is(0, "GN", "KN", "PN", "WR", "PS") {
		cur = 1 // silent first letter
	}
	if e.at(0) == 'X' {
		e.both("S") // initial X sounds as Z, as in Xavier
		cur = 1
	}
	for cur < e.n && (maxLen <= 0 || e.pri.len() < maxLen || e.sec.len() < maxLen) {
		switch e.at(cur) {
		case 'A', 'E', 'I', 'O', 'U', 'Y':
			if cur == 0 {
				e.both("A") // every initial vowel codes as A
			}
			cur++
		case 'B':
			e.both("P")
			cur = e.skipIf(cur, "B")
		case cedilla:
			e.both("S")
			cur++
		case 'C':
			cur = e.c(cur)
		case 'D':
			cur = e.d(cur)
		case 'F':
			e.both("F")
			cur = e.skipIf(cur, "F")
		case 'G':
			cur = e.g(cur)
		case 'H':
			// Kept only when initial or between vowels, and before a vowel.
			if (cur == 0 || e.vowel(cur-1)) && e.vowel(cur+1) {
				e.both("H")
				cur += 2
			} else {
				cur++
			}
		case 'J':
			cur = e.j(cur)
		case 'K':
			e.both("K")
			cur = e.skipIf(cur, "K")
		case 'L':
			cur = e.l(cur)
		case 'M':
			// "-MB" as in "dumb", "thumb": the B is silent.
			if (e.is(cur-1, "UMB") && (cur+1 == e.n-1 || e.is(cur+2, "ER"))) || e.at(cur+1) == 'M' {
				cur += 2
			} else {
				cur++
			}
			e.both("M")
		case 'N':
			e.both("N")
			cur = e.skipIf(cur, "N")
		case tilde:
			e.both("N")
			cur++
		case 'P':
			if e.at(cur+1) == 'H' {
				e.both("F")
				cur += 2
				break
			}
			e.both("P")
			cur = e.skipIf(cur, "P", "B") // "campbell", "raspberry"
		case 'Q':
			e.both("K")
			cur = e.skipIf(cur, "Q")
		case 'R':
			// French final -IER as in "Rogier", but not "Hochmeier".
			if cur == e.n-1 && !e.slavo && e.is(cur-2, "IE") && !e.is(cur-4, "ME", "MA") {
				e.add("", "R")
			} else {
				e.both("R")
			}
			cur = e.skipIf(cur, "R")
		case 'S':
			cur = e.s(cur)
		case 'T':
			cur = e.t(cur)
		case 'V':
			e.both("F")
			cur = e.skipIf(cur, "V")
		case 'W':
			cur = e.wLetter(cur)
		case 'X':
			// French final -X as in "Breaux" is silent.
			if !(cur == e.n-1 && (e.is(cur-3, "IAU", "EAU") || e.is(cur-2, "AU", "OU"))) {
				e.both("KS")
			}
			cur = e.skipIf(cur, "C", "X")
		case 'Z':
			cur = e.z(cur)
		default:
			cur++
		}
	}
}

func (e *metaphone) c(cur int) int {
	// Germanic -ACH- as in "Bacher", "Macher", but not "-ACHI-"/"-ACHE-".
	if cur > 1 && !e.vowel(cur-2) && e.is(cur-1, "ACH") &&
		e.at(cur+2) != 'I' && (e.at(cur+2) != 'E' || e.is(cur-2, "BACHER", "MACHER")) {
		e.both("K")
		return cur + 2
	}
	if cur == 0 && e.is(cur, "CAESAR") {
		e.both("S")
		return cur + 2
	}
	if e.is(cur, "CHIA") { // Italian "Chianti"
		e.both("K")
		return cur + 2
	}
	if e.is(cur, "CH") {
		return e.ch(cur)
	}
	if e.is(cur, "CZ") && !e.is(cur-2, "WICZ") { // "Czerny"
		e.add("S", "X")
		return cur + 2
	}
	if e.is(cur+1, "CIA") { // "focaccia"
		e.both("X")
		return cur + 3
	}
	// Double C, but not as in "McClellan".
	if e.is(cur, "CC") && !(cur == 1 && e.at(0) == 'M') {
		// "bellocchio" but not "bacchus".
		if e.is(cur+2, "I", "E", "H") && !e.is(cur+2, "HU") {
			if (cur == 1 && e.at(cur-1) == 'A') || e.is(cur-1, "UCCEE", "UCCES") {
				e.both("KS") // "accident", "accede", "succeed"
			} else {
				e.both("X") // "bacci", "bertucci"
			}
			return cur + 3
		}
		e.both("K") // Pierce's rule
		return cur + 2
	}
	if e.is(cur, "CK", "CG", "CQ") {
		e.both("K")
		return cur + 2
	}
	if e.is(cur, "CI", "CE", "CY") {
		if e.is(cur, "CIO", "CIE", "CIA") { // Italian vs. English
			e.add("S", "X")
		} else {
			e.both("S")
		}
		return cur + 2
	}
	e.both("K")
	switch {
	case e.is(cur+1, " C", " Q", " G"): // "Mac Caffrey", "Mac Gregor"
		return cur + 3
	case e.is(cur+1, "C", "K", "Q") && !e.is(cur+1, "CE", "CI"):
		return cur + 2
	}
	return cur + 1
}

func (e *metaphone) ch(cur int) int {
	if cur > 0 && e.is(cur, "CHAE") { // "Michael"
		e.add("K", "X")
		return cur + 2
	}
	// Greek roots as in "chemistry", "chorus".
	if cur == 0 && (e.is(cur+1, "HARAC", "HARIS") || e.is(cur+1, "HOR", "HYM", "HIA", "HEM")) &&
		!e.is(0, "CHORE") {
		e.both("K")
		return cur + 2
	}
	// Germanic, Greek or otherwise CH for the KH sound.
	if e.is(0, "VAN ", "VON ") || e.is(0, "SCH") ||
		e.is(cur-2, "ORCHES", "ARCHIT", "ORCHID") || // "architect", not "arch"
		e.is(cur+2, "T", "S") ||
		((e.is(cur-1, "A", "O", "U", "E") || cur == 0) &&
			e.is(cur+2, "L", "R", "N", "M", "B", "H", "F", "V", "W", " ")) { // "wachtler", "wechsler"
		e.both("K")
		return cur + 2
	}
	switch {
	case cur == 0:
		e.both("X")
	case e.is(0, "MC"): // "McHugh"
		e.both("K")
	default:
		e.add("X", "K")
	}
	return cur + 2
}

func (e *metaphone) d(cur int) int {
	if e.is(cur, "DG") {
		if e.is(cur+2, "I", "E", "Y") { // "edge"
			e.both("J")
			return cur + 3
		}
		e.both("TK") // "edgar"
		return cur + 2
	}
	e.both("T")
	if e.is(cur, "DT", "DD") {
		return cur + 2
	}
	return cur + 1
}

func (e *metaphone) g(cur int) int {
	if e.at(cur+1) == 'H' {
		return e.gh(cur)
	}
	if e.at(cur+1) == 'N' {
		switch {
		case cur == 1 && e.vowel(0) && !e.slavo:
			e.add("KN", "N")
		case !e.is(cur+2, "EY") && e.at(cur+1) != 'Y' && !e.slavo: // not "Cagney"
			e.add("N", "KN")
		default:
			e.both("KN")
		}
		return cur + 2
	}
	if e.is(cur+1, "LI") && !e.slavo { // "tagliaro"
		e.add("KL", "L")
		return cur + 2
	}
	// -GES-, -GEP-, -GEL-, -GIE- at the beginning.
	if cur == 0 && (e.at(cur+1) == 'Y' ||
		e.is(cur+1, "ES", "EP", "EB", "EL", "EY", "IB", "IL", "IN", "IE", "EI", "ER")) {
		e.add("K", "J")
		return cur + 2
	}
	// -GER-, -GY-.
	if (e.is(cur+1, "ER") || e.at(cur+1) == 'Y') &&
		!e.is(0, "DANGER", "RANGER", "MANGER") &&
		!e.is(cur-1, "E", "I") && !e.is(cur-1, "RGY", "OGY") {
		e.add("K", "J")
		return cur + 2
	}
	// Italian as in "biaggi".
	if e.is(cur+1, "E", "I", "Y") || e.is(cur-1, "AGGI", "OGGI") {
		switch {
		case e.is(0, "VAN ", "VON ") || e.is(0, "SCH") || e.is(cur+1, "ET"): // obviously Germanic
			e.both("K")
		case e.is(cur+1, "IER "): // always soft in a French ending
			e.both("J")
		default:
			e.add("J", "K")
		}
		return cur + 2
	}
	e.both("K")
	if e.at(cur+1) == 'G' {
		return cur + 2
	}
	return cur + 1
}

func (e *metaphone) gh(cur int) int {
	if cur > 0 && !e.vowel(cur-1) {
		e.both("K")
		return cur + 2
	}
	if cur == 0 { // "Ghislane", "Ghiradelli"
		if e.at(cur+2) == 'I' {
			e.both("J")
		} else {
			e.both("K")
		}
		return cur + 2
	}
	// Parker's rule, with refinements: silent as in "hugh", "bough",
	// "broughton".
	if (cur > 1 && e.is(cur-2, "B", "H", "D")) ||
		(cur > 2 && e.is(cur-3, "B", "H", "D")) ||
		(cur > 3 && e.is(cur-4, "B", "H")) {
		return cur + 2
	}
	// "laugh", "McLaughlin", "cough", "gough", "rough", "tough".
	if cur > 2 && e.at(cur-1) == 'U' && e.is(cur-3, "C", "G", "L", "R", "T") {
		e.both("F")
	} else if cur > 0 && e.at(cur-1) != 'I' {
		e.both("K")
	}
	return cur + 2
}

func (e *metaphone) j(cur int) int {
	// Obviously Spanish: "Jose", "San Jacinto".
	if e.is(cur, "JOSE") || e.is(0, "SAN ") {
		if (cur == 0 && e.at(cur+4) == ' ') || e.is(0, "SAN ") {
			e.both("H")
		} else {
			e.add("J", "H")
		}
		return cur + 1
	}
	switch {
	case cur == 0 && !e.is(cur, "JOSE"):
		e.add("J", "A") // "Yankelovich" / "Jankelowicz"
	case e.vowel(cur-1) && !e.slavo && (e.at(cur+1) == 'A' || e.at(cur+1) == 'O'):
		e.add("J", "H") // Spanish pronunciation as in "bajador"
	case cur == e.n-1:
		e.add("J", "")
	case !e.is(cur+1, "L", "T", "K", "S", "N", "M", "B", "Z") && !e.is(cur-1, "S", "K", "L"):
		e.both("J")
	}
	return e.skipIf(cur, "J")
}

func (e *metaphone) l(cur int) int {
	if e.at(cur+1) != 'L' {
		e.both("L")
		return cur + 1
	}
	// Spanish as in "cabrillo", "gallegos".
	last := e.n - 1
	if (cur == e.n-3 && e.is(cur-1, "ILLO", "ILLA", "ALLE")) ||
		((e.is(last-1, "AS", "OS") || e.is(last, "A", "O")) && e.is(cur-1, "ALLE")) {
		e.add("L", "")
		return cur + 2
	}
	e.both("L")
	return cur + 2
}

func (e *metaphone) s(cur int) int {
	if e.is(cur-1, "ISL", "YSL") { // "island", "isle", "carlisle"
		return cur + 1
	}
	if cur == 0 && e.is(cur, "SUGAR") {
		e.add("X", "S")
		return cur + 1
	}
	if e.is(cur, "SH") {
		if e.is(cur+1, "HEIM", "HOEK", "HOLM", "HOLZ") { // Germanic
			e.both("S")
		} else {
			e.both("X")
		}
		return cur + 2
	}
	// Italian and Armenian.
	if e.is(cur, "SIO", "SIA") || e.is(cur, "SIAN") {
		if e.slavo {
			e.both("S")
		} else {
			e.add("S", "X")
		}
		return cur + 3
	}
	// German and anglicised forms ("Smith" matches "Schmidt", "Snider"
	// matches "Schneider"), and Slavic -SZ-.
	if (cur == 0 && e.is(cur+1, "M", "N", "L", "W")) || e.is(cur+1, "Z") {
		e.add("S", "X")
		return e.skipIf(cur, "Z")
	}
	if e.is(cur, "SC") {
		return e.sc(cur)
	}
	// French as in "Resnais", "Artois".
	if cur == e.n-1 && e.is(cur-2, "AI", "OI") {
		e.add("", "S")
	} else {
		e.both("S")
	}
	return e.skipIf(cur, "S", "Z")
}

func (e *metaphone) sc(cur int) int {
	// Schlesinger's rule.
	if e.at(cur+2) == 'H' {
		if e.is(cur+3, "OO", "ER", "EN", "UY", "ED", "EM") { // Dutch, as in "school"
			if e.is(cur+3, "ER", "EN") { // "schermerhorn", "schenker"
				e.add("X", "SK")
			} else {
				e.both("SK")
			}
			return cur + 3
		}
		if cur == 0 && !e.vowel(3) && e.at(3) != 'W' {
			e.add("X", "S")
		} else {
			e.both("X")
		}
		return cur + 3
	}
	if e.is(cur+2, "I", "E", "Y") {
		e.both("S")
		return cur + 3
	}
	e.both("SK")
	return cur + 3
}

func (e *metaphone) t(cur int) int {
	if e.is(cur, "TION") {
		e.both("X")
		return cur + 3
	}
	if e.is(cur, "TIA", "TCH") {
		e.both("X")
		return cur + 3
	}
	if e.is(cur, "TH") || e.is(cur, "TTH") {
		// "Thomas", "Thames", or Germanic.
		if e.is(cur+2, "OM", "AM") || e.is(0, "VAN ", "VON ") || e.is(0, "SCH") {
			e.both("T")
		} else {
			e.add("0", "T") // 0 (zero) stands for TH
		}
		return cur + 2
	}
	e.both("T")
	return e.skipIf(cur, "T", "D")
}

func (e *metaphone) wLetter(cur int) int {
	if e.is(cur, "WR") {
		e.both("R")
		return cur + 2
	}
	if cur == 0 && (e.vowel(cur+1) || e.is(cur, "WH")) {
		if e.vowel(cur + 1) {
			e.add("A", "F") // "Wasserman" should match "Vasserman"
		} else {
			e.both("A") // "Uomo" should match "Womo"
		}
	}
	// "Arnow" should match "Arnoff".
	if (cur == e.n-1 && e.vowel(cur-1)) ||
		e.is(cur-1, "EWSKI", "EWSKY", "OWSKI", "OWSKY") || e.is(0, "SCH") {
		e.add("", "F")
		return cur + 1
	}
	if e.is(cur, "WICZ", "WITZ") { // Polish, as in "Filipowicz"
		e.add("TS", "FX")
		return cur + 4
	}
	return cur + 1
}

func (e *metaphone) z(cur int) int {
	if e.at(cur+1) == 'H' { // Chinese pinyin, as in "Zhao"
		e.both("J")
		return cur + 2
	}
	if e.is(cur+1, "ZO", "ZI", "ZA") || (e.slavo && cur > 0 && e.at(cur-1) != 'T') {
		e.add("S", "TS")
	} else {
		e.both("S")
	}
	return e.skipIf(cur, "Z")
}
