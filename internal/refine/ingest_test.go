package refine_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/refine"
	"github.com/hotpass/hotpass/internal/synth"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// sheet is one sheet of a fixture workbook; rows[0] is the header.
type sheet struct {
	name string
	rows [][]any
}

func writeBook(t testing.TB, path string, sheets ...sheet) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		sw := streamSheet(t, f, i, s.name)
		for j, r := range s.rows {
			if err := sw.SetRow("A"+strconv.Itoa(j+1), r); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// streamSheet adds the i-th sheet of f, named name (the first takes the
// place of the new file's Sheet1), and returns a stream writer for it.
func streamSheet(t testing.TB, f *excelize.File, i int, name string) *excelize.StreamWriter {
	t.Helper()
	if i == 0 {
		if err := f.SetSheetName("Sheet1", name); err != nil {
			t.Fatal(err)
		}
	} else if _, err := f.NewSheet(name); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

func refineDir(t testing.TB, dir string) (*refine.Result, error) {
	t.Helper()
	return aviationRefiner(t).Refine(context.Background(), refine.IngestOptions{Dir: dir})
}

func column(t testing.TB, tb *table.Table, name string) []string {
	t.Helper()
	c := tb.ColumnByName(name)
	if c == nil {
		t.Fatalf("no column %q", name)
	}
	out := make([]string, tb.NumRows())
	for i := range out {
		out[i] = c.Format(i)
	}
	return out
}

func rowWhere(t testing.TB, tb *table.Table, col, value string) int {
	t.Helper()
	for i, v := range column(t, tb, col) {
		if v == value {
			return i
		}
	}
	t.Fatalf("no row with %s = %q", col, value)
	return -1
}

var sacaaHeader = []any{"Name of Organisation", "Province", "Status", "Website URL", "Contact Person", "Contact Number", "Contact Email Address"}

const sacaaFile = "SACAA Flight Schools - Refined copy__CLEANED.xlsx"

// The aviation profile on synthetic workbooks: counts agree with what
// was generated, values are normalised, and provenance names real sources.
func TestAviationSynthetic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	truth, err := synth.WriteAviationWorkbooks(dir, 42, 200)
	if err != nil {
		t.Fatal(err)
	}
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Batch.Stats
	checkAccounting(t, res)
	// Joined rows that find no organisation become records of their own.
	keptFromJoins := 0
	for _, s := range st.PerSheet {
		if s.Sheet != "Organisation" && s.Sheet != "Company_Cat" && s.Sheet != "Cleaned" {
			keptFromJoins += s.Kept
		}
	}
	if want := truth.ReachoutOrgRows + truth.Companies + truth.SACAARows + keptFromJoins; st.Records != want {
		t.Errorf("records = %d, want %d (reachout %d + companies %d + sacaa %d + kept from joined sheets %d)", st.Records, want, truth.ReachoutOrgRows, truth.Companies, truth.SACAARows, keptFromJoins)
	}
	if st.SkippedRows != truth.ReachoutBlankNameRows {
		t.Errorf("skipped rows = %d, want the %d rows without a name", st.SkippedRows, truth.ReachoutBlankNameRows)
	}
	// Every contact row is an organisation's contact unless it was
	// rejected with a reason.
	rejected := 0
	for _, s := range st.PerSheet {
		if s.Sheet == "Company_Contacts" || s.Sheet == "Contact Info" {
			rejected += s.Rejected - s.Reasons[refine.RejectEmptyRow]
		}
	}
	if want := truth.ReachoutContacts + truth.CompanyContacts + truth.SACAARows - rejected; st.Contacts != want || rejected > truth.ZeroIDContacts+truth.NoIDContacts {
		t.Errorf("contacts = %d, want %d (%d rejected; %d rows had a C_ID of 0 or none)", st.Contacts, want, rejected, truth.ZeroIDContacts+truth.NoIDContacts)
	}
	n := res.Table.NumRows()
	if n < truth.Organisations*9/10 || n > st.Records {
		t.Errorf("%d organisations from %d records of %d real ones", n, st.Records, truth.Organisations)
	}
	if got := res.Table.Schema().Names(); !slices.Equal(got, refine.SSOTSchema.Names()) {
		t.Fatalf("columns %v", got)
	}
	e164 := regexp.MustCompile(`^\+27[1-9][0-9]{4,8}$`)
	for _, col := range []string{"contact_primary_phone"} {
		for i, v := range column(t, res.Table, col) {
			if v != "" && !e164.MatchString(v) {
				t.Errorf("row %d: %s = %q is not E.164", i+1, col, v)
			}
		}
	}
	for i, v := range column(t, res.Table, "contact_secondary_phones") {
		for _, p := range strings.Split(v, ";") {
			if p != "" && !strings.HasPrefix(p, "+") {
				t.Errorf("row %d: secondary phone %q is not E.164", i+1, p)
			}
		}
	}
	for i, v := range column(t, res.Table, "contact_primary_email") {
		if v != "" && (v != strings.ToLower(v) || !refine.ValidEmail(v)) {
			t.Errorf("row %d: primary email %q", i+1, v)
		}
	}
	for i, v := range column(t, res.Table, "contact_secondary_emails") {
		for _, e := range strings.Split(v, ";") {
			if e != "" && (strings.ContainsAny(e, ",/| ") || !refine.ValidEmail(e)) {
				t.Errorf("row %d: secondary email %q", i+1, e)
			}
		}
	}
	site := regexp.MustCompile(`^https?://[a-z0-9.-]+(:[0-9]+)?([/?].*)?$`)
	hosts := column(t, res.Table, "website_host")
	for i, v := range column(t, res.Table, "website") {
		if v == "" {
			if hosts[i] != "" {
				t.Errorf("row %d: website_host %q without a website", i+1, hosts[i])
			}
			continue
		}
		if again, ok := refine.NormaliseWebsite(v); !site.MatchString(v) || !ok || again != v {
			t.Errorf("row %d: website %q is not normalised", i+1, v)
		}
		if h := hosts[i]; h == "" || strings.HasPrefix(h, "www.") || !strings.Contains(v, "://"+h) && !strings.Contains(v, "://www."+h) {
			t.Errorf("row %d: website_host %q for website %q", i+1, h, v)
		}
	}
	provinces := []string{"Gauteng", "Western Cape", "KwaZulu-Natal", "Eastern Cape", "Free State", "Limpopo", "Mpumalanga", "North West", "Northern Cape", ""}
	for i, v := range column(t, res.Table, "province") {
		if !slices.Contains(provinces, v) {
			t.Errorf("row %d: province %q is not canonical", i+1, v)
		}
	}
	// Provenance is JSON naming datasets the row was built from.
	datasets, prov := column(t, res.Table, "source_datasets"), column(t, res.Table, "selection_provenance")
	multi := 0
	for i := range prov {
		var m map[string]refine.Choice
		if err := json.Unmarshal([]byte(prov[i]), &m); err != nil {
			t.Fatalf("row %d: provenance %q: %v", i+1, prov[i], err)
		}
		name, ok := m["organization_name"]
		if !ok || !slices.Contains(strings.Split(datasets[i], ";"), name.Source) {
			t.Errorf("row %d: organization_name provenance %+v not among %q", i+1, name, datasets[i])
		}
		if strings.Contains(datasets[i], ";") {
			multi++
			if strings.Contains(datasets[i], "sacaa") && name.Source != "sacaa" {
				t.Errorf("row %d: SACAA (priority 3) present but the name came from %s", i+1, name.Source)
			}
		}
	}
	if multi < truth.InTwoOrMore/2 {
		t.Errorf("only %d organisations merged from several datasets; %d real ones are in two or more", multi, truth.InTwoOrMore)
	}
	// SACAA rows get the source constant.
	for i, d := range datasets {
		if d == "sacaa" && column(t, res.Table, "organization_category")[i] != "Flight School" {
			t.Errorf("row %d: SACAA-only organisation without category Flight School", i+1)
		}
	}
}

// The workbook has a styled Data sheet and a Summary sheet whose counts
// match the table; the Parquet copy holds the same rows.
func TestWriteOutputsSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := synth.WriteAviationWorkbooks(dir, 3, 60); err != nil {
		t.Fatal(err)
	}
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "dist", "refined.xlsx")
	sum := refine.Summary(res.Table, nil, res.Batch.Unmatched, res.Batch.Stats.PerSheet, nil)
	pq, err := refine.WriteOutputs(out, res.Table, sum, refine.Thresholds{Amber: 0.5, Green: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if pq != filepath.Join(dir, "dist", "refined.parquet") {
		t.Errorf("parquet path %s", pq)
	}
	got, _, err := xlsxio.ReadFile(out, xlsxio.ReadOptions{Sheet: "Summary"})
	if err != nil {
		t.Fatal(err)
	}
	metrics, values := column(t, got, "metric"), column(t, got, "value")
	want := map[string]string{"total_records": strconv.Itoa(res.Table.NumRows()), "validation_passed": "1"}
	// No single "invalid" count: each expectation reports its own.
	if slices.Contains(column(t, got, "metric"), "invalid_records") {
		t.Error("Summary still has invalid_records")
	}
	// Every sheet read has its source_rows line, and the counts add up.
	details := column(t, got, "detail")
	for _, st := range res.Batch.Stats.PerSheet {
		metric := "source_rows: " + st.File + " / " + st.Sheet
		i := slices.Index(column(t, got, "metric"), metric)
		if i < 0 {
			t.Errorf("Summary lacks %q", metric)
			continue
		}
		if details[i] != st.Detail() || st.Read != st.Merged+st.Kept+st.Rejected {
			t.Errorf("%s: %q for %+v", metric, details[i], st)
		}
	}
	for i, m := range metrics {
		if w, ok := want[m]; ok {
			if values[i] != w && values[i] != w+".0" {
				t.Errorf("Summary %s = %s, want %s", m, values[i], w)
			}
			delete(want, m)
		}
	}
	if len(want) > 0 {
		t.Errorf("Summary lacks %v", want)
	}
	if !slices.Contains(metrics, "completeness: website") {
		t.Error("Summary lacks per-column completeness")
	}
	data, _, err := xlsxio.ReadFile(out, xlsxio.ReadOptions{Sheet: "Data"})
	if err != nil {
		t.Fatal(err)
	}
	if data.NumRows() != res.Table.NumRows() || !slices.Equal(data.Schema().Names(), refine.SSOTSchema.Names()) {
		t.Errorf("Data sheet: %d rows %v", data.NumRows(), data.Schema().Names())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	panes, err := f.GetPanes("Data")
	if err != nil || !panes.Freeze {
		t.Errorf("Data header not frozen: %+v %v", panes, err)
	}
}

// A missing source file is a warning; the others are still read.
func TestMissingSourceFileWarns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Eagle Flight School", "GP", "Active", "eagle.co.za", "Jo Smith", "082 123 4567", "jo@eagle.co.za"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.NumRows() != 1 {
		t.Fatalf("%d rows, want 1", res.Table.NumRows())
	}
	var msgs []string
	for _, w := range res.Batch.Warnings {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"reachout: no file matches", "contact_database: no file matches"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
}

// No source file at all is an error naming the patterns and what is there.
func TestNoSourceFileIsAnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, "unrelated.xlsx"), sheet{"Sheet1", [][]any{{"a"}, {"b"}}})
	_, err := refineDir(t, dir)
	if !errors.Is(err, refine.ErrNoSources) {
		t.Fatalf("err = %v, want ErrNoSources", err)
	}
	for _, want := range []string{"SACAA Flight Schools*.xlsx", "unrelated.xlsx"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// A missing sheet is a warning naming the sheets the workbook has.
func TestMissingSheetWarns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, "Reachout Database.xlsx"), sheet{"Organisation", [][]any{
		{"Organisation Name", "ID", "Area"}, {"Kestrel Aviation", 1, "KZN"}}}, sheet{"Notes", [][]any{{"x"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range res.Batch.Warnings {
		if w.Sheet == "Contact Info" && strings.Contains(w.Message, `"Organisation", "Notes"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning naming the sheets found: %v", res.Batch.Warnings)
	}
	if got := column(t, res.Table, "province"); got[0] != "KwaZulu-Natal" {
		t.Errorf("province from area alias = %q", got[0])
	}
}

// A required column missing is an error listing the columns found and the
// synonyms tried.
func TestRequiredColumnMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{{"Org", "Province", "Phone"}, {"Eagle", "GP", "0821234567"}}})
	_, err := refineDir(t, dir)
	var me *refine.MissingColumnsError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want MissingColumnsError", err)
	}
	msg := err.Error()
	for _, want := range []string{"organization_name", `"Name of Organisation"`, `columns found: "Org", "Province", "Phone"`, "Cleaned"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

// Repeated header names keep every column's values: both email columns
// end up on the organisation.
func TestDuplicateHeaders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{
		{"Name of Organisation", "Contact Email Address", "Contact Email Address"},
		{"Eagle Flight School", "jo@eagle.co.za", "Info@Eagle.co.za"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if p, s := column(t, res.Table, "contact_primary_email")[0], column(t, res.Table, "contact_secondary_emails")[0]; p != "jo@eagle.co.za" || s != "info@eagle.co.za" {
		t.Errorf("primary %q secondary %q; want both addresses kept", p, s)
	}
}

// Formula cells are read by their cached values; a formula without one is
// null with a warning, never its formula text.
func TestFormulaCells(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{excelize.Cell{Formula: `PROPER("eagle flight school")`, Value: "Eagle Flight School"}, "GP", nil, nil, nil, nil, "jo@eagle.co.za"},
		{"Kestrel Aero Club", "WC", nil, excelize.Cell{Formula: `LOWER("X")`}, nil, nil, nil}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	names := column(t, res.Table, "organization_name")
	if !slices.Contains(names, "Eagle Flight School") {
		t.Errorf("names %q lack the formula's cached value", names)
	}
	if w := column(t, res.Table, "website")[rowWhere(t, res.Table, "organization_name", "Kestrel Aero Club")]; w != "" {
		t.Errorf("uncached formula read as %q", w)
	}
	warned := false
	for _, w := range res.Batch.Warnings {
		warned = warned || strings.Contains(w.Message, "formula")
	}
	if !warned {
		t.Error("no warning about the formula without a cached value")
	}
}

// Phone numbers typed as numbers keep every digit, including those that
// lost their leading zero.
func TestNumericPhones(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"A Flight School", nil, nil, nil, "A", int64(27821234567), nil},
		{"B Flight School", nil, nil, nil, "B", 821234568, nil},
		{"C Flight School", nil, nil, nil, "C", 27115550101.0, nil},
		{"D Flight School", nil, nil, nil, "D", "12345", nil},
		{"E Flight School", nil, nil, nil, "E", "n/a", nil}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A Flight School": "+27821234567", "B Flight School": "+27821234568", "C Flight School": "+27115550101", "D Flight School": ""}
	phones := column(t, res.Table, "contact_primary_phone")
	for name, w := range want {
		if got := phones[rowWhere(t, res.Table, "organization_name", name)]; got != w {
			t.Errorf("%s: phone %q, want %q", name, got, w)
		}
	}
	i := rowWhere(t, res.Table, "organization_name", "D Flight School")
	if f := column(t, res.Table, "contact_validation_flags")[i]; !strings.Contains(f, "invalid_phone") {
		t.Errorf("invalid phone not flagged: %q", f)
	}
	if s := column(t, res.Table, "contact_primary_phone_status")[i]; s != refine.StatusUndeliverable {
		t.Errorf("invalid phone status %q", s)
	}
	// A placeholder is no phone at all, not an invalid one.
	i = rowWhere(t, res.Table, "organization_name", "E Flight School")
	if f := column(t, res.Table, "contact_validation_flags")[i]; f != "none" {
		t.Errorf("placeholder phone flagged: %q", f)
	}
}

// Dates are read from date cells, plain serials and text in several forms.
func TestDates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := excelize.NewFile()
	defer f.Close()
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	sw := streamSheet(t, f, 0, "Organisation")
	rows := [][]any{
		{"Organisation Name", "ID", "Reachout Date"},
		{"Dated Cell", 1, excelize.Cell{StyleID: style, Value: 45366}},
		{"Plain Serial", 2, 45367},
		{"ISO Text", 3, "2024-03-17"},
		{"Day First Text", 4, "18/03/2024"},
		{"Month Name", 5, "19 March 2024"},
		{"Not A Date", 6, "soon"},
	}
	for i, r := range rows {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(filepath.Join(dir, "Reachout Database.xlsx")); err != nil {
		t.Fatal(err)
	}
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Dated Cell": "2024-03-15", "Plain Serial": "2024-03-16", "ISO Text": "2024-03-17",
		"Day First Text": "2024-03-18", "Month Name": "2024-03-19", "Not A Date": ""}
	dates := column(t, res.Table, "last_interaction_date")
	for name, w := range want {
		if got := dates[rowWhere(t, res.Table, "organization_name", name)]; got != w {
			t.Errorf("%s: date %q, want %q", name, got, w)
		}
	}
}

// Names in other scripts get keys of their own and keep their text.
func TestNonLatinNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Авиа Клуб", nil, nil, nil, "Алексей Иванов", nil, nil},
		{"飞行学校", nil, nil, nil, "李伟", nil, nil},
		{"Σχολή Πτήσεων", nil, nil, nil, "Σοφία", nil, nil},
		{"Müller Flight School", nil, nil, nil, "Zoë Naudé", nil, nil}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.NumRows() != 4 {
		t.Fatalf("%d organisations, want 4: %v", res.Table.NumRows(), column(t, res.Table, "organization_slug"))
	}
	for _, name := range []string{"Авиа Клуб", "飞行学校", "Σχολή Πτήσεων"} {
		i := rowWhere(t, res.Table, "organization_name", name)
		if column(t, res.Table, "organization_slug")[i] == "" {
			t.Errorf("%s has an empty slug", name)
		}
	}
	i := rowWhere(t, res.Table, "organization_name", "Müller Flight School")
	if s := column(t, res.Table, "organization_slug")[i]; s != "muller-flight-school" {
		t.Errorf("slug %q", s)
	}
	if n := column(t, res.Table, "contact_primary_name")[i]; n != "Zoë Naudé" {
		t.Errorf("contact name %q", n)
	}
}

// An empty workbook (header only, or no rows at all) gives an empty SSOT,
// not an error.
func TestEmptyWorkbook(t *testing.T) {
	t.Parallel()
	for _, rows := range [][][]any{{sacaaHeader}, nil} {
		dir := t.TempDir()
		writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", rows})
		res, err := refineDir(t, dir)
		if rows == nil {
			// A sheet without a header has no columns: the required name
			// column is missing.
			var me *refine.MissingColumnsError
			if !errors.As(err, &me) || !strings.Contains(err.Error(), "columns found: none") {
				t.Errorf("sheet without rows: err = %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if res.Table.NumRows() != 0 {
			t.Errorf("%d rows from a header-only sheet", res.Table.NumRows())
		}
	}
}

// A sheet of 100,000 rows is read and merged in full.
func TestLargeSheet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and refines a 100,000-row workbook")
	}
	t.Parallel()
	dir := t.TempDir()
	const n = 100000
	rows := make([][]any, 0, n+1)
	rows = append(rows, []any{"Name of Organisation", "Province", "Contact Number"})
	for i := 0; i < n; i++ {
		rows = append(rows, []any{"School " + strconv.Itoa(i), "GP", "082" + strconv.Itoa(1000000+i)})
	}
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", rows})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.NumRows() != n || res.Batch.Stats.Rows != n {
		t.Fatalf("%d organisations from %d rows, want %d", res.Table.NumRows(), res.Batch.Stats.Rows, n)
	}
	i := rowWhere(t, res.Table, "organization_name", "School 99999")
	if p := column(t, res.Table, "contact_primary_phone")[i]; p != "+27821099999" {
		t.Errorf("last row phone %q", p)
	}
}

// Unmapped columns are reported, not silently dropped.
func TestUnmatchedColumnsReported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{
		append(append([]any{}, sacaaHeader...), "Fleet Size", "Remarks 2"),
		{"Eagle Flight School", "GP", nil, nil, nil, nil, nil, 4, "x"}}})
	res, err := refineDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Batch.Unmatched) != 1 || !slices.Equal(res.Batch.Unmatched[0].Columns, []string{"Fleet Size", "Remarks 2"}) {
		t.Errorf("unmatched = %+v", res.Batch.Unmatched)
	}
	sum := refine.Summary(res.Table, nil, res.Batch.Unmatched, res.Batch.Stats.PerSheet, nil)
	if !slices.Contains(column(t, sum, "metric"), "unmatched_columns") {
		t.Error("Summary does not report the unmatched columns")
	}
}

// Records merge by the group key with survivorship by priority, and the
// entity-resolution hook merges by cluster instead.
func TestSurvivorshipAndClusters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBook(t, filepath.Join(dir, sacaaFile), sheet{"Cleaned", [][]any{sacaaHeader,
		{"Eagle Flight School (Pty) Ltd", "Gauteng", "Active", "https://eagle.co.za", "Jo", "0821234567", "jo@eagle.co.za"}}})
	writeBook(t, filepath.Join(dir, "Reachout Database.xlsx"),
		sheet{"Organisation", [][]any{{"Organisation Name", "ID", "Area", "Website", "Address"},
			{"EAGLE FLIGHT SCHOOL", 7, "WC", "www.eagle-old.co.za", "Hangar 3, Rand Airport"},
			{"Falcon Aviation", 8, "GP", nil, nil}}},
		sheet{"Contact Info", [][]any{{"ID", "Firstname", "Surname", "Email", "Phone"},
			{7, "Sam", "Lee", "sam@eagle.co.za; info@eagle.co.za", "011 555 0101"}}})
	r := aviationRefiner(t)
	res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir, KeepRecords: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Table.NumRows() != 2 {
		t.Fatalf("%d organisations, want 2: %v", res.Table.NumRows(), column(t, res.Table, "organization_name"))
	}
	i := rowWhere(t, res.Table, "organization_slug", "eagle-flight-school-pty-ltd")
	get := func(c string) string { return column(t, res.Table, c)[i] }
	if get("website") != "https://eagle.co.za" || get("province") != "Gauteng" || get("address_primary") != "Hangar 3, Rand Airport" {
		t.Errorf("survivors: website %q province %q address %q", get("website"), get("province"), get("address_primary"))
	}
	if get("source_datasets") != "reachout;sacaa" || get("source_record_ids") != "sacaa:Cleaned!2;reachout:7" {
		t.Errorf("sources %q ids %q", get("source_datasets"), get("source_record_ids"))
	}
	var prov map[string]refine.Choice
	if err := json.Unmarshal([]byte(get("selection_provenance")), &prov); err != nil {
		t.Fatal(err)
	}
	if w := prov["website"]; w.Source != "sacaa" || w.Priority != 3 || w.Reason != "priority 3>2" {
		t.Errorf("website provenance %+v", w)
	}
	if a := prov["address"]; a.Source != "reachout" || a.RecordID != "7" || a.Reason != "only value" {
		t.Errorf("address provenance %+v", a)
	}
	if s := get("contact_secondary_emails"); !strings.Contains(s, "sam@eagle.co.za") || !strings.Contains(s, "info@eagle.co.za") {
		t.Errorf("secondary emails %q", s)
	}
	if get("data_quality_score") != "1.0" || get("data_quality_flags") != "none" {
		t.Errorf("quality %s %s", get("data_quality_score"), get("data_quality_flags"))
	}
	// Clustering every record into one organisation merges all three.
	orgs, err := r.MergeClusters(res.Batch.Records, make([]int, len(res.Batch.Records)), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 || len(orgs[0].RecordIDs) != 3 {
		t.Fatalf("MergeClusters: %d organisations", len(orgs))
	}
	if _, err := r.MergeClusters(res.Batch.Records, []int{0}, 1); err == nil {
		t.Error("MergeClusters accepted too few assignments")
	}
}

// Refine reads files, assembles and merges on several goroutines; its
// table must equal that of the stages run one after the other on one,
// for any number of workers, including records from input tables.
func TestRefineMatchesSequentialStages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := synth.WriteAviationWorkbooks(dir, 7, 300); err != nil {
		t.Fatal(err)
	}
	b := table.NewBuilder(table.MustSchema(
		table.Field{Name: "organization_name", Type: table.String},
		table.Field{Name: "contact_phone", Type: table.String},
		table.Field{Name: "website", Type: table.String},
	), 3)
	for _, row := range [][]string{
		{"  Extra Aero Club ", "082 555 0101", "WWW.Extra-Aero.co.za/"},
		{"Extra Aero Club", "+27 82 555 0102", ""},
		{"Upstream Flyers", "n/a", "upstream.example"},
	} {
		for j, v := range row {
			b.Column(j).AppendString(v)
		}
	}
	extra, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	tables := []refine.NamedTable{{Name: "upstream", Priority: 1, Table: extra}}
	r := aviationRefiner(t)
	batch, err := r.Ingest(context.Background(), refine.IngestOptions{Dir: dir, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	r.Normalise(batch, 1)
	want, err := refine.Build(r.Aggregate(batch.Records, 1))
	if err != nil {
		t.Fatal(err)
	}
	if want.NumRows() < 200 {
		t.Fatalf("only %d organisations from the sequential stages", want.NumRows())
	}
	for _, workers := range []int{1, 2, 5} {
		res, err := r.Refine(context.Background(), refine.IngestOptions{Dir: dir, Tables: tables, Workers: workers, KeepRecords: true})
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Table.Diff(want); d != "" {
			t.Errorf("workers=%d: Refine differs from the sequential stages: %s", workers, d)
		}
		if !slices.EqualFunc(res.Batch.Records, batch.Records, func(a, b refine.Record) bool { return a.Key == b.Key && a.Fields == b.Fields }) {
			t.Errorf("workers=%d: normalised records differ", workers)
		}
	}
}
