package xlsxio

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// Reader streams one worksheet as table batches. It is not safe for
// concurrent use.
type Reader struct {
	file     string
	sheet    string
	opts     ReadOptions
	pkg      *pkg
	sc       *sheetScanner
	date1904 bool
	schema   table.Schema
	ncols    int
	nulls    []string
	rewrite  []*locale.Column // per column, for text cells holding numbers or dates
	batch    int              // rows per batch: BatchRows, fewer for wide sheets
	cells    int64            // cells emitted, against Limits.MaxCells

	sample  []sheetRow // rows read while deciding the schema, replayed first
	held    *sheetRow  // a row with values waiting for pending empty rows
	lastRow int        // sheet row number of the last row consumed
	empty   int        // empty rows seen but not yet emitted
	dataRow int        // data rows emitted

	warnings   []Warning
	suppressed int
	done       bool
	err        error
	closed     bool

	// deferMerges names the columns before the merged ranges, listed
	// after the cell data, are known: ReadFile reads to the end anyway and
	// renames afterwards, saving a second decompression of the sheet.
	deferMerges bool
	header      []rawCell
	headerWarns [2]int // r.warnings[0:1] came from naming the header
}

type sheetRow struct {
	num   int
	cells []rawCell
}

// Open opens the workbook at path and prepares to read one sheet. It reads
// the header and the type-inference sample before returning, so Schema is
// known at once. Errors name the file, and the sheet and cell when one is
// at fault.
func Open(path string, opts ReadOptions) (*Reader, error) {
	return open(path, opts, false)
}

func open(path string, opts ReadOptions, deferMerges bool) (*Reader, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := openPackage(path, opts.Password, opts.Limits)
	if err != nil {
		return nil, err
	}
	r := &Reader{file: path, opts: opts, pkg: p, date1904: p.date1904, nulls: opts.NullValues,
		// Type overrides are checked against the final names, so they
		// need the merges first.
		deferMerges: deferMerges && len(opts.Types) == 0}
	if err := r.init(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// ReadFile reads a whole sheet into memory and returns it with the
// reader's warnings.
func ReadFile(path string, opts ReadOptions) (*table.Table, []Warning, error) {
	r, err := open(path, opts, true)
	if err != nil {
		return nil, nil, err
	}
	t, err := table.ReadAll(r)
	if err == nil && r.deferMerges {
		t, err = r.applyMerges(t)
	}
	cerr := r.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, r.Warnings(), err
	}
	return t, r.Warnings(), nil
}

func (r *Reader) init() error {
	ref, err := r.pkg.findSheet(r.opts.Sheet, r.opts.SheetIndex)
	if err != nil {
		return err
	}
	r.sheet = ref.name
	if ref.part == "" || r.pkg.part(ref.part) == nil {
		return fmt.Errorf("%s: sheet %q has no worksheet part (%q): %w", r.file, ref.name, ref.part, ErrNotWorkbook)
	}
	if strings.Contains(strings.ToLower(ref.part), "chartsheet") {
		return fmt.Errorf("%s: sheet %q is a chart sheet and holds no cells; choose another sheet (sheets: %s)", r.file, ref.name, strings.Join(r.pkg.sheetNames(), ", "))
	}
	styles, err := r.pkg.readStyles()
	if err != nil {
		return err
	}
	sst, err := r.pkg.readSharedStrings()
	if err != nil {
		return err
	}
	if r.deferMerges {
		header, err := r.readHeaderAndSample(ref.part, sst, styles)
		if err != nil {
			return err
		}
		r.header = header
		r.headerWarns[0] = len(r.warnings)
		err = r.decideSchema(header, nil)
		r.headerWarns[1] = len(r.warnings)
		if err == nil {
			r.warnUndeclaredDates()
		}
		return err
	}
	// Merged ranges are listed after the cell data; finding them takes a
	// pass over the whole part, which runs alongside the header and sample
	// read below.
	type mergeResult struct {
		ranges []cellRange
		err    error
	}
	mergeCh := make(chan mergeResult, 1)
	go func() {
		rc, err := r.pkg.openPart(ref.part)
		if err != nil {
			mergeCh <- mergeResult{err: err}
			return
		}
		m, err := scanMergedCells(rc, ref.part, r.opts.HeaderRow)
		_ = rc.Close()
		mergeCh <- mergeResult{ranges: m, err: err}
	}()
	header, err := r.readHeaderAndSample(ref.part, sst, styles)
	merged := <-mergeCh
	if err != nil {
		return err
	}
	if merged.err != nil {
		return r.scanErr(merged.err)
	}
	if err := r.decideSchema(header, merged.ranges); err != nil {
		return err
	}
	r.warnUndeclaredDates()
	return nil
}

// applyMerges renames the columns of t, read with deferMerges, whose
// header cells turn out to lie in a merged range, and puts the header
// warnings right.
func (r *Reader) applyMerges(t *table.Table) (*table.Table, error) {
	merges, err := r.sc.tailMerges(r.opts.HeaderRow)
	if err != nil {
		return nil, r.scanErr(err)
	}
	touched := false
	for col := 1; col <= r.ncols && !touched; col++ {
		touched = inMerge(merges, col, r.opts.HeaderRow) != nil
	}
	if !touched {
		return t, nil
	}
	later := slices.Clone(r.warnings[r.headerWarns[1]:])
	r.warnings = r.warnings[:r.headerWarns[0]]
	names := r.headerNames(r.header, merges)
	r.warnings = append(r.warnings, later...)
	fields := r.schema.Fields()
	for i := range fields {
		fields[i].Name = names[i]
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", r.file, r.sheet, err)
	}
	r.schema = schema
	cols := make([]*table.Column, t.NumCols())
	for i := range cols {
		cols[i] = t.Column(i)
	}
	return table.New(schema, cols)
}

func (r *Reader) readHeaderAndSample(part string, sst *sharedStrings, styles []fmtKind) ([]rawCell, error) {
	rc, err := r.pkg.openPart(part)
	if err != nil {
		return nil, err
	}
	r.sc = newSheetScanner(rc, part, sst, styles, r.opts.Limits.MaxCellBytes)
	header, err := r.readHeader()
	if err != nil {
		return nil, err
	}
	sampled := 0
	for len(r.sample) < r.opts.InferRows && sampled < maxSampleCells {
		num, cells, err := r.sc.nextRow()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, r.scanErr(err)
		}
		r.sample = append(r.sample, sheetRow{num: num, cells: slices.Clone(cells)})
		sampled += len(cells)
	}
	return header, nil
}

