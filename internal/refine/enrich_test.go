package refine_test

import (
	"testing"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/table"
)

func TestEnrich(t *testing.T) {
	t.Parallel()
	orgs := []refine.Organisation{
		{Slug: "eagle-flight-academy", Primary: -1},
		{Slug: "kestrel-charters", Primary: -1},
		{Slug: "protea-holdings", Primary: -1},
	}
	orgs[0].Fields = fieldsWith("Eagle Flight Academy", "")
	orgs[1].Fields = fieldsWith("Kestrel Charters", "https://kestrel.aero")
	orgs[2].Fields = fieldsWith("Protea Holdings", "")
	orgs[0].Contacts = []refine.ScoredContact{{Contact: &refine.Contact{}, Email: "jo@eagleflight.co.za"}}
	orgs[0].Primary = 0
	orgs[2].Contacts = []refine.ScoredContact{{Contact: &refine.Contact{}, Email: "owner@gmail.com"}}
	orgs[2].Primary = 0
	ssot, err := refine.Build(orgs)
	if err != nil {
		t.Fatal(err)
	}
	lb := table.NewBuilder(table.MustSchema(table.Field{Name: "organization_name", Type: table.String}, table.Field{Name: "state", Type: table.String}), 1)
	if err := lb.AppendRow("PROTEA HOLDINGS", "Dormant"); err != nil {
		t.Fatal(err)
	}
	lt, _ := lb.Build()
	out, cov, err := refine.Enrich(ssot, refine.EnrichOptions{
		Lookups:          []refine.Lookup{{Name: "states.csv", Table: lt, Key: "organization_name", Fields: map[string]string{"status": "state"}}},
		WebsiteFromEmail: true,
		TypeFromName:     true,
		TypeRules:        []refine.TypeRule{{Type: "Flight School", Keywords: []string{"flight academy"}}, {Type: "Charter Operator", Keywords: []string{"charters"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		col  string
		vals []string
	}{
		{"website", []string{"https://eagleflight.co.za", "https://kestrel.aero", ""}}, // gmail is not a website
		{"website_host", []string{"eagleflight.co.za", "kestrel.aero", ""}},
		{"organization_type", []string{"Flight School", "Charter Operator", ""}},
		{"status", []string{"", "", "Dormant"}},
		{"provenance_source", []string{"website=email_domain;organization_type=name_keywords", "organization_type=name_keywords", "status=lookup:states.csv"}},
		{"provenance_confidence", []string{"0.6", "0.6", "0.9"}},
	}
	for _, w := range want {
		if got := column(t, out, w.col); !equal(got, w.vals) {
			t.Errorf("%s = %q, want %q", w.col, got, w.vals)
		}
	}
	byField := map[string]refine.Coverage{}
	for _, c := range cov {
		byField[c.Field] = c
	}
	if c := byField["website"]; c.Before != 1 || c.After != 2 || c.Rows != 3 {
		t.Errorf("website coverage %+v", c)
	}
	if c := byField["organization_type"]; c.Before != 0 || c.After != 2 {
		t.Errorf("type coverage %+v", c)
	}
	// A second run keeps the first run's provenance.
	out2, _, err := refine.Enrich(out, refine.EnrichOptions{Lookups: []refine.Lookup{{Name: "more.csv", Table: lt, Key: "organization_name", Fields: map[string]string{"notes": "state"}, Confidence: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, out2, "provenance_source")[2]; got != "status=lookup:states.csv;notes=lookup:more.csv" {
		t.Errorf("provenance after two runs %q", got)
	}
	if got := column(t, out2, "provenance_confidence")[2]; got != "0.5" {
		t.Errorf("confidence after two runs %q", got)
	}
}

func fieldsWith(name, website string) (f refine.OrgFields) {
	f[refine.FieldOrganizationName] = name
	f[refine.FieldWebsite] = website
	return f
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A category says more than a word in the name: "Springbok Airways" of
// category AMO is a maintenance organisation, not a charter operator.
func TestTypeFromCategoryBeforeName(t *testing.T) {
	t.Parallel()
	rules := []refine.TypeRule{
		{Type: "Maintenance Organisation", Categories: []string{"AMO"}, Keywords: []string{"aircraft maintenance"}},
		{Type: "Charter Operator", Categories: []string{"AOC"}, Keywords: []string{"airways"}},
	}
	for _, c := range []struct{ name, category, want string }{
		{"Springbok Airways", "AMO", "Maintenance Organisation"},
		{"Springbok Airways", "", "Charter Operator"},
		{"Springbok Airways", "amo ", "Maintenance Organisation"},
		{"Kestrel Aircraft Maintenance", "Club", "Maintenance Organisation"},
	} {
		var f refine.OrgFields
		f[refine.FieldOrganizationName] = c.name
		f[refine.FieldCategory] = c.category
		ssot, err := refine.Build([]refine.Organisation{{Slug: "x", Primary: -1, Fields: f}})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := refine.Enrich(ssot, refine.EnrichOptions{TypeFromName: true, TypeRules: rules})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.ColumnByName("organization_type").Format(0); got != c.want {
			t.Errorf("%s (%q): type %q, want %q", c.name, c.category, got, c.want)
		}
	}
}
