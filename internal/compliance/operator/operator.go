// Package operator applies the redaction operators of a compliance policy
// to values and tables: keep, mask (j***@e***.co.za, +27 ** *** 4567),
// hash (HMAC-SHA-256, so that hashed values still join across files),
// drop, and generalise (a date to its year).
package operator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/table"
)

// ErrMissingKey is wrapped when a policy hashes but its key variable is
// unset or empty.
var ErrMissingKey = errors.New("HMAC key environment variable is not set")

// Key reads the HMAC key a policy names from lookup (os.LookupEnv in
// programs). A policy that hashes nothing needs no key.
func Key(p *policy.Policy, lookup func(string) (string, bool)) ([]byte, error) {
	if p == nil || !p.UsesHash() {
		return nil, nil
	}
	v, ok := lookup(p.HMACKeyEnv)
	if !ok || v == "" {
		return nil, fmt.Errorf("%w: %s (the compliance policy hashes fields with HMAC-SHA-256; set %s to a secret of at least 16 characters and keep it: the same key makes the same hashes)",
			ErrMissingKey, p.HMACKeyEnv, p.HMACKeyEnv)
	}
	if len(v) < 16 {
		return nil, fmt.Errorf("HMAC key in %s is %d characters; use at least 16", p.HMACKeyEnv, len(v))
	}
	return []byte(v), nil
}

// Applier applies operators. It is safe for concurrent use.
type Applier struct {
	key  []byte
	scan *detect.Scanner
	macs sync.Pool
}

// New returns an Applier hashing with key (nil when nothing is hashed).
func New(key []byte) *Applier {
	a := &Applier{key: key, scan: detect.New()}
	a.macs.New = func() any { return hmac.New(sha256.New, a.key) }
	return a
}

// Value applies op to v; ok is false when the value is removed (drop, or
// generalise of a value with no year).
func (a *Applier) Value(op, v string) (out string, ok bool) {
	switch op {
	case policy.Keep, "":
		return v, true
	case policy.Mask:
		return a.Mask(v), true
	case policy.Hash:
		return a.Hash(v), true
	case policy.Generalise:
		return Year(v)
	}
	return "", false
}

// Hash returns the hex HMAC-SHA-256 of v, trimmed and in lower case so
// that "Jane@Example.com " and "jane@example.com" hash alike.
func (a *Applier) Hash(v string) string {
	m := a.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(strings.ToLower(strings.TrimSpace(v))))
	var sum [sha256.Size]byte
	out := hex.EncodeToString(m.Sum(sum[:0]))
	a.macs.Put(m)
	return out
}

// Mask hides the personal data in v while keeping its shape: each email
// address, phone number, ID or card number and name found in it is masked
// by kind; a value with none found keeps only its first character.
func (a *Applier) Mask(v string) string {
	if v == "" {
		return v
	}
	ms := a.scan.Value(v, nil, nil)
	if len(ms) == 0 {
		return maskWord(v)
	}
	return maskSpans(v, ms)
}

// MaskFound masks the identifiers found in v (emails, phone, ID, card and
// account numbers, IP addresses) and leaves the rest of it as it is.
// Person names are left: without the record's contact names they are
// guesses from a given-name list, and "Sky Flight School" is no person.
func (a *Applier) MaskFound(v string) string {
	if v == "" {
		return v
	}
	ms := slices.DeleteFunc(a.scan.Value(v, nil, nil), func(m detect.Match) bool { return m.Type == detect.PersonName })
	if len(ms) == 0 {
		return v
	}
	return maskSpans(v, ms)
}

// maskSpans masks each match of v by its kind.
func maskSpans(v string, ms []detect.Match) string {
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		b.WriteString(v[prev:m.Start])
		span := v[m.Start:m.End]
		switch m.Type {
		case detect.Email:
			b.WriteString(MaskEmail(span))
		case detect.Phone:
			b.WriteString(MaskPhone(span))
		case detect.SAID, detect.Card, detect.IBAN:
			b.WriteString(keepLast(span, 4))
		default:
			b.WriteString(maskWord(span))
		}
		prev = m.End
	}
	b.WriteString(v[prev:])
	return b.String()
}

// maskWord keeps the first character: "Thandi Nkosi" → "T***".
func maskWord(v string) string {
	r, n := utf8.DecodeRuneInString(strings.TrimSpace(v))
	if n == 0 {
		return ""
	}
	return string(r) + "***"
}