func (r *Reader) scanErr(err error) error {
	if le, ok := withFile(err, r.file, r.sheet); ok {
		return le
	}
	return fmt.Errorf("%s: sheet %q: %w", r.file, r.sheet, err)
}

// readHeader skips to the header row and returns its cells; nil when the
// header row is blank. A sheet without any rows yields no columns.
func (r *Reader) readHeader() ([]rawCell, error) {
	seen := 0
	for {
		num, cells, err := r.sc.nextRow()
		if errors.Is(err, io.EOF) {
			if seen > 0 {
				return nil, fmt.Errorf("%s: sheet %q: header row %d is below the last row (%d); check the header row option", r.file, r.sheet, r.opts.HeaderRow, seen)
			}
			r.lastRow = r.opts.HeaderRow
			return nil, nil
		}
		if err != nil {
			return nil, r.scanErr(err)
		}
		seen = num
		switch {
		case num < r.opts.HeaderRow:
			continue
		case num == r.opts.HeaderRow:
			r.lastRow = num
			return slices.Clone(cells), nil
		default:
			// The header row itself has no cells: keep this row as data.
			r.lastRow = r.opts.HeaderRow
			r.sample = append(r.sample, sheetRow{num: num, cells: slices.Clone(cells)})
			return nil, nil
		}
	}
}

