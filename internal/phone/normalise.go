package phone

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/hotpass/hotpass/internal/textnorm"
)

// Type classifies a valid number.
type Type uint8

// Phone types. Only valid numbers have a type other than Unknown.
const (
	Unknown Type = iota
	Mobile
	Fixed
	Other // toll-free, shared cost, VoIP, pager, ...
)

// String returns "mobile", "fixed", "other" or "unknown".
func (t Type) String() string {
	switch t {
	case Mobile:
		return "mobile"
	case Fixed:
		return "fixed"
	case Other:
		return "other"
	}
	return "unknown"
}

// Number is one normalised phone cell.
type Number struct {
	// Raw is the cleaned input text.
	Raw string
	// E164 is the number as +<country><number> when it parses, even when
	// it is not a valid number for its region; "" otherwise.
	E164 string
	// Valid reports whether the number is a valid, dialable number.
	Valid bool
	Type  Type
}

// Normaliser turns phone cells into E.164 numbers. Parsing with
// libphonenumber costs several microseconds a number, so the normaliser
// caches results by raw text and takes a fast path for plain digit strings
// in the default region's common shapes (0XX XXX XXXX, +27 XX XXX XXXX,
// 27XXXXXXXXX, a national number that lost its leading zero), checking
// them against the region's number patterns without a full parse.
//
// A Normaliser is not safe for concurrent use; NormaliseAll spreads a
// batch over several.
type Normaliser struct {
	*Region
	cache map[string]Number
}

// maxCache bounds the cache: numbers are mostly distinct, so an
// unbounded cache would only grow with the input.
const maxCache = 1 << 18

// NewNormaliser returns a normaliser for numbers written without a
// country code in region r (see ForRegion). An unknown region disables
// the fast path; numbers must then carry their country code.
func NewNormaliser(r *Region) *Normaliser {
	return &Normaliser{Region: r, cache: make(map[string]Number, 1024)}
}

// Normalise parses one phone cell. Blank or placeholder text ("n/a",
// "TBC") gives a Number with Raw set and E164 empty.
func (n *Normaliser) Normalise(raw string) Number {
	raw = textnorm.Clean(raw)
	if raw == "" {
		return Number{}
	}
	if p, ok := n.cache[raw]; ok {
		return p
	}
	p, ok := n.fast(raw)
	if !ok {
		p = n.slow(raw)
	}
	if len(n.cache) >= maxCache {
		clear(n.cache)
	}
	n.cache[raw] = p
	return p
}

// fast handles digit strings with common separators. It returns false for
// anything that needs the full parser (letters, extensions, other
// countries' prefixes it cannot place).
func (n *Normaliser) fast(raw string) (Number, bool) {
	if n.cc == 0 || n.patterns == nil {
		return Number{}, false
	}
	var buf [maxDigits]byte
	d, plus, ok := plainDigits(raw, &buf)
	if !ok {
		return Number{}, false
	}
	var national []byte
	cc := n.ccText
	switch {
	case plus:
		if !hasPrefix(d, cc) {
			return Number{}, false
		}
		national = d[len(cc):]
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		if !hasPrefix(d[2:], cc) {
			return Number{}, false
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
		return Number{}, false
	}
	nsn := string(national)
	p := Number{Raw: raw, E164: "+" + n.ccText + nsn, Type: n.patterns.classify(nsn)}
	p.Valid = p.Type != Unknown
	return p, true
}

// slow reads what the fast path declines as libphonenumber does. Its
// E.164 leaves out Italian leading zeros, as it always has.
func (n *Normaliser) slow(raw string) Number {
	num, ok := n.Parse(raw)
	if !ok || num.National == 0 {
		return Number{Raw: raw}
	}
	p := Number{Raw: raw, E164: "+" + strconv.Itoa(num.CountryCode) + strconv.FormatUint(num.National, 10), Type: n.Type(num)}
	p.Valid = p.Type != Unknown
	return p
}

// NormaliseAll normalises raws, numbers of region (an ISO 3166 code such
// as "ZA") unless they carry a country code, in parallel over up to
// workers goroutines (0 means GOMAXPROCS), each with its own cache.
func NormaliseAll(region string, raws []string, workers int) []Number {
	out := make([]Number, len(raws))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 4096
	pr := ForRegion(region)
	if workers == 1 || len(raws) <= chunk {
		n := NewNormaliser(pr)
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
			n := NewNormaliser(pr)
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
