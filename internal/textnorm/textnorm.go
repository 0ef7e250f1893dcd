// Package textnorm normalises values as people type them — Unicode
// compatibility forms, white space, letter case, website addresses — so
// that values meaning the same compare equal. The refine step cleans cells
// with it, and the deterministic linkage rules compare through it, so both
// agree on what "the same name" or "the same website" is.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Clean applies NFKC normalisation (full-width letters, ligatures and
// non-breaking spaces become their plain forms), turns every run of white
// space into one space and trims the ends.
func Clean(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		// NFKC leaves text after an invalid byte as it is, so invalid
		// bytes are replaced first: cleaning clean text changes nothing.
		s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	}
	// Fast path: nothing to collapse.
	clean := true
	prevSpace := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		space := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		if (space && (prevSpace || c != ' ')) || c >= utf8.RuneSelf {
			clean = false
			break
		}
		prevSpace = space
	}
	if clean && !prevSpace {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	pending := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte(' ')
			pending = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Fold is Clean in lower case: the form in which names and free text that
// differ only in case, spacing or Unicode presentation are equal.
// "  EAGLE\u00a0Flight   School " → "eagle flight school".
func Fold(s string) string { return strings.ToLower(Clean(s)) }

// WebsiteHost returns the host of a website without "www." and any port
// ("https://www.x.co.za/about" → "x.co.za"): the name under which websites
// are compared with each other and with email domains. site is expected
// lower case, as refine's normalised websites and Fold's output are.
func WebsiteHost(site string) string {
	if i := strings.Index(site, "://"); i >= 0 {
		site = site[i+3:]
	}
	if i := strings.IndexAny(site, "/?#"); i >= 0 {
		site = site[:i]
	}
	if i := strings.LastIndexByte(site, ':'); i >= 0 {
		site = site[:i]
	}
	for strings.HasPrefix(site, "www.") {
		site = site[len("www."):]
	}
	return site
}
