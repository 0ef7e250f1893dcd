package refine_test

import (
	"context"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/profiles"
)

var (
	companyCatHeader      = []any{"Company", "C_ID", "Category", "Status", "Website", "LoadDate", "Priority"}
	companyContactsHeader = []any{"C_ID", "FirstName", "Surname", "Cellnumber", "Landline", "Email", "Position"}
)

const contactFile = "Contact Database.xlsx"

func aviationWithAliases(t *testing.T, aliases map[string][]string) (*refine.Refiner, error) {
	t.Helper()
	p, err := profiles.Builtin("aviation")
	if err != nil {
		t.Fatal(err)
	}
	p.Normalisation.Aliases = aliases
	return refine.New(p)
}

func sheetStats(t *testing.T, res *refine.Result, sheet string) refine.SheetStats {
	t.Helper()
	for _, s := range res.Batch.Stats.PerSheet {
		if s.Sheet == sheet {
			return s
		}
	}
	t.Fatalf("no stats for sheet %q in %+v", sheet, res.Batch.Stats.PerSheet)
	return refine.SheetStats{}
}

// checkAccounting asserts that every row of every sheet is merged, kept
// or rejected.
func checkAccounting(t *testing.T, res *refine.Result) {
	t.Helper()
	for _, s := range res.Batch.Stats.PerSheet {
		if s.Merged+s.Kept+s.Rejected != s.Read {
			t.Errorf("%s / %s: read %d but merged %d + kept %d + rejected %d", s.File, s.Sheet, s.Read, s.Merged, s.Kept, s.Rejected)
		}
		n := 0
		for _, v := range s.Reasons {
			n += v
		}
		if n != s.Rejected {
			t.Errorf("%s / %s: %d rejected, %d with a reason", s.File, s.Sheet, s.Rejected, n)
		}
	}
}

