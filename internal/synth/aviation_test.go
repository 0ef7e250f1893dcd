package synth

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

var update = flag.Bool("update", false, "rewrite the workbooks in testdata/xlsx")

// fixtureDir holds small aviation workbooks for tests of other packages.
const (
	fixtureDir  = "../../testdata/xlsx"
	fixtureSeed = 1
	fixtureOrgs = 60
)

func readSheet(t *testing.T, path, sheet string) (*table.Table, []xlsxio.Warning) {
	t.Helper()
	tb, ws, err := xlsxio.ReadFile(path, xlsxio.ReadOptions{Sheet: sheet})
	if err != nil {
		t.Fatal(err)
	}
	return tb, ws
}

func TestAviationWorkbookLayouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	truth, err := WriteAviationWorkbooks(dir, 5, 400)
	if err != nil {
		t.Fatal(err)
	}
	layouts := []struct {
		file   string
		sheets []string
	}{
		{ReachoutFile, []string{SheetOrganisation, SheetContactInfo}},
		{ContactFile, []string{SheetCompanyCat, SheetCompanyContacts, SheetCompanyAddresses, SheetCapture, SheetNotes, SheetPivot}},
		{SACAAFile, []string{SheetCleaned}},
	}
	for _, l := range layouts {
		got, err := xlsxio.Sheets(filepath.Join(dir, l.file))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, l.sheets) {
			t.Errorf("%s sheets = %q, want %q", l.file, got, l.sheets)
		}
	}
	headers := []struct {
		file, sheet string
		want        []string
		rows        int
	}{
		{ReachoutFile, SheetOrganisation, ReachoutOrgHeader, truth.ReachoutOrgRows + truth.ReachoutBlankNameRows},
		{ReachoutFile, SheetContactInfo, ReachoutContactHeader, truth.ReachoutContacts},
		{ContactFile, SheetCompanyCat, CompanyCatHeader, truth.Companies},
		{ContactFile, SheetCompanyContacts, CompanyContactsHeader, truth.CompanyContacts},
		{ContactFile, SheetCompanyAddresses, []string{"C_ID", "Airport", "column_3", "column_4", "column_5"}, truth.CompanyAddrs},
		{ContactFile, SheetCapture, CaptureHeader, truth.CaptureRows},
		{SACAAFile, SheetCleaned, SACAAHeader, truth.SACAARows},
	}
	tables := map[string]*table.Table{}
	for _, h := range headers {
		tb, ws := readSheet(t, filepath.Join(dir, h.file), h.sheet)
		tables[h.sheet] = tb
		if got := tb.Schema().Names(); !slices.Equal(got, h.want) {
			t.Errorf("%s!%s header = %q, want %q", h.file, h.sheet, got, h.want)
		}
		if tb.NumRows() != h.rows {
			t.Errorf("%s!%s has %d rows, truth says %d", h.file, h.sheet, tb.NumRows(), h.rows)
		}
		if h.sheet == SheetCompanyAddresses {
			if len(ws) != 3 || ws[0].Cell != "C1" || ws[1].Cell != "D1" || ws[2].Cell != "E1" {
				t.Errorf("Company_Addresses warnings = %v, want one for each blank header C1, D1, E1", ws)
			}
		} else if len(ws) != 0 {
			t.Errorf("%s!%s warnings = %v", h.file, h.sheet, ws)
		}
	}

	org := tables[SheetOrganisation]
	if got := org.ColumnByName("Reachout Date").Type(); got != table.Date {
		t.Errorf("Reachout Date is %s, want date (serials with a date format)", got)
	}
	if got := org.ColumnByName("Organisation Name").NullCount(); got != truth.ReachoutBlankNameRows || got == 0 {
		t.Errorf("rows without Organisation Name = %d, truth %d (want some)", got, truth.ReachoutBlankNameRows)
	}
	// Contact Info joins Organisation on ID.
	ids := map[int64]bool{}
	idCol := org.ColumnByName("ID")
	for i, v := range idCol.Int64s() {
		if !idCol.IsNull(i) {
			ids[v] = true
		}
	}
	contactOrgs := map[int64]bool{}
	for _, v := range tables[SheetContactInfo].ColumnByName("ID").Int64s() {
		if !ids[v] {
			t.Fatalf("Contact Info ID %d has no Organisation row", v)
		}
		contactOrgs[v] = true
	}
	if got := len(ids) - len(contactOrgs); got != truth.ReachoutOrgsNoContact || got == 0 {
		t.Errorf("organisations without contacts = %d, truth %d (want some)", got, truth.ReachoutOrgsNoContact)
	}
	multi := 0
	for _, s := range tables[SheetCleaned].ColumnByName("Contact Email Address").Strings() {
		if strings.Count(s, "@") > 1 && strings.ContainsAny(s, ";,/") {
			multi++
		}
	}
	if multi != truth.SACAAMultiEmail || multi == 0 {
		t.Errorf("SACAA multi-email cells = %d, truth %d (want some)", multi, truth.SACAAMultiEmail)
	}
	numeric := 0
	for sheet, cols := range map[string][]string{
		SheetContactInfo: {"Phone", "WhatsApp"}, SheetCompanyContacts: {"Cellnumber", "Landline"}, SheetCleaned: {"Contact Number"},
	} {
		for _, c := range cols {
			col := tables[sheet].ColumnByName(c)
			if col.Type() != table.String {
				t.Errorf("%s!%s is %s, want string (numbers mixed with text)", sheet, c, col.Type())
				continue
			}
			numeric += count(col, numericPhone.MatchString)
		}
	}
	if numeric != truth.NumericPhones || numeric == 0 {
		t.Errorf("numeric phone cells = %d, truth %d (want some)", numeric, truth.NumericPhones)
	}
	if truth.InTwoOrMore == 0 || truth.InAllThree == 0 || truth.ReachoutDuplicateRows == 0 {
		t.Errorf("truth %+v: want organisations in several workbooks and duplicate rows", truth)
	}
	if truth.Table().NumRows() != truth.Organisations || truth.Organisations != 400 {
		t.Errorf("truth table has %d rows for %d organisations", truth.Table().NumRows(), truth.Organisations)
	}
	// The same organisation is spelled differently across workbooks.
	cat := tables[SheetCompanyCat].ColumnByName("Company").Strings()
	differ := 0
	for i, e := range truth.Entities {
		if e.Reachout && e.ContactDB && len(e.ReachoutIDs) > 0 {
			reach := org.ColumnByName("Organisation Name").Strings()[rowOfID(idCol, e.ReachoutIDs[0])]
			if company := cat[companyRow(e.CompanyID)]; company != reach {
				differ++
			}
		}
		_ = i
	}
	if differ == 0 {
		t.Error("no organisation is spelled differently in Reachout and Company_Cat")
	}
}

