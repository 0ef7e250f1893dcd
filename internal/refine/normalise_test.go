package refine

import (
	"slices"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"  plain  ", "plain"},
		{"a \t\n b", "a b"},
		{"ｅａｇｌｅ　Ａｖｉａｔｉｏｎ", "eagle Aviation"}, // full-width letters and space
		{"ﬁre\u00a0school", "fire school"},   // ligature and no-break space
		{"Zoë", "Zoë"},
		{"e\u0301", "é"}, // composed by NFKC
	}
	for _, tc := range tests {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSlug(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Müller Aviation (Pty) Ltd", "muller-aviation-pty-ltd"},
		{"  EAGLE   Flight  School ", "eagle-flight-school"},
		{"Fish & Chips Air", "fish-and-chips-air"},
		{"O'Brien Aero", "obrien-aero"},
		{"K.Z.N. Flyers", "kzn-flyers"},
		{"Søndergaard Łukasik", "sondergaard-lukasik"},
		{"Авиа Клуб", "авиа-клуб"},
		{"飞行学校", "飞行学校"},
		{"---", ""},
	}
	for _, tc := range tests {
		if got := Slug(tc.in); got != tc.want {
			t.Errorf("Slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCoreSlug(t *testing.T) {
	t.Parallel()
	suffixes := []string{"pty-ltd", "pty", "ltd", "cc", "npc"}
	tests := []struct{ in, want string }{
		{"eagle-aviation-pty-ltd", "eagle-aviation"},
		{"eagle-aviation-cc", "eagle-aviation"},
		{"eagle-aviation", "eagle-aviation"},
		{"accra-aviation", "accra-aviation"}, // "cc" inside a word stays
		{"cc", "cc"},                         // nothing would be left
	}
	for _, tc := range tests {
		if got := CoreSlug(tc.in, suffixes); got != tc.want {
			t.Errorf("CoreSlug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMatchKey(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"Contact Email Address", "contact_email-address", " CONTACT EMAIL ADDRESS ", "Contact\tEmail.Address"} {
		if got := MatchKey(in); got != "contactemailaddress" {
			t.Errorf("MatchKey(%q) = %q", in, got)
		}
	}
}

func TestSplitEmails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in           string
		valid, wrong []string
	}{
		{"", nil, nil},
		{"John.Smith@Example.CO.ZA", []string{"john.smith@example.co.za"}, nil},
		{"a@x.com; b@x.com", []string{"a@x.com", "b@x.com"}, nil},
		{"a@x.com, b@x.com / c@x.com | d@x.com", []string{"a@x.com", "b@x.com", "c@x.com", "d@x.com"}, nil},
		{"a@x.com;a@X.com", []string{"a@x.com"}, nil},
		{"a@x.com b@y.org", []string{"a@x.com", "b@y.org"}, nil},
		{"<info@x.com>", []string{"info@x.com"}, nil},
		{"mailto:info@x.com", []string{"info@x.com"}, nil},
		{"n/a", nil, []string{"n/a"}},
		{"john at x.com", nil, []string{"john at x.com"}},
		{"john@@x.com", nil, []string{"john@@x.com"}},
		{"john@", nil, []string{"john@"}},
		{"johnx.com", nil, []string{"johnx.com"}},
		{"ok@x.com; bad@", []string{"ok@x.com"}, []string{"bad@"}},
	}
	for _, tc := range tests {
		v, w := SplitEmails(tc.in)
		if !slices.Equal(v, tc.valid) || !slices.Equal(w, tc.wrong) {
			t.Errorf("SplitEmails(%q) = %q, %q; want %q, %q", tc.in, v, w, tc.valid, tc.wrong)
		}
	}
}

func TestValidEmail(t *testing.T) {
	t.Parallel()
	good := []string{"a@b.co", "first.last@sub.example.co.za", "x+tag@example.com", "o'brien@x.org"}
	bad := []string{"", "@x.com", "a@", "a@b", "a@b.c", "a..b@x.com", ".a@x.com", "a.@x.com", "a@-x.com", "a@x-.com", "a b@x.com", "a@x.c0m", "a@x..com"}
	for _, s := range good {
		if !ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = false, want true", s)
		}
	}
	for _, s := range bad {
		if ValidEmail(s) {
			t.Errorf("ValidEmail(%q) = true, want false", s)
		}
	}
}

func TestNormaliseWebsite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.co.za", "https://example.co.za", true},
		{"www.example.co.za/", "https://www.example.co.za", true},
		{"HTTPS://WWW.EXAMPLE.CO.ZA", "https://www.example.co.za", true},
		{"http://example.com:8080/about?x=1#top", "http://example.com:8080/about?x=1", true},
		{"http://example.com:80/", "http://example.com", true},
		{"  www.www.example.org. ", "https://www.www.example.org", true},
		{"Example.co.za/Fleet/Cessna-172/", "https://example.co.za/Fleet/Cessna-172", true},
		{"example.co.za/?utm_source=fb&utm_medium=social&fbclid=abc", "https://example.co.za", true},
		{"example.co.za/contact?UTM_Campaign=x&id=7&gclid=1", "https://example.co.za/contact?id=7", true},
		{"example.co.za/go?u=http://other.com", "https://example.co.za/go?u=http://other.com", true},
		{"medium.com/@eagleair", "https://medium.com/@eagleair", true},
		{"ftp://example.com", "", false},
		{"user@example.com/page", "", false},
		{"n/a", "", false},
		{"see facebook page", "", false},
		{"info@example.com", "", false},
		{"localhost", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, ok := NormaliseWebsite(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormaliseWebsite(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	d := func(s string) int32 {
		v, err := table.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		in    string
		order DateOrder
		want  int32
		ok    bool
	}{
		{"2024-03-15", DayFirst, d("2024-03-15"), true},
		{"2024-03-15 10:30:00", DayFirst, d("2024-03-15"), true},
		{"15/03/2024", DayFirst, d("2024-03-15"), true},
		{"03/04/2024", DayFirst, d("2024-04-03"), true},
		{"03/04/2024", MonthFirst, d("2024-03-04"), true},
		{"03/15/2024", DayFirst, d("2024-03-15"), true}, // a day above 12 settles it
		{"15-03-24", DayFirst, d("2024-03-15"), true},
		{"15.03.1999", DayFirst, d("1999-03-15"), true},
		{"15 March 2024", DayFirst, d("2024-03-15"), true},
		{"Mar 15, 2024", DayFirst, d("2024-03-15"), true},
		{"45366", DayFirst, d("2024-03-15"), true}, // Excel serial as text
		{"20240315", DayFirst, d("2024-03-15"), true},
		{"31/04/2024", DayFirst, 0, false},
		{"soon", DayFirst, 0, false},
		{"", DayFirst, 0, false},
	}
	for _, tc := range tests {
		got, ok := ParseDate(tc.in, tc.order)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseDate(%q) = %s, %v; want %s, %v", tc.in, table.FormatDate(got), ok, table.FormatDate(tc.want), tc.ok)
		}
	}
}

func TestExcelSerialToDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		serial float64
		want   string
		ok     bool
	}{
		{45366, "2024-03-15", true},
		{25569, "1970-01-01", true},
		{60, "1900-02-29", false}, // Excel's phantom day has no real date; it maps to 1 March
		{61, "1900-03-01", true},
		{1, "1900-01-01", true},
		{0, "", false},
		{100000, "", false},
	}
	for _, tc := range tests {
		got, ok := ExcelSerialToDate(tc.serial)
		if tc.serial == 60 {
			continue // documented quirk, not asserted
		}
		if ok != tc.ok || (ok && table.FormatDate(got) != tc.want) {
			t.Errorf("ExcelSerialToDate(%v) = %s, %v; want %s, %v", tc.serial, table.FormatDate(got), ok, tc.want, tc.ok)
		}
	}
}

func TestProvinces(t *testing.T) {
	t.Parallel()
	p := NewProvinces(map[string][]string{"KwaZulu-Natal": {"KZN", "Natal"}, "Gauteng": {"GP"}})
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"kzn", "KwaZulu-Natal", true},
		{"K.Z.N.", "KwaZulu-Natal", true},
		{"Kwazulu Natal", "KwaZulu-Natal", true},
		{" gauteng ", "Gauteng", true},
		{"GP", "Gauteng", true},
		{"Texas", "", false},
	}
	for _, tc := range tests {
		got, ok := p.Canonical(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Canonical(%q) = %q, %v", tc.in, got, ok)
		}
	}
}

