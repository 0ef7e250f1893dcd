package phone

import (
	"regexp"
	"strconv"

	"github.com/nyaruka/phonenumbers"
)

// maxNSN is libphonenumber's longest national significant number, and
// maxInput the longest text its Parse accepts.
const (
	maxNSN   = 17
	maxInput = 250
)

// Parsed is a number as libphonenumber's Parse reads it.
type Parsed struct {
	// CountryCode is the country calling code.
	CountryCode int
	// National is the national number as libphonenumber stores it:
	// leading zeros (Italian numbers) are not part of it.
	National uint64
	// NSN is the national significant number, leading zeros included.
	NSN string
}

// FromParts returns the number of calling code cc and national number
// national, without leading zeros.
func FromParts(cc int, national uint64) Parsed {
	return Parsed{CountryCode: cc, National: national, NSN: strconv.FormatUint(national, 10)}
}

// E164 formats p as libphonenumber's E.164 format does: "+" with the
// calling code and the national significant number.
func (p Parsed) E164() string {
	return "+" + strconv.Itoa(p.CountryCode) + p.NSN
}

// libNumber rebuilds libphonenumber's form of p.
func (p Parsed) libNumber() *phonenumbers.PhoneNumber {
	cc, national := int32(p.CountryCode), p.National
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &national}
	if zeros := len(p.NSN) - len(strconv.FormatUint(national, 10)); zeros > 0 {
		italian, n := true, int32(zeros)
		num.ItalianLeadingZero, num.NumberOfLeadingZeros = &italian, &n
	}
	return num
}

// Parse reads text as libphonenumber's Parse does with r as the default
// region; ok is false where Parse fails. Digit strings with the usual
// separators (space, hyphen, dot, brackets, a leading plus) that belong
// to the region are read directly; anything else goes through
// libphonenumber.
func (r *Region) Parse(text string) (p Parsed, ok bool) {
	if r.read != nil {
		if p, ok := r.read.parse(text, r); ok {
			return p, true
		}
	}
	num, err := phonenumbers.Parse(text, r.region)
	if err != nil {
		return Parsed{}, false
	}
	return fromLib(num), true
}

// fromLib takes the parts of a number libphonenumber parsed.
func fromLib(num *phonenumbers.PhoneNumber) Parsed {
	return Parsed{
		CountryCode: int(num.GetCountryCode()),
		National:    num.GetNationalNumber(),
		NSN:         phonenumbers.GetNationalSignificantNumber(num),
	}
}

// Type returns the type of p as libphonenumber's GetNumberType decides,
// Unknown when p is not a valid number. Numbers of the region are
// classified by its compiled patterns.
func (r *Region) Type(p Parsed) Type {
	if p.CountryCode == r.cc && r.own && r.patterns != nil {
		return r.patterns.classify(p.NSN)
	}
	return typeOf(phonenumbers.GetNumberType(p.libNumber()))
}

// typeOf maps libphonenumber's number types onto the few told apart here.
func typeOf(t phonenumbers.PhoneNumberType) Type {
	switch t {
	case phonenumbers.UNKNOWN:
		return Unknown
	case phonenumbers.MOBILE:
		return Mobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return Fixed
	}
	return Other
}

// IsValid reports whether p is a valid number as libphonenumber's
// IsValidNumber decides.
func (r *Region) IsValid(p Parsed) bool {
	if p.CountryCode == r.cc && r.own && r.patterns != nil {
		return r.patterns.classify(p.NSN) != Unknown
	}
	return phonenumbers.IsValidNumber(p.libNumber())
}

// readRules are the parts of a region's metadata that libphonenumber's
// Parse consults for a number of that region, where they are simple
// enough to apply without it: a trunk prefix for parsing that is a plain
// string of digits with no transformation.
type readRules struct {
	// idd matches the international dialling prefix at the start.
	idd *regexp.Regexp
	// trunk is the national prefix for parsing, "" for none.
	trunk   string
	general *regexp.Regexp
	// lengths and local are the general description's possible lengths,
	// ascending.
	lengths, local []int32
	// main is whether the region is the main one of its calling code,
	// whose metadata Parse uses for numbers written with it.
	main bool
}