func rowOfID(col *table.Column, id int) int {
	return slices.Index(col.Int64s(), int64(id))
}

// companyRow turns C00042 into its 0-based row.
func companyRow(cid string) int {
	n := 0
	for _, c := range cid[1:] {
		n = n*10 + int(c-'0')
	}
	return n - 1
}

// TestAviationDeterminism writes the workbooks twice and compares every
// sheet, and keeps the fixtures in testdata/xlsx in step with the
// generator (go test -run AviationDeterminism -update rewrites them).
func TestAviationDeterminism(t *testing.T) {
	t.Parallel()
	dirs := []string{t.TempDir(), t.TempDir()}
	if *update {
		dirs[1] = fixtureDir
	}
	var truths []Truth
	for _, d := range dirs {
		tr, err := WriteAviationWorkbooks(d, fixtureSeed, fixtureOrgs)
		if err != nil {
			t.Fatal(err)
		}
		truths = append(truths, tr)
	}
	dirs = append(dirs, fixtureDir)
	for _, file := range []string{ReachoutFile, ContactFile, SACAAFile} {
		sheets, err := xlsxio.Sheets(filepath.Join(dirs[0], file))
		if err != nil {
			t.Fatal(err)
		}
		for _, sheet := range sheets {
			want, _ := readSheet(t, filepath.Join(dirs[0], file), sheet)
			for _, d := range dirs[1:] {
				if _, err := os.Stat(filepath.Join(d, file)); err != nil {
					t.Fatalf("%v (run go test ./internal/synth -run AviationDeterminism -update)", err)
				}
				got, _ := readSheet(t, filepath.Join(d, file), sheet)
				if diff := want.Diff(got); diff != "" {
					t.Errorf("%s!%s in %s differs: %s", file, sheet, d, diff)
				}
			}
		}
	}
	if truths[0].Table().Diff(truths[1].Table()) != "" || truths[0].NumericPhones != truths[1].NumericPhones {
		t.Error("same seed, different truth")
	}
}

