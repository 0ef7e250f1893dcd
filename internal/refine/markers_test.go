package refine_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// Status columns map onto the profile's statuses; closed organisations
// are no leads; an email the source flags Invalid is never primary; a
// status the profile does not know is kept and warned with its row.
func TestSourceMarkers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, contactFile),
		sheet{"Company_Cat", [][]any{companyCatHeader,
			{"Eagle Aviation", "C1", "AOC", "None Existent – accident", "eagle.co.za", nil, nil},
			{"Kestrel Aviation", "C2", "AOC", "active", "kestrel.co.za", nil, nil},
			{"Osprey Air", "C3", "AOC", "Under review", nil, nil, nil},
			{"Falcon Air", "C4", "AOC", "Under review", nil, nil, nil},
			{"Heron Air", "C5", "AOC", "Sold", nil, nil, nil}}},
		sheet{"Company_Contacts", [][]any{append(append([]any{}, companyContactsHeader...), "Email Status"),
			{"C1", "Ann", "Able", "0821110001", nil, "ann@eagle.co.za", "CEO", "Valid"},
			{"C2", "Ben", "Bold", "0821110002", nil, "ben@kestrel.co.za", "CFI", "Invalid"},
			{"C2", "Cat", "Cole", nil, nil, "cat@kestrel.co.za", nil, "Valid"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		slug, col, want string
		contains        bool
	}{
		{"eagle-aviation", "status", "Defunct", false},
		{"eagle-aviation", "data_quality_flags", "inactive_organisation", true},
		{"eagle-aviation", "contact_primary_lead_score", "0.0", false},
		{"kestrel-aviation", "status", "Active", false},
		{"kestrel-aviation", "contact_validation_flags", "flagged_email", true},
		{"osprey-air", "status", "Under review", false},
	}
	for _, c := range cases {
		got := column(t, res.Table, c.col)[rowWhere(t, res.Table, "organization_slug", c.slug)]
		if (c.contains && !strings.Contains(got, c.want)) || (!c.contains && got != c.want) {
			t.Errorf("%s %s = %q, want %q", c.slug, c.col, got, c.want)
		}
	}
	k := rowWhere(t, res.Table, "organization_slug", "kestrel-aviation")
	emails := column(t, res.Table, "contact_primary_email")[k] + ";" + column(t, res.Table, "contact_secondary_emails")[k]
	if p := column(t, res.Table, "contact_primary_email")[k]; p == "ben@kestrel.co.za" || !strings.Contains(emails, "cat@kestrel.co.za") || !strings.Contains(emails, "ben@kestrel.co.za") {
		t.Errorf("primary %q, emails %q: want cat's and the flagged ben's listed, ben's never primary", p, emails)
	}
	var warned []string
	for _, w := range res.Batch.Warnings {
		if strings.Contains(w.Message, "markers.status") {
			warned = append(warned, w.Message)
		}
	}
	// One warning per value, naming its first row.
	if len(warned) != 2 || !strings.Contains(warned[0], `row 4: status "Under review"`) || !strings.Contains(warned[1], `row 6: status "Sold"`) {
		t.Errorf("status warnings %q", warned)
	}
}
