package synth

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// The file names of the three aviation workbooks.
const (
	ReachoutFile = "Reachout Database.xlsx"
	ContactFile  = "Contact Database.xlsx"
	SACAAFile    = "SACAA Flight Schools - Refined copy__CLEANED.xlsx"
)

// The sheet layouts of the aviation workbooks. They are a contract: users'
// real files look like this, and pipelines are written against them.
var (
	ReachoutOrgHeader     = []string{"Organisation Name", "ID", "Area", "Address", "Type", "Website", "Planes", "Description Type", "Notes", "Open Questions", "Reachout Date"}
	ReachoutContactHeader = []string{"ID", "Firstname", "Surname", "Email", "Phone", "WhatsApp", "Position"}
	CompanyCatHeader      = []string{"Company", "C_ID", "Category", "Status", "Website", "LoadDate", "Priority"}
	// CompanyContactsHeader ends with the flag the old CRM kept on each
	// email address ("Invalid" after a bounce).
	CompanyContactsHeader = []string{"C_ID", "FirstName", "Surname", "Cellnumber", "Landline", "Email", "Position", "Email Status"}
	// CompanyAddressesHeader has blank header cells from the third on; the
	// street address sits in the fifth column.
	CompanyAddressesHeader = []string{"C_ID", "Airport", "", "", ""}
	CaptureHeader          = []string{"School", "Description", "Type"}
	SACAAHeader            = []string{"Name of Organisation", "Province", "Status", "Website URL", "Contact Person", "Contact Number", "Contact Email Address"}
)

// Sheet names of the aviation workbooks.
const (
	SheetOrganisation     = "Organisation"
	SheetContactInfo      = "Contact Info"
	SheetCompanyCat       = "Company_Cat"
	SheetCompanyContacts  = "Company_Contacts"
	SheetCompanyAddresses = "Company_Addresses"
	SheetCapture          = "10-10-25 Capture"
	SheetNotes            = "Sheet1"
	SheetPivot            = "Pivot"
	SheetCleaned          = "Cleaned"
)

// Truth is what WriteAviationWorkbooks put in the files, for tests to
// check merges and counts against.
type Truth struct {
	// Organisations is the number of real organisations across all files.
	Organisations int
	// Entities lists them by true id.
	Entities []TruthEntity
	// InTwoOrMore and InAllThree count organisations present in several
	// workbooks, which merging across sources must unite.
	InTwoOrMore, InAllThree int

	// Reachout Database.xlsx
	ReachoutOrgRows       int // rows with an Organisation Name
	ReachoutBlankNameRows int // rows without one, to be ignored
	ReachoutDuplicateRows int // second rows of an organisation under a variant name
	ReachoutContacts      int
	ReachoutOrgsNoContact int // named organisations without any contact row

	// Contact Database.xlsx
	Companies       int
	CompanyContacts int
	CompanyAddrs    int
	CaptureRows     int

	// SACAA ... CLEANED.xlsx
	SACAARows       int
	SACAAMultiEmail int // Contact Email Address cells holding several addresses

	// NumericPhones counts phone cells written as numbers, across files.
	NumericPhones int

	// The patterns of real workbooks, counted where they were written.
	// ZeroIDContacts and NicknameContacts are Company_Contacts rows whose
	// C_ID is "0" or the company's name as people say it ("capital air");
	// NoIDContacts have no C_ID at all.
	ZeroIDContacts, NicknameContacts, NoIDContacts int
	// NicknameAddresses are Company_Addresses rows keyed by a nickname.
	NicknameAddresses int
	// ShiftedWebsites are Company_Cat rows given the previous company's
	// website, as when a column is pasted one row off.
	ShiftedWebsites int
	// Placeholders counts cells holding a placeholder ("Unknown", "- -",
	// "N/A", "Accountable Manager (Not Publicly Listed)").
	Placeholders int
	// BracketRoles are contact names with the position in brackets.
	BracketRoles int
	// ClosedOrgs are organisations marked closed or defunct in a status
	// column; FlaggedEmails are emails marked Invalid.
	ClosedOrgs, FlaggedEmails int
	// Branches are organisations named as a branch of another ("<name>
	// <town>"), a different organisation in another place.
	Branches int
	// SuffixVariants are names written with another legal suffix spelling
	// or without spaces ("4aviators").
	SuffixVariants int

	// Rows maps every row that names or points at an organisation to its
	// true_org_id, keyed as refinement identifies records:
	// "<dataset>:<source_record_id>" ("reachout:7",
	// "contact_database:C00012") or "<dataset>:<sheet>!<row>"
	// ("sacaa:Cleaned!5", "contact_database:Company_Contacts!14"). It is
	// the ground truth against which merges are judged; it is never
	// written into the workbooks.
	Rows map[string]string
}

