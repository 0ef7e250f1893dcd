package rule

import (
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		cols     []string
	}{
		{"surname", "surname", []string{"surname"}},
		{"first_name + city", "first_name + city", []string{"first_name", "city"}},
		{" soundex( surname )+year(dob) ", "soundex(surname) + year(dob)", []string{"surname", "dob"}},
		{"prefix(lower(title), 8)", "prefix(lower(title), 8)", []string{"title"}},
		{"dmetaphone(surname) + surname", "metaphone(surname) + surname", []string{"surname"}},
		{"email_domain(e-mail)", "email_domain(e-mail)", []string{"e-mail"}},
		{"SUBSTR( postcode ,4)", "substr(postcode, 4)", []string{"postcode"}},
	} {
		r, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if r.String() != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, r.String(), tc.want)
		}
		if got := r.Columns(); len(got) != len(tc.cols) || got[0] != tc.cols[0] {
			t.Errorf("Parse(%q).Columns() = %v, want %v", tc.in, got, tc.cols)
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "a +", "+ b", "soundex(", "nosuch(a)", "prefix(a)", "prefix(a, 0)", "prefix(a, x)", "substr(a)", "substr(a, -1)", "lower(a, 3)", "a = b", "year()"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", in)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rule, value, want string
		ok                bool
	}{
		{"a", "Smith", "Smith", true},
		{"lower(a)", "  SmÏth ", "smïth", true},
		{"trim(a)", "  x ", "x", true},
		{"prefix(a, 3)", " Jöhnson", "Jöh", true},
		{"prefix(a, 10)", "Jo", "Jo", true},
		{"substr(a, 3)", " Jöhnson", " Jö", true},
		{"substr(a, 3)", "Jöhnson ", "Jöh", true},
		{"substr(a, 2)", "  ", "  ", true},
		{"soundex(a)", "Robert", "R163", true},
		{"metaphone(a)", "Smith", "SM0", true},
		{"year(a)", "1985-03-02", "1985", true},
		{"year(a)", "19850302", "1985", true},
		{"year(a)", "not a date", "", false},
		{"email_domain(a)", "Bob@Example.COM ", "example.com", true},
		{"email_domain(a)", "no-at-sign", "", false},
		{"prefix(lower(a), 2)", "ABC", "ab", true},
		{"lower(a)", "   ", "", false},
	} {
		r, err := Parse(tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := r.Keys[0].Append(nil, tc.value)
		if string(got) != tc.want || ok != tc.ok {
			t.Errorf("%s of %q = %q, %v; want %q, %v", tc.rule, tc.value, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a + b", "prefix(lower(x), 3)", "soundex(a)+year(b)", "((", "a+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		// A parsed rule renders to text that parses to the same rule.
		again, err := Parse(r.String())
		if err != nil || again.String() != r.String() {
			t.Fatalf("Parse(%q) = %q, which reparses as %q, %v", s, r.String(), again.String(), err)
		}
		for _, k := range r.Keys {
			k.Append(nil, s)
		}
	})
}
