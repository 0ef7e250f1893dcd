package phone

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// libParse is what the fast paths must reproduce.
func libParse(text, region string) (Parsed, bool) {
	num, err := phonenumbers.Parse(text, region)
	if err != nil {
		return Parsed{}, false
	}
	return fromLib(num), true
}

func TestParse(t *testing.T) {
	t.Parallel()
	za := ForRegion("za")
	tests := []struct {
		text string
		want Parsed
		ok   bool
		// fast is whether the number is read without libphonenumber.
		fast bool
	}{
		{"27541841461", Parsed{27, 541841461, "541841461"}, true, true},          // lost its plus
		{"27 82 123 4567", Parsed{27, 821234567, "821234567"}, true, true},       // lost its plus, spaced
		{"2712345678", Parsed{27, 2712345678, "2712345678"}, true, true},         // a national number starting 27
		{"821234567", Parsed{27, 821234567, "821234567"}, true, true},            // lost its trunk zero
		{"082 123 4567", Parsed{27, 821234567, "821234567"}, true, true},         // trunk prefix
		{"(011) 555-0101", Parsed{27, 115550101, "115550101"}, true, true},       // brackets
		{"011.555.0101", Parsed{27, 115550101, "115550101"}, true, true},         // dots
		{"+27 82 123 4567", Parsed{27, 821234567, "821234567"}, true, true},      // international
		{"+27 (0) 82 123 4567", Parsed{27, 821234567, "821234567"}, true, true},  // trunk written after the code
		{"(+27) 82 123 4567", Parsed{27, 821234567, "821234567"}, true, true},    // plus inside brackets
		{"082/123/4567", Parsed{27, 821234567, "821234567"}, true, true},         // slashes
		{"++27 82 123 4567", Parsed{27, 821234567, "821234567"}, true, false},    // two pluses
		{"01234", Parsed{27, 1234, "01234"}, true, false},                        // too short to drop the zero: Italian zero
		{"0027821234567", Parsed{27, 821234567, "821234567"}, true, false},       // dialled from abroad
		{"+44 20 7946 0958", Parsed{44, 2079460958, "2079460958"}, true, false},  // another country
		{"tel 082 123 4567", Parsed{27, 821234567, "821234567"}, true, false},    // letters
		{"082 123 4567 ext 12", Parsed{27, 821234567, "821234567"}, true, false}, // extension
		{"n/a", Parsed{}, false, false},                                          // not a number
		{"+0 82 123 4567", Parsed{}, false, false},                               // no calling code starts with 0
		{"+999 1234 5678", Parsed{}, false, false},                               // unassigned calling code
		{"1234567890123456789", Parsed{}, false, false},                          // too long
		{"0", Parsed{}, false, false},                                            // too short
		{"27 0 82 123 4567", Parsed{27, 821234567, "821234567"}, true, false},    // trunk after a lost plus
	}
	for _, tc := range tests {
		got, ok := za.Parse(tc.text)
		if ok != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tc.text, got, ok, tc.want, tc.ok)
		}
		lib, libOK := libParse(tc.text, "ZA")
		if libOK != ok || lib != got {
			t.Errorf("Parse(%q) = %+v, %v; libphonenumber %+v, %v", tc.text, got, ok, lib, libOK)
		}
		if _, fast := za.read.parse(tc.text, za); fast != tc.fast {
			t.Errorf("Parse(%q): read without libphonenumber %v, want %v", tc.text, fast, tc.fast)
		}
	}
}

func TestParsedE164(t *testing.T) {
	t.Parallel()
	za := ForRegion("ZA")
	for _, text := range []string{"082 123 4567", "27541841461", "01234", "+39 06 1234 5678", "+44 20 7946 0958"} {
		p, ok := za.Parse(text)
		if !ok {
			t.Fatalf("Parse(%q) failed", text)
		}
		num, err := phonenumbers.Parse(text, "ZA")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.E164(), phonenumbers.Format(num, phonenumbers.E164); got != want {
			t.Errorf("%q: E164 %s, libphonenumber %s", text, got, want)
		}
	}
}