// MaskEmail keeps the first character of the local part and of the
// domain's first label, and the rest of the domain: j***@e***.co.za.
func MaskEmail(v string) string {
	at := strings.LastIndexByte(v, '@')
	if at <= 0 {
		return maskWord(v)
	}
	local, domain := v[:at], v[at+1:]
	rest := ""
	if dot := strings.IndexByte(domain, '.'); dot >= 0 {
		domain, rest = domain[:dot], domain[dot:]
	}
	return maskWord(local) + "@" + maskWord(domain) + rest
}

// MaskPhone keeps the country code and the last four digits, with the
// digits between masked in groups of three from the right:
// +27 82 123 4567 → +27 ** *** 4567. A number libphonenumber cannot read
// keeps only its last four digits.
func MaskPhone(v string) string {
	num, ok := phone.ForRegion(detect.DefaultRegion).Parse(v)
	if !ok {
		return keepLast(v, 4)
	}
	national := strconv.FormatUint(num.National, 10)
	if len(national) <= 4 {
		return keepLast(v, 4)
	}
	m := len(national) - 4
	var b strings.Builder
	fmt.Fprintf(&b, "+%d", num.CountryCode)
	first := m % 3
	if first == 0 {
		first = 3
	}
	for m > 0 {
		b.WriteByte(' ')
		b.WriteString(strings.Repeat("*", first))
		m -= first
		first = 3
	}
	b.WriteByte(' ')
	b.WriteString(national[len(national)-4:])
	return b.String()
}

// keepLast masks every digit and letter but the last n of them.
func keepLast(v string, n int) string {
	count := 0
	for i := 0; i < len(v); i++ {
		if isAlnum(v[i]) {
			count++
		}
	}
	b := []byte(v)
	for i := range b {
		if isAlnum(b[i]) {
			if count > n {
				b[i] = '*'
			}
			count--
		}
	}
	return string(b)
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Year finds the year in a date written as text: the first four digits
// from 1000 to 2999 standing alone ("2024-03-01", "1 March 2024").
func Year(v string) (string, bool) {
	for i := 0; i+4 <= len(v); i++ {
		if (i > 0 && isDigit(v[i-1])) || (i+4 < len(v) && isDigit(v[i+4])) {
			continue
		}
		if (v[i] == '1' || v[i] == '2') && isDigit(v[i+1]) && isDigit(v[i+2]) && isDigit(v[i+3]) {
			return v[i : i+4], true
		}
	}
	return "", false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Table applies ops (operator by column) to t: dropped columns are
// removed, generalised dates become their year (an integer), masked and
// hashed columns become text. Columns without an operator, and operators
// naming columns t lacks, are left alone.
func (a *Applier) Table(t *table.Table, ops map[string]string) (*table.Table, error) {
	fields := t.Schema().Fields()
	var outFields []table.Field
	var cols []*table.Column
	for i, f := range fields {
		op := ops[f.Name]
		c := t.Column(i)
		switch op {
		case "", policy.Keep:
			outFields, cols = append(outFields, f), append(cols, c)
			continue
		case policy.Drop:
			continue
		case policy.Generalise:
			if f.Type == table.Date || f.Type == table.Timestamp {
				b := table.NewColumnBuilder(table.Int64, c.Len())
				for r := 0; r < c.Len(); r++ {
					if c.IsNull(r) {
						b.AppendNull()
						continue
					}
					b.AppendInt64(int64(c.Value(r).(interface{ Year() int }).Year()))
				}
				outFields, cols = append(outFields, table.Field{Name: f.Name, Type: table.Int64}), append(cols, b.Build())
				continue
			}
		case policy.Mask, policy.Hash:
		default:
			return nil, fmt.Errorf("column %s: unknown operator %q; use one of: %s", f.Name, op, strings.Join(policy.Operators, ", "))
		}
		b := table.NewColumnBuilder(table.String, c.Len())
		for r := 0; r < c.Len(); r++ {
			if c.IsNull(r) {
				b.AppendNull()
				continue
			}
			if v, ok := a.Value(op, c.Format(r)); ok {
				b.AppendString(v)
			} else {
				b.AppendNull()
			}
		}
		outFields, cols = append(outFields, table.Field{Name: f.Name, Type: table.String}), append(cols, b.Build())
	}
	schema, err := table.NewSchema(outFields...)
	if err != nil {
		return nil, err
	}
	return table.New(schema, cols)
}
