package detect

import (
	"strings"
	"sync"

	"github.com/hotpass/hotpass/internal/phone"
)

// maxCandidateDigits bounds a run of digits read as one number: the
// longest card number has 19 digits and the longest phone number 15.
const maxCandidateDigits = 19

// scanNumbers finds runs of digits with the separators numbers are written
// with (space, hyphen, dot, brackets, a leading plus) and classifies each:
// IPv4 address, SA ID number, card number, phone number. Runs inside a
// match already found (an email address) are skipped.
func (s *Scanner) scanNumbers(v string, dst []Match, from int) []Match {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(isDigit(c) || (c == '+' || c == '(') && i+1 < len(v) && isDigit(v[i+1])) {
			continue
		}
		if i > 0 && (isAlnum(v[i-1]) || v[i-1] == '@' || v[i-1] == '.' || v[i-1] == '+') {
			// Inside a word or an address: skip to the end of the run.
			for i+1 < len(v) && isAlnum(v[i+1]) {
				i++
			}
			continue
		}
		end := numberEnd(v, i)
		if end < len(v) && (isAlpha(v[end]) || v[end] == '@') {
			i = end
			continue
		}
		if !overlaps(dst[from:], i, end) {
			if m, ok := s.classify(v[i:end]); ok {
				m.Start, m.End = i, end
				dst = append(dst, m)
			} else {
				dst = s.pieces(v, i, end, dst)
			}
		}
		i = end
	}
	return dst
}

// numberEnd returns the end of the number starting at i: digits joined by
// single separators, ending on a digit or a closing bracket.
func numberEnd(v string, i int) int {
	end := i
	j := i
	if v[j] == '+' || v[j] == '(' {
		j++
	}
	for j < len(v) {
		c := v[j]
		switch {
		case isDigit(c):
			j++
			end = j
		case c == ')':
			j++
			end = j
		case c == ' ' || c == '-' || c == '.' || c == '(':
			if j+1 < len(v) && (isDigit(v[j+1]) || v[j+1] == '(') {
				j++
				continue
			}
			return end
		default:
			return end
		}
	}
	return end
}

// pieces classifies the space-separated parts of a run that failed as a
// whole, for numbers listed next to each other ("0821234567 0115551234").
func (s *Scanner) pieces(v string, a, b int, dst []Match) []Match {
	if strings.IndexByte(v[a:b], ' ') < 0 {
		return dst
	}
	for i := a; i < b; {
		j := i
		for j < b && v[j] != ' ' {
			j++
		}
		if j-i >= 9 {
			if m, ok := s.classify(v[i:j]); ok {
				m.Start, m.End = i, j
				dst = append(dst, m)
			}
		}
		i = j + 1
	}
	return dst
}

// classify decides what a run of digits is, if anything.
func (s *Scanner) classify(run string) (Match, bool) {
	var d [maxCandidateDigits]byte
	n := 0
	plus, bracket, dots, other := false, false, 0, false
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case isDigit(c):
			if n == maxCandidateDigits {
				return Match{}, false
			}
			d[n] = c
			n++
		case c == '+':
			plus = true
		case c == '(' || c == ')':
			bracket = true
		case c == '.':
			dots++
		default:
			other = true
		}
	}
	digits := string(d[:n])
	if dots == 3 && !plus && !bracket && !other {
		if isIPv4(run) {
			return Match{Type: IPv4, Confidence: confIPv4}, true
		}
	}
	if n == 13 && !plus && !bracket && ValidSAID(digits) {
		return Match{Type: SAID, Confidence: confSAID}, true
	}
	if n >= 13 && !plus && !bracket && dots == 0 && d[0] >= '2' && d[0] <= '6' && Luhn(digits) {
		return Match{Type: Card, Confidence: confCard}, true
	}
	if n >= 9 && n <= 15 && s.validPhone(run, d[:n], plus) {
		if plus {
			return Match{Type: Phone, Confidence: confPhoneIntl}, true
		}
		return Match{Type: Phone, Confidence: confPhone}, true
	}
	return Match{}, false
}

