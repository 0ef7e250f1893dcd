package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Streams separate the random sequences of different kinds of records, so
// that adding a column to one kind never changes the values of another.
const (
	streamEntity uint64 = iota + 1
	streamOrgRow
	streamContact
	streamWorkbook
)

// rng derives an independent generator for record i of a stream. Every
// record is a pure function of (seed, stream, i): batches can be produced
// in any size and order with identical results.
type rng struct {
	pcg *rand.PCG
	*rand.Rand
}

func newRNG() *rng {
	p := rand.NewPCG(0, 0)
	return &rng{pcg: p, Rand: rand.New(p)}
}

func (r *rng) at(seed int64, stream uint64, i int) *rng {
	r.pcg.Seed(uint64(seed)^(stream*0x9E3779B97F4A7C15), uint64(i)*0xD1B54A32D192ED03+stream)
	return r
}

func pick[T any](r *rng, xs []T) T { return xs[r.IntN(len(xs))] }

// entity is one real-world organisation: the truth behind its records.
type entity struct {
	id       int
	name     string // canonical name with legal suffix
	core     string // name without the legal suffix
	suffix   string
	typ      int // index into orgTypes
	place    place
	domain   string // e.g. skyhighflightacademy.co.za; "" when it has no website
	planes   int
	landline string // national format 0XX XXX XXXX
}

// makeEntity builds entity id deterministically.
func makeEntity(r *rng, seed int64, id int) entity {
	r.at(seed, streamEntity, id)
	e := entity{id: id, typ: r.IntN(len(orgTypes)), place: pick(r, places)}
	var first string
	switch r.IntN(3) {
	case 0:
		first = e.place.town
	case 1:
		first = pick(r, surnames)
		if !isLatin(first) {
			first = pick(r, nameWords)
		}
	default:
		first = pick(r, nameWords)
	}
	if r.IntN(3) == 0 {
		first += " " + pick(r, nameWords)
	}
	e.core = first + " " + pick(r, typeWords[e.typ])
	if orgTypes[e.typ] != TypeAeroClub {
		e.suffix = pick(r, legalSuffixes)
	}
	e.name = e.core
	if e.suffix != "" {
		e.name += " " + e.suffix
	}
	if r.IntN(10) < 8 {
		e.domain = slug(e.core) + pick(r, []string{".co.za", ".co.za", ".co.za", ".com", ".org.za", ".aero"})
	}
	e.planes = r.IntN(25)
	e.landline = landline(r, e.place)
	return e
}

func isLatin(s string) bool {
	for _, c := range s {
		if c >= 0x250 {
			return false
		}
	}
	return true
}

// slug lower-cases s and keeps ASCII letters and digits only.
func slug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == 'é' || c == 'è':
			b.WriteByte('e')
		case c == 'ü':
			b.WriteByte('u')
		}
	}
	return b.String()
}

// areaCodes are landline prefixes by province.
var areaCodes = map[string][]string{
	"Gauteng": {"011", "012", "016"}, "Western Cape": {"021", "044", "023"},
	"KwaZulu-Natal": {"031", "033", "039"}, "Eastern Cape": {"041", "043", "047"},
	"Free State": {"051", "057", "058"}, "Limpopo": {"015"}, "Mpumalanga": {"013", "017"},
	"North West": {"014", "018"}, "Northern Cape": {"053", "054"},
}

var mobilePrefixes = []string{"060", "061", "071", "072", "073", "074", "076", "078", "079", "081", "082", "083", "084"}

