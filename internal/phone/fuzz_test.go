package phone

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/hotpass/hotpass/internal/textnorm"
)

// Phone normalisation never panics, a valid result is E.164, and when the
// fast path accepts a number its verdict is libphonenumber's.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"082 123 4567", "+27 82 123 4567", "27821234567", "(011) 555-0101", "n/a", "+44 20 7946 0958", "0800123456", "00278212345678"} {
		f.Add(s)
	}
	n := NewNormaliser(ForRegion("ZA"))
	f.Fuzz(func(t *testing.T, raw string) {
		p := n.Normalise(raw)
		if p.Valid && (!strings.HasPrefix(p.E164, "+") || len(p.E164) < 4 || len(p.E164) > 16) {
			t.Fatalf("Normalise(%q) = %+v: not E.164", raw, p)
		}
		fast, ok := n.fast(textnorm.Clean(raw))
		if !ok {
			return
		}
		num, err := phonenumbers.Parse(fast.E164, "ZA")
		if err != nil {
			if fast.Valid {
				t.Fatalf("fast path accepted %q as %s, libphonenumber cannot parse it: %v", raw, fast.E164, err)
			}
			return
		}
		if want := phonenumbers.IsValidNumber(num); want != fast.Valid {
			t.Fatalf("%q: fast path valid=%v (%s), libphonenumber %v", raw, fast.Valid, fast.E164, want)
		}
	})
}
