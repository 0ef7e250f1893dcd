package synth

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
)

func TestDeterminism(t *testing.T) {
	t.Parallel()
	a := Organisations(7, 5000, WithTruth())
	b := Organisations(7, 5000, WithTruth())
	if d := a.Diff(b); d != "" {
		t.Fatalf("same seed, different organisations: %s", d)
	}
	if Organisations(8, 5000, WithTruth()).Diff(a) == "" {
		t.Error("different seeds gave identical organisations")
	}
	// Streaming in odd batches gives the same rows as one batch.
	c := table.NewCollector(OrganisationSchema(true))
	if err := WriteOrganisations(c, 7, 5000, WithTruth(), WithBatchRows(333)); err != nil {
		t.Fatal(err)
	}
	streamed, err := c.Table()
	if err != nil {
		t.Fatal(err)
	}
	if d := a.Diff(streamed); d != "" {
		t.Errorf("streamed organisations differ: %s", d)
	}
	// A prefix of a larger table equals the smaller table.
	if d := Organisations(7, 1000, WithTruth()).Diff(a.Slice(0, 1000)); d != "" {
		t.Errorf("first 1000 rows depend on the total size: %s", d)
	}
	ca, cb := Contacts(7, 3000, 5000, WithTruth()), Contacts(7, 3000, 5000, WithTruth())
	if d := ca.Diff(cb); d != "" {
		t.Errorf("same seed, different contacts: %s", d)
	}
	cc := table.NewCollector(ContactSchema(true))
	if err := WriteContacts(cc, 7, 3000, 5000, WithTruth(), WithBatchRows(1000)); err != nil {
		t.Fatal(err)
	}
	if streamed, _ := cc.Table(); ca.Diff(streamed) != "" {
		t.Errorf("streamed contacts differ: %s", ca.Diff(streamed))
	}
}

func TestSizesAndSchemas(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 1000, 12345} {
		o := Organisations(1, n)
		if o.NumRows() != n {
			t.Errorf("Organisations(%d) has %d rows", n, o.NumRows())
		}
		c := Contacts(1, n, max(n, 1))
		if c.NumRows() != n {
			t.Errorf("Contacts(%d) has %d rows", n, c.NumRows())
		}
	}
	if got := Organisations(1, 3).Schema().Names(); slices.Contains(got, TruthColumn) {
		t.Errorf("truth column present without WithTruth: %v", got)
	}
	if got := Organisations(1, 3, WithTruth()).Schema().Names(); got[len(got)-1] != TruthColumn {
		t.Errorf("truth column missing with WithTruth: %v", got)
	}
	if got := Contacts(1, 3, 3, WithTruth()).Schema().Names(); got[len(got)-1] != TruthColumn {
		t.Errorf("contacts truth column missing: %v", got)
	}
}