func BenchmarkAviationWorkbooks(b *testing.B) {
	const orgs = 10_000
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		if _, err := WriteAviationWorkbooks(dir, int64(i), orgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(orgs)*float64(b.N)/b.Elapsed().Seconds(), "orgs/s")
}

// The workbooks carry the patterns of real ones, and the sheets hold as
// many of each as the truth says.
func TestAviationPatterns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	truth, err := WriteAviationWorkbooks(dir, 5, 400)
	if err != nil {
		t.Fatal(err)
	}
	contacts, _ := readSheet(t, filepath.Join(dir, ContactFile), SheetCompanyContacts)
	addrs, _ := readSheet(t, filepath.Join(dir, ContactFile), SheetCompanyAddresses)
	cat, _ := readSheet(t, filepath.Join(dir, ContactFile), SheetCompanyCat)
	sacaa, _ := readSheet(t, filepath.Join(dir, SACAAFile), SheetCleaned)
	isID := func(v string) bool { return strings.HasPrefix(v, "C") && strings.Trim(v[1:], "0123456789") == "" }
	cid := contacts.ColumnByName("C_ID")
	zero, nick, none := 0, 0, 0
	for i := 0; i < contacts.NumRows(); i++ {
		switch v := cid.Format(i); {
		case cid.IsNull(i):
			none++
		case v == "0":
			zero++
		case !isID(v):
			nick++
		}
	}
	closed := func(v string) bool { return slices.Contains(closedStatuses, v) }
	placeholderish := func(v string) bool {
		return v == "Unknown" || v == "N/A" || v == "-" || v == "- -" || strings.Contains(v, "Not Publicly Listed")
	}
	addrNick := count(addrs.ColumnByName("C_ID"), func(v string) bool { return !isID(v) })
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"zero C_ID contacts", zero, truth.ZeroIDContacts},
		{"nickname C_ID contacts", nick, truth.NicknameContacts},
		{"contacts without C_ID", none, truth.NoIDContacts},
		{"nickname C_ID addresses", addrNick, truth.NicknameAddresses},
		{"Invalid email flags", count(contacts.ColumnByName("Email Status"), func(v string) bool { return v == "Invalid" }), truth.FlaggedEmails},
		{"closed statuses", count(cat.ColumnByName("Status"), closed) + count(sacaa.ColumnByName("Status"), closed), truth.ClosedOrgs},
		{"addresses in the fifth column", count(addrs.ColumnByName("column_5"), func(v string) bool { return v != "" }), truth.CompanyAddrs},
		{"placeholders", count(sacaa.ColumnByName("Province"), placeholderish) + count(sacaa.ColumnByName("Contact Person"), placeholderish) +
			count(contacts.ColumnByName("FirstName"), placeholderish), truth.Placeholders},
	} {
		if c.got != c.want || c.want == 0 {
			t.Errorf("%s: %d in the sheets, truth %d (want some)", c.name, c.got, c.want)
		}
	}
	if truth.ShiftedWebsites == 0 || truth.Branches == 0 || truth.SuffixVariants == 0 || truth.BracketRoles == 0 {
		t.Errorf("truth %+v: want shifted websites, branches, suffix variants and bracketed roles", truth)
	}
	// Every row that points at an organisation has its truth.
	if n := truth.CompanyContacts + truth.CompanyAddrs + truth.Companies + truth.SACAARows + truth.ReachoutOrgRows + truth.CaptureRows; len(truth.Rows) != n {
		t.Errorf("truth rows %d, want %d", len(truth.Rows), n)
	}
}
