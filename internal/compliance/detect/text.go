package detect

import (
	"net/netip"
	"strings"
	"unicode/utf8"
)

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// scanIBANs finds IBANs, written whole or in groups of four: two letters,
// two check digits and up to 30 letters and digits, which as a number
// (letters counting 10 to 35, the first four characters moved to the end)
// leave 1 modulo 97.
func scanIBANs(v string, dst []Match, from int) []Match {
	for i := 0; i+4 <= len(v); i++ {
		if !isUpper(v[i]) || !isUpper(v[i+1]) || !isDigit(v[i+2]) || !isDigit(v[i+3]) || i > 0 && isAlnum(v[i-1]) {
			continue
		}
		// Group boundaries: a candidate may end at any of them.
		var ends [40]int
		var lens [40]int
		k, n, j := 0, 0, i
		for j < len(v) && n < 34 && k < len(ends) {
			c := v[j]
			if isDigit(c) || isUpper(c) {
				n++
				j++
				continue
			}
			if c == ' ' && j+1 < len(v) && (isDigit(v[j+1]) || isUpper(v[j+1])) {
				ends[k], lens[k] = j, n
				k++
				j++
				continue
			}
			break
		}
		if j == len(v) || !isAlnum(v[j]) {
			ends[k], lens[k] = j, n
			k++
		}
		for e := k - 1; e >= 0; e-- {
			if lens[e] < 15 || overlaps(dst[from:], i, ends[e]) {
				continue
			}
			if ValidIBAN(v[i:ends[e]]) {
				dst = append(dst, Match{Type: IBAN, Start: i, End: ends[e], Confidence: confIBAN})
				i = ends[e]
				break
			}
		}
	}
	return dst
}

// ValidIBAN reports whether s (spaces allowed) is an IBAN by its length
// (15 to 34 characters) and mod-97 check.
func ValidIBAN(s string) bool {
	var b [34]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			continue
		}
		if n == len(b) {
			return false
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if !isDigit(c) && !isUpper(c) {
			return false
		}
		b[n] = c
		n++
	}
	if n < 15 || !isUpper(b[0]) || !isUpper(b[1]) || !isDigit(b[2]) || !isDigit(b[3]) {
		return false
	}
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
			return
		}
		x := int(c-'A') + 10
		rem = (rem*100 + x) % 97
	}
	for _, c := range b[4:n] {
		add(c)
	}
	for _, c := range b[:4] {
		add(c)
	}
	return rem == 1
}

// scanIPv6 tries each token with two or more colons as an IPv6 address.
func scanIPv6(v string, dst []Match, from int) []Match {
	for i := 0; i < len(v); {
		for i < len(v) && !isIPv6Char(v[i]) {
			i++
		}
		j := i
		colons := 0
		for j < len(v) && isIPv6Char(v[j]) {
			if v[j] == ':' {
				colons++
			}
			j++
		}
		if colons >= 2 && !overlaps(dst[from:], i, j) {
			a, b := i, j
			// A trailing colon or dot belongs to the sentence.
			for b > a && (v[b-1] == '.' || v[b-1] == ':' && (b-2 < a || v[b-2] != ':')) {
				b--
			}
			if addr, err := netip.ParseAddr(v[a:b]); err == nil && addr.Is6() {
				dst = append(dst, Match{Type: IPv6, Start: a, End: b, Confidence: confIPv6})
			}
		}
		i = j
	}
	return dst
}

func isIPv6Char(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'
}

// scanRecordNames marks where the record's own contact names appear in v,
// ignoring case.
func scanRecordNames(v string, names []string, dst []Match, from int) []Match {
	for _, name := range names {
		if len(name) < 3 {
			continue
		}
		for off := 0; off < len(v); {
			k := indexFold(v[off:], name)
			if k < 0 {
				break
			}
			a, b := off+k, off+k+len(name)
			off = b
			if a > 0 && isAlnum(v[a-1]) || b < len(v) && isAlnum(v[b]) || overlaps(dst[from:], a, b) {
				continue
			}
			dst = append(dst, Match{Type: PersonName, Start: a, End: b, Confidence: confRecordName})
		}
	}
	return dst
}

// indexFold is strings.Index ignoring ASCII and simple Unicode case.
func indexFold(s, sub string) int {
	if len(sub) == 0 || len(sub) > len(s) {
		return -1
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if lowerASCII(s[i]) == lowerASCII(sub[0]) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// scanGivenNames marks capitalised words in the given-name list; a
// following capitalised word is taken as the surname.
func scanGivenNames(v string, dst []Match, from int) []Match {
	names := givenNames()
	var buf [32]byte
	for i := 0; i < len(v); {
		if !isUpper(v[i]) || i > 0 && isWordByte(v[i-1]) {
			i++
			continue
		}
		j := i + 1
		for j < len(v) && isWordByte(v[j]) {
			j++
		}
		word := v[i:j]
		// "JOHN" in an upper-case heading or code is not a name.
		if j-i >= 3 && j-i <= len(buf) && !isUpper(v[i+1]) {
			n := copy(buf[:], word)
			for k := 0; k < n; k++ {
				buf[k] = lowerASCII(buf[k])
			}
			if _, ok := names[string(buf[:n])]; ok && !overlaps(dst[from:], i, j) {
				end, conf := j, confGivenOnly
				if k := j + 1; j < len(v) && v[j] == ' ' && k < len(v) && isUpper(v[k]) {
					e := k + 1
					for e < len(v) && isWordByte(v[e]) {
						e++
					}
					if e-k >= 2 && !isUpper(v[k+1]) && !orgWord(v[k:e]) {
						end, conf = e, confGivenSurname
					}
				}
				dst = append(dst, Match{Type: PersonName, Start: i, End: end, Confidence: conf})
				j = end
			}
		}
		i = j
	}
	return dst
}

// isWordByte is a letter, an apostrophe or hyphen inside a name, or any
// byte of a multi-byte UTF-8 letter.
func isWordByte(c byte) bool {
	return isAlpha(c) || c == '\'' || c == '-' || c >= utf8.RuneSelf
}

// orgWords are words that follow a given name in organisation names
// ("Sky Flight School", "Rose Aviation"): not surnames.
var orgWords = map[string]bool{
	"flight": true, "flying": true, "air": true, "aviation": true, "aero": true, "academy": true,
	"school": true, "club": true, "charter": true, "charters": true, "services": true, "training": true,
	"airways": true, "aircraft": true, "holdings": true, "group": true, "trading": true, "street": true,
	"road": true, "avenue": true, "drive": true, "airport": true, "airfield": true, "park": true,
	"pty": true, "ltd": true, "inc": true, "cc": true, "and": true,
}

func orgWord(w string) bool {
	var buf [16]byte
	if len(w) > len(buf) {
		return false
	}
	n := copy(buf[:], w)
	for i := 0; i < n; i++ {
		buf[i] = lowerASCII(buf[i])
	}
	return orgWords[string(buf[:n])]
}
