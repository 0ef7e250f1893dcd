package refine

import (
	"strings"
)

// emailSeparators split a cell holding several addresses.
const emailSeparators = ";,/|"

// SplitEmails splits an email cell on ; , / | and white space, lowercases
// each part and checks its syntax. Parts that are not addresses ("n/a",
// "john at x.com", "x@@y.com") are returned in invalid, cleaned but not
// lowercased, so that they can be reported.
func SplitEmails(cell string) (valid, invalid []string) {
	cell = CleanText(cell)
	if cell == "" {
		return nil, nil
	}
	// "john at example.com" is one broken address, not three tokens;
	// split on white space only around separators and between parts that
	// each hold an @.
	parts := strings.FieldsFunc(cell, func(r rune) bool { return strings.ContainsRune(emailSeparators, r) })
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		words := strings.Fields(part)
		if len(words) > 1 && allHaveAt(words) {
			for _, w := range words {
				valid, invalid = classifyEmail(w, valid, invalid)
			}
			continue
		}
		valid, invalid = classifyEmail(part, valid, invalid)
	}
	if len(invalid) > 0 && isPlaceholderSplit(cell) {
		// "n/a" split into "n" and "a": report the cell as one value.
		invalid = []string{cell}
	}
	return valid, invalid
}

func allHaveAt(words []string) bool {
	for _, w := range words {
		if strings.IndexByte(w, '@') < 0 {
			return false
		}
	}
	return true
}

func isPlaceholderSplit(cell string) bool {
	return strings.IndexByte(cell, '@') < 0
}

func classifyEmail(s string, valid, invalid []string) ([]string, []string) {
	s = strings.Trim(s, "<>\"'()[] ")
	s = strings.TrimPrefix(s, "mailto:")
	low := strings.ToLower(s)
	if ValidEmail(low) {
		for _, v := range valid {
			if v == low {
				return valid, invalid
			}
		}
		return append(valid, low), invalid
	}
	if s != "" {
		invalid = append(invalid, s)
	}
	return valid, invalid
}

// ValidEmail checks the syntax of a lowercased address: one @, a local part
// of RFC 5322 atom characters and single dots, and a domain of at least
// two labels of letters, digits and inner hyphens ending in an alphabetic
// top-level label. Quoted local parts and IP-literal domains are rejected:
// they do not occur in contact lists and are more often typos.
func ValidEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at > 64 || at == len(s)-1 || len(s) > 254 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' {
		return false
	}
	prevDot := false
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
		prevDot = false
	}
	return validDomain(domain)
}

// validDomain checks a lowercase host name with at least two labels.
func validDomain(domain string) bool {
	if len(domain) > 253 || strings.IndexByte(domain, '.') < 0 {
		return false
	}
	labels := strings.Split(domain, ".")
	for i, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
		if i == len(labels)-1 {
			if len(l) < 2 {
				return false
			}
			for j := 0; j < len(l); j++ {
				if l[j] < 'a' || l[j] > 'z' {
					return false
				}
			}
		}
	}
	return true
}

// EmailDomain returns the part after the @, or "".
func EmailDomain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}

// EmailLocal returns the part before the @.
func EmailLocal(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[:i]
	}
	return email
}
