package refine

import (
	"strings"
)

// NormaliseWebsite reduces a website cell to https://host: the scheme,
// "www.", any port, path, query and trailing slash are dropped and the host
// is lowercased. "HTTP://WWW.Example.co.za/about/" → "https://example.co.za".
// It returns false for text that has no valid host name ("n/a", "see FB
// page", an email address).
func NormaliseWebsite(cell string) (string, bool) {
	s := strings.ToLower(CleanText(cell))
	if s == "" || strings.ContainsAny(s, " @") {
		return "", false
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	for strings.HasPrefix(s, "www.") {
		s = s[len("www."):]
	}
	if !validDomain(s) {
		return "", false
	}
	return "https://" + s, true
}

// WebsiteHost returns the host of a normalised website ("https://x.co.za"
// → "x.co.za").
func WebsiteHost(site string) string {
	return strings.TrimPrefix(site, "https://")
}
