package phonetic

// soundexDigits holds the Soundex digit of 'A' to 'Z'; '0' marks the
// vowels A, E, I, O, U, Y and the letters H and W, which have no digit.
const soundexDigits = "01230120022455012623010202"

// Soundex returns the four-character American Soundex code of s (a letter
// and three digits, zero-padded), or "" when s has no letter. It follows
// the U.S. National Archives rules, as SQL Server, PostgreSQL and most
// other engines do:
//
//   - the first letter is kept and its digit counts as the previous code,
//     so "Pfister" is P236, not P123;
//   - letters with the same digit next to each other are coded once, and
//     so are letters with the same digit separated only by H or W, which
//     are transparent ("Ashcraft" is A261, not A226);
//   - a vowel (A, E, I, O, U, Y) between two letters with the same digit
//     separates them, so both are coded ("Tymczak" is T522);
//   - characters other than letters are ignored entirely.
func Soundex(s string) string {
	var buf [4]byte
	code := AppendSoundex(buf[:0], s)
	if len(code) == 0 {
		return ""
	}
	return string(code)
}

// AppendSoundex appends the Soundex code of s to dst (nothing when s has
// no letter) and returns the extended slice; it does not allocate when dst
// has room for four bytes, for callers building keys in a loop.
func AppendSoundex(dst []byte, s string) []byte {
	start := len(dst)
	var prev byte // digit of the previous coded letter, '0' after a vowel
	for _, r := range s {
		f := foldRune(r)
		for i := 0; i < len(f); i++ {
			c := f[i]
			d := soundexDigits[c-'A']
			if len(dst) == start {
				dst = append(dst, c)
				prev = d
				continue
			}
			switch {
			case c == 'H' || c == 'W':
				// Transparent: keep prev so letters either side merge.
			case d == '0':
				prev = '0'
			case d != prev:
				dst = append(dst, d)
				prev = d
				if len(dst)-start == 4 {
					return dst
				}
			}
		}
	}
	if len(dst) == start {
		return dst
	}
	for len(dst)-start < 4 {
		dst = append(dst, '0')
	}
	return dst
}
