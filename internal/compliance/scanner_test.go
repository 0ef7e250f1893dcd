package compliance

import (
	"fmt"
	"slices"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/synth"
)

// nationalSweep lists national numbers of the default region across every
// two-digit prefix and the lengths around its nine digits, with endings
// that vary the digits the patterns look at.
func nationalSweep() []string {
	var out []string
	for p := 10; p <= 99; p++ {
		for _, rest := range []string{"1234567", "0000000", "9876543", "5550123", "123456", "12345678", "123456789", "34920123", "44950123"} {
			out = append(out, fmt.Sprintf("%d%s", p, rest))
		}
	}
	return out
}

// The compiled patterns the scanner uses decide validity exactly as
// libphonenumber does: otherwise the speed-up would change what is
// detected.
func TestDefaultRegionValidityMatchesLibphonenumber(t *testing.T) {
	t.Parallel()
	pr := phone.ForRegion(detect.DefaultRegion)
	cc := int32(phonenumbers.GetCountryCodeForRegion(detect.DefaultRegion))
	valid := 0
	for _, nsn := range nationalSweep() {
		num, err := phonenumbers.Parse("+"+fmt.Sprint(cc)+nsn, "")
		if err != nil {
			t.Fatalf("%s: %v", nsn, err)
		}
		want := phonenumbers.IsValidNumber(num)
		got, known := pr.Valid(nsn)
		if !known || got != want {
			t.Errorf("%s: Valid = %v (known %v), libphonenumber says %v", nsn, got, known, want)
		}
		if want {
			valid++
		}
	}
	// The sweep must hold both kinds, or it proves nothing.
	if valid == 0 || valid == len(nationalSweep()) {
		t.Fatalf("%d of %d numbers valid: the sweep needs valid and invalid numbers", valid, len(nationalSweep()))
	}
}

// A scan with the compiled patterns finds what a scan through
// libphonenumber finds, in every way a number is written.
func TestScannerFindsWhatLibphonenumberFinds(t *testing.T) {
	t.Parallel()
	fast, slow := detect.New(), detect.New(detect.WithFullParse())
	phones := 0
	for _, nsn := range nationalSweep() {
		for _, v := range []string{
			"+27" + nsn, "+27 " + nsn[:2] + " " + nsn[2:], "0" + nsn, "27" + nsn, nsn,
			"call 0" + nsn + " or +44 20 7946 0958", "(0" + nsn[:2] + ") " + nsn[2:],
		} {
			got, want := fast.Value(v, nil, nil), slow.Value(v, nil, nil)
			if !slices.Equal(got, want) {
				t.Errorf("%q: found %+v, libphonenumber finds %+v", v, got, want)
			}
			for _, m := range want {
				if m.Type == detect.Phone {
					phones++
				}
			}
		}
	}
	if phones == 0 {
		t.Fatal("no phone number found in the sweep: it proves nothing")
	}
}

// BenchmarkScanDistinctNumbers scans the generator's organisation table
// with a fresh scanner each time, so that every number is seen once as in
// a compliance run, checking validity through libphonenumber and through
// the compiled patterns the compliance scan uses.
func BenchmarkScanDistinctNumbers(b *testing.B) {
	const rows = 20_000
	tb := synth.Organisations(1, rows)
	cells := float64(rows * tb.NumCols())
	for _, bc := range []struct {
		name string
		scan func() *detect.Scanner
	}{
		{"libphonenumber", func() *detect.Scanner { return detect.New(detect.WithFullParse()) }},
		{"compiled-patterns", func() *detect.Scanner { return detect.New() }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cpu := cputime.Process()
			for b.Loop() {
				_ = bc.scan().Table(tb, detect.TableOptions{})
			}
			// Per CPU second: on a busy machine the wall clock measures
			// the neighbours too.
			b.ReportMetric(cells*float64(b.N)/(cputime.Process()-cpu).Seconds(), "cells/cpu-s")
		})
	}
}
