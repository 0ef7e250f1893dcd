// Package rule parses blocking rules and derives their keys.
//
// A blocking rule is written as one or more keys joined by "+": two records
// are candidates under the rule when every key is equal for both and none is
// null. A key is a column name, or a function of one column:
//
//	surname                  the value as it is
//	lower(city)              lowercased, surrounding space trimmed
//	trim(city)               surrounding space trimmed
//	prefix(first_name, 3)    the first 3 characters (after trimming)
//	substr(first_name, 3)    the first 3 characters, untrimmed (SQL SUBSTR)
//	soundex(surname)         American Soundex code
//	metaphone(surname)       primary Double Metaphone code
//	year(dob)                the year of a date (YYYY-MM-DD, YYYYMMDD, ...)
//	email_domain(email)      the lowercased part after the last "@"
//	geohash(location, 5)     the geohash of a "lat,lon" point, 5 characters
//	                         (cells of about 5 × 5 km; 4: 39 × 20 km)
//
// Functions compose, innermost first: prefix(lower(title), 8). So
// "first_name + city" and "soundex(surname) + year(dob)" are rules. A key
// that derives an empty value is null, and nulls never block.
package rule

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/phonetic"
	"github.com/hotpass/hotpass/internal/table"
)

// Func is a key derivation function.
type Func string

// The key functions.
const (
	FuncLower       Func = "lower"
	FuncTrim        Func = "trim"
	FuncPrefix      Func = "prefix"
	FuncSubstr      Func = "substr"
	FuncSoundex     Func = "soundex"
	FuncMetaphone   Func = "metaphone"
	FuncYear        Func = "year"
	FuncEmailDomain Func = "email_domain"
	FuncGeohash     Func = "geohash"
)

// funcs lists the accepted function names with the count of integer
// arguments each takes after the column.
var funcs = map[Func]int{
	FuncLower: 0, FuncTrim: 0, FuncPrefix: 1, FuncSubstr: 1, FuncSoundex: 0,
	FuncMetaphone: 0, FuncYear: 0, FuncEmailDomain: 0, FuncGeohash: 1,
}

// Key is one equality condition of a rule: its steps applied in turn to
// Column, innermost first.
type Key struct {
	Column string
	Steps  []Step
}

// Step is one key function.
type Step struct {
	Func Func
	// N is the length for FuncPrefix and FuncSubstr, the precision for
	// FuncGeohash.
	N int
}

// String renders the key in the rule syntax.
func (k Key) String() string {
	out := k.Column
	for _, s := range k.Steps {
		if funcs[s.Func] == 1 {
			out = fmt.Sprintf("%s(%s, %d)", s.Func, out, s.N)
		} else {
			out = fmt.Sprintf("%s(%s)", s.Func, out)
		}
	}
	return out
}

// Rule is a conjunction of keys.
type Rule struct {
	Keys []Key
}

// String renders the rule in the syntax Parse accepts, normalised.
func (r Rule) String() string {
	parts := make([]string, len(r.Keys))
	for i, k := range r.Keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " + ")
}

// Columns returns the distinct columns the rule reads, in order.
func (r Rule) Columns() []string {
	var out []string
	for _, k := range r.Keys {
		seen := false
		for _, c := range out {
			seen = seen || c == k.Column
		}
		if !seen {
			out = append(out, k.Column)
		}
	}
	return out
}

// Parse parses a rule such as "first_name + city" or
// "soundex(surname) + year(dob)".
func Parse(s string) (Rule, error) {
	if strings.TrimSpace(s) == "" {
		return Rule{}, fmt.Errorf("blocking rule is empty: write column names joined by +, e.g. \"first_name + city\"")
	}
	var r Rule
	for _, part := range strings.Split(s, "+") {
		k, err := parseKey(strings.TrimSpace(part))
		if err != nil {
			return Rule{}, fmt.Errorf("blocking rule %q: %w", s, err)
		}
		r.Keys = append(r.Keys, k)
	}
	return r, nil
}

