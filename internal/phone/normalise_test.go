package phone

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhoneNormalise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		e164  string
		valid bool
		typ   Type
	}{
		{"082 123 4567", "+27821234567", true, Mobile},
		{"+27 82 123 4567", "+27821234567", true, Mobile},
		{"27821234567", "+27821234567", true, Mobile}, // stored as a number
		{"821234567", "+27821234567", true, Mobile},   // lost its leading zero
		{"0027821234567", "+27821234567", true, Mobile},
		{"(011) 555-0101", "+27115550101", true, Fixed},
		{"011.555.0101", "+27115550101", true, Fixed},
		{"0800 123 456", "+27800123456", true, Other},
		{"+44 20 7946 0958", "+442079460958", true, Fixed}, // another country, full parser
		{"082 123", "+2782123", true, Mobile},              // libphonenumber accepts short 8x numbers
		{"099 123 4567", "+27991234567", false, Unknown},
		{"012 34", "+271234", false, Unknown},
		{"0000000000", "", false, Unknown},
		{"n/a", "", false, Unknown},
		{"TBC", "", false, Unknown},
		{"", "", false, Unknown},
	}
	n := NewNormaliser(ForRegion("ZA"))
	for _, tc := range tests {
		for round := 0; round < 2; round++ { // the second round hits the cache
			p := n.Normalise(tc.in)
			if p.E164 != tc.e164 || p.Valid != tc.valid || p.Type != tc.typ {
				t.Errorf("Normalise(%q) = %+v; want %s valid=%v type=%s", tc.in, p, tc.e164, tc.valid, tc.typ)
			}
		}
	}
}

// The fast path agrees with libphonenumber's full parse on validity and
// E.164 for numbers it accepts.
func TestPhoneFastPathMatchesParser(t *testing.T) {
	t.Parallel()
	n := NewNormaliser(ForRegion("ZA"))
	for _, s := range []string{"0821234567", "0115550101", "0800123456", "0861234567", "0871234567", "0601234567", "0211234567", "0991234567", "0312345678", "+27101234567"} {
		fast, ok := n.fast(s)
		if !ok {
			t.Errorf("fast(%q) declined", s)
			continue
		}
		num, err := phonenumbers.Parse(s, "ZA")
		if err != nil {
			t.Fatal(err)
		}
		if want := phonenumbers.IsValidNumber(num); fast.Valid != want {
			t.Errorf("%s: fast path valid=%v, libphonenumber %v", s, fast.Valid, want)
		}
		if want := phonenumbers.Format(num, phonenumbers.E164); fast.Valid && fast.E164 != want {
			t.Errorf("%s: fast path %s, libphonenumber %s", s, fast.E164, want)
		}
	}
}

func TestNormalisePhonesParallel(t *testing.T) {
	t.Parallel()
	in := make([]string, 10000)
	for i := range in {
		in[i] = "082 123 " + strings.Repeat("0", 4-len(itoa(i%10000))) + itoa(i%10000)
	}
	out := NormaliseAll("ZA", in, 2)
	for i, p := range out {
		if !p.Valid || !strings.HasPrefix(p.E164, "+2782123") || len(p.E164) != 12 {
			t.Fatalf("row %d: %q → %+v", i, in[i], p)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func ExampleNormaliser_Normalise() {
	n := NewNormaliser(ForRegion("ZA"))
	for _, cell := range []string{"082 123 4567", "(011) 555-0101", "n/a"} {
		p := n.Normalise(cell)
		fmt.Printf("%q %s valid=%v %s\n", cell, p.E164, p.Valid, p.Type)
	}
	// Output:
	// "082 123 4567" +27821234567 valid=true mobile
	// "(011) 555-0101" +27115550101 valid=true fixed
	// "n/a"  valid=false unknown
}