// Joined rows whose C_ID is not an ID still find their organisation by
// name, alias, a similar name or their email domain; the rest are kept
// or rejected with a reason, and the address is found by its content.
func TestJoinFallbacks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, contactFile),
		sheet{"Company_Cat", [][]any{companyCatHeader,
			{"Capital Air (pty) Ltd", "C1", "AOC", "Active", "www.capitalair.co.za", nil, "High"},
			{"Rotary Air Force SA Pty Ltd", "C2", "Club", "Active", nil, nil, nil},
			{"Sunbird Aviation Training Centre", "C3", "ATO", "Active", nil, nil, nil}}},
		sheet{"Company_Contacts", [][]any{companyContactsHeader,
			{"C1", "Ann", "Able", "0821110001", nil, "ann@capitalair.co.za", "CEO"},
			{"capital air", "Ben", "Bold", "0821110002", nil, nil, nil},
			{"RAFSA", "Cat", "Cole", "0821110003", nil, nil, nil},
			{"Sunbird Aviation Centre", "Dan", "Dee", "0821110004", nil, nil, nil},
			{"0", "Eve", "East", nil, nil, "eve@capitalair.co.za", nil},
			{"0", "Fay", "Fox", "0821110006", nil, "fay@gmail.com", nil},
			{nil, "Gus", "Gray", "0821110007", nil, nil, nil},
			{"Falcon Charters", "Hal", "Hope", "0821110008", nil, "hal@falcon.co.za", nil},
			{"C999", "Ivy", "Ink", "0821110009", nil, nil, nil},
			{nil, nil, nil, nil, nil, nil, nil},
			{"C2", "Jon", "Jay", "0821110010", nil, nil, nil}}},
		sheet{"Company_Addresses", [][]any{{"C_ID", "Airport", nil, nil, nil},
			{"C1", "Rand", nil, nil, "12 Hangar Lane, Germiston"},
			{"C2", "FAGM", nil, nil, "Hangar 4, Rand Airport"}}})
	r, err := aviationWithAliases(t, map[string][]string{"Rotary Air Force SA": {"RAFSA", "Rotary Airforce SA"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, res)
	st := sheetStats(t, res, "Company_Contacts")
	want := refine.SheetStats{Dataset: "contact_database", File: contactFile, Sheet: "Company_Contacts", Read: 11, Merged: 6, Kept: 1, Rejected: 4, Unjoined: 4,
		MergedBy: map[string]int{"key": 2, "name": 1, "alias": 1, "fuzzy_name": 1, "email_domain": 1},
		Reasons:  map[string]int{refine.RejectEmptyRow: 1, refine.RejectZeroKey: 1, refine.RejectNoKey: 1, refine.RejectNoMatch: 1}}
	if st.Read != want.Read || st.Merged != want.Merged || st.Kept != want.Kept || st.Rejected != want.Rejected || st.Unjoined != want.Unjoined ||
		!maps.Equal(st.MergedBy, want.MergedBy) || !maps.Equal(st.Reasons, want.Reasons) {
		t.Errorf("Company_Contacts:\n got %+v\nwant %+v", st, want)
	}
	get := func(slug, col string) string {
		return column(t, res.Table, col)[rowWhere(t, res.Table, "organization_slug", slug)]
	}
	for _, c := range []struct{ slug, col, want string }{
		{"capital-air-pty-ltd", "contact_secondary_phones", "+27821110002"},
		{"capital-air-pty-ltd", "address_primary", "12 Hangar Lane, Germiston"},
		{"rotary-air-force-sa-pty-ltd", "address_primary", "Hangar 4, Rand Airport"},
		{"falcon-charters", "contact_primary_email", "hal@falcon.co.za"},
	} {
		if got := get(c.slug, c.col); !strings.Contains(got, c.want) {
			t.Errorf("%s %s = %q, want it to hold %q", c.slug, c.col, got, c.want)
		}
	}
	if got := get("capital-air-pty-ltd", "contact_secondary_emails"); !strings.Contains(got, "eve@capitalair.co.za") {
		t.Errorf("email-domain join lost eve: secondary emails %q", got)
	}
	if got := get("rotary-air-force-sa-pty-ltd", "contact_secondary_phones") + get("rotary-air-force-sa-pty-ltd", "contact_primary_phone"); !strings.Contains(got, "+27821110003") {
		t.Errorf("alias join lost Cat: phones %q", got)
	}
	if got := get("sunbird-aviation-training-centre", "contact_primary_phone"); got != "+27821110004" {
		t.Errorf("word-dropped name join: phone %q", got)
	}
	var warned []string
	for _, w := range res.Batch.Warnings {
		if w.Sheet == "Company_Contacts" {
			warned = append(warned, w.Message)
		}
	}
	all := strings.Join(warned, "\n")
	for _, s := range []string{"row 7 (source_record_id \"0\")", "row 8 (source_record_id \"\")", "row 10 (source_record_id \"C999\")", "kept as an organisation of its own"} {
		if !strings.Contains(all, s) {
			t.Errorf("warnings do not name %s:\n%s", s, all)
		}
	}
	// Records named by an alias group with the organisation.
	if got := r.Canonical("Rotary Airforce SA (Pty) Ltd"); got != "Rotary Air Force SA" {
		t.Errorf("Canonical = %q", got)
	}
}

// Bad input: each case is refined (or refused) with a clear account.
func TestJoinBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		aliases map[string][]string
		rows    [][]any // Company_Contacts rows after the header
		wantErr string
		check   func(t *testing.T, res *refine.Result)
	}{
		{
			name: "join column entirely 0",
			rows: [][]any{
				{"0", "Ann", "Able", "0821110001", nil, "ann@gmail.com", nil},
				{"0", "Ben", "Bold", "0821110002", nil, nil, nil},
				{"0", "Eve", "East", nil, nil, "eve@eagle.co.za", nil}},
			check: func(t *testing.T, res *refine.Result) {
				st := sheetStats(t, res, "Company_Contacts")
				if st.Read != 3 || st.Rejected != 2 || st.Reasons[refine.RejectZeroKey] != 2 || st.MergedBy["email_domain"] != 1 {
					t.Errorf("stats %+v", st)
				}
				found := false
				for _, w := range res.Batch.Warnings {
					if w.Sheet == "Company_Contacts" && strings.Contains(w.Message, "2 rows rejected: organisation key is 0") &&
						strings.Contains(w.Message, "row 2") && strings.Contains(w.Message, "row 3") {
						found = true
					}
				}
				if !found {
					t.Errorf("no warning naming the rejected rows: %v", res.Batch.Warnings)
				}
			},
		},
		{
			name:    "alias table naming an organisation twice",
			aliases: map[string][]string{"Eagle Aviation (Pty) Ltd": {"EA"}, "Eagle Aviation": {"Eagle Av"}},
			wantErr: `"Eagle Aviation" and "Eagle Aviation (Pty) Ltd" name the same organisation`,
		},
		{
			name:    "alias given to two organisations",
			aliases: map[string][]string{"Eagle Aviation": {"EA"}, "Eastern Air": {"ea"}},
			wantErr: `alias "ea" is also listed under "Eagle Aviation"`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := aviationWithAliases(t, c.aliases)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeBook(t, filepath.Join(dir, contactFile),
				sheet{"Company_Cat", [][]any{companyCatHeader, {"Eagle Aviation", "C1", "AOC", "Active", "eagle.co.za", nil, nil}}},
				sheet{"Company_Contacts", append([][]any{companyContactsHeader}, c.rows...)})
			res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, res)
			c.check(t, res)
		})
	}
}
