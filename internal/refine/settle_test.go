package refine_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/profiles"
)

// Social and directory pages never become the website; a website pasted
// from the neighbour's row is dropped; one used by two organisations is
// flagged.
func TestWebsitesCheckedAgainstTheOrganisation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		rows      [][]any // SACAA rows after the header
		slug      string
		website   string
		host      string
		links     string
		wantFlag  string
		notFlag   string
		otherSlug string // a second organisation that must keep its site
	}{
		{
			name: "website column all social links",
			rows: [][]any{
				{"Eagle Flight School", "GP", "Active", "https://www.facebook.com/eagleflight", "Jo", nil, "jo@eagle.co.za"},
				{"Kestrel Aviation", "GP", "Active", "instagram.com/kestrel_av", "Al", nil, nil}},
			slug: "eagle-flight-school", website: "", links: "https://www.facebook.com/eagleflight", wantFlag: refine.FlagWebsiteLinkOnly,
		},
		{
			name: "website of the neighbour's row",
			rows: [][]any{
				{"Eagle Flight School", "GP", "Active", "https://kestrelaviation.co.za", "Jo", nil, "jo@eagle.co.za"},
				{"Kestrel Aviation", "GP", "Active", "kestrelaviation.co.za", "Al", nil, "al@kestrelaviation.co.za"}},
			slug: "eagle-flight-school", website: "", wantFlag: refine.FlagWebsiteOfOther, otherSlug: "kestrel-aviation",
		},
		{
			name: "one website, two organisations",
			rows: [][]any{
				{"Eagle Flight School", "GP", "Active", "https://skygroup.co.za", "Jo", nil, "jo@skygroup.co.za"},
				{"Kestrel Aviation", "GP", "Active", "skygroup.co.za", "Al", nil, "al@skygroup.co.za"}},
			slug: "eagle-flight-school", website: "https://skygroup.co.za", host: "skygroup.co.za", wantFlag: refine.FlagWebsiteShared,
		},
		{
			name: "two pages of one site, two organisations",
			rows: [][]any{
				{"Eagle Flight School", "GP", "Active", "www.SkyGroup.co.za/eagle/?utm_source=directory", "Jo", nil, "jo@skygroup.co.za"},
				{"Kestrel Aviation", "GP", "Active", "https://skygroup.co.za/kestrel", "Al", nil, "al@skygroup.co.za"}},
			slug: "eagle-flight-school", website: "https://www.skygroup.co.za/eagle", host: "skygroup.co.za", wantFlag: refine.FlagWebsiteShared,
		},
		{
			name: "a path on the organisation's own site is kept",
			rows: [][]any{
				{"Eagle Flight School", "GP", "Active", "http://eagleflight.co.za/Training/PPL/", "Jo", nil, "jo@eagleflight.co.za"},
				{"Kestrel Aviation", "GP", "Active", "kestrelaviation.co.za", "Al", nil, "al@kestrelaviation.co.za"}},
			slug: "eagle-flight-school", website: "http://eagleflight.co.za/Training/PPL", host: "eagleflight.co.za", notFlag: refine.FlagWebsiteShared,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", append([][]any{sacaaHeader}, c.rows...)})
			res, err := refineDir(t, dir)
			if err != nil {
				t.Fatal(err)
			}
			i := rowWhere(t, res.Table, "organization_slug", c.slug)
			get := func(col string) string { return column(t, res.Table, col)[i] }
			if got := get("website"); got != c.website {
				t.Errorf("website %q, want %q", got, c.website)
			}
			if got := get("website_host"); got != c.host {
				t.Errorf("website_host %q, want %q", got, c.host)
			}
			if got := get("website_links"); got != c.links {
				t.Errorf("website_links %q, want %q", got, c.links)
			}
			if got := get("data_quality_flags"); c.wantFlag != "" && !strings.Contains(got, c.wantFlag) {
				t.Errorf("data_quality_flags %q lack %s", got, c.wantFlag)
			}
			if got := get("data_quality_flags"); c.notFlag != "" && strings.Contains(got, c.notFlag) {
				t.Errorf("data_quality_flags %q hold %s", got, c.notFlag)
			}
			if c.otherSlug != "" {
				if got := column(t, res.Table, "website")[rowWhere(t, res.Table, "organization_slug", c.otherSlug)]; got == "" {
					t.Errorf("%s lost its own website", c.otherSlug)
				}
			}
		})
	}
}

