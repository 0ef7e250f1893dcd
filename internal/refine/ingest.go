package refine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/csvio"
	"github.com/hotpass/hotpass/internal/table/locale"
	"github.com/hotpass/hotpass/internal/table/parquetio"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
)

// Record is one organisation row of one source, with the contacts its
// sheets give. Values are raw after Ingest and normalised after Normalise.
type Record struct {
	Dataset  string
	Priority int
	// ID identifies the row in its source: its source_record_id, or
	// "<sheet>!<row>" when the sheet has none.
	ID    string
	File  string
	Sheet string
	Row   int // spreadsheet row number (header is row 1)

	Fields OrgFields
	// Recency is the newest of last_interaction_date and record_date in
	// days since 1970-01-01; HasRecency says whether there is one.
	Recency    int32
	HasRecency bool
	// Filled counts non-empty organisation fields, for completeness.
	Filled int
	// Slug and Key are set by Normalise: the name's slug and group key.
	Slug, Key string
	Contacts  []Contact
	// Flags note values that were dropped as invalid (invalid_website)
	// or not used (see the Flag constants).
	Flags []string
	// Links are social-media and directory pages about the organisation,
	// given where a website was expected.
	Links []string
	// constant has bit f set when field f was filled by a profile,
	// source or sheet constant rather than read.
	constant uint32
	seq      int
	// point is where the record geocodes (see locate), once located is
	// set: the linkage table and settling both ask.
	point   geoPoint
	located bool
}

// Field returns the value of an organisation field.
func (rec *Record) Field(f Field) string {
	if f < numOrgFields {
		return rec.Fields[f]
	}
	return ""
}

// Contact is one person at an organisation.
type Contact struct {
	Name, First, Last, Role string
	RawEmails, RawPhones    []string
	// Set by Normalise.
	Emails    []string // valid, lowercased, distinct
	BadEmails []string // parts that are not addresses
	// EmailFlag is the source's own flag on the row's email
	// (contact_email_status); Flagged holds the emails it marks invalid,
	// which are listed but never primary.
	EmailFlag string
	Flagged   []string
	Phones    []phone.Number
	// Dataset, RecordID and Priority say where the contact came from.
	Dataset  string
	RecordID string
	Priority int
}

// Warning is a problem the refiner worked around.
type Warning struct {
	Dataset string `json:"dataset,omitempty"`
	File    string `json:"file,omitempty"`
	Sheet   string `json:"sheet,omitempty"`
	Message string `json:"message"`
}

// String renders "file, sheet "S": message".
func (w Warning) String() string {
	var b strings.Builder
	if w.File != "" {
		b.WriteString(filepath.Base(w.File))
		if w.Sheet != "" {
			fmt.Fprintf(&b, ", sheet %q", w.Sheet)
		}
		b.WriteString(": ")
	} else if w.Dataset != "" {
		b.WriteString(w.Dataset + ": ")
	}
	b.WriteString(w.Message)
	return b.String()
}

// Unmatched lists the columns of one sheet that no field claimed.
type Unmatched struct {
	Dataset string   `json:"dataset"`
	File    string   `json:"file"`
	Sheet   string   `json:"sheet"`
	Columns []string `json:"columns"`
}

// IngestStats counts what Ingest read.
type IngestStats struct {
	Files       int `json:"files"`
	Sheets      int `json:"sheets"`
	Rows        int `json:"rows"`         // data rows read, all sheets
	SkippedRows int `json:"skipped_rows"` // organisation rows without a name
	JoinedRows  int `json:"joined_rows"`  // rows of joined sheets attached to a record
	Unjoined    int `json:"unjoined_rows"`
	Rejected    int `json:"rejected_rows"` // rows of joined sheets left out, with a reason
	Records     int `json:"records"`
	Contacts    int `json:"contacts"`
	// PerSheet accounts for every row of every sheet read, in read order.
	PerSheet []SheetStats `json:"per_sheet,omitempty"`
}

