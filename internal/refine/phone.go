package refine

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// PhoneType classifies a valid number.
type PhoneType uint8

// Phone types. Only valid numbers have a type other than PhoneUnknown.
const (
	PhoneUnknown PhoneType = iota
	PhoneMobile
	PhoneFixed
	PhoneOther // toll-free, shared cost, VoIP, pager, ...
)

// String returns "mobile", "fixed", "other" or "unknown".
func (t PhoneType) String() string {
	switch t {
	case PhoneMobile:
		return "mobile"
	case PhoneFixed:
		return "fixed"
	case PhoneOther:
		return "other"
	}
	return "unknown"
}

// Phone is one normalised phone number.
type Phone struct {
	// Raw is the cleaned input text.
	Raw string
	// E164 is the number as +<country><number> when it parses, even when
	// it is not a valid number for its region; "" otherwise.
	E164 string
	// Valid reports whether the number is a valid, dialable number.
	Valid bool
	Type  PhoneType
}

// PhoneNormaliser turns phone cells into E.164 numbers. Parsing with
// libphonenumber costs several microseconds a number, so the normaliser
// caches results by raw text and takes a fast path for plain digit strings
// in the default region's common shapes (0XX XXX XXXX, +27 XX XXX XXXX,
// 27XXXXXXXXX, a national number that lost its leading zero), checking
// them against the region's number patterns without a full parse.
//
// A PhoneNormaliser is not safe for concurrent use; NormalisePhones
// spreads a batch over several.
type PhoneNormaliser struct {
	*PhoneRegion
	cache map[string]Phone
}

// maxPhoneCache bounds the cache: numbers are mostly distinct, so an
// unbounded cache would only grow with the input.
const maxPhoneCache = 1 << 18

// NewPhoneNormaliser returns a normaliser for numbers written without a
// country code in region (an ISO 3166 code such as "ZA"). An unknown
// region disables the fast path; numbers must then carry their country
// code.
func NewPhoneNormaliser(region string) *PhoneNormaliser {
	return NewPhoneNormaliserFor(NewPhoneRegion(region))
}

// NewPhoneNormaliserFor returns a normaliser sharing a compiled region.
func NewPhoneNormaliserFor(pr *PhoneRegion) *PhoneNormaliser {
	return &PhoneNormaliser{PhoneRegion: pr, cache: make(map[string]Phone, 1024)}
}

// Normalise parses one phone cell. Blank or placeholder text ("n/a",
// "TBC") gives a Phone with Raw set and E164 empty.
func (n *PhoneNormaliser) Normalise(raw string) Phone {
	raw = CleanText(raw)
	if raw == "" {
		return Phone{}
	}
	if p, ok := n.cache[raw]; ok {
		return p
	}
	p, ok := n.fast(raw)
	if !ok {
		p = n.slow(raw)
	}
	if len(n.cache) >= maxPhoneCache {
		clear(n.cache)
	}
	n.cache[raw] = p
	return p
}

// fast handles digit strings with common separators. It returns false for
// anything that needs the full parser (letters, extensions, other
// countries' prefixes it cannot place).
func (n *PhoneNormaliser) fast(raw string) (Phone, bool) {
	if n.cc == 0 || n.patterns == nil {
		return Phone{}, false
	}
	var buf [24]byte
	d := buf[:0]
	plus := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if len(d) == cap(buf) {
				return Phone{}, false
			}
			d = append(d, c)
		case c == '+' && len(d) == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/':
		default:
			return Phone{}, false
		}
	}
	var national []byte
	cc := n.ccText
	switch {
	case plus:
		if !hasPrefix(d, cc) {
			return Phone{}, false
		}
		national = d[len(cc):]
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		if !hasPrefix(d[2:], cc) {
			return Phone{}, false
		}
		national = d[2+len(cc):]
	case n.ndd != "" && hasPrefix(d, n.ndd):
		national = d[len(n.ndd):]
	case hasPrefix(d, cc) && len(d) > len(cc)+7:
		// A number stored as a number: the + was lost.
		national = d[len(cc):]
	default:
		// A national number without its trunk prefix: the leading zero
		// was lost when the cell was formatted as a number.
		national = d
	}
	if len(national) < 4 || len(national) > 15 || national[0] == '0' {
		return Phone{}, false
	}
	nsn := string(national)
	p := Phone{Raw: raw, E164: "+" + n.ccText + nsn, Type: n.patterns.classify(nsn)}
	p.Valid = p.Type != PhoneUnknown
	return p, true
}

func (n *PhoneNormaliser) slow(raw string) Phone {
	num, err := phonenumbers.Parse(raw, n.region)
	if err != nil || num.GetNationalNumber() == 0 {
		return Phone{Raw: raw}
	}
	return classifyParsed(raw, num)
}

// classifyParsed types a number the full parser produced, which may belong
// to any region.
func classifyParsed(raw string, num *phonenumbers.PhoneNumber) Phone {
	p := Phone{Raw: raw, E164: "+" + strconv.Itoa(int(num.GetCountryCode())) + strconv.FormatUint(num.GetNationalNumber(), 10)}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.UNKNOWN:
		return p
	case phonenumbers.MOBILE:
		p.Type = PhoneMobile
	case phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE:
		p.Type = PhoneFixed
	default:
		p.Type = PhoneOther
	}
	p.Valid = true
	return p
}

func hasPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && string(b[:len(p)]) == p
}

// NormalisePhones normalises raws in parallel over up to workers
// goroutines (0 means GOMAXPROCS), each with its own cache.
func NormalisePhones(region string, raws []string, workers int) []Phone {
	out := make([]Phone, len(raws))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 4096
	pr := NewPhoneRegion(region)
	if workers == 1 || len(raws) <= chunk {
		n := NewPhoneNormaliserFor(pr)
		for i, r := range raws {
			out[i] = n.Normalise(r)
		}
		return out
	}
	var wg sync.WaitGroup
	next := make(chan int, (len(raws)+chunk-1)/chunk)
	for lo := 0; lo < len(raws); lo += chunk {
		next <- lo
	}
	close(next)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := NewPhoneNormaliserFor(pr)
			for lo := range next {
				hi := min(lo+chunk, len(raws))
				for i := lo; i < hi; i++ {
					out[i] = n.Normalise(raws[i])
				}
			}
		}()
	}
	wg.Wait()
	return out
}