func TestSettleClusters(t *testing.T) {
	t.Parallel()
	p, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	p.Normalisation.PlaceNames = []string{"Bloemfontein", "Hartswater"}
	r, err := refine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(name, province, site string, phones ...string) refine.Record {
		var rc refine.Record
		rc.Fields[refine.FieldOrganizationName] = name
		rc.Fields[refine.FieldProvince] = province
		rc.Fields[refine.FieldWebsite] = site
		rc.Dataset = "d" + name
		c := refine.Contact{}
		c.RawPhones = phones
		if site != "" {
			c.RawEmails = []string{"info@" + strings.TrimPrefix(site, "https://")}
		}
		rc.Contacts = []refine.Contact{c}
		return rc
	}
	cases := []struct {
		name   string
		recs   []refine.Record
		labels []int // linkage clusters
		same   bool  // records 0 and 1 end in one cluster
	}{
		{"same name, nothing against", []refine.Record{rec("Zulu Flying Club", "Gauteng", ""), rec("zulu flying club", "", "")}, []int{0, 1}, true},
		{"same name, same province, review band apart", []refine.Record{rec("Zulu Flying Club", "Gauteng", "", "+27115550101"), rec("Zulu Flying Club", "Gauteng", "", "+27115550102")}, []int{0, 1}, true},
		{"same name, other province and phone", []refine.Record{rec("Zulu Flying Club", "Gauteng", "", "+27115550101"), rec("Zulu Flying Club", "Free State", "", "+27515550102")}, []int{0, 1}, false},
		{"suffix spelled differently", []refine.Record{rec("Rotary Air Force SA Pty Ltd", "", ""), rec("Rotary Air Force SA (pty) Ltd", "", "")}, []int{0, 1}, true},
		{"name run together, suffix on one", []refine.Record{rec("4 Aviators (pty) Ltd", "", ""), rec("4aviators", "", "")}, []int{0, 1}, true},
		{"different legal form", []refine.Record{rec("Mahikeng AMO CC", "", ""), rec("Mahikeng AMO (Pty) Ltd", "", "")}, []int{0, 1}, false},
		{"shared website, email domain and phone", []refine.Record{rec("4 Aviators (pty) Ltd", "", "https://4aviators.co.za", "+27115550101"), rec("Four Av", "", "https://4aviators.co.za", "+27115550101")}, []int{0, 1}, true},
		{"branches merged by linkage are split", []refine.Record{rec("Skyways Flight School Bloemfontein", "Free State", ""), rec("Skyways Flight School Hartswater", "Northern Cape", "")}, []int{0, 0}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			recs := c.recs
			b := &refine.Batch{Records: recs}
			r.Normalise(b, 1)
			got := r.SettleClusters(b.Records, c.labels)
			if (got[0] == got[1]) != c.same {
				t.Errorf("clusters %v, want together: %v", got, c.same)
			}
		})
	}
}