// decideSchema names the columns and infers their types. The column count
// is the last column holding a header name or, within the sample, a value:
// trailing empty columns are dropped.
func (r *Reader) decideSchema(header []rawCell, merges []cellRange) error {
	ncols := 0
	for i := range header {
		if !r.isNull(&header[i]) && strings.TrimSpace(r.textOf(&header[i])) != "" {
			ncols = max(ncols, header[i].col)
		}
	}
	for _, row := range r.sample {
		for i := range row.cells {
			if !r.isNull(&row.cells[i]) {
				ncols = max(ncols, row.cells[i].col)
			}
		}
	}
	if ncols > r.opts.Limits.MaxColumns {
		return &LimitError{File: r.file, Part: r.sc.part, Cell: r.sheet + "!" + cellRef(ncols, r.opts.HeaderRow),
			What:  fmt.Sprintf("the header and the first rows have a value in column %s (%d columns), more than", columnName(ncols), ncols),
			Limit: fmt.Sprintf("%d columns", r.opts.Limits.MaxColumns), Option: "max_columns"}
	}
	r.ncols = ncols
	r.batch = table.BatchRows(r.opts.BatchRows, ncols)
	names := r.headerNames(header, merges)
	r.rewrite = localeColumns(r.opts.Locale, names)
	for name := range r.opts.Types {
		if !slices.Contains(names, name) {
			return fmt.Errorf("%s: sheet %q: type override for unknown column %q (columns: %s)", r.file, r.sheet, name, strings.Join(names, ", "))
		}
	}
	stats := make([]colStats, ncols)
	for _, row := range r.sample {
		for i := range row.cells {
			c := &row.cells[i]
			if c.col <= ncols && !r.isNull(c) {
				stats[c.col-1].observe(r, c)
			}
		}
	}
	fields := make([]table.Field, ncols)
	for i, n := range names {
		t, ok := r.opts.Types[n]
		if !ok {
			t = stats[i].typ()
		}
		fields[i] = table.Field{Name: n, Type: t}
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return fmt.Errorf("%s: sheet %q: %w", r.file, r.sheet, err)
	}
	r.schema = schema
	return nil
}

// headerNames trims the header texts; blank cells and cells inside a
// merged range become column_N, and repeated names get _2, _3, ... so that
// no column is dropped. Every rename is reported as a warning.
func (r *Reader) headerNames(header []rawCell, merges []cellRange) []string {
	texts := make([]string, r.ncols)
	for i := range header {
		c := &header[i]
		if c.col > r.ncols {
			continue
		}
		if c.noCache {
			r.warn(cellRef(c.col, r.opts.HeaderRow), fmt.Sprintf("header formula =%s has no cached value; column named column_%d", c.text, c.col))
			continue
		}
		if !r.isNull(c) {
			texts[c.col-1] = strings.TrimSpace(r.textOf(c))
		}
	}
	names := make([]string, r.ncols)
	seen := make(map[string]bool, r.ncols)
	for i := range names {
		col := i + 1
		ref := cellRef(col, r.opts.HeaderRow)
		name := texts[i]
		generated := "column_" + strconv.Itoa(col)
		switch {
		case inMerge(merges, col, r.opts.HeaderRow) != nil:
			m := inMerge(merges, col, r.opts.HeaderRow)
			if name != "" {
				r.warn(ref, fmt.Sprintf("header %q is part of merged range %s; column named %s", name, m, generated))
			} else {
				r.warn(ref, fmt.Sprintf("header cell is part of merged range %s; column named %s", m, generated))
			}
			name = generated
		case name == "":
			r.warn(ref, fmt.Sprintf("blank header; column named %s", generated))
			name = generated
		}
		base := name
		for k := 2; seen[name]; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
		if name != base {
			r.warn(ref, fmt.Sprintf("duplicate header %q renamed to %q", base, name))
		}
		seen[name] = true
		names[i] = name
	}
	return names
}

func inMerge(merges []cellRange, col, row int) *cellRange {
	for i := range merges {
		if merges[i].contains(col, row) && (merges[i].col1 != merges[i].col2 || merges[i].row1 != merges[i].row2) {
			return &merges[i]
		}
	}
	return nil
}

func formulaWarning(formula string) string {
	what := "formula"
	if formula != "" {
		what = "formula =" + formula
	}
	return what + " has no cached value; read as null (open and save the workbook in Excel to compute it)"
}

// colStats accumulates the kinds of sampled cells of one column.
type colStats struct {
	n, numbers, floats, bools, dates, dateTimes int
}

func (s *colStats) observe(r *Reader, c *rawCell) {
	s.n++
	switch c.kind {
	case cellNumber:
		s.numbers++
		if !isIntegral(c) {
			s.floats++
		}
	case cellBool:
		s.bools++
	case cellText:
		if v, ok := r.localText(c); ok {
			s.observeLocal(v)
		}
	case cellDate, cellDateTime:
		if _, ok := r.micros(c); !ok {
			return // out of the calendar: counts as neither
		}
		if c.kind == cellDate {
			s.dates++
		} else {
			s.dateTimes++
		}
	}
}

// typ applies the rules in the package documentation: a column gets a
// non-string type only when every sampled value has that cell type.
func (s *colStats) typ() table.Type {
	switch {
	case s.n == 0:
		return table.String
	case s.numbers == s.n && s.floats == 0:
		return table.Int64
	case s.numbers == s.n:
		return table.Float64
	case s.bools == s.n:
		return table.Bool
	case s.dates == s.n:
		return table.Date
	case s.dates+s.dateTimes == s.n:
		return table.Timestamp
	}
	return table.String
}

