package refine

import (
	"strings"
	"unicode/utf8"
)

// DefaultPlaceholders are the values that stand for "no value" in
// spreadsheets typed by hand. A profile's normalisation.placeholders
// replaces them.
var DefaultPlaceholders = []string{
	"Unknown", "N/A", "NA", "N.A.", "-", "- -", "--", "?", "None", "Nil", "Null",
	"Not Listed", "Not Publicly Listed", "(Not Publicly Listed)", "Not Available",
	"Not Applicable", "TBA", "TBC", "To Be Confirmed", "No Website", "No Email",
}

// maxPlaceholderKey bounds the keys Placeholders compares: longer values
// are never placeholders, so they cost no folding.
const maxPlaceholderKey = 48

// Placeholders recognises values that mean "no value": a value whose
// letters and digits, lowercased, equal a listed placeholder's ("N/A",
// "n.a", "NA"), or a value with no letter or digit at all ("- -", "?").
// The zero value knows only the punctuation-only rule.
type Placeholders struct {
	keys map[string]struct{}
	// first marks the bytes keys start with and longest is the longest
	// key: most cells (phones, emails, names) are told apart by them
	// without a lookup.
	first   [256]bool
	longest int
}

// NewPlaceholders compiles a list; nil means DefaultPlaceholders.
func NewPlaceholders(list []string) *Placeholders {
	if list == nil {
		list = DefaultPlaceholders
	}
	p := &Placeholders{keys: make(map[string]struct{}, len(list))}
	for _, v := range list {
		var buf [maxPlaceholderKey]byte
		if k, ok := placeholderKey(v, &buf); ok && len(k) > 0 {
			p.keys[string(k)] = struct{}{}
			p.first[k[0]] = true
			p.longest = max(p.longest, len(k))
		}
	}
	return p
}

// placeholderKey folds v into buf: ASCII letters lowercased, digits and
// non-ASCII bytes kept, everything else dropped. ok is false when the key
// does not fit.
func placeholderKey(v string, buf *[maxPlaceholderKey]byte) ([]byte, bool) {
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c >= utf8.RuneSelf:
		default:
			continue
		}
		if n == len(buf) {
			return nil, false
		}
		buf[n] = c
		n++
	}
	return buf[:n], true
}

// Is reports whether v, as a whole, is a placeholder. The empty string is
// not: it is simply empty.
func (p *Placeholders) Is(v string) bool {
	if v == "" {
		return false
	}
	// A value is a placeholder only if its first letter or digit can
	// start one, or it has none.
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf {
			if p == nil || !p.first[c] {
				return false
			}
			break
		}
	}
	var buf [maxPlaceholderKey]byte
	k, ok := placeholderKey(v, &buf)
	if !ok {
		return false
	}
	if len(k) == 0 {
		return true
	}
	if p == nil || len(k) > p.longest {
		return false
	}
	_, hit := p.keys[string(k)]
	return hit
}

// Clean returns v without placeholders: "" when v is one, and v without a
// bracketed placeholder otherwise ("Accountable Manager (Not Publicly
// Listed)" becomes "Accountable Manager"). stripped says whether a
// bracketed placeholder was removed.
func (p *Placeholders) Clean(v string) (out string, stripped bool) {
	if p.Is(v) {
		return "", false
	}
	open := strings.IndexByte(v, '(')
	if open < 0 {
		return v, false
	}
	end := strings.IndexByte(v[open:], ')')
	if end < 0 || !p.Is(v[open:open+end+1]) {
		return v, false
	}
	rest := strings.TrimSpace(v[:open] + " " + v[open+end+1:])
	if p.Is(rest) {
		rest = ""
	}
	return rest, true
}

// splitBracketRole splits "Verity Wallace (Director)" into the name and
// the bracketed role. A name without a trailing bracket comes back whole.
func splitBracketRole(name string) (string, string) {
	name = strings.TrimSpace(name)
	if !strings.HasSuffix(name, ")") {
		return name, ""
	}
	open := strings.LastIndexByte(name, '(')
	if open <= 0 {
		return name, ""
	}
	role := strings.TrimSpace(name[open+1 : len(name)-1])
	base := strings.TrimSpace(name[:open])
	if role == "" || base == "" {
		return name, ""
	}
	return base, role
}
