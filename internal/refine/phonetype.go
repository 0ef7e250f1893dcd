package refine

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// PhoneRegion holds one region's calling code and number patterns,
// compiled once and shared: it is immutable and safe for concurrent use.
// It classifies national numbers exactly as libphonenumber's GetNumberType
// does (same patterns, same order of checks) but without its
// mutex-guarded regular expression cache, which serialises parallel
// callers and dominated the cost of normalising a number.
type PhoneRegion struct {
	region string
	cc     int
	ccText string
	ndd    string
	// patterns is nil when the region is unknown.
	patterns *regionPatterns
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

// phoneMetadata loads libphonenumber's territory metadata once.
// MetadataCollection writes package state without a lock, so it must not
// be called concurrently.
var phoneMetadata = sync.OnceValues(func() (map[string]*phonenumbers.PhoneMetadata, error) {
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

// NewPhoneRegion compiles the patterns of region (ISO 3166, e.g. "ZA").
// An unknown region gives a PhoneRegion without a fast path.
func NewPhoneRegion(region string) *PhoneRegion {
	region = strings.ToUpper(strings.TrimSpace(region))
	pr := &PhoneRegion{region: region}
	cc := phonenumbers.GetCountryCodeForRegion(region)
	if cc <= 0 {
		return pr
	}
	pr.cc, pr.ccText = cc, strconv.Itoa(cc)
	pr.ndd = phonenumbers.GetNddPrefixForRegion(region, true)
	metas, err := phoneMetadata()
	if err != nil || metas[region] == nil {
		return pr
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
		return pr
	}
	pr.patterns = p
	return pr
}

// classify returns the type of a national significant number, or
// PhoneUnknown when it is not a valid number of the region.
func (p *regionPatterns) classify(nsn string) PhoneType {
	if !p.general.match(nsn) {
		return PhoneUnknown
	}
	if p.othersAny != nil && p.othersAny.MatchString(nsn) {
		for i := range p.others {
			if p.others[i].match(nsn) {
				return PhoneOther
			}
		}
	}
	if p.fixed.match(nsn) {
		return PhoneFixed
	}
	if !p.sameFixMob && p.mobile.match(nsn) {
		return PhoneMobile
	}
	return PhoneUnknown
}

// Valid reports whether nsn, a national significant number of the region,
// is valid as libphonenumber's IsValidNumber decides; known is false when
// the region has no patterns to decide by.
func (pr *PhoneRegion) Valid(nsn string) (valid, known bool) {
	if pr.patterns == nil {
		return false, false
	}
	return pr.patterns.classify(nsn) != PhoneUnknown, true
}