func (a *aviation) truthRow(key string, entity int) {
	if a.truth.Rows == nil {
		a.truth.Rows = map[string]string{}
	}
	a.truth.Rows[key] = TrueOrgID(entity)
}

// TruthEntity is one real organisation and where it appears.
type TruthEntity struct {
	ID        string // true_org_id
	Name      string // canonical name
	Type      string
	Province  string // canonical province
	Domain    string // website domain, or ""
	Reachout  bool
	ContactDB bool
	SACAA     bool
	// ReachoutIDs are the ID cells of its Organisation rows; CompanyID its
	// C_ID in Company_Cat.
	ReachoutIDs []int
	CompanyID   string
}

// Table renders the entities as a table: true_org_id, name, type,
// province, domain, in_reachout, in_contact_db, in_sacaa.
func (t *Truth) Table() *table.Table {
	s := table.MustSchema(
		table.Field{Name: TruthColumn, Type: table.String},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "type", Type: table.String},
		table.Field{Name: "province", Type: table.String},
		table.Field{Name: "domain", Type: table.String},
		table.Field{Name: "in_reachout", Type: table.Bool},
		table.Field{Name: "in_contact_db", Type: table.Bool},
		table.Field{Name: "in_sacaa", Type: table.Bool},
	)
	b := table.NewBuilder(s, len(t.Entities))
	for _, e := range t.Entities {
		for i, v := range []string{e.ID, e.Name, e.Type, e.Province, e.Domain} {
			appendText(b.Column(i), v)
		}
		b.Column(5).AppendBool(e.Reachout)
		b.Column(6).AppendBool(e.ContactDB)
		b.Column(7).AppendBool(e.SACAA)
	}
	t2, err := b.Build()
	mustCollect(err)
	return t2
}

// WriteAviationWorkbooks writes the three aviation workbooks into dir for
// orgs real organisations spread over them (each in at least one), and
// returns what it wrote. Files are written atomically.
func WriteAviationWorkbooks(dir string, seed int64, orgs int) (Truth, error) {
	if orgs < 1 {
		return Truth{}, fmt.Errorf("synth: need at least one organisation, got %d", orgs)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Truth{}, fmt.Errorf("synth: %w", err)
	}
	a := &aviation{seed: seed, r: newRNG(), er: newRNG(), p: newRNG()}
	a.plan(orgs)
	steps := []struct {
		file  string
		write func(*workbook) error
	}{
		{ReachoutFile, a.writeReachout},
		{ContactFile, a.writeContactDB},
		{SACAAFile, a.writeSACAA},
	}
	for _, s := range steps {
		wb := newWorkbook()
		err := s.write(wb)
		if err == nil {
			err = wb.save(filepath.Join(dir, s.file))
		}
		if cerr := wb.f.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return Truth{}, fmt.Errorf("synth: %s: %w", s.file, err)
		}
	}
	for _, e := range a.truth.Entities {
		n := 0
		for _, in := range []bool{e.Reachout, e.ContactDB, e.SACAA} {
			if in {
				n++
			}
		}
		if n >= 2 {
			a.truth.InTwoOrMore++
		}
		if n == 3 {
			a.truth.InAllThree++
		}
	}
	return a.truth, nil
}