// validPhone decides whether run is a valid number as libphonenumber
// does. A number written with a country code or the region's trunk prefix
// is built from its digits directly; anything else is parsed.
func (s *Scanner) validPhone(run string, digits []byte, plus bool) bool {
	if cc, national, ok := s.split(digits, plus); ok {
		key, keyed := validityKey(cc, national)
		if keyed {
			if v, hit := s.valid.get(key); hit {
				return v
			}
		}
		v := s.validNational(cc, national)
		if keyed {
			s.valid.put(key, v)
		}
		return v
	}
	num, ok := s.phones.Parse(run)
	return ok && s.phones.IsValid(num)
}

// validNational decides the validity of a number built from its parts.
func (s *Scanner) validNational(cc int32, national uint64) bool {
	return s.phones.IsValid(phone.FromParts(int(cc), national))
}

// split reads a country code and national number from digits: after a
// plus, the longest-known calling code of one to three digits; else the
// region's own code when the digits start with its trunk prefix.
func (s *Scanner) split(digits []byte, plus bool) (int32, uint64, bool) {
	if plus {
		cc := 0
		for l := 1; l <= 3 && l < len(digits); l++ {
			cc = cc*10 + int(digits[l-1]-'0')
			if phone.IsCallingCode(cc) {
				return int32(cc), atou(digits[l:]), true
			}
		}
		return 0, 0, false
	}
	if s.trunk == "" || s.cc == 0 || len(digits) <= len(s.trunk) || string(digits[:len(s.trunk)]) != s.trunk {
		return 0, 0, false
	}
	return s.cc, atou(digits[len(s.trunk):]), true
}

func atou(digits []byte) uint64 {
	var x uint64
	for _, c := range digits {
		x = x*10 + uint64(c-'0')
	}
	return x
}

// isIPv4 checks four dot-separated decimal parts of at most 255, without
// leading zeros (which some parsers read as octal).
func isIPv4(s string) bool {
	parts := 0
	for len(s) > 0 {
		j := strings.IndexByte(s, '.')
		p := s
		if j >= 0 {
			p, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		if len(p) == 0 || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			if !isDigit(p[i]) {
				return false
			}
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
		parts++
	}
	return parts == 4
}

// Luhn reports whether digits (ASCII digits only) pass the Luhn check.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if !isDigit(c) {
			return false
		}
		x := int(c - '0')
		if double {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
		double = !double
	}
	return sum%10 == 0
}

// ValidSAID reports whether s is a South African ID number: 13 digits
// YYMMDD SSSS C A Z with a real date of birth, a citizenship digit C of 0
// (citizen) or 1 (permanent resident), and a Luhn check digit Z.
func ValidSAID(s string) bool {
	if len(s) != 13 {
		return false
	}
	for i := 0; i < 13; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 || dd > daysIn(mm, yy) {
		return false
	}
	if s[10] != '0' && s[10] != '1' {
		return false
	}
	return Luhn(s)
}

// daysIn returns the days of month mm of a two-digit year: the century is
// unknown, and a year divisible by four is a leap year in both 19yy and
// 20yy except 1900, which 2000 covers.
func daysIn(mm, yy int) int {
	switch mm {
	case 2:
		if yy%4 == 0 {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validityKey keys the validity of a national number by its calling code,
// length and first six digits: numbering plans assign ranges by leading
// digits and length, so numbers alike in those are valid alike, and the
// cache answers most numbers of a table without libphonenumber's pattern
// matching. Numbers of six digits or fewer are not keyed.
func validityKey(cc int32, national uint64) (uint64, bool) {
	n := 0
	for x := national; x > 0; x /= 10 {
		n++
	}
	if n <= 6 || cc <= 0 || cc > 999 {
		return 0, false
	}
	prefix := national
	for i := 6; i < n; i++ {
		prefix /= 10
	}
	return uint64(cc)<<40 | uint64(n)<<32 | prefix, true
}

// maxValidityEntries bounds the cache: past it, answers are not kept.
const maxValidityEntries = 1 << 16

// validityCache remembers phone validity by validityKey.
type validityCache struct {
	mu sync.RWMutex
	m  map[uint64]bool
}

func (c *validityCache) get(k uint64) (v, ok bool) {
	c.mu.RLock()
	v, ok = c.m[k]
	c.mu.RUnlock()
	return v, ok
}

func (c *validityCache) put(k uint64, v bool) {
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[uint64]bool)
	}
	if len(c.m) < maxValidityEntries {
		c.m[k] = v
	}
	c.mu.Unlock()
}
