// Package detect finds personal data in text and tables offline: email
// addresses, phone numbers (libphonenumber), South African ID numbers
// (date of birth, citizenship digit and Luhn check), payment card numbers
// (Luhn), IPv4 and IPv6 addresses, IBANs (mod-97) and person names (the
// record's own contact names, and a shipped list of given names).
//
// Detection is a single pass over each value's bytes with no regular
// expressions: a value only reaches the slower checks (phone parsing,
// address parsing) when its bytes look like a candidate, which keeps a
// scan of millions of cells cheap.
//
// Findings carry positions, never values, so that they can be logged and
// written to reports.
package detect

import (
	"bufio"
	_ "embed"
	"strings"
	"sync"

	"github.com/hotpass/hotpass/internal/phone"
)

// Type is a kind of personal data.
type Type string

// The kinds of personal data found.
const (
	Email      Type = "email"
	Phone      Type = "phone"
	SAID       Type = "sa_id"
	Card       Type = "card_number"
	IPv4       Type = "ipv4"
	IPv6       Type = "ipv6"
	IBAN       Type = "iban"
	PersonName Type = "person_name"
)

// Types lists every kind, in the order reports show them.
var Types = []Type{Email, Phone, SAID, Card, IBAN, IPv4, IPv6, PersonName}

// Confidence of each kind of match. Checksummed and structurally parsed
// kinds are near certain; a given name alone is weak evidence, since many
// given names are also ordinary words ("Rose", "Sky").
const (
	confEmail        = 0.95
	confPhoneIntl    = 0.95
	confPhone        = 0.85
	confSAID         = 0.95
	confCard         = 0.9
	confIBAN         = 0.95
	confIPv4         = 0.8
	confIPv6         = 0.85
	confNameColumn   = 0.9
	confRecordName   = 0.85
	confGivenSurname = 0.6
	confGivenOnly    = 0.4
)

// Match is one piece of personal data inside a value: bytes [Start, End).
type Match struct {
	Type       Type
	Start, End int
	Confidence float64
}

//go:embed given_names.txt
var givenNamesText string

// givenNames returns the shipped given names in lower case, read at first
// use (not at start-up: most commands never look for names) and read-only
// afterwards.
var givenNames = sync.OnceValue(func() map[string]struct{} { return loadGivenNames(givenNamesText) })

func loadGivenNames(text string) map[string]struct{} {
	m := make(map[string]struct{}, 9000)
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// One-letter and two-letter entries ("Ab", "Jo") are too often
		// initials or abbreviations to count as names on their own.
		if len(line) < 3 {
			continue
		}
		m[strings.ToLower(line)] = struct{}{}
	}
	return m
}

// IsGivenName reports whether name is in the shipped given-name list
// (case-insensitive).
func IsGivenName(name string) bool {
	_, ok := givenNames()[strings.ToLower(name)]
	return ok
}

// Scanner finds personal data in values. It is safe for concurrent use.
type Scanner struct {
	region    string
	reference bool
	phones    *phone.Region
	// cc and trunk are the region's calling code and trunk prefix ("0"
	// in South Africa), for reading national numbers without the parser.
	cc    int32
	trunk string
	valid validityCache
}

// DefaultRegion is the region in which a Scanner reads phone numbers
// written without a country code, unless WithRegion says otherwise.
const DefaultRegion = "ZA"

// Option adjusts a Scanner.
type Option func(*Scanner)

// WithRegion sets the region (ISO 3166 alpha-2) in which phone numbers
// without a country code are read; the default is DefaultRegion.
func WithRegion(region string) Option {
	return func(s *Scanner) {
		if region != "" {
			s.region = strings.ToUpper(region)
		}
	}
}

// WithFullParse has every phone number checked by libphonenumber alone,
// its full parse and validity check, instead of the region's compiled
// patterns. What is detected is the same; it is slower, and serves to
// check that.
func WithFullParse() Option {
	return func(s *Scanner) { s.reference = true }
}

// New returns a Scanner.
func New(opts ...Option) *Scanner {
	s := &Scanner{region: DefaultRegion}
	for _, o := range opts {
		o(s)
	}
	if s.reference {
		s.phones = phone.Reference(s.region)
	} else {
		s.phones = phone.ForRegion(s.region)
	}
	s.cc = int32(s.phones.CallingCode())
	s.trunk = s.phones.TrunkPrefix()
	return s
}

// Value appends to dst the personal data found in v. names are the person
// names of v's record (its contact-name columns): where one of them
// appears in v, it is a person name with high confidence. Matches come in
// the order of their start.
func (s *Scanner) Value(v string, names []string, dst []Match) []Match {
	start := len(dst)
	var hasAt, hasColon bool
	digits, upper := 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z':
			upper++
		case c == '@':
			hasAt = true
		case c == ':':
			hasColon = true
		}
	}
	if hasAt {
		dst = scanEmails(v, dst)
	}
	if digits >= 4 {
		dst = s.scanNumbers(v, dst, start)
	}
	if hasColon && digits+upper > 0 || hasColon && strings.Contains(v, "::") {
		dst = scanIPv6(v, dst, start)
	}
	if upper >= 2 && digits >= 2 {
		dst = scanIBANs(v, dst, start)
	}
	if len(names) > 0 {
		dst = scanRecordNames(v, names, dst, start)
	}
	if upper > 0 {
		dst = scanGivenNames(v, dst, start)
	}
	sortMatches(dst[start:])
	return dst
}

// overlaps reports whether [a, b) overlaps a match in ms.
func overlaps(ms []Match, a, b int) bool {
	for _, m := range ms {
		if a < m.End && m.Start < b {
			return true
		}
	}
	return false
}

// sortMatches orders a handful of matches by start (insertion sort: a
// value rarely has more than two).
func sortMatches(ms []Match) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start < ms[j-1].Start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

func isLocalChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '.', '_', '%', '+', '-', '\'':
		return true
	}
	return false
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// scanEmails finds local@domain.tld around each @.
func scanEmails(v string, dst []Match) []Match {
	for i := 0; i < len(v); i++ {
		if v[i] != '@' {
			continue
		}
		a := i
		for a > 0 && isLocalChar(v[a-1]) {
			a--
		}
		for a < i && (v[a] == '.' || v[a] == '\'') {
			a++
		}
		b := i + 1
		for b < len(v) && isDomainChar(v[b]) {
			b++
		}
		for b > i+1 && (v[b-1] == '.' || v[b-1] == '-') {
			b--
		}
		if a == i || !validDomain(v[i+1:b]) {
			continue
		}
		dst = append(dst, Match{Type: Email, Start: a, End: b, Confidence: confEmail})
		i = b - 1
	}
	return dst
}

// validDomain wants at least two labels, none empty, and a top-level label
// of two or more letters.
func validDomain(d string) bool {
	dot := strings.LastIndexByte(d, '.')
	if dot <= 0 || len(d)-dot-1 < 2 || strings.Contains(d, "..") || d[0] == '-' {
		return false
	}
	for i := dot + 1; i < len(d); i++ {
		if !isAlpha(d[i]) {
			return false
		}
	}
	return true
}