type aviation struct {
	seed int64
	// r draws the original decisions, p the patterns of real workbooks,
	// on separate generators so that adding a pattern leaves the others'
	// draws alone.
	r, er, p *rng
	entities []entity
	truth    Truth
}

// sub-streams of streamWorkbook, one per decision, so that changing one
// sheet's content leaves the others alone.
const (
	subMembership = iota
	subReachout
	subReachoutContact
	subCompany
	subCompanyContact
	subCapture
	subSACAA
	subPattern
)

// pat returns the pattern generator for decision kind k of item i.
func (a *aviation) pat(k, i int) *rng {
	return a.p.at(a.seed, streamWorkbook+uint64(subPattern)<<8+uint64(k), i)
}

// Pattern decision kinds.
const (
	patBranch = iota
	patCompany
	patContact
	patAddress
	patSACAA
)

func (a *aviation) at(sub, i int) *rng {
	return a.r.at(a.seed, streamWorkbook+uint64(sub)<<8, i)
}

// plan decides each organisation's membership in the three workbooks.
func (a *aviation) plan(orgs int) {
	a.entities = make([]entity, orgs)
	a.truth.Organisations = orgs
	a.truth.Entities = make([]TruthEntity, orgs)
	used := map[string]bool{}
	for id := range a.entities {
		e := makeEntity(a.er, a.seed, id)
		if id > 0 && a.pat(patBranch, id).IntN(100) < 4 {
			// A branch of the previous organisation in its own town: a
			// different organisation whose name differs by the place.
			prev := a.entities[id-1]
			if prev.place.town != e.place.town && !strings.Contains(prev.core, e.place.town) {
				e.core = prev.core + " " + e.place.town
				e.name = e.core + suffixPart(e)
				e.typ = prev.typ
				a.truth.Branches++
			}
		}
		if e.domain != "" {
			// A domain has one owner: a namesake gets its own, as a real
			// one would register.
			for n := 2; used[e.domain]; n++ {
				e.domain = domainVariant(e.domain, e.place.town, n)
			}
			used[e.domain] = true
		}
		a.entities[id] = e
		r := a.at(subMembership, id)
		te := TruthEntity{ID: TrueOrgID(id), Name: e.name, Type: orgTypes[e.typ], Province: e.place.province, Domain: e.domain}
		te.Reachout = r.Float64() < 0.6
		te.ContactDB = r.Float64() < 0.55
		sacaa := 0.1
		if orgTypes[e.typ] == TypeFlightSchool {
			sacaa = 0.85
		}
		te.SACAA = r.Float64() < sacaa
		if !te.Reachout && !te.ContactDB && !te.SACAA {
			te.Reachout = true
		}
		a.truth.Entities[id] = te
	}
}

// variant returns the canonical name most of the time and a typo
// otherwise.
func variant(r *rng, e entity, typoShare int) string {
	if r.IntN(100) < typoShare {
		n, _ := typo(r, e)
		return n
	}
	return e.name
}

// phoneCell returns a phone as a cell value: numeric-style numbers become
// numbers, as they do when typed into Excel.
func (a *aviation) phoneCell(r *rng, national string) any {
	s, style := dirtyPhone(r, national)
	if style == PhoneNumeric {
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			a.truth.NumericPhones++
			return n
		}
	}
	return s
}

// workbook is an excelize file: the aviation workbooks imitate files made
// in Excel, with layouts (blank header cells, numbers and text mixed in a
// column, built-in date formats) that a general-purpose writer covers.
type workbook struct {
	f      *excelize.File
	sheets int
}

func newWorkbook() *workbook {
	f := excelize.NewFile()
	// The fastest deflate level: test workbooks need no small files.
	f.ZipWriter = func(w io.Writer) excelize.ZipWriter {
		z := zip.NewWriter(w)
		z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return z
	}
	return &workbook{f: f}
}

