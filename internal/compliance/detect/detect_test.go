package detect

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/cputime"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table"
)

// found is "type:text" for each match, for compact expectations.
func found(s *Scanner, v string, names ...string) []string {
	var out []string
	for _, m := range s.Value(v, names, nil) {
		out = append(out, fmt.Sprintf("%s:%s", m.Type, v[m.Start:m.End]))
	}
	return out
}

func TestValue(t *testing.T) {
	t.Parallel()
	s := New()
	cases := []struct {
		name  string
		in    string
		names []string
		want  []string
	}{
		// Email.
		{"email", "jane.doe@example.co.za", nil, []string{"email:jane.doe@example.co.za"}},
		{"email in text", "Mail: info@skyhigh.aero.", nil, []string{"email:info@skyhigh.aero"}},
		{"two emails", "a@b.com; c.d@e.org", nil, []string{"email:a@b.com", "email:c.d@e.org"}},
		{"no domain dot", "user@localhost", nil, nil},
		{"bare at", "meet @ 10am", nil, nil},
		{"numeric tld", "x@host.123", nil, nil},
		// Phone.
		{"za mobile national", "082 123 4567", nil, []string{"phone:082 123 4567"}},
		{"za mobile intl", "+27 82 123 4567", nil, []string{"phone:+27 82 123 4567"}},
		{"za landline brackets", "(011) 555-1234", nil, []string{"phone:(011) 555-1234"}},
		{"two phones", "0821234567 0115551234", nil, []string{"phone:0821234567", "phone:0115551234"}},
		{"phone in text", "Call 0821234567 today", nil, []string{"phone:0821234567"}},
		{"too short", "12345", nil, nil},
		{"not a phone", "0000000000", nil, nil},
		{"date is not a phone", "2024-01-15", nil, nil},
		{"id inside word", "REF0821234567X", nil, nil},
		// SA ID.
		{"sa id", "8001015009087", nil, []string{"sa_id:8001015009087"}},
		{"sa id leap day 2000", "0002295009084", nil, []string{"sa_id:0002295009084"}},
		{"sa id in text", "ID 8512315110086 on file", nil, []string{"sa_id:8512315110086"}},
		{"sa id bad luhn", "8001015009088", nil, nil},
		{"sa id bad month", "8013015009082", nil, nil},
		{"sa id bad day", "8001325009082", nil, nil},
		{"sa id 31 april", "8004315009088", nil, nil},
		{"sa id 29 feb non-leap", "0102295009082", nil, nil},
		{"sa id citizenship 2", "8001015009285", nil, nil},
		// Cards.
		{"visa", "4111111111111111", nil, []string{"card_number:4111111111111111"}},
		{"visa grouped", "4111 1111 1111 1111", nil, []string{"card_number:4111 1111 1111 1111"}},
		{"mastercard dashes", "5400-0000-0000-0005", nil, []string{"card_number:5400-0000-0000-0005"}},
		{"amex", "378282246310005", nil, []string{"card_number:378282246310005"}},
		{"card bad luhn", "4111111111111112", nil, nil},
		{"luhn but not a card prefix", "9111111111111119", nil, nil},
		// IP addresses.
		{"ipv4", "host 192.168.10.1 up", nil, []string{"ipv4:192.168.10.1"}},
		{"ipv4 octet too big", "192.168.300.1", nil, nil},
		{"version number", "v1.2.3", nil, nil},
		{"ipv6", "from 2001:db8::8a2e:370:7334", nil, []string{"ipv6:2001:db8::8a2e:370:7334"}},
		{"ipv6 loopback", "::1", nil, []string{"ipv6:::1"}},
		{"time is not ipv6", "12:30:45", nil, nil},
		// IBAN.
		{"iban", "DE89370400440532013000", nil, []string{"iban:DE89370400440532013000"}},
		{"iban grouped", "pay GB82 WEST 1234 5698 7654 32 now", nil, []string{"iban:GB82 WEST 1234 5698 7654 32"}},
		{"iban bad check", "GB82 WEST 1234 5698 7654 33", nil, nil},
		// Names.
		{"record name", "Ask for jan van der merwe at the desk", []string{"Jan van der Merwe"}, []string{"person_name:jan van der merwe"}},
		{"record name not inside a word", "Janet", []string{"Jan"}, []string{"person_name:Janet"}},
		{"given name and surname", "Contact Sarah Botha for bookings", nil, []string{"person_name:Sarah Botha"}},
		{"given name alone", "Thanks, Peter.", nil, []string{"person_name:Peter"}},
		{"lower case word", "the mark of a good school", nil, nil},
		{"upper case heading", "JOHN DEERE", nil, nil},
		{"no names", "Eagle Flight Academy", nil, nil},
		{"given name before an organisation word", "Rose Aviation", nil, []string{"person_name:Rose"}},
		// Mixed.
		{"email and phone", "john@ex.co.za / +27821234567", nil, []string{"email:john@ex.co.za", "phone:+27821234567"}},
		{"empty", "", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := found(s, c.in, c.names...)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("Value(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fn   func(string) bool
		name string
		in   string
		want bool
	}{
		{Luhn, "luhn", "79927398713", true},
		{Luhn, "luhn", "79927398710", false},
		{Luhn, "luhn non-digit", "7992739871a", false},
		{ValidSAID, "said", "8001015009087", true},
		{ValidSAID, "said short", "800101500908", false},
		{ValidSAID, "said letters", "80010150090a7", false},
		{ValidIBAN, "iban", "GB82WEST12345698765432", true},
		{ValidIBAN, "iban lower", "gb82west12345698765432", true},
		{ValidIBAN, "iban short", "GB82WEST1234", false},
		{ValidIBAN, "iban no country", "1282WEST12345698765432", false},
	} {
		if got := c.fn(c.in); got != c.want {
			t.Errorf("%s(%q) = %v, want %v", c.name, c.in, got, c.want)
		}
	}
	if !IsGivenName("sarah") || IsGivenName("aircraft") {
		t.Error("IsGivenName: want sarah in the list and aircraft not")
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "organisation", Type: table.String},
		table.Field{Name: "contact_name", Type: table.String},
		table.Field{Name: "notes", Type: table.String},
		table.Field{Name: "id_number", Type: table.Int64},
	), 2)
	for _, r := range [][]any{
		{"Sky Flight School", "Thandi Nkosi", "thandi prefers email: t.nkosi@sky.co.za", int64(8001015009087)},
		{"Blue Air", nil, "no contact", int64(42)},
	} {
		if err := b.AppendRow(r...); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	got := New().Table(tb, TableOptions{})
	want := []Finding{
		// "Sky" is a given name too: weak evidence, but reported.
		{Type: PersonName, Column: "organisation", Row: 1, Start: 0, End: 3, Confidence: confGivenOnly},
		{Type: PersonName, Column: "contact_name", Row: 1, Start: 0, End: 12, Confidence: confNameColumn},
		{Type: Email, Column: "notes", Row: 1, Start: 22, End: 39, Confidence: confEmail},
		{Type: SAID, Column: "id_number", Row: 1, Start: 0, End: 13, Confidence: confSAID},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("findings:\n got %v\nwant %v", got, want)
	}
	// "thandi" in notes is the record's name; it must be found as well
	// when the name columns are given and the email is not in the way.
	got = New().Table(tb, TableOptions{NameColumns: []string{"contact_name"}, Columns: []string{"notes"}})
	if len(got) != 1 || got[0].Type != Email {
		t.Fatalf("Columns limit: got %v", got)
	}
	sum := Summarise(New().Table(tb, TableOptions{}))
	if len(sum) != 4 || sum[1].Column != "contact_name" || sum[1].Count != 1 || sum[1].Rows != 1 {
		t.Fatalf("Summarise: %+v", sum)
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{"jane@ex.co.za", "+27 82 123 4567", "8001015009087", "GB82 WEST 1234 5698 7654 32",
		"2001:db8::1", "192.168.0.1", "Sarah Botha", "(011) 555-1234", "4111-1111-1111-1111", "::", "@.", "+(", "É Zoë"} {
		f.Add(s, "Botha")
	}
	s := New()
	f.Fuzz(func(t *testing.T, v, name string) {
		ms := s.Value(v, []string{name}, nil)
		prev := -1
		for _, m := range ms {
			if m.Start < 0 || m.End > len(v) || m.Start >= m.End {
				t.Fatalf("bad span %+v in %q", m, v)
			}
			if m.Start < prev {
				t.Fatalf("matches out of order: %+v", ms)
			}
			prev = m.Start
			if m.Confidence <= 0 || m.Confidence > 1 {
				t.Fatalf("confidence %v", m.Confidence)
			}
		}
	})
}

func FuzzValidators(f *testing.F) {
	f.Add("8001015009087")
	f.Add("GB82WEST12345698765432")
	f.Fuzz(func(t *testing.T, s string) {
		if ValidSAID(s) && (len(s) != 13 || !Luhn(s)) {
			t.Fatalf("ValidSAID(%q) without 13 digits and a Luhn check", s)
		}
		_ = ValidIBAN(s)
	})
}

// BenchmarkScanOrganisations scans the generator's organisation table on
// one goroutine and reports cells per second.
func BenchmarkScanOrganisations(b *testing.B) {
	const rows = 20_000
	tb := synth.Organisations(1, rows)
	s := New()
	cells := float64(rows * tb.NumCols())
	cpu := cputime.Process()
	for b.Loop() {
		_ = s.Table(tb, TableOptions{})
	}
	// Per CPU second as well as per wall second: on a busy machine the
	// wall clock measures the neighbours too.
	b.ReportMetric(cells*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
	b.ReportMetric(cells*float64(b.N)/(cputime.Process()-cpu).Seconds(), "cells/cpu-s")
}