// isIntegral reports whether a numeric cell is an integer that int64
// holds exactly as written.
func isIntegral(c *rawCell) bool {
	if _, err := strconv.ParseInt(c.text, 10, 64); err == nil {
		return true
	}
	return c.num == math.Trunc(c.num) && math.Abs(c.num) < 1<<53
}

// isNull reports whether a cell reads as null: no value, an error value,
// a formula without a cached value, or a text in NullValues.
func (r *Reader) isNull(c *rawCell) bool {
	switch c.kind {
	case cellEmpty, cellError:
		return true
	case cellText:
		return slices.Contains(r.nulls, c.text)
	}
	return len(r.nulls) > 0 && slices.Contains(r.nulls, r.textOf(c))
}

// micros converts a date cell to microseconds since the epoch.
func (r *Reader) micros(c *rawCell) (int64, bool) {
	if c.iso {
		us, err := table.ParseTimestamp(c.text)
		return us, err == nil
	}
	return serialToMicros(c.num, r.date1904)
}

// textOf renders a cell as text: numbers with all their stored digits,
// dates as ISO 8601, booleans as true/false.
func (r *Reader) textOf(c *rawCell) string {
	switch c.kind {
	case cellNumber:
		return normalizeNumber(c.text)
	case cellBool:
		if c.text == "1" {
			return "true"
		}
		return "false"
	case cellDate, cellDateTime:
		us, ok := r.micros(c)
		if !ok {
			return normalizeNumber(c.text)
		}
		t := table.TimestampToTime(us)
		if c.kind == cellDate {
			return t.Format("2006-01-02")
		}
		if t.Nanosecond() != 0 {
			return t.Format("2006-01-02 15:04:05.000")
		}
		return t.Format("2006-01-02 15:04:05")
	case cellTime:
		return formatDuration(c.num)
	}
	return c.text
}

// formatDuration renders a time-of-day or duration serial as H:MM:SS,
// with hours beyond 24 for durations.
func formatDuration(serial float64) string {
	sec := int64(math.Round(math.Abs(serial) * 86400))
	sign := ""
	if serial < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s%02d:%02d:%02d", sign, sec/3600, sec/60%60, sec%60)
}

func (r *Reader) warn(cell, msg string) {
	if len(r.warnings) >= MaxWarnings {
		r.suppressed++
		return
	}
	r.warnings = append(r.warnings, Warning{Sheet: r.sheet, Cell: cell, Message: msg})
}

// Warnings returns the problems worked around so far: renamed headers at
// Open, and cells read as null or ignored while reading. It is complete
// once Next has returned io.EOF.
func (r *Reader) Warnings() []Warning {
	out := slices.Clone(r.warnings)
	if r.suppressed > 0 {
		out = append(out, Warning{Sheet: r.sheet, Message: fmt.Sprintf("%d more warnings not shown", r.suppressed)})
	}
	return out
}

// logWarnings hands the warnings to the Logger option, if any.
func (r *Reader) logWarnings() {
	if r.opts.Logger == nil {
		return
	}
	ws := r.Warnings()
	for i, w := range ws {
		if i == MaxLoggedWarnings {
			r.opts.Logger.Warn(fmt.Sprintf("%s: %d more warnings not shown", r.file, len(ws)-i))
			return
		}
		r.opts.Logger.Warn(r.file + ": " + w.String())
	}
}

// Schema returns the columns in sheet order with their types.
func (r *Reader) Schema() table.Schema { return r.schema }

// SheetName returns the name of the sheet being read.
func (r *Reader) SheetName() string { return r.sheet }