// save writes the workbook to path atomically.
func (wb *workbook) save(path string) error {
	af, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if err := wb.f.Write(af); err != nil {
		_ = af.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return af.Commit()
}

// dateStyle registers Excel's built-in short date format (id 14), which
// dates typed into Excel get.
func (wb *workbook) dateStyle() (int, error) {
	return wb.f.NewStyle(&excelize.Style{NumFmt: 14})
}

// rowWriter writes rows of a stream sheet, numbering them.
type rowWriter struct {
	sw  *excelize.StreamWriter
	row int
	err error
}

func (w *rowWriter) put(values ...any) {
	if w.err != nil {
		return
	}
	w.row++
	w.err = w.sw.SetRow("A"+strconv.Itoa(w.row), values)
}

// newSheet adds a sheet after the others and writes its header; nil
// header entries stay blank.
func newSheet(wb *workbook, name string, header []string, widths ...float64) (*rowWriter, error) {
	if wb.sheets == 0 {
		// A new excelize file starts with Sheet1; the first sheet takes
		// its place so that no empty sheet is left behind.
		if name != "Sheet1" {
			if err := wb.f.SetSheetName("Sheet1", name); err != nil {
				return nil, fmt.Errorf("sheet %q: %w", name, err)
			}
		}
	} else if _, err := wb.f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	wb.sheets++
	sw, err := wb.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	w := &rowWriter{sw: sw}
	if header != nil {
		values := make([]any, len(header))
		for i, h := range header {
			if h != "" {
				values[i] = h
			}
		}
		w.put(values...)
	}
	return w, nil
}

func (w *rowWriter) flush() error {
	if w.err != nil {
		return w.err
	}
	return w.sw.Flush()
}

func orEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (a *aviation) writeReachout(wb *workbook) error {
	dateStyle, err := wb.dateStyle()
	if err != nil {
		return err
	}
	orgs, err := newSheet(wb, SheetOrganisation, ReachoutOrgHeader, 38, 6, 16, 40, 22, 30, 20, 24, 30, 30, 14)
	if err != nil {
		return err
	}
	type orgRow struct {
		id     int
		entity int
	}
	var named []orgRow
	nextID := 1
	for id, e := range a.entities {
		te := &a.truth.Entities[id]
		if !te.Reachout {
			continue
		}
		r := a.at(subReachout, id)
		copies := 1
		if r.IntN(100) < 5 {
			copies = 2
		}
		for c := 0; c < copies; c++ {
			name := variant(r, e, 25)
			if c == 1 {
				name, _ = typo(r, e)
				a.truth.ReachoutDuplicateRows++
			}
			area, _ := dirtyProvince(r, e.place.province)
			if r.IntN(3) == 0 {
				area = e.place.town
			}
			planes := ""
			if n := e.planes; n > 0 && r.IntN(4) > 0 {
				planes = strconv.Itoa(1+r.IntN(4)) + "x " + pick(r, aircraft)
				if r.IntN(2) == 0 {
					planes += ", " + strconv.Itoa(1+r.IntN(3)) + "x " + pick(r, aircraft)
				}
			}
			var date any
			if r.IntN(5) > 0 {
				// Reachouts between 2023-01-01 (serial 44927) and mid-2025.
				date = excelize.Cell{StyleID: dateStyle, Value: 44927 + r.IntN(900)}
			}
			orgs.put(name, nextID, area, "Hangar "+strconv.Itoa(1+r.IntN(40))+", "+e.place.airport+", "+e.place.town,
				orgTypes[e.typ], orEmpty(dirtyWebsite(r, e.domain)), orEmpty(planes), pick(r, descriptions),
				orEmpty(pick(r, notes)), orEmpty(pick(r, questions)), date)
			te.ReachoutIDs = append(te.ReachoutIDs, nextID)
			a.truthRow("reachout:"+strconv.Itoa(nextID), id)
			named = append(named, orgRow{id: nextID, entity: id})
			a.truth.ReachoutOrgRows++
			nextID++
			// Rows without a name: notes and follow-ups typed below an
			// organisation, which readers must be able to skip.
			if r.IntN(10) == 0 {
				orgs.put(nil, nil, nil, nil, nil, nil, nil, nil, pick(r, []string{"see above", "follow up", "duplicate?", "call back Monday"}), nil, nil)
				a.truth.ReachoutBlankNameRows++
			}
		}
	}
	if err := orgs.flush(); err != nil {
		return err
	}
	contacts, err := newSheet(wb, SheetContactInfo, ReachoutContactHeader, 6, 14, 16, 36, 18, 18, 26)
	if err != nil {
		return err
	}
	for _, o := range named {
		e := a.entities[o.entity]
		r := a.at(subReachoutContact, o.id)
		n := []int{0, 1, 1, 2, 2, 3, 4}[r.IntN(7)]
		if n == 0 {
			a.truth.ReachoutOrgsNoContact++
		}
		for k := 0; k < n; k++ {
			p := makePerson(r)
			email, _ := dirtyEmail(r, p.first, p.last, e.domain)
			cell := mobile(r)
			var whatsapp any
			switch r.IntN(3) {
			case 0:
				whatsapp = a.phoneCell(r, cell)
			case 1:
				whatsapp = a.phoneCell(r, mobile(r))
			}
			contacts.put(o.id, p.first, p.last, orEmpty(email), a.phoneCell(r, cell), whatsapp, orEmpty(p.role))
			a.truth.ReachoutContacts++
		}
	}
	return contacts.flush()
}

func (a *aviation) writeContactDB(wb *workbook) error {
	dateStyle, err := wb.dateStyle()
	if err != nil {
		return err
	}
	cat, err := newSheet(wb, SheetCompanyCat, CompanyCatHeader, 38, 10, 10, 16, 30, 12, 10)
	if err != nil {
		return err
	}
	var members []int
	for id, e := range a.entities {
		te := &a.truth.Entities[id]
		if !te.ContactDB {
			continue
		}
		r := a.at(subCompany, id)
		te.CompanyID = padID("C", len(members)+1, 5)
		a.truthRow("contact_database:"+te.CompanyID, id)
		members = append(members, id)
		category := categories[e.typ%len(categories)]
		if orgTypes[e.typ] == TypeFlightSchool {
			category = "ATO"
		}
		name, status, site := variant(r, e, 30), pick(r, statuses), dirtyWebsite(r, e.domain)
		pr := a.pat(patCompany, id)
		if pr.IntN(100) < 10 {
			if v, ok := suffixVariant(pr, e); ok {
				name = v
				a.truth.SuffixVariants++
			}
		}
		if pr.IntN(100) < 4 {
			status = pick(pr, closedStatuses)
			a.truth.ClosedOrgs++
		}
		// A website column pasted one row off for a run of rows: each
		// company gets the previous one's site.
		if len(members) > 1 && (len(members)/25)%8 == 3 {
			prev := a.entities[members[len(members)-2]]
			site = dirtyWebsite(pr, prev.domain)
			a.truth.ShiftedWebsites++
		}
		cat.put(name, te.CompanyID, category, status, orEmpty(site),
			excelize.Cell{StyleID: dateStyle, Value: 45292 + r.IntN(600)}, pick(r, priorities))
		a.truth.Companies++
	}
	if err := cat.flush(); err != nil {
		return err
	}
	contacts, err := newSheet(wb, SheetCompanyContacts, CompanyContactsHeader, 10, 14, 16, 18, 18, 36, 26, 12)
	if err != nil {
		return err
	}
	for _, id := range members {
		e := a.entities[id]
		te := a.truth.Entities[id]
		r := a.at(subCompanyContact, id)
		for k, n := 0, r.IntN(4); k < n; k++ {
			p := makePerson(r)
			email, _ := dirtyEmail(r, p.first, p.last, e.domain)
			var landline any
			if r.IntN(2) == 0 {
				landline = a.phoneCell(r, e.landline)
			}
			pr := a.pat(patContact, id<<3|k)
			var key any = te.CompanyID
			switch x := pr.IntN(100); {
			case x < 3:
				key = "0"
				a.truth.ZeroIDContacts++
			case x < 8:
				key = nickname(e)
				a.truth.NicknameContacts++
			case x < 10:
				key = nil
				a.truth.NoIDContacts++
			}
			first, last, role := p.first, p.last, p.role
			switch x := pr.IntN(100); {
			case x < 3:
				first, last = "- -", ""
				a.truth.Placeholders++
			case x < 8 && role != "":
				last += " (" + role + ")"
				role = ""
				a.truth.BracketRoles++
			}
			flag := ""
			if email != "" {
				flag = "Valid"
				if pr.IntN(100) < 6 {
					flag = "Invalid"
					a.truth.FlaggedEmails++
				}
			}
			contacts.put(key, first, orEmpty(last), a.phoneCell(r, mobile(r)), landline, orEmpty(email), orEmpty(role), orEmpty(flag))
			a.truthRow("contact_database:"+SheetCompanyContacts+"!"+strconv.Itoa(contacts.row), id)
			a.truth.CompanyContacts++
		}
	}
	if err := contacts.flush(); err != nil {
		return err
	}
	addrs, err := newSheet(wb, SheetCompanyAddresses, CompanyAddressesHeader, 10, 30, 4, 4, 50)
	if err != nil {
		return err
	}
	for _, id := range members {
		e := a.entities[id]
		r := a.at(subCompany, id+1<<30)
		if r.IntN(10) == 0 {
			continue // no address on file
		}
		airport := e.place.airport
		if r.IntN(3) == 0 {
			airport = e.place.icao
		}
		var key any = a.truth.Entities[id].CompanyID
		if a.pat(patAddress, id).IntN(100) < 4 {
			key = nickname(e)
			a.truth.NicknameAddresses++
		}
		addrs.put(key, airport, nil, nil, strconv.Itoa(1+r.IntN(200))+" "+pick(r, []string{"Aviation Road", "Hangar Lane", "Runway Street", "Main Road", "Airport Drive"})+", "+e.place.town)
		a.truthRow("contact_database:"+SheetCompanyAddresses+"!"+strconv.Itoa(addrs.row), id)
		a.truth.CompanyAddrs++
	}
	if err := addrs.flush(); err != nil {
		return err
	}
	capture, err := newSheet(wb, SheetCapture, CaptureHeader, 38, 40, 20)
	if err != nil {
		return err
	}
	for _, id := range members {
		e := a.entities[id]
		if orgTypes[e.typ] != TypeFlightSchool {
			continue
		}
		r := a.at(subCapture, id)
		if r.IntN(2) == 0 {
			continue
		}
		// Matched to Company_Cat by name, so the name varies slightly.
		capture.put(variant(r, e, 50), pick(r, descriptions), pick(r, []string{"ATO", "Part 141", "Part 61", "Flight School"}))
		a.truth.CaptureRows++
		a.truthRow("contact_database:"+SheetCapture+"!"+strconv.Itoa(capture.row), id)
	}
	if err := capture.flush(); err != nil {
		return err
	}
	notesSheet, err := newSheet(wb, SheetNotes, nil, 80)
	if err != nil {
		return err
	}
	for _, line := range []string{
		"NOTES - do not import",
		"Company_Cat is the master list; C_ID links the other sheets.",
		"Capture sheet typed on 10 October 2025 at the AERO expo, names as written by the schools.",
		"Cellnumbers pasted from the old CRM, some lost their leading zero.",
	} {
		notesSheet.put(line)
	}
	if err := notesSheet.flush(); err != nil {
		return err
	}
	pivot, err := newSheet(wb, SheetPivot, []string{"Category", "Count of C_ID"}, 16, 14)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, id := range members {
		e := a.entities[id]
		if orgTypes[e.typ] == TypeFlightSchool {
			counts["ATO"]++
		} else {
			counts[categories[e.typ%len(categories)]]++
		}
	}
	total := 0
	for _, c := range []string{"ATO", "AOC", "AMO", "Club"} {
		pivot.put(c, counts[c])
		total += counts[c]
	}
	pivot.put("Grand Total", total)
	return pivot.flush()
}

func (a *aviation) writeSACAA(wb *workbook) error {
	w, err := newSheet(wb, SheetCleaned, SACAAHeader, 40, 16, 14, 32, 26, 18, 44)
	if err != nil {
		return err
	}
	for id, e := range a.entities {
		if !a.truth.Entities[id].SACAA {
			continue
		}
		r := a.at(subSACAA, id)
		province, _ := dirtyProvince(r, e.place.province)
		p := makePerson(r)
		email, style := dirtyEmail(r, p.first, p.last, e.domain)
		if r.IntN(5) == 0 && style == EmailSingle && e.domain != "" {
			// The register joins several addresses with semicolons.
			email += ";info@" + e.domain
			style = EmailMulti
		}
		if style == EmailMulti {
			a.truth.SACAAMultiEmail++
		}
		number := e.landline
		if r.IntN(2) == 0 {
			number = mobile(r)
		}
		// The original draws, in their original order.
		name, status, site := variant(r, e, 30), pick(r, statuses), dirtyWebsite(r, e.domain)
		person := strings.TrimSpace(p.first + " " + p.last)
		pr := a.pat(patSACAA, id)
		if pr.IntN(100) < 6 {
			province = pick(pr, []string{"Unknown", "N/A", "-"})
			a.truth.Placeholders++
		}
		switch x := pr.IntN(100); {
		case x < 3:
			person = "- -"
			a.truth.Placeholders++
		case x < 6:
			person = "Accountable Manager (Not Publicly Listed)"
			a.truth.Placeholders++
		case x < 10:
			person += " (" + pick(pr, []string{"Director", "Chief Flying Instructor", "Accountable Manager", "Owner"}) + ")"
			a.truth.BracketRoles++
		}
		if pr.IntN(100) < 4 {
			status = pick(pr, closedStatuses)
			a.truth.ClosedOrgs++
		}
		w.put(name, province, status, orEmpty(site), person, a.phoneCell(r, number), orEmpty(email))
		a.truth.SACAARows++
		a.truthRow("sacaa:"+SheetCleaned+"!"+strconv.Itoa(w.row), id)
	}
	return w.flush()
}

// closedStatuses are what status columns say of organisations that no
// longer trade.
var closedStatuses = []string{"Closed", "None Existent – accident", "Ceased trading", "Deregistered"}

// nickname is the name people use for an organisation: lower case, no
// legal suffix ("capital air" for "Capital Air (Pty) Ltd").
func nickname(e entity) string {
	return strings.ToLower(e.core)
}

// suffixVariant writes the name with another spelling of its legal suffix
// ("(pty) Ltd", "PTY LTD") or, for short names, without spaces
// ("4aviators"). ok is false when the name has neither.
func suffixVariant(r *rng, e entity) (string, bool) {
	if e.suffix == "" {
		if words := strings.Fields(e.core); len(words) == 2 {
			return strings.ToLower(words[0] + words[1]), true
		}
		return "", false
	}
	spellings := map[string][]string{
		"(Pty) Ltd": {"(pty) Ltd", "Pty Ltd", "PTY LTD", "(Pty) Ltd."},
		"Pty Ltd":   {"(Pty) Ltd", "(pty) ltd", "PTY LTD"},
		"CC":        {"cc", "C.C."},
		"NPC":       {"(NPC)", "npc"},
	}
	alt, ok := spellings[e.suffix]
	if !ok {
		return "", false
	}
	return e.core + " " + pick(r, alt), true
}

// domainVariant is the n-th alternative to a taken domain: the town
// added to its first label ("eagleair-durban.co.za"), then a number.
func domainVariant(domain, town string, n int) string {
	dot := strings.IndexByte(domain, '.')
	if dot < 0 {
		return domain + strconv.Itoa(n)
	}
	base, rest := domain[:dot], domain[dot:]
	if i := strings.IndexByte(base, '-'); i >= 0 {
		base = base[:i]
	}
	tag := strings.ToLower(strings.ReplaceAll(town, " ", ""))
	if n > 2 {
		tag += strconv.Itoa(n)
	}
	return base + "-" + tag + rest
}