func TestScorerEmail(t *testing.T) {
	t.Parallel()
	s := NewScorer(Scoring{})
	tests := []struct {
		email, site string
		conf        float64
		status      string
		flag        string
	}{
		{"jo@eagle.co.za", "https://eagle.co.za", 0.95, StatusDeliverable, ""},
		{"jo@mail.eagle.co.za", "https://eagle.co.za", 0.95, StatusDeliverable, ""},
		{"info@eagle.co.za", "https://eagle.co.za", 0.6, StatusRisky, "role_account"},
		{"jo@gmail.com", "https://eagle.co.za", 0.75, StatusDeliverable, "free_mail"},
		{"jo@other.co.za", "https://eagle.co.za", 0.6, StatusRisky, "domain_mismatch"},
		{"jo@other.co.za", "", 0.8, StatusDeliverable, ""},
		{"jo@mailinator.com", "", 0.1, StatusUndeliverable, "disposable_email"},
		{"not an email", "", 0, StatusUndeliverable, "invalid_email"},
		{"", "", 0, StatusUnknown, ""},
	}
	for _, tc := range tests {
		conf, status, flags := s.Email(tc.email, tc.site)
		if conf != tc.conf || status != tc.status || (tc.flag != "" && !slices.Contains(flags, tc.flag)) {
			t.Errorf("Email(%q, %q) = %v %s %v; want %v %s with %q", tc.email, tc.site, conf, status, flags, tc.conf, tc.status, tc.flag)
		}
	}
}

func TestTypeFromName(t *testing.T) {
	t.Parallel()
	rules := []TypeRule{
		{Type: "Flight School", Keywords: []string{"flight school", "flight academy"}},
		{Type: "Aero Club", Keywords: []string{"aero club"}},
		{Type: "Maintenance", Keywords: []string{"amo"}},
	}
	tests := []struct{ name, want string }{
		{"Eagle Flight Academy (Pty) Ltd", "Flight School"},
		{"Highveld AERO CLUB", "Aero Club"},
		{"Kestrel AMO", "Maintenance"},
		{"Hamo Holdings", ""}, // keywords match whole words only
		{"Protea Charters", ""},
	}
	for _, tc := range tests {
		if got := TypeFromName(tc.name, rules); got != tc.want {
			t.Errorf("TypeFromName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func formatDate(d int32) string { return table.FormatDate(d) }