var (
	numericPhone = regexp.MustCompile(`^27\d{9}$`)
	spacedPhone  = regexp.MustCompile(`^0\d{2} \d{3} \d{4}$`)
	intlPhone    = regexp.MustCompile(`^\+27 \d{2} \d{3} \d{4}$`)
	compactPhone = regexp.MustCompile(`^0\d{9}$`)
	bracketPhone = regexp.MustCompile(`^\(0\d{2}\) \d{3}-\d{4}$`)
	validEmail   = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[a-z]+$`)
)

// count returns how many non-null values of a string column satisfy ok.
func count(c *table.Column, ok func(string) bool) int {
	n := 0
	for i, s := range c.Strings() {
		if !c.IsNull(i) && ok(s) {
			n++
		}
	}
	return n
}

func TestOrganisationDirt(t *testing.T) {
	t.Parallel()
	const n = 20000
	o := Organisations(3, n, WithTruth())
	canonical := func(s string) bool { return slices.Contains(provinces, s) }
	truth := o.ColumnByName(TruthColumn).Strings()
	distinct := map[string]bool{}
	for _, id := range truth {
		distinct[id] = true
	}
	dups := n - len(distinct)
	// Each row after the first is a duplicate with probability 0.15.
	if dups < n*12/100 || dups > n*18/100 {
		t.Errorf("duplicate rows = %d of %d, want about 15%%", dups, n)
	}
	names := o.ColumnByName("name").Strings()
	firstName := map[string]string{}
	variants := 0
	for i, id := range truth {
		if first, ok := firstName[id]; !ok {
			firstName[id] = names[i]
		} else if names[i] != first {
			variants++
		}
	}
	web := o.ColumnByName("website")
	phones := o.ColumnByName("phone")
	checks := []struct {
		what string
		got  int
		min  int
	}{
		{"duplicates under a different name", variants, dups * 8 / 10},
		{"alias provinces", count(o.ColumnByName("province"), func(s string) bool { return !canonical(s) }), n / 5},
		{"provinces with trailing space", count(o.ColumnByName("province"), func(s string) bool { return strings.HasSuffix(s, " ") }), n / 200},
		{"KZN", count(o.ColumnByName("province"), func(s string) bool { return s == "KZN" }), n / 500},
		{"websites with www.", count(web, func(s string) bool { return strings.Contains(strings.ToLower(s), "www.") }), n / 4},
		{"websites without www.", count(web, func(s string) bool { return !strings.Contains(strings.ToLower(s), "www.") }), n / 4},
		{"websites with http(s)://", count(web, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "http") }), n / 5},
		{"websites with trailing slash", count(web, func(s string) bool { return strings.HasSuffix(s, "/") }), n / 10},
		{"upper-case websites", count(web, func(s string) bool { return s == strings.ToUpper(s) }), n / 20},
		{"numeric phones", count(phones, numericPhone.MatchString), n / 20},
		{"spaced phones", count(phones, spacedPhone.MatchString), n / 20},
		{"international phones", count(phones, intlPhone.MatchString), n / 20},
		{"compact phones", count(phones, compactPhone.MatchString), n / 20},
		{"bracketed phones", count(phones, bracketPhone.MatchString), n / 20},
		{"multi-email cells", count(o.ColumnByName("email"), func(s string) bool { return strings.Count(s, "@") > 1 }), n / 20},
		{"null planes", o.ColumnByName("planes").NullCount(), n / 20},
	}
	for _, c := range checks {
		if c.got < c.min {
			t.Errorf("%s: %d, want at least %d", c.what, c.got, c.min)
		}
	}
	types := map[string]bool{}
	for _, s := range o.ColumnByName("type").Strings() {
		types[s] = true
	}
	for _, want := range orgTypes {
		if !types[want] {
			t.Errorf("no organisation of type %q", want)
		}
	}
}

func TestContactDirt(t *testing.T) {
	t.Parallel()
	const n = 20000
	c := Contacts(4, n, 5000, WithTruth())
	emails := c.ColumnByName("email")
	phones := c.ColumnByName("phone")
	nonLatin := func(s string) bool { return !isLatin(s) }
	accented := func(s string) bool { return isLatin(s) && strings.ContainsAny(s, "éëèüøñÑØÉ") }
	checks := []struct {
		what string
		got  int
		min  int
	}{
		{"multi-email cells", count(emails, func(s string) bool { return strings.Count(s, "@") > 1 }), n / 20},
		{"emails split by ;", count(emails, func(s string) bool { return strings.Contains(s, ";") }), n / 100},
		{"emails split by ,", count(emails, func(s string) bool { return strings.Contains(s, ",") }), n / 100},
		{"emails split by /", count(emails, func(s string) bool { return strings.Contains(s, "/") }), n / 100},
		{"invalid emails", count(emails, func(s string) bool { return strings.Count(s, "@") <= 1 && !validEmail.MatchString(s) }), n / 20},
		{"empty emails", emails.NullCount(), n / 50},
		{"numeric phones", count(phones, numericPhone.MatchString), n / 20},
		{"invalid phones", count(phones, func(s string) bool {
			return !numericPhone.MatchString(s) && len(strings.Map(keepDigit, s)) != 10
		}), n / 50},
		{"non-Latin first names", count(c.ColumnByName("first_name"), nonLatin), n / 50},
		{"accented names", count(c.ColumnByName("first_name"), accented) + count(c.ColumnByName("last_name"), accented), n / 50},
	}
	for _, ch := range checks {
		if ch.got < ch.min {
			t.Errorf("%s: %d, want at least %d", ch.what, ch.got, ch.min)
		}
	}
	// Contacts point at organisation rows, and the truth matches theirs.
	orgs := Organisations(4, 5000, WithTruth())
	orgTruth := map[string]string{}
	for i := 0; i < orgs.NumRows(); i++ {
		orgTruth[orgs.ColumnByName("org_id").Strings()[i]] = orgs.ColumnByName(TruthColumn).Strings()[i]
	}
	for i := 0; i < c.NumRows(); i++ {
		org := c.ColumnByName("org_id").Strings()[i]
		if got, want := c.ColumnByName(TruthColumn).Strings()[i], orgTruth[org]; got != want {
			t.Fatalf("contact %d: true org %q, but its organisation %s has %q", i+1, got, org, want)
		}
	}
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func BenchmarkOrganisations(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		if Organisations(int64(i), n, WithTruth()).NumRows() != n {
			b.Fatal("wrong size")
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkContacts(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		if Contacts(int64(i), n, n/2, WithTruth()).NumRows() != n {
			b.Fatal("wrong size")
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