// Next returns the next batch of rows, or io.EOF after the last one.
func (r *Reader) Next() (*table.Table, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.closed {
		return nil, fmt.Errorf("%s: read after Close", r.file)
	}
	b := table.NewBuilder(r.schema, min(r.batch, 4096))
	for b.Len() < r.batch {
		if r.held != nil {
			if r.empty > 0 {
				r.appendEmpty(b, min(r.empty, r.batch-b.Len()))
				continue
			}
			if err := r.appendData(b, *r.held); err != nil {
				r.err = err
				return nil, err
			}
			r.held = nil
			continue
		}
		if r.done {
			break
		}
		row, err := r.nextSheetRow()
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		}
		if err != nil {
			r.err = err
			return nil, err
		}
		gap := row.num - r.lastRow - 1
		r.lastRow = row.num
		if !r.scanRow(row) {
			r.empty += gap + 1
			continue
		}
		r.empty += gap
		// The row and the empty rows before it become rows of the table.
		r.cells += int64(r.empty+1) * int64(max(r.ncols, 1))
		if r.cells > r.opts.Limits.MaxCells {
			r.err = &LimitError{File: r.file, Part: r.sc.part, Cell: r.sheet + "!" + cellRef(row.cells[0].col, row.num),
				What:  fmt.Sprintf("with row %d the table would hold %d rows × %d columns, more cells than", row.num, r.dataRow+r.empty+1, r.ncols),
				Limit: strconv.FormatInt(r.opts.Limits.MaxCells, 10), Option: "max_cells"}
			return nil, r.err
		}
		if r.empty > 0 {
			// Emit the pending empty rows first; the scanner reuses the
			// cells slice, so keep a copy.
			r.held = &sheetRow{num: row.num, cells: slices.Clone(row.cells)}
			continue
		}
		if err := r.appendData(b, row); err != nil {
			r.err = err
			return nil, err
		}
	}
	if b.Len() == 0 {
		r.err = io.EOF
		return nil, io.EOF
	}
	t, err := b.Build()
	if err != nil {
		r.err = fmt.Errorf("%s: sheet %q: %w", r.file, r.sheet, err)
		return nil, r.err
	}
	return t, nil
}

func (r *Reader) nextSheetRow() (sheetRow, error) {
	if len(r.sample) > 0 {
		row := r.sample[0]
		r.sample[0] = sheetRow{}
		r.sample = r.sample[1:]
		return row, nil
	}
	num, cells, err := r.sc.nextRow()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sheetRow{}, io.EOF
		}
		return sheetRow{}, r.scanErr(err)
	}
	return sheetRow{num: num, cells: cells}, nil
}

// scanRow reports the row's unusable cells as warnings and whether it has
// a value in one of the columns. Rows without one are counted as empty and
// emitted only once a later row has a value, so trailing empty rows (often
// left behind by formatting) are dropped.
func (r *Reader) scanRow(row sheetRow) bool {
	hasValue := false
	for i := range row.cells {
		c := &row.cells[i]
		switch {
		case c.noCache:
			r.warn(cellRef(c.col, row.num), formulaWarning(c.text))
		case c.kind == cellError:
			r.warn(cellRef(c.col, row.num), fmt.Sprintf("error value %s read as null", c.text))
		case r.isNull(c):
		case c.col > r.ncols:
			// The cell may hold personal data and warnings reach task
			// logs: the reference says where it is, not what it is.
			r.warn(cellRef(c.col, row.num), fmt.Sprintf("a value is right of the last column found in the header and the first %d rows; ignored (raise the infer rows option to include the column)", r.opts.InferRows))
		default:
			hasValue = true
		}
	}
	return hasValue
}

func (r *Reader) appendEmpty(b *table.Builder, n int) {
	for i := 0; i < n; i++ {
		for c := 0; c < r.ncols; c++ {
			b.Column(c).AppendNull()
		}
	}
	r.empty -= n
	r.dataRow += n
}

// appendData appends a row that has at least one value.
func (r *Reader) appendData(b *table.Builder, row sheetRow) error {
	r.dataRow++
	col := 1
	for i := range row.cells {
		c := &row.cells[i]
		if c.col > r.ncols {
			break
		}
		for ; col < c.col; col++ {
			b.Column(col - 1).AppendNull()
		}
		if r.isNull(c) {
			b.Column(col - 1).AppendNull()
		} else if err := r.appendCell(b.Column(col-1), c, row.num); err != nil {
			for j := 0; j < col-1; j++ {
				b.Column(j).Truncate(b.Column(col - 1).Len())
			}
			return err
		}
		col++
	}
	for ; col <= r.ncols; col++ {
		b.Column(col - 1).AppendNull()
	}
	return nil
}