// generated returns n numbers written the ways cells and free text hold
// them: with or without a calling code, plus, trunk or international
// prefix, in several lengths and groupings.
func generated(r *Region, n int, rng *rand.Rand) []string {
	prefixes := []string{"", r.ndd, r.ccText, r.ccText + r.ndd, "+" + r.ccText, "+" + r.ccText + " " + r.ndd, "00" + r.ccText, "+1", "+44", "+3"}
	out := make([]string, 0, n)
	for len(out) < n {
		var b strings.Builder
		b.WriteString(prefixes[rng.IntN(len(prefixes))])
		digits := 2 + rng.IntN(16)
		sep := " -.()/"[rng.IntN(6)]
		for i := 0; i < digits; i++ {
			if i > 0 && rng.IntN(4) == 0 {
				b.WriteByte(sep)
			}
			// Leading digits from the whole range, the rest mostly
			// plausible, so that valid and invalid numbers both occur.
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		out = append(out, b.String())
	}
	return out
}

// Over many generated numbers in several regions, Parse, Type and IsValid
// answer as libphonenumber does, and the fast path takes most of them.
func TestParseMatchesLibphonenumber(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"ZA", "DE", "FR", "US", "IT", "NA", "BR", "CA"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			perRegion := 1000
			if code == "ZA" {
				perRegion = 5000
			}
			r := ForRegion(code)
			rng := rand.New(rand.NewPCG(1, uint64(len(code))))
			fast, valid := 0, 0
			for _, text := range generated(r, perRegion, rng) {
				got, ok := r.Parse(text)
				num, err := phonenumbers.Parse(text, code)
				if ok != (err == nil) || ok && got != fromLib(num) {
					t.Fatalf("Parse(%q) = %+v, %v; libphonenumber %v, %v", text, got, ok, num, err)
				}
				if r.read != nil {
					if _, hit := r.read.parse(text, r); hit {
						fast++
					}
				}
				if !ok {
					continue
				}
				if got, want := r.IsValid(got), phonenumbers.IsValidNumber(num); got != want {
					t.Fatalf("IsValid(%q) = %v, libphonenumber %v", text, got, want)
				}
				if got, want := r.Type(got), typeOf(phonenumbers.GetNumberType(num)); got != want {
					t.Fatalf("Type(%q) = %s, libphonenumber %s", text, got, want)
				}
				if r.IsValid(got) {
					valid++
				}
			}
			t.Logf("%s: %d of %d read without libphonenumber, %d valid", code, fast, perRegion, valid)
			if code == "ZA" && (fast < perRegion/3 || valid == 0) {
				t.Fatalf("%d of %d read by the fast path, %d valid: the comparison proves little", fast, perRegion, valid)
			}
		})
	}
}

// FromParts builds what the parser builds for a number without leading
// zeros.
func TestFromParts(t *testing.T) {
	t.Parallel()
	p := FromParts(27, 821234567)
	if want := (Parsed{27, 821234567, "821234567"}); p != want {
		t.Fatalf("FromParts = %+v, want %+v", p, want)
	}
	if got := p.E164(); got != "+27821234567" {
		t.Fatalf("E164 = %s", got)
	}
}

// A reference region reads nothing itself, and still answers alike.
func TestReference(t *testing.T) {
	t.Parallel()
	ref := Reference("ZA")
	if ref.read != nil || ref.patterns != nil {
		t.Fatal("the reference region has fast paths")
	}
	if _, known := ref.Valid("821234567"); known {
		t.Fatal("the reference region decides by compiled patterns")
	}
	za := ForRegion("ZA")
	for _, text := range []string{"082 123 4567", "27541841461", "099 123 4567", "+44 20 7946 0958"} {
		a, aok := za.Parse(text)
		b, bok := ref.Parse(text)
		if a != b || aok != bok || za.IsValid(a) != ref.IsValid(b) || za.Type(a) != ref.Type(b) {
			t.Errorf("%q: %+v (valid %v) against the reference's %+v (valid %v)", text, a, za.IsValid(a), b, ref.IsValid(b))
		}
	}
}

func ExampleRegion_Parse() {
	za := ForRegion("ZA")
	p, ok := za.Parse("27 82 123 4567")
	fmt.Println(p.E164(), ok, za.IsValid(p), za.Type(p))
	// Output: +27821234567 true true mobile
}

// FuzzParse checks Parse against libphonenumber on any text.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"27541841461", "082 123 4567", "+27 (0) 82 123 4567", "0027821234567", "01234", "n/a"} {
		f.Add(s)
	}
	za := ForRegion("ZA")
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := za.Parse(text)
		want, wantOK := libParse(text, "ZA")
		if ok != wantOK || got != want {
			t.Fatalf("Parse(%q) = %+v, %v; libphonenumber %+v, %v", text, got, ok, want, wantOK)
		}
	})
}