// A website from a higher-priority source loses to one on the contacts'
// email domain.
func TestWebsiteOnEmailDomainWins(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Eagle Flight School", "GP", "Active", "https://eagleholdings.com", "Jo", nil, nil}}})
	writeBook(t, filepath.Join(dir, "Reachout Database.xlsx"),
		sheet{"Organisation", [][]any{{"Organisation Name", "ID", "Website"}, {"Eagle Flight School", 7, "eagleflight.co.za"}}},
		sheet{"Contact Info", [][]any{{"ID", "Firstname", "Email"}, {7, "Sam", "sam@eagleflight.co.za"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	i := rowWhere(t, res.Table, "organization_slug", "eagle-flight-school")
	if got := column(t, res.Table, "website")[i]; got != "https://eagleflight.co.za" {
		t.Errorf("website %q, want the one on the contacts' email domain", got)
	}
	if prov := column(t, res.Table, "selection_provenance")[i]; !strings.Contains(prov, "matches contact email domain") {
		t.Errorf("provenance %s", prov)
	}
}

// Records of one name placed farther apart than the largest distance_km
// threshold of the profile's location comparison are two organisations,
// unless they share a website, phone or email domain; a profile that does
// not compare location merges them by name as before.
func TestSettleClustersByDistance(t *testing.T) {
	t.Parallel()
	at := func(name, address, area string, phones ...string) refine.Record {
		var rc refine.Record
		rc.Fields[refine.FieldOrganizationName] = name
		rc.Fields[refine.FieldAddress] = address
		rc.Fields[refine.FieldArea] = area
		rc.Dataset = "d" + address + area
		rc.Contacts = []refine.Contact{{RawPhones: phones}}
		return rc
	}
	withLocation, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	withoutLocation, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	ls := *withoutLocation.Linkage
	ls.Comparisons = slices.DeleteFunc(slices.Clone(ls.Comparisons), func(c settings.Comparison) bool { return c.Column == refine.LinkLocation })
	if len(ls.Comparisons) != len(withLocation.Linkage.Comparisons)-1 {
		t.Fatal("the aviation profile no longer compares location; update this test")
	}
	withoutLocation.Linkage = &ls
	for _, c := range []struct {
		name    string
		recs    []refine.Record
		compare bool // the profile compares location
		same    bool
	}{
		{"one airfield, two ways", []refine.Record{at("Zulu Flying Club", "Hangar 3, Virginia Airport", "Durban"), at("Zulu Flying Club", "", "Durban")}, true, true},
		{"towns 1,300 km apart", []refine.Record{at("Zulu Flying Club", "", "Upington"), at("Zulu Flying Club", "", "Durban")}, true, false},
		{"far apart, one phone", []refine.Record{at("Zulu Flying Club", "", "Upington", "+27115550101"), at("Zulu Flying Club", "", "Durban", "+27115550101")}, true, true},
		{"far apart, one placed only", []refine.Record{at("Zulu Flying Club", "", "Upington"), at("Zulu Flying Club", "", "")}, true, true},
		{"far apart, location not compared", []refine.Record{at("Zulu Flying Club", "", "Upington"), at("Zulu Flying Club", "", "Durban")}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := withoutLocation
			if c.compare {
				p = withLocation
			}
			r, err := refine.New(p)
			if err != nil {
				t.Fatal(err)
			}
			b := &refine.Batch{Records: c.recs}
			r.Normalise(b, 1)
			got := r.SettleClusters(b.Records, []int{0, 1})
			if (got[0] == got[1]) != c.same {
				t.Errorf("clusters %v, want together: %v", got, c.same)
			}
		})
	}
}

// BenchmarkSettleClusters100k settles 100,000 records in groups of two to
// four of one name spread over the gazetteer's towns, with the aviation
// profile as shipped (location compared, so settling geocodes every record
// of a group) and without its location comparison.
func BenchmarkSettleClusters100k(b *testing.B) {
	towns := []string{"Durban", "Upington", "Bloemfontein", "Polokwane", "George", "Kimberley", "Nelspruit", "Mahikeng", "Gqeberha", "Rand Airport, Germiston"}
	recs := make([]refine.Record, 100000)
	labels := make([]int, len(recs))
	for i := range recs {
		name := "Org " + strconv.Itoa(i/3)
		recs[i].Fields[refine.FieldOrganizationName] = name
		recs[i].Fields[refine.FieldArea] = towns[(i*7+i/3)%len(towns)]
		recs[i].Dataset = "d" + strconv.Itoa(i%3)
		labels[i] = i
	}
	for _, compare := range []bool{true, false} {
		p, err := profiles.Builtin("aviation")
		if err != nil {
			b.Fatal(err)
		}
		if !compare {
			ls := *p.Linkage
			ls.Comparisons = slices.DeleteFunc(slices.Clone(ls.Comparisons), func(c settings.Comparison) bool { return c.Column == refine.LinkLocation })
			p.Linkage = &ls
		}
		r, err := refine.New(p)
		if err != nil {
			b.Fatal(err)
		}
		batch := &refine.Batch{Records: slices.Clone(recs)}
		r.Normalise(batch, 2)
		b.Run(fmt.Sprintf("location=%t", compare), func(b *testing.B) {
			for b.Loop() {
				r.SettleClusters(batch.Records, labels)
			}
			b.ReportMetric(float64(len(recs))*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
