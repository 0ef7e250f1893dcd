package refine_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/profiles"
)

func TestPlaceholders(t *testing.T) {
	t.Parallel()
	ph := refine.NewPlaceholders(nil)
	cases := []struct {
		in, want string
		stripped bool
	}{
		{"Unknown", "", false},
		{"UNKNOWN ", "", false},
		{"n/a", "", false},
		{"N.A.", "", false},
		{"-", "", false},
		{"- -", "", false},
		{"?", "", false},
		{"None", "", false},
		{"Not Listed", "", false},
		{"(Not Publicly Listed)", "", false},
		{"Accountable Manager (Not Publicly Listed)", "Accountable Manager", true},
		{"Gauteng", "Gauteng", false},
		{"Nonesuch Aviation", "Nonesuch Aviation", false},
		{"Unknown Pleasures Air", "Unknown Pleasures Air", false},
		{"Verity Wallace (Director)", "Verity Wallace (Director)", false},
		{"0", "0", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, stripped := ph.Clean(c.in)
		if got != c.want || stripped != c.stripped {
			t.Errorf("Clean(%q) = %q, %v; want %q, %v", c.in, got, stripped, c.want, c.stripped)
		}
	}
	// A profile's own list replaces the defaults; punctuation-only stays
	// empty whatever the list.
	own := refine.NewPlaceholders([]string{"TBD"})
	for in, want := range map[string]bool{"tbd": true, "Unknown": false, "- -": true} {
		if got := own.Is(in); got != want {
			t.Errorf("custom list: Is(%q) = %v, want %v", in, got, want)
		}
	}
}

// A placeholder from a higher-priority source never beats a real value,
// never counts as a contact name, and a bracketed role leaves the name.
func TestPlaceholdersLoseSurvivorship(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Eagle Flight School", "Unknown", "N/A", "-", "Accountable Manager (Not Publicly Listed)", "0821234567", "- -"},
		{"Kestrel Aviation", "GP", "Active", nil, "Verity Wallace (Director)", "0821234568", "verity@kestrel.co.za"},
		{"Osprey Air", "WC", "Active", nil, "- -", "0821234569", "info@osprey.co.za"}}})
	writeBook(t, filepath.Join(dir, "Reachout Database.xlsx"),
		sheet{"Organisation", [][]any{{"Organisation Name", "ID", "Area", "Website"},
			{"Eagle Flight School", 7, "Western Cape", "eagle.co.za"}}},
		sheet{"Contact Info", [][]any{{"ID", "Firstname", "Surname", "Email"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	get := func(slug, col string) string {
		return column(t, res.Table, col)[rowWhere(t, res.Table, "organization_slug", slug)]
	}
	for _, c := range []struct{ slug, col, want string }{
		{"eagle-flight-school", "province", "Western Cape"},
		{"eagle-flight-school", "status", ""},
		{"eagle-flight-school", "website", "https://eagle.co.za"},
		{"eagle-flight-school", "contact_primary_name", ""},
		{"eagle-flight-school", "contact_primary_role", "Accountable Manager"},
		{"eagle-flight-school", "contact_primary_email", ""},
		{"kestrel-aviation", "contact_primary_name", "Verity Wallace"},
		{"kestrel-aviation", "contact_primary_role", "Director"},
		{"osprey-air", "contact_primary_name", ""},
		{"osprey-air", "contact_primary_email", "info@osprey.co.za"},
	} {
		if got := get(c.slug, c.col); got != c.want {
			t.Errorf("%s %s = %q, want %q", c.slug, c.col, got, c.want)
		}
	}
}

// The profile's list replaces the defaults.
func TestProfilePlaceholders(t *testing.T) {
	t.Parallel()
	p, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	p.Normalisation.Placeholders = []string{"Pending"}
	r, err := refine.New(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Eagle Flight School", "Pending", "Unknown", nil, nil, nil, nil}}})
	res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if got := column(t, res.Table, "province")[0]; got != "" {
		t.Errorf("province %q, want empty", got)
	}
	if got := column(t, res.Table, "status")[0]; got != "Unknown" {
		t.Errorf("status %q: the profile's list no longer names Unknown", got)
	}
}

// The Summary sheet's completeness counts the given list's placeholders
// as missing; nil means the defaults.
func TestSummaryCompletenessPlaceholders(t *testing.T) {
	t.Parallel()
	orgs := []refine.Organisation{{Slug: "a", Primary: -1}, {Slug: "b", Primary: -1}, {Slug: "c", Primary: -1}}
	for i, status := range []string{"Active", "Pending Review", "Unknown"} {
		orgs[i].Fields[refine.FieldOrganizationName] = orgs[i].Slug
		orgs[i].Fields[refine.FieldStatus] = status
	}
	ssot, err := refine.Build(orgs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ph   *refine.Placeholders
		want string
	}{
		{"defaults", nil, "2 of 3"},
		{"profile list", refine.NewPlaceholders(append([]string{"Pending Review"}, refine.DefaultPlaceholders...)), "1 of 3"},
	} {
		sum := refine.Summary(ssot, nil, nil, nil, c.ph)
		i := rowWhere(t, sum, "metric", "completeness: status")
		if got := column(t, sum, "detail")[i]; got != c.want {
			t.Errorf("%s: status completeness %q, want %q", c.name, got, c.want)
		}
	}
}