// appendCell converts one non-null cell to its column's type.
func (r *Reader) appendCell(cb *table.ColumnBuilder, c *rawCell, rowNum int) error {
	var err error
	switch cb.Type() {
	case table.String:
		cb.AppendString(r.textOf(c))
		return nil
	case table.Int64:
		switch c.kind {
		case cellNumber:
			v, perr := strconv.ParseInt(c.text, 10, 64)
			if perr != nil {
				if !isIntegral(c) {
					err = errors.New("not an integer")
					break
				}
				v = int64(c.num)
			}
			cb.AppendInt64(v)
			return nil
		case cellText:
			var v int64
			if v, err = table.ParseInt64(r.typedText(c)); err == nil {
				cb.AppendInt64(v)
				return nil
			}
		default:
			err = errors.New("cell is not a number")
		}
	case table.Float64:
		switch c.kind {
		case cellNumber, cellDate, cellDateTime, cellTime:
			if !c.iso {
				cb.AppendFloat64(c.num)
				return nil
			}
			err = errors.New("cell is a date")
		case cellText:
			var v float64
			if v, err = table.ParseFloat64(r.typedText(c)); err == nil {
				cb.AppendFloat64(v)
				return nil
			}
		default:
			err = errors.New("cell is not a number")
		}
	case table.Bool:
		switch c.kind {
		case cellBool:
			cb.AppendBool(c.text == "1")
			return nil
		case cellNumber:
			if c.num == 0 || c.num == 1 {
				cb.AppendBool(c.num == 1)
				return nil
			}
			err = errors.New("only 0 and 1 are booleans")
		case cellText:
			var v bool
			if v, err = table.ParseBool(c.text); err == nil {
				cb.AppendBool(v)
				return nil
			}
		default:
			err = errors.New("cell is not a boolean")
		}
	case table.Date, table.Timestamp:
		switch c.kind {
		case cellNumber, cellDate, cellDateTime:
			us, ok := r.micros(c)
			if !ok {
				err = errors.New("outside the dates Excel can represent")
				break
			}
			if cb.Type() == table.Date {
				cb.AppendDate(int32(math.Floor(float64(us) / (msPerDay * 1000))))
			} else {
				cb.AppendTimestamp(us)
			}
			return nil
		case cellText:
			if err = cb.AppendParse(r.typedText(c)); err == nil {
				return nil
			}
		default:
			err = errors.New("cell is not a date")
		}
	}
	name := r.schema.Field(c.col - 1).Name
	hint := ""
	if _, forced := r.opts.Types[name]; !forced {
		hint = fmt.Sprintf("the type was inferred from the first %d rows; set the column's type (e.g. to string) or raise the infer rows option", r.opts.InferRows)
	}
	return &CellError{
		File: r.file, Sheet: r.sheet, Cell: cellRef(c.col, rowNum), Column: name, Row: r.dataRow, Hint: hint,
		Err: &table.ConversionError{Row: r.dataRow, Column: name, Value: r.textOf(c), From: kindType(c.kind), To: cb.Type(), Err: err},
	}
}

// kindType is the table type a cell kind corresponds to, for errors.
func kindType(k cellKind) table.Type {
	switch k {
	case cellNumber:
		return table.Float64
	case cellBool:
		return table.Bool
	case cellDate:
		return table.Date
	case cellDateTime:
		return table.Timestamp
	}
	return table.String
}

// Close releases the workbook; it is safe to call more than once.
func (r *Reader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.logWarnings()
	var errs []error
	if r.sc != nil {
		errs = append(errs, r.sc.close())
	}
	errs = append(errs, r.pkg.close())
	return errors.Join(errs...)
}

type xmlStyles struct {
	NumFmts []struct {
		ID   int    `xml:"numFmtId,attr"`
		Code string `xml:"formatCode,attr"`
	} `xml:"numFmts>numFmt"`
	CellXfs []struct {
		NumFmtID int `xml:"numFmtId,attr"`
	} `xml:"cellXfs>xf"`
}

// readStyles classifies every cell format (the s attribute of a cell
// indexes cellXfs) as number, date, date-time or time.
func (p *pkg) readStyles() ([]fmtKind, error) {
	if p.styles == "" || p.part(p.styles) == nil {
		return nil, nil
	}
	var st xmlStyles
	rc, err := p.openWhole(p.styles)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(&st); err != nil {
		if le, ok := withFile(err, p.file, ""); ok {
			return nil, le
		}
		return nil, fmt.Errorf("%s: %w: %v", p.file, ErrNotWorkbook, partError(p.styles, err))
	}
	custom := make(map[int]fmtKind, len(st.NumFmts))
	for _, nf := range st.NumFmts {
		custom[nf.ID] = formatCodeKind(nf.Code)
	}
	kinds := make([]fmtKind, len(st.CellXfs))
	for i, xf := range st.CellXfs {
		if k, ok := custom[xf.NumFmtID]; ok {
			kinds[i] = k
		} else {
			kinds[i] = builtinFormatKind(xf.NumFmtID)
		}
	}
	return kinds, nil
}