func (s *IngestStats) add(o IngestStats) {
	s.Files += o.Files
	s.Sheets += o.Sheets
	s.Rows += o.Rows
	s.SkippedRows += o.SkippedRows
	s.JoinedRows += o.JoinedRows
	s.Unjoined += o.Unjoined
	s.Rejected += o.Rejected
	s.PerSheet = append(s.PerSheet, o.PerSheet...)
	s.Records += o.Records
	s.Contacts += o.Contacts
}

// Batch is the result of Ingest.
type Batch struct {
	Records   []Record
	Warnings  []Warning
	Unmatched []Unmatched
	Stats     IngestStats
}

// NamedTable is a table handed in directly (an upstream task's output),
// matched with the profile's default field synonyms.
type NamedTable struct {
	Name     string
	Priority int
	Table    *table.Table
}

// IngestOptions says where to read from.
type IngestOptions struct {
	// Dir is the directory the profile's file patterns are relative to;
	// "" reads no files.
	Dir string
	// Tables are extra inputs.
	Tables []NamedTable
	// Workers bounds parallel sheet reads; 0 means GOMAXPROCS.
	Workers int
	// KeepRecords keeps Result.Batch.Records after Refine, for
	// MergeClusters; otherwise they are released once merged, which
	// lowers peak memory while the outputs are written.
	KeepRecords bool
	// Resolve, when set, assigns the normalised records to entities
	// (entity resolution, such as probabilistic linkage) and Refine merges
	// them by those assignments instead of by name key.
	Resolve Resolver
}

// ErrNoSources is wrapped when neither a source file nor an input table
// was found.
var ErrNoSources = errors.New("no source data")

type sheetJob struct {
	src   int // source index
	sheet int // sheet index in the source
	file  string
	name  string // actual sheet name ("" for csv/parquet)
	read  readSpec
	t     *table.Table
	warns []string
	err   error
}

// Ingest reads every file of the profile's sources found in o.Dir, plus
// o.Tables, into records. A missing source file or sheet is a warning; no
// input at all, an unreadable file or a sheet without a required column is
// an error.
func (r *Refiner) Ingest(ctx context.Context, o IngestOptions) (*Batch, error) {
	b := &Batch{}
	var jobs []*sheetJob
	var fileOrder [][]string // per source
	tried := []string{}
	for si := range r.profile.Sources {
		src := &r.profile.Sources[si]
		files, err := r.sourceFiles(o.Dir, src)
		if err != nil {
			return nil, err
		}
		read, probs := src.Read.Over(r.profile.Read).spec()
		if len(probs) > 0 {
			// Each option passed Check on its own: this is a clash between
			// the profile's read options and the source's.
			return nil, fmt.Errorf("profile %s: sources[%d].read (with the profile's read): %s: %s", r.profile.Name, si, pathString(probs[0].Path), probs[0].Message)
		}
		if read.locale.DayFirst == nil && read.locale.DateFormat == "" {
			// Without an order of its own the source's numeric dates follow
			// normalisation.date_order, as refine reads them anyway, so the
			// readers do not warn that the order is unknown.
			dayFirst := r.dateOrder == DayFirst
			read.locale.DayFirst = &dayFirst
		}
		fileOrder = append(fileOrder, files)
		tried = append(tried, src.Files...)
		if o.Dir != "" && len(files) == 0 {
			b.warn(Warning{Dataset: src.Name, Message: fmt.Sprintf("no file matches %s in %s; source skipped", quoteList(src.Files), o.Dir)})
			continue
		}
		for _, f := range files {
			js, warns, err := sheetJobs(si, src, f)
			if err != nil {
				return nil, err
			}
			for _, w := range warns {
				w.Dataset = src.Name
				b.warn(w)
			}
			for _, j := range js {
				j.read = read
			}
			jobs = append(jobs, js...)
		}
		b.Stats.Files += len(files)
	}
	total := 0
	for _, fs := range fileOrder {
		total += len(fs)
	}
	if total == 0 && len(o.Tables) == 0 {
		return nil, fmt.Errorf("%w: no file in %s matches the profile's sources (%s); files there: %s",
			ErrNoSources, o.Dir, quoteList(tried), listDir(o.Dir))
	}
	parts, err := r.readAndAssemble(ctx, fileOrder, jobs, o.Workers)
	if err != nil {
		return nil, err
	}
	// Join the per-file parts in profile order so that results do not
	// depend on which read finished first.
	nrec := 0
	for _, p := range parts {
		nrec += len(p.Records)
	}
	b.Records = slices.Grow(b.Records, nrec)
	seq := 0
	for _, p := range parts {
		for i := range p.Records {
			p.Records[i].seq = seq
			seq++
		}
		b.Records = append(b.Records, p.Records...)
		b.Warnings = append(b.Warnings, p.Warnings...)
		b.Unmatched = append(b.Unmatched, p.Unmatched...)
		b.Stats.add(p.Stats)
	}
	for _, nt := range o.Tables {
		if err := r.assembleTable(b, nt, &seq); err != nil {
			return nil, err
		}
	}
	b.Stats.Records = len(b.Records)
	for i := range b.Records {
		b.Stats.Contacts += len(b.Records[i].Contacts)
	}
	return b, nil
}