func parseKey(s string) (Key, error) {
	if s == "" {
		return Key{}, fmt.Errorf("empty key between '+' signs")
	}
	open := strings.IndexByte(s, '(')
	if open < 0 {
		if !isIdent(s) {
			return Key{}, fmt.Errorf("key %q is not a column name or a function call", s)
		}
		return Key{Column: s}, nil
	}
	if !strings.HasSuffix(s, ")") {
		return Key{}, fmt.Errorf("key %q: missing closing parenthesis", s)
	}
	name := Func(strings.ToLower(strings.TrimSpace(s[:open])))
	if name == "dmetaphone" || name == "double_metaphone" {
		name = FuncMetaphone
	}
	nargs, ok := funcs[name]
	if !ok {
		return Key{}, fmt.Errorf("unknown key function %q: use lower, trim, prefix, substr, soundex, metaphone, year, email_domain or geohash", name)
	}
	inner := s[open+1 : len(s)-1]
	var args []string
	if nargs == 1 {
		comma := strings.LastIndexByte(inner, ',')
		if comma < 0 {
			return Key{}, fmt.Errorf("key %q: %s takes a column and a length", s, name)
		}
		args = []string{strings.TrimSpace(inner[:comma]), strings.TrimSpace(inner[comma+1:])}
	} else {
		args = []string{strings.TrimSpace(inner)}
	}
	// The argument is a column or, for composed keys such as
	// prefix(lower(title), 8), another key.
	k, err := parseKey(args[0])
	if err != nil {
		return Key{}, err
	}
	st := Step{Func: name}
	if nargs == 1 {
		n, err := strconv.Atoi(args[1])
		if err != nil || n <= 0 {
			return Key{}, fmt.Errorf("key %q: length %q must be a positive integer", s, args[1])
		}
		st.N = n
	}
	k.Steps = append(k.Steps, st)
	return k, nil
}

// isIdent accepts column names made of letters, digits, '_', '-', '.' and
// spaces inside (not at the ends), which covers spreadsheet headers.
func isIdent(s string) bool {
	if s == "" || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_-. ", r) {
			return false
		}
	}
	return true
}

// Append appends the key derived from v to dst and reports whether it is
// non-null. v is the column value as text; a null column value must not be
// passed.
func (k Key) Append(dst []byte, v string) ([]byte, bool) {
	start := len(dst)
	if len(k.Steps) == 0 {
		dst = append(dst, v...)
		return dst, len(dst) > start
	}
	for n, st := range k.Steps {
		if n > 0 {
			// Feed the previous step's output to the next one.
			v = string(dst[start:])
			dst = dst[:start]
		}
		var ok bool
		if dst, ok = st.append(dst, v); !ok {
			return dst[:start], false
		}
	}
	return dst, true
}

func (st Step) append(dst []byte, v string) ([]byte, bool) {
	start := len(dst)
	switch st.Func {
	case FuncTrim:
		dst = append(dst, strings.TrimSpace(v)...)
	case FuncLower:
		dst = appendLower(dst, strings.TrimSpace(v))
	case FuncPrefix, FuncSubstr:
		// prefix forgives stray spaces; substr is SQL's SUBSTR(v, 1, n),
		// which a Splink blocking rule needs unchanged.
		if st.Func == FuncPrefix {
			v = strings.TrimSpace(v)
		}
		n := 0
		for i := range v {
			if n == st.N {
				v = v[:i]
				break
			}
			n++
		}
		dst = append(dst, v...)
	case FuncSoundex:
		dst = phonetic.AppendSoundex(dst, v)
	case FuncMetaphone:
		p, _ := phonetic.DoubleMetaphone(v)
		dst = append(dst, p...)
	case FuncYear:
		y, ok := Year(v)
		if !ok {
			return dst[:start], false
		}
		dst = strconv.AppendInt(dst, int64(y), 10)
	case FuncGeohash:
		lat, lon, ok := geo.ParsePoint(v)
		if !ok {
			return dst[:start], false
		}
		dst = append(dst, geo.Geohash(lat, lon, st.N)...)
	case FuncEmailDomain:
		at := strings.LastIndexByte(v, '@')
		if at < 0 {
			return dst[:start], false
		}
		dst = appendLower(dst, strings.TrimSpace(v[at+1:]))
	}
	return dst, len(dst) > start
}

// appendLower appends s lowercased without allocating for ASCII.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// Year extracts the year of a date written as YYYY-MM-DD, YYYYMMDD or any
// layout table.ParseDate accepts.
func Year(v string) (int, bool) {
	d, ok := ParseDate(v)
	if !ok {
		return 0, false
	}
	return table.DateToTime(d).Year(), true
}

// ParseDate reads a date as days since 1970-01-01: YYYYMMDD (as FEBRL and
// many registers write dates) or any layout table.ParseDate accepts.
func ParseDate(v string) (int32, bool) {
	v = strings.TrimSpace(v)
	if len(v) == 8 && allDigits(v) {
		iso := v[0:4] + "-" + v[4:6] + "-" + v[6:8]
		d, err := table.ParseDate(iso)
		return d, err == nil
	}
	d, err := table.ParseDate(v)
	return d, err == nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