// digits returns n random decimal digits.
func digits(r *rng, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// landline returns a national landline number such as 011 555 0101.
func landline(r *rng, p place) string {
	return pick(r, areaCodes[p.province]) + " " + digits(r, 3) + " " + digits(r, 4)
}

// mobile returns a national mobile number such as 082 123 4567.
func mobile(r *rng) string {
	return pick(r, mobilePrefixes) + " " + digits(r, 3) + " " + digits(r, 4)
}

// PhoneStyle names a way a phone number is written; the workbooks write
// PhoneNumeric as a numeric cell.
type PhoneStyle int

// Phone styles.
const (
	PhoneSpaced        PhoneStyle = iota // 011 555 0101
	PhoneInternational                   // +27 82 123 4567
	PhoneCompact                         // 0821234567
	PhoneNumeric                         // 27821234567, a number in spreadsheets
	PhoneBrackets                        // (021) 555-0199
	PhoneDashed                          // 082-123-4567
	PhoneInvalid                         // 082 123, n/a, TBC
	phoneStyles
)

// dirtyPhone renders a national number (0XX XXX XXXX) in a random style.
func dirtyPhone(r *rng, national string) (string, PhoneStyle) {
	d := strings.ReplaceAll(national, " ", "")
	style := PhoneStyle(r.IntN(int(phoneStyles)))
	if style == PhoneInvalid && r.IntN(2) == 0 {
		style = PhoneSpaced // keep invalid numbers a minority
	}
	switch style {
	case PhoneInternational:
		return "+27 " + d[1:3] + " " + d[3:6] + " " + d[6:], style
	case PhoneCompact:
		return d, style
	case PhoneNumeric:
		return "27" + d[1:], style
	case PhoneBrackets:
		return "(" + d[:3] + ") " + d[3:6] + "-" + d[6:], style
	case PhoneDashed:
		return d[:3] + "-" + d[3:6] + "-" + d[6:], style
	case PhoneInvalid:
		return pick(r, []string{d[:3] + " " + d[3:6], "n/a", "TBC", d[1:7], "0000000000"}), style
	}
	return national, PhoneSpaced
}

// dirtyWebsite renders a domain with or without scheme, www and trailing
// slash, in mixed case.
func dirtyWebsite(r *rng, domain string) string {
	if domain == "" {
		return ""
	}
	host := domain
	if r.IntN(2) == 0 {
		host = "www." + host
	}
	switch r.IntN(5) {
	case 0:
		host = "http://" + host
	case 1:
		host = "https://" + host
	case 2:
		host = "HTTPS://" + strings.ToUpper(host)
	}
	if r.IntN(4) == 0 {
		host += "/"
	}
	return host
}

// dirtyProvince returns the canonical name or one of its aliases.
func dirtyProvince(r *rng, province string) (string, bool) {
	for i, p := range provinces {
		if p == province {
			if r.IntN(5) < 2 {
				return pick(r, provinceAliases[i]), true
			}
			return p, false
		}
	}
	return province, false
}

// EmailStyle names how an email cell is written.
type EmailStyle int

// Email styles.
const (
	EmailSingle  EmailStyle = iota
	EmailMulti              // two or three addresses separated by ; , or /
	EmailInvalid            // a value that is not an address
	EmailEmpty
)

// emailFor builds a mailbox for a person at a domain.
func emailFor(first, last, domain string) string {
	local := slug(first)
	if l := slug(last); l != "" {
		if local == "" {
			local = l
		} else {
			local += "." + l
		}
	}
	if local == "" {
		local = "info"
	}
	return local + "@" + domain
}

var freeMail = []string{"gmail.com", "outlook.com", "mweb.co.za", "telkomsa.net", "yahoo.co.za", "icloud.com"}

// dirtyEmail renders the email cell of a contact.
func dirtyEmail(r *rng, first, last, domain string) (string, EmailStyle) {
	if domain == "" {
		domain = pick(r, freeMail)
	}
	addr := emailFor(first, last, domain)
	if r.IntN(4) == 0 {
		addr = strings.ToUpper(addr[:1]) + addr[1:]
	}
	switch n := r.IntN(20); {
	case n < 3:
		sep := pick(r, []string{";", "; ", ",", ", ", " / "})
		out := addr + sep + "info@" + domain
		if r.IntN(3) == 0 {
			out += sep + "bookings@" + domain
		}
		return out, EmailMulti
	case n < 5:
		return pick(r, []string{
			strings.Replace(addr, "@", "@@", 1), strings.Replace(addr, "@", " at ", 1),
			addr[:strings.IndexByte(addr, '@')+1], strings.Replace(addr, "@", "", 1), "n/a",
		}), EmailInvalid
	case n < 6:
		return "", EmailEmpty
	}
	return addr, EmailSingle
}

// TypoKind names how a duplicate's name differs from the original.
type TypoKind int

// Typo kinds.
const (
	TypoSwap       TypoKind = iota // two adjacent letters swapped
	TypoDropSuffix                 // "(Pty) Ltd" or similar left out
	TypoCase                       // upper or lower case
	TypoSpacing                    // doubled or trailing spaces
	TypoAmpersand                  // a word dropped or "and"/"&" swapped
	typoKinds
)

// typo returns a variant of name a person might type for the same
// organisation.
func typo(r *rng, e entity) (string, TypoKind) {
	kind := TypoKind(r.IntN(int(typoKinds)))
	switch kind {
	case TypoSwap:
		return swapLetters(r, e.name), kind
	case TypoDropSuffix:
		if e.suffix != "" {
			return e.core, kind
		}
		return swapLetters(r, e.name), TypoSwap
	case TypoCase:
		if r.IntN(2) == 0 {
			return strings.ToUpper(e.name), kind
		}
		return strings.ToLower(e.name), kind
	case TypoSpacing:
		if i := strings.IndexByte(e.name, ' '); i > 0 {
			return e.name[:i] + "  " + e.name[i+1:] + " ", kind
		}
		return e.name + " ", kind
	}
	words := strings.Fields(e.core)
	if len(words) > 2 {
		// Drop a middle word: "Eagle Falcon Flight School" → "Eagle Flight School".
		drop := 1 + r.IntN(len(words)-2)
		return strings.Join(append(words[:drop:drop], words[drop+1:]...), " ") + suffixPart(e), kind
	}
	return strings.Replace(e.name, " ", " & ", 1), kind
}

func suffixPart(e entity) string {
	if e.suffix == "" {
		return ""
	}
	return " " + e.suffix
}

// swapLetters swaps two adjacent letters inside a word.
func swapLetters(r *rng, s string) string {
	runes := []rune(s)
	for tries := 0; tries < 8; tries++ {
		i := r.IntN(max(len(runes)-1, 1))
		if i+1 < len(runes) && unicode.IsLetter(runes[i]) && unicode.IsLetter(runes[i+1]) && runes[i] != runes[i+1] {
			runes[i], runes[i+1] = runes[i+1], runes[i]
			return string(runes)
		}
	}
	return s + "s"
}

// person is a contact at an organisation.
type person struct {
	first, last, role string
}

func makePerson(r *rng) person {
	p := person{first: pick(r, firstNames), last: pick(r, surnames), role: pick(r, roles)}
	if r.IntN(25) == 0 {
		p.first = strings.ToUpper(p.first)
	}
	return p
}

// padID renders prefix + i zero-padded to width digits.
func padID(prefix string, i, width int) string {
	s := strconv.Itoa(i)
	if n := width - utf8.RuneCountInString(s); n > 0 {
		s = strings.Repeat("0", n) + s
	}
	return prefix + s
}