func (b *Batch) warn(w Warning) { b.Warnings = append(b.Warnings, w) }

// sourceFiles expands a source's patterns in dir, sorted and distinct.
func (r *Refiner) sourceFiles(dir string, src *Source) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, pat := range src.Files {
		p := pat
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, pat)
		}
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("source %s: bad file pattern %q: %w", src.Name, pat, err)
		}
		for _, m := range matches {
			base := filepath.Base(m)
			// Excel's lock files (~$Book.xlsx) and hidden files are never data.
			if strings.HasPrefix(base, "~$") || strings.HasPrefix(base, ".") || seen[m] {
				continue
			}
			if fi, err := os.Stat(m); err != nil || fi.IsDir() {
				continue
			}
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, nil
}

func listDir(dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Sprintf("(cannot list: %v)", err)
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	if len(names) > 20 {
		names = append(names[:20], fmt.Sprintf("... (%d more)", len(names)-20))
	}
	return quoteList(names)
}

// sheetJobs resolves the source's sheets in one file: a missing sheet is a
// warning naming the sheets the file has.
func sheetJobs(si int, src *Source, file string) ([]*sheetJob, []Warning, error) {
	ext := strings.ToLower(filepath.Ext(file))
	if ext != ".xlsx" && ext != ".xlsm" {
		// One table per file: the first primary sheet's rules apply.
		for hi, sh := range src.Sheets {
			if sh.Join == nil {
				return []*sheetJob{{src: si, sheet: hi, file: file}}, nil, nil
			}
		}
		return nil, nil, nil
	}
	names, err := xlsxio.Sheets(file)
	if err != nil {
		return nil, nil, fmt.Errorf("source %s: %w", src.Name, err)
	}
	var jobs []*sheetJob
	var warns []Warning
	for hi, sh := range src.Sheets {
		if sh.Sheet == "*" || sh.Sheet == "" {
			for _, n := range names {
				jobs = append(jobs, &sheetJob{src: si, sheet: hi, file: file, name: n})
			}
			continue
		}
		found := ""
		for _, n := range names {
			if n == sh.Sheet {
				found = n
			}
		}
		if found == "" {
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(sh.Sheet)) {
					found = n
				}
			}
		}
		if found == "" {
			have := quoteList(names)
			if have == "" {
				have = "none"
			}
			warns = append(warns, Warning{File: file, Sheet: sh.Sheet, Message: fmt.Sprintf("sheet not found; the workbook has sheets %s; sheet skipped", have)})
			continue
		}
		jobs = append(jobs, &sheetJob{src: si, sheet: hi, file: file, name: found})
	}
	return jobs, warns, nil
}

