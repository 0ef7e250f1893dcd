package refine

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/hotpass/hotpass/internal/textnorm"
)

// CleanText applies NFKC normalisation (full-width letters, ligatures and
// non-breaking spaces become their plain forms), turns every run of white
// space into one space and trims the ends (see textnorm.Clean).
func CleanText(s string) string { return textnorm.Clean(s) }

// foldSpecial transliterates Latin letters that have no decomposition.
var foldSpecial = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th", 'œ': "oe", 'Œ': "oe",
	'ı': "i", 'ħ': "h", 'Ħ': "h", 'ŧ': "t", 'Ŧ': "t", 'ŋ': "n", 'Ŋ': "n", 'ĸ': "k", 'ſ': "s",
}

// Slug returns the ASCII-folded, lowercase, hyphenated form of name:
// "Müller Aviation (Pty) Ltd" → "muller-aviation-pty-ltd". Accents are
// removed and & becomes "and". Letters of scripts other than Latin are
// kept lowercased, so that a name written in Cyrillic or Chinese still has
// a key of its own instead of an empty one.
func Slug(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	hyphen := false
	emit := func(s string) {
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteString(s)
	}
	for _, r := range norm.NFKD.String(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			emit(string(r))
		case r >= 'A' && r <= 'Z':
			emit(string(r + 'a' - 'A'))
		case r == '&':
			hyphen = true
			emit("and")
			hyphen = true
		case r == '\'' || r == '’' || r == '.':
			// "O'Brien" → "obrien", "K.Z.N." → "kzn".
		case unicode.Is(unicode.Mn, r):
			// combining accents left by NFKD
		case foldSpecial[r] != "":
			emit(foldSpecial[r])
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			emit(string(unicode.ToLower(r)))
		default:
			hyphen = true
		}
	}
	return b.String()
}

// CoreSlug removes legal-form words from the end of a slug ("eagle-
// aviation-pty-ltd" → "eagle-aviation"), so that names written with and
// without their legal suffix group together. suffixes are slugs such as
// "pty-ltd" or "cc". The slug itself is returned when nothing would be
// left.
func CoreSlug(slug string, suffixes []string) string {
	for changed := true; changed; {
		changed = false
		for _, s := range suffixes {
			if s == "" || len(s) >= len(slug) {
				continue
			}
			if strings.HasSuffix(slug, s) && slug[len(slug)-len(s)-1] == '-' {
				slug = slug[:len(slug)-len(s)-1]
				changed = true
			}
		}
	}
	return slug
}

// MatchKey reduces a column name or alias to the letters and digits that
// matter when comparing it: "Contact Email-Address " → "contactemailaddress".
func MatchKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case unicode.Is(unicode.Mn, r):
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