func newReadRules(m *phonenumbers.PhoneMetadata, general *regexp.Regexp) *readRules {
	trunk := m.GetNationalPrefixForParsing()
	if m.GetNationalPrefixTransformRule() != "" || !allDigits(trunk) {
		return nil
	}
	idd, err := regexp.Compile("^(?:" + m.GetInternationalPrefix() + ")")
	if err != nil {
		return nil
	}
	gd := m.GetGeneralDesc()
	if len(gd.GetPossibleLength()) == 0 {
		return nil
	}
	return &readRules{
		idd:     idd,
		trunk:   trunk,
		general: general,
		lengths: gd.GetPossibleLength(),
		local:   gd.GetPossibleLengthLocalOnly(),
		main:    phonenumbers.GetRegionCodeForCountryCode(int(m.GetCountryCode())) == m.GetId(),
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lengthResult is libphonenumber's ValidationResult, for the cases Parse
// tells apart.
type lengthResult uint8

const (
	possible lengthResult = iota
	localOnly
	tooShort
	tooLong
	invalidLength
)

// length judges the length of a national number as libphonenumber's
// testNumberLength does for an unknown type.
func (rr *readRules) length(nsn []byte) lengthResult {
	n := int32(len(nsn))
	if rr.lengths[0] == -1 {
		return invalidLength
	}
	for _, l := range rr.local {
		if l == n {
			return localOnly
		}
	}
	switch {
	case rr.lengths[0] == n:
		return possible
	case rr.lengths[0] > n:
		return tooShort
	case rr.lengths[len(rr.lengths)-1] < n:
		return tooLong
	}
	for _, l := range rr.lengths[1:] {
		if l == n {
			return possible
		}
	}
	return invalidLength
}

// parse reads text when it is a number of the region written in one of
// the plain shapes; ok is false for everything else, which is left to
// libphonenumber, including the numbers it rejects.
func (rr *readRules) parse(text string, r *Region) (Parsed, bool) {
	if len(text) > maxInput {
		return Parsed{}, false
	}
	var buf [maxDigits]byte
	d, plus, ok := plainDigits(text, &buf)
	if !ok || len(d) < 4 {
		return Parsed{}, false
	}
	var national []byte
	switch {
	case plus:
		// Parse takes the shortest known calling code; only the region's
		// own is read here.
		if !rr.main || d[0] == '0' || !hasPrefix(d, r.ccText) {
			return Parsed{}, false
		}
		for l := 1; l < len(r.ccText); l++ {
			if cc, _ := strconv.Atoi(string(d[:l])); IsCallingCode(cc) {
				return Parsed{}, false
			}
		}
		national = d[len(r.ccText):]
	case rr.idd.Match(d) || !rr.main && hasPrefix(d, r.ccText):
		// Dialled from abroad, or read with the metadata of another
		// region of the calling code.
		return Parsed{}, false
	case hasPrefix(d, r.ccText):
		// A number that lost its plus, or a national number that starts
		// with the calling code's digits: Parse takes the code off when
		// that makes a number the general pattern accepts out of one it
		// does not, or when the whole is too long.
		rest := d[len(r.ccText):]
		if rr.trunk != "" && hasPrefix(rest, rr.trunk) {
			return Parsed{}, false
		}
		national = d
		if !rr.general.Match(d) && rr.general.Match(rest) || rr.length(d) == tooLong {
			national = rest
		}
	default:
		national = d
	}
	national = rr.stripTrunk(national)
	if len(national) < 2 || len(national) > maxNSN || national[0] == '0' {
		// Errors and Italian leading zeros are libphonenumber's to report.
		return Parsed{}, false
	}
	nsn := string(national)
	v, err := strconv.ParseUint(nsn, 10, 64)
	if err != nil {
		return Parsed{}, false
	}
	return Parsed{CountryCode: r.cc, National: v, NSN: nsn}, true
}

// stripTrunk takes the trunk prefix off a national number as Parse does:
// unless the number fits the general pattern and would not without it,
// and only when what remains has a possible length.
func (rr *readRules) stripTrunk(d []byte) []byte {
	if rr.trunk == "" || !hasPrefix(d, rr.trunk) {
		return d
	}
	rest := d[len(rr.trunk):]
	if rr.general.Match(d) && !rr.general.Match(rest) {
		return d
	}
	switch rr.length(rest) {
	case tooShort, localOnly, invalidLength:
		return d
	}
	return rest
}

// maxDigits bounds the digits of a number written in a plain shape.
const maxDigits = 24

// plainDigits collects the digits of text written only with digits, the
// usual separators (space, hyphen, dot, slash, brackets) and one plus
// before the first digit; ok is false for any other text.
func plainDigits(text string, buf *[maxDigits]byte) (d []byte, plus, ok bool) {
	d = buf[:0]
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			if len(d) == maxDigits {
				return nil, false, false
			}
			d = append(d, c)
		case c == '+' && len(d) == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/':
		default:
			return nil, false, false
		}
	}
	return d, plus, true
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}