// readAndAssemble reads every sheet and turns each file's sheets into
// records as soon as that file's reads are done, so that assembling one
// file overlaps reading the others. Reads share workers slots, largest
// file first; parts come back in profile order, one per file, with
// sequence numbers still to be assigned.
func (r *Refiner) readAndAssemble(ctx context.Context, fileOrder [][]string, jobs []*sheetJob, workers int) ([]*Batch, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type fileWork struct {
		si   int
		file string
		size int64
		jobs []*sheetJob
		part *Batch
	}
	var files []*fileWork
	for si, fs := range fileOrder {
		for _, f := range fs {
			fw := &fileWork{si: si, file: f}
			if fi, err := os.Stat(f); err == nil {
				fw.size = fi.Size()
			}
			for _, j := range jobs {
				if j.src == si && j.file == f {
					fw.jobs = append(fw.jobs, j)
				}
			}
			files = append(files, fw)
		}
	}
	// Start the largest files first: the slowest read should not be the
	// last one to begin.
	order := slices.Clone(files)
	slices.SortStableFunc(order, func(a, b *fileWork) int { return cmp.Compare(b.size, a.size) })
	slots := make(chan struct{}, workers)
	g, ctx := errgroup.WithContext(ctx)
	for _, fw := range order {
		g.Go(func() error {
			rg, rctx := errgroup.WithContext(ctx)
			for _, j := range fw.jobs {
				rg.Go(func() error {
					select {
					case slots <- struct{}{}:
					case <-rctx.Done():
						return rctx.Err()
					}
					defer func() { <-slots }()
					if err := rctx.Err(); err != nil {
						return err
					}
					j.t, j.warns, j.err = readTable(j.file, j.name, j.read)
					if j.err != nil {
						j.err = readOptionHint(j.err, r.profile.Sources[j.src].Name, j.src)
					}
					return j.err
				})
			}
			if err := rg.Wait(); err != nil {
				return err
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer func() { <-slots }()
			fw.part = &Batch{}
			err := r.assembleFile(fw.part, &r.profile.Sources[fw.si], fw.si, fw.file, fw.jobs)
			for _, j := range fw.jobs {
				j.t = nil // the records hold what is needed; free the cells
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	parts := make([]*Batch, len(files))
	for i, fw := range files {
		parts[i] = fw.part
	}
	return parts, nil
}

// ReadTable reads a lookup or source table from an xlsx (sheet "" means
// the first), CSV or Parquet file, keeping stored text as readTable does.
func ReadTable(file, sheet string) (*table.Table, error) {
	t, _, err := readTable(file, sheet, readSpec{})
	return t, err
}

// readOptionHint points an ambiguous delimiter at the profile option that
// settles it.
func readOptionHint(err error, source string, si int) error {
	var ae *csvio.AmbiguousDelimiterError
	if !errors.As(err, &ae) {
		return err
	}
	return fmt.Errorf("source %s: %w; in the profile, set sources[%d].read.delimiter (or read.delimiter for every source), e.g. read: {delimiter: %s}",
		source, err, si, yamlDelimiter(ae.Delimiters))
}

// yamlDelimiter writes the first candidate delimiter as a YAML value.
func yamlDelimiter(ds []byte) string {
	if len(ds) == 0 {
		return `";"`
	}
	if ds[0] == '\t' {
		return `"\t"`
	}
	return strconv.Quote(string(ds[0]))
}

// readTable reads one sheet (or a whole CSV or Parquet file) keeping every
// cell's stored text: CSV columns are read as text, so 0821234567 keeps its
// zero, and xlsx types are decided from every row, so a text cell far down
// a numeric column cannot fail the read. Under number or date conventions
// the read options declare, the values of CSV columns the sample shows to
// hold such dates or decimals are rewritten as ISO dates and plain decimals;
// a value that does not fit ("unknown") stays as written, and integer
// columns are left alone, since phone numbers and ids must keep their
// leading zeros. The warnings are the readers', as text.
func readTable(file, sheet string, rs readSpec) (*table.Table, []string, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv", ".txt":
		o := csvio.ReadOptions{Encoding: rs.encoding, Delimiter: rs.delimiter, Locale: rs.locale}
		r, err := csvio.Open(file, o)
		if err != nil {
			return nil, nil, err
		}
		warns := r.Warnings()
		o.Types = map[string]table.Type{}
		rewrite := map[int]*locale.Column{}
		numbers := rs.locale.Decimal == "," || rs.locale.Thousands != ""
		for i, f := range r.Schema().Fields() {
			o.Types[f.Name] = table.String
			if rs.declared && (f.Type == table.Date || f.Type == table.Timestamp || f.Type == table.Float64 && numbers) {
				if c := rs.locale.Column(f.Name); c != nil {
					rewrite[i] = c
				}
			}
		}
		_ = r.Close()
		r, err = csvio.Open(file, o)
		if err != nil {
			return nil, nil, err
		}
		defer r.Close()
		t, err := table.ReadAll(r)
		if err != nil || len(rewrite) == 0 {
			return t, warns, err
		}
		t, err = rewriteColumns(t, rewrite)
		return t, warns, err
	case ".parquet":
		r, err := parquetio.Open(file)
		if err != nil {
			return nil, nil, err
		}
		defer r.Close()
		t, err := table.ReadAll(r)
		return t, nil, err
	}
	o := xlsxio.ReadOptions{Sheet: sheet, Locale: rs.locale}
	t, warns, err := xlsxio.ReadFile(file, o)
	var ce *xlsxio.CellError
	if errors.As(err, &ce) {
		// A cell below the type-inference sample did not fit its column
		// (text far down a numeric phone column). Read again deciding
		// types from every row, which buffers the sheet once.
		o.InferRows = xlsxio.MaxDataRows
		t, warns, err = xlsxio.ReadFile(file, o)
	}
	if err != nil {
		return nil, nil, err
	}
	texts := make([]string, len(warns))
	for i, w := range warns {
		texts[i] = w.String()
	}
	return t, texts, nil
}

// rewriteColumns returns t with the text of the given columns rewritten
// from their locale's conventions where a value fits them.
func rewriteColumns(t *table.Table, rewrite map[int]*locale.Column) (*table.Table, error) {
	cols := make([]*table.Column, t.NumCols())
	for i := range cols {
		cols[i] = t.Column(i)
		lc, ok := rewrite[i]
		if !ok || cols[i].Type() != table.String {
			continue
		}
		src := cols[i]
		b := table.NewColumnBuilder(table.String, t.NumRows())
		for k, v := range src.Strings() {
			if src.IsNull(k) {
				b.AppendNull()
				continue
			}
			if nv, ok := lc.Rewrite(v); ok {
				v = nv
			}
			b.AppendString(v)
		}
		cols[i] = b.Build()
	}
	return table.New(t.Schema(), cols)
}

// maxReaderWarnings bounds reader warnings repeated per sheet.
const maxReaderWarnings = 10

// assembleFile turns one file's sheets into records: organisation sheets
// first, then joined sheets onto them.
func (r *Refiner) assembleFile(b *Batch, src *Source, si int, file string, jobs []*sheetJob) error {
	start := len(b.Records)
	n := 0
	for _, j := range jobs {
		if src.Sheets[j.sheet].Join == nil {
			n += j.t.NumRows()
		}
	}
	b.Records = slices.Grow(b.Records, n)
	var index *fileIndex // shared by the joined sheets, built when first needed
	for _, primary := range []bool{true, false} {
		for _, j := range jobs {
			sh := &src.Sheets[j.sheet]
			if (sh.Join == nil) != primary {
				continue
			}
			b.Stats.Sheets++
			b.Stats.Rows += j.t.NumRows()
			for k, w := range j.warns {
				if k == maxReaderWarnings {
					b.warn(Warning{Dataset: src.Name, File: file, Sheet: j.name, Message: fmt.Sprintf("%d more reader warnings", len(j.warns)-k)})
					break
				}
				b.warn(Warning{Dataset: src.Name, File: file, Sheet: j.name, Message: w})
			}
			cs := r.sheets[si][j.sheet]
			m, err := cs.Match(j.t.Schema().Names())
			if err != nil {
				var me *MissingColumnsError
				if errors.As(err, &me) {
					me.File, me.Sheet = file, j.name
				}
				return fmt.Errorf("source %s: %w", src.Name, err)
			}
			placeByContent(&m, j.t, cs)
			if len(m.Unmatched) > 0 {
				b.Unmatched = append(b.Unmatched, Unmatched{Dataset: src.Name, File: filepath.Base(file), Sheet: j.name, Columns: m.Unmatched})
				b.warn(Warning{Dataset: src.Name, File: file, Sheet: j.name,
					Message: fmt.Sprintf("columns not mapped to any field, ignored: %s (add them to the profile's synonyms to keep them)", quoteList(m.Unmatched))})
			}
			sheetName := j.name
			if sheetName == "" {
				sheetName = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
			}
			rs := rowSource{dataset: src.Name, priority: src.Priority, file: file, sheet: sheetName, t: j.t, m: m,
				constants: mergeConstants(sh.Constants, src.Constants), ph: r.placeholders}
			if primary {
				r.addRecords(b, rs)
				continue
			}
			r.joinRows(b, rs, sh.Join, b.Records[start:], &index)
		}
	}
	return nil
}

// assembleTable adds an upstream table as one organisation sheet.
func (r *Refiner) assembleTable(b *Batch, nt NamedTable, seq *int) error {
	first := len(b.Records)
	m, err := r.defaults.Match(nt.Table.Schema().Names())
	if err != nil {
		var me *MissingColumnsError
		if errors.As(err, &me) {
			me.File = "input " + nt.Name
		}
		return err
	}
	b.Stats.Sheets++
	b.Stats.Rows += nt.Table.NumRows()
	if len(m.Unmatched) > 0 {
		b.Unmatched = append(b.Unmatched, Unmatched{Dataset: nt.Name, Columns: m.Unmatched})
		b.warn(Warning{Dataset: nt.Name, Message: fmt.Sprintf("columns not mapped to any field, ignored: %s", quoteList(m.Unmatched))})
	}
	r.addRecords(b, rowSource{dataset: nt.Name, priority: nt.Priority, sheet: nt.Name, t: nt.Table, m: m, ph: r.placeholders})
	for i := first; i < len(b.Records); i++ {
		b.Records[i].seq = *seq
		*seq++
	}
	return nil
}

func mergeConstants(maps ...map[string]string) [numOrgFields]string {
	var out [numOrgFields]string
	for _, m := range maps {
		for name, v := range m {
			if f, ok := ParseField(name); ok && f < numOrgFields && out[f] == "" {
				out[f] = v
			}
		}
	}
	return out
}

// rowSource is one sheet's table with its column mapping.
type rowSource struct {
	dataset   string
	priority  int
	file      string
	sheet     string
	t         *table.Table
	m         Mapping
	constants [numOrgFields]string
	ph        *Placeholders
}

// rowValues reads the mapped cells of row i into org fields and a contact.
func (rs *rowSource) rowValues(i int, fields *OrgFields, c *Contact) (hasContact bool) {
	for _, cm := range rs.m.Columns {
		v := cellText(rs.t.Column(cm.Index), i)
		if v == "" {
			continue
		}
		f := cm.Field
		// Placeholders ("Unknown", "- -") are read as empty so that they
		// never win survivorship or count as filled.
		clean, stripped := rs.ph.Clean(v)
		if clean == "" && !stripped {
			continue
		}
		if stripped && f == FieldContactName {
			// "Accountable Manager (Not Publicly Listed)": a position
			// whose holder is not named.
			c.Role = firstOf(c.Role, clean)
			hasContact = true
			continue
		}
		if v = clean; v == "" {
			continue
		}
		if f.IsContact() {
			hasContact = true
			switch f {
			case FieldContactName:
				c.Name = firstOf(c.Name, v)
			case FieldContactFirstName:
				c.First = firstOf(c.First, v)
			case FieldContactLastName:
				c.Last = firstOf(c.Last, v)
			case FieldContactRole:
				c.Role = firstOf(c.Role, v)
			case FieldContactEmail:
				c.RawEmails = append(c.RawEmails, v)
			case FieldContactPhone:
				c.RawPhones = append(c.RawPhones, v)
			case FieldContactEmailStatus:
				c.EmailFlag = firstOf(c.EmailFlag, v)
			}
			continue
		}
		fields[f] = mergeValue(fieldInfos[f].kind, fields[f], v)
	}
	return hasContact
}

func firstOf(have, v string) string {
	if strings.TrimSpace(have) != "" {
		return have
	}
	return v
}

// mergeValue combines a value into what a record already holds for a
// field of the given kind.
func mergeValue(kind fieldKind, have, v string) string {
	if strings.TrimSpace(have) == "" {
		return v
	}
	if kind != kindJoin || strings.TrimSpace(v) == "" {
		return have
	}
	for _, part := range strings.Split(have, "; ") {
		if strings.EqualFold(strings.TrimSpace(part), strings.TrimSpace(v)) {
			return have
		}
	}
	return have + "; " + v
}

// addRecords adds a record per named row of an organisation sheet. The
// caller numbers them (Record.seq) once the order of all inputs is known.
func (r *Refiner) addRecords(b *Batch, rs rowSource) {
	n := rs.t.NumRows()
	st := SheetStats{Dataset: rs.dataset, File: displayFile(rs.file), Sheet: rs.sheet, Read: n}
	unknown := map[string]int{} // unmapped status → first row
	defer func() {
		b.Stats.PerSheet = append(b.Stats.PerSheet, st)
		r.warnStatuses(b, rs, unknown)
	}()
	for i := 0; i < n; i++ {
		rec := Record{Dataset: rs.dataset, Priority: rs.priority, File: rs.file, Sheet: rs.sheet, Row: i + 2}
		var c Contact
		hasContact := rs.rowValues(i, &rec.Fields, &c)
		if v := rec.Fields[FieldStatus]; v != "" {
			rec.Fields[FieldStatus] = r.markStatus(v, i+2, unknown)
		}
		if strings.TrimSpace(rec.Fields[FieldOrganizationName]) == "" {
			b.Stats.SkippedRows++
			if emptyRow(&rec.Fields, hasContact) {
				st.reject(RejectEmptyRow)
			} else {
				st.reject(RejectNoName)
			}
			continue
		}
		st.Kept++
		for f, v := range rs.constants {
			if v != "" && strings.TrimSpace(rec.Fields[f]) == "" {
				rec.Fields[f] = v
				rec.constant |= 1 << f
			}
		}
		rec.ID = strings.TrimSpace(rec.Fields[FieldRecordID])
		if rec.ID == "" {
			rec.ID = rs.sheet + "!" + strconv.Itoa(rec.Row)
		}
		if hasContact {
			c.Dataset, c.RecordID, c.Priority = rs.dataset, rec.ID, rs.priority
			rec.Contacts = append(rec.Contacts, c)
		}
		b.Records = append(b.Records, rec)
	}
}

func emptyRow(fields *OrgFields, hasContact bool) bool {
	if hasContact {
		return false
	}
	for _, v := range fields {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// cellText renders a cell as the text it stores: integers (phone numbers
// typed as numbers) keep every digit, integral floats lose their ".0",
// dates read as ISO dates.
func cellText(c *table.Column, i int) string {
	if c.IsNull(i) {
		return ""
	}
	switch c.Type() {
	case table.String:
		return c.Strings()[i]
	case table.Int64:
		return strconv.FormatInt(c.Int64s()[i], 10)
	case table.Float64:
		f := c.Float64s()[i]
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return c.Format(i)
}
