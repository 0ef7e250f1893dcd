package geo

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokens splits s into lowercase ASCII-folded words: "Brakpan–Benoni" →
// [brakpan benoni], "Gqeberha (P.E.)" → [gqeberha pe]. Apostrophes and
// dots join ("O'Brien" → obrien); every other non-alphanumeric separates.
func tokens(s string) []string {
	if !isASCII(s) {
		s = norm.NFKD.String(s)
	}
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r == '\'' || r == '’' || r == '.':
		case unicode.Is(unicode.Mn, r):
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// key is the lookup form of a name: its tokens joined by single spaces.
func key(s string) string { return strings.Join(tokens(s), " ") }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// codeWords returns the words of s written in capitals and digits, as
// ICAO and IATA codes are: "FAGC", "CPT". Codes in lower case are ignored
// because "the", "pty" and "cpt" in running text are words, not codes.
func codeWords(s string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(s); i++ {
		c := byte(' ')
		if i < len(s) {
			c = s[i]
		}
		alnum := c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
		if alnum && start < 0 {
			start = i
		}
		if !alnum && start >= 0 {
			w := s[start:i]
			if (len(w) == 3 || len(w) == 4) && upper(w) {
				out = append(out, w)
			}
			start = -1
		}
	}
	return out
}

func upper(w string) bool {
	letters := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'a' && c <= 'z' {
			return false
		}
		if c >= 'A' && c <= 'Z' {
			letters++
		}
	}
	return letters >= 2
}
