// Package phone reads and validates phone numbers as libphonenumber does,
// without paying for its full parse on the shapes numbers are usually
// written in.
//
// A Region holds one region's calling code, trunk prefix and number
// patterns, compiled once. Its Parse and Type answer exactly as
// libphonenumber's Parse and GetNumberType do; plain digit strings of the
// region are read and classified directly, and anything else goes through
// libphonenumber. A Normaliser turns spreadsheet cells into E.164 numbers
// with a cache and a more lenient fast path of its own.
package phone

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Region holds one region's calling code and number patterns, compiled
// once and shared: it is immutable and safe for concurrent use. It
// classifies national numbers exactly as libphonenumber's GetNumberType
// does (same patterns, same order of checks) but without its
// mutex-guarded regular expression cache, which serialises parallel
// callers and dominated the cost of checking a number.
type Region struct {
	region string
	cc     int
	ccText string
	ndd    string
	// own is whether the calling code is the region's alone: +1 and +44
	// are shared, and libphonenumber then picks the patterns of one of
	// the regions by the number's leading digits.
	own bool
	// patterns is nil when the region is unknown or for a reference
	// region: libphonenumber then decides everything.
	patterns *regionPatterns
	// read is nil when Parse must leave every number to libphonenumber.
	read *readRules
}

type numberDesc struct {
	lengths []int32
	re      *regexp.Regexp // nil: the description matches nothing
}

func (d *numberDesc) match(nsn string) bool {
	if d.re == nil {
		return false
	}
	if len(d.lengths) > 0 {
		ok := false
		for _, l := range d.lengths {
			if int32(len(nsn)) == l {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

type regionPatterns struct {
	general numberDesc
	// others are the types checked before fixed line and mobile
	// (premium rate, toll free, shared cost, VoIP, personal, pager, UAN,
	// voicemail); othersAny is their union, to skip them in one match.
	others     []numberDesc
	othersAny  *regexp.Regexp
	fixed      numberDesc
	mobile     numberDesc
	sameFixMob bool
}

// metadata loads libphonenumber's territory metadata once.
// MetadataCollection writes package state without a lock, so it must not
// be called concurrently.
var metadata = sync.OnceValues(func() (map[string]*phonenumbers.PhoneMetadata, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*phonenumbers.PhoneMetadata, len(coll.GetMetadata()))
	for _, m := range coll.GetMetadata() {
		out[m.GetId()] = m
	}
	return out, nil
})

// regions caches compiled regions by code. Compiling costs a dozen
// regular expressions and the result never changes, so every caller of
// one region shares one copy, as libphonenumber shares its metadata.
var regions sync.Map // string → *Region

// ForRegion returns the compiled region for code (ISO 3166, e.g. "ZA"),
// compiling it on first use. An unknown region gives a Region without
// fast paths: numbers must then carry their country code.
func ForRegion(code string) *Region {
	code = strings.ToUpper(strings.TrimSpace(code))
	if r, ok := regions.Load(code); ok {
		return r.(*Region)
	}
	r, _ := regions.LoadOrStore(code, compileRegion(code))
	return r.(*Region)
}

// Reference returns a region of code that leaves every decision to
// libphonenumber: its full parse and validity check. It is slower than
// ForRegion's and serves to check that the fast paths decide alike.
func Reference(code string) *Region {
	r := *ForRegion(code)
	r.patterns, r.read = nil, nil
	return &r
}

func compileRegion(region string) *Region {
	r := &Region{region: region}
	cc := phonenumbers.GetCountryCodeForRegion(region)
	if cc <= 0 {
		return r
	}
	r.cc, r.ccText = cc, strconv.Itoa(cc)
	r.ndd = phonenumbers.GetNddPrefixForRegion(region, true)
	r.own = len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 1
	metas, err := metadata()
	if err != nil || metas[region] == nil {
		return r
	}
	m := metas[region]
	compile := func(d *phonenumbers.PhoneNumberDesc) numberDesc {
		if d == nil || d.GetNationalNumberPattern() == "" {
			return numberDesc{}
		}
		re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
		if err != nil {
			return numberDesc{}
		}
		return numberDesc{lengths: d.GetPossibleLength(), re: re}
	}
	p := &regionPatterns{
		general:    compile(m.GetGeneralDesc()),
		fixed:      compile(m.GetFixedLine()),
		mobile:     compile(m.GetMobile()),
		sameFixMob: m.GetSameMobileAndFixedLinePattern(),
	}
	var alts []string
	for _, d := range []*phonenumbers.PhoneNumberDesc{
		m.GetPremiumRate(), m.GetTollFree(), m.GetSharedCost(), m.GetVoip(),
		m.GetPersonalNumber(), m.GetPager(), m.GetUan(), m.GetVoicemail(),
	} {
		if nd := compile(d); nd.re != nil {
			p.others = append(p.others, nd)
			alts = append(alts, d.GetNationalNumberPattern())
		}
	}
	if len(alts) > 0 {
		p.othersAny = regexp.MustCompile("^(?:" + strings.Join(alts, "|") + ")$")
	}
	if p.general.re == nil {
		return r
	}
	r.patterns = p
	r.read = newReadRules(m, p.general.re)
	return r
}

// CallingCode returns the region's country calling code, 0 when unknown.
func (r *Region) CallingCode() int { return r.cc }

// TrunkPrefix returns the prefix dialled before national numbers within
// the region ("0" in South Africa), "" when it has none.
func (r *Region) TrunkPrefix() string { return r.ndd }

// classify returns the type of a national significant number, or Unknown
// when it is not a valid number of the region.
func (p *regionPatterns) classify(nsn string) Type {
	if !p.general.match(nsn) {
		return Unknown
	}
	if p.othersAny != nil && p.othersAny.MatchString(nsn) {
		for i := range p.others {
			if p.others[i].match(nsn) {
				return Other
			}
		}
	}
	if p.fixed.match(nsn) {
		return Fixed
	}
	if !p.sameFixMob && p.mobile.match(nsn) {
		return Mobile
	}
	return Unknown
}

// Valid reports whether nsn, a national significant number of the region,
// is valid as libphonenumber's IsValidNumber decides; known is false when
// the region has no compiled patterns to decide by or shares its calling
// code.
func (r *Region) Valid(nsn string) (valid, known bool) {
	if r.patterns == nil || !r.own {
		return false, false
	}
	return r.patterns.classify(nsn) != Unknown, true
}

// IsCallingCode reports whether cc is a country calling code that
// libphonenumber knows.
func IsCallingCode(cc int) bool {
	return phonenumbers.GetRegionCodeForCountryCode(cc) != phonenumbers.UNKNOWN_REGION
}
