package xlsxio

import (
	"archive/zip"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Excel's hard limits.
const (
	// MaxDataRows is the most data rows a sheet can hold below its header.
	MaxDataRows = 1<<20 - 1
	// MaxCellChars is the longest text a cell can hold, in UTF-16 units.
	MaxCellChars = 32767
)

// DefaultSheet is the sheet name used when WriteOptions.Sheet is empty.
const DefaultSheet = "Data"

// Default styling of written sheets.
const (
	DefaultHeaderFill     = "D9E1F2"
	DefaultMaxColumnWidth = 60
	dateFormat            = "yyyy-mm-dd"
	timestampFormat       = "yyyy-mm-dd hh:mm:ss"
	widthSampleRows       = 1000
)

// SheetOptions styles one written sheet. The zero value gives a bold,
// filled header row that stays in view when scrolling, an autofilter over
// the data, and column widths fitted to the content.
type SheetOptions struct {
	// HeaderFill is the header background as hex RGB; default D9E1F2.
	HeaderFill string
	// PlainHeader writes the header without bold and fill.
	PlainHeader bool
	// NoFreeze leaves the header row scrollable.
	NoFreeze bool
	// NoAutoFilter omits the filter buttons on the header.
	NoAutoFilter bool
	// MaxColumnWidth caps fitted column widths, in characters; default 60.
	MaxColumnWidth float64
	// Bands colours the cells of one numeric column by value.
	Bands *ColourBands
}

// ColourBands fills the cells of a numeric column by value: each cell gets
// the fill of the first band whose Below bound exceeds it.
type ColourBands struct {
	Column string
	// Bands in ascending order of Below; the last one usually has
	// Below = +Inf to catch everything else.
	Bands []ColourBand
}

// ColourBand is one value range of ColourBands.
type ColourBand struct {
	Below float64 // exclusive upper bound
	Fill  string  // hex RGB background
	Font  string  // hex RGB text colour; optional
}

// QualityBands returns the quality-score bands: red below 0.5, amber below
// 0.8, green otherwise.
func QualityBands(column string) *ColourBands {
	return &ColourBands{Column: column, Bands: []ColourBand{
		{Below: 0.5, Fill: "FFC7CE", Font: "9C0006"},
		{Below: 0.8, Fill: "FFEB9C", Font: "9C5700"},
		{Below: math.Inf(1), Fill: "C6EFCE", Font: "006100"},
	}}
}

// WriteOptions configures a single-sheet Writer.
type WriteOptions struct {
	// Sheet names the sheet; default "Data".
	Sheet string
	SheetOptions
}

// newExcelFile returns an excelize file whose zip output uses the fastest
// deflate level: default compression took a third of the write time of a
// large sheet for about 15% smaller files.
func newExcelFile() *excelize.File {
	f := excelize.NewFile()
	f.ZipWriter = func(w io.Writer) excelize.ZipWriter {
		z := zip.NewWriter(w)
		z.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return z
	}
	return f
}

// Workbook builds a workbook of one or more sheets in memory (large sheets
// spill to temporary files) and saves it atomically.
type Workbook struct {
	f      *excelize.File
	sheets []string
	closed bool
}

// NewWorkbook returns an empty workbook. Call Close (or Save, which
// closes) to release its temporary files.
func NewWorkbook() *Workbook {
	return &Workbook{f: newExcelFile()}
}

// Sheets returns the names of the sheets added so far.
func (w *Workbook) Sheets() []string { return append([]string(nil), w.sheets...) }

// AddSheet writes t as a new sheet after the existing ones.
func (w *Workbook) AddSheet(name string, t *table.Table, opts SheetOptions) error {
	sw, err := w.newSheet(name, t.Schema(), opts)
	if err != nil {
		return err
	}
	if err := sw.write(t); err != nil {
		return err
	}
	return sw.finish()
}

// StreamSheet adds a sheet and returns excelize's stream writer for
// layouts that AddSheet does not cover, such as blank header cells or
// mixed cell types in one column. Flush the stream writer before Save.
func (w *Workbook) StreamSheet(name string) (*excelize.StreamWriter, error) {
	if err := w.addSheetName(name); err != nil {
		return nil, err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: sheet %q: %w", name, err)
	}
	return sw, nil
}

func (w *Workbook) newSheet(name string, schema table.Schema, opts SheetOptions) (*sheetWriter, error) {
	if err := w.addSheetName(name); err != nil {
		return nil, err
	}
	return newSheetWriter(w.f, name, schema, opts)
}

func (w *Workbook) addSheetName(name string) error {
	if w.closed {
		return errors.New("xlsx: workbook is closed")
	}
	for _, s := range w.sheets {
		if strings.EqualFold(s, name) {
			return fmt.Errorf("xlsx: sheet %q already exists (sheet names are compared without case)", name)
		}
	}
	if len(w.sheets) == 0 {
		// A new excelize file starts with Sheet1; the first sheet takes
		// its place so that no empty sheet is left behind.
		if name != "Sheet1" {
			if err := w.f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("xlsx: sheet name %q: %w", name, err)
			}
		}
	} else if _, err := w.f.NewSheet(name); err != nil {
		return fmt.Errorf("xlsx: sheet name %q: %w", name, err)
	}
	w.sheets = append(w.sheets, name)
	return nil
}

// Save writes the workbook to path atomically (a temporary file in the
// same directory renamed into place) and closes the workbook.
func (w *Workbook) Save(path string) error {
	if w.closed {
		return errors.New("xlsx: workbook is closed")
	}
	if len(w.sheets) == 0 {
		return fmt.Errorf("xlsx: %s: workbook has no sheets", path)
	}
	af, err := atomicfile.Create(path)
	if err != nil {
		_ = w.Close()
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := w.f.Write(af); err != nil {
		_ = af.Abort()
		_ = w.Close()
		return fmt.Errorf("xlsx: write %s: %w", path, err)
	}
	if err := af.Commit(); err != nil {
		_ = w.Close()
		return fmt.Errorf("xlsx: %w", err)
	}
	return w.Close()
}

// Close releases the workbook's temporary files without saving.
func (w *Workbook) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("xlsx: release temporary files: %w", err)
	}
	return nil
}

// File exposes the underlying excelize file for layouts this package does
// not cover (merged cells, formulas). Changes to sheets written through
// AddSheet are not supported.
func (w *Workbook) File() *excelize.File { return w.f }

// Writer streams table batches into a one-sheet workbook. The file
// appears at its path only when Close succeeds. Column widths are fitted
// to the first batch.
type Writer struct {
	path string
	wb   *Workbook
	sw   *sheetWriter
	err  error
	done bool
}

// Create starts a one-sheet workbook at path.
func Create(path string, schema table.Schema, opts WriteOptions) (*Writer, error) {
	if opts.Sheet == "" {
		opts.Sheet = DefaultSheet
	}
	wb := NewWorkbook()
	sw, err := wb.newSheet(opts.Sheet, schema, opts.SheetOptions)
	if err != nil {
		_ = wb.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Writer{path: path, wb: wb, sw: sw}, nil
}

// WriteFile writes t as a one-sheet workbook at path.
func WriteFile(path string, t *table.Table, opts WriteOptions) error {
	w, err := Create(path, t.Schema(), opts)
	if err != nil {
		return err
	}
	if err := w.Write(t); err != nil {
		_ = w.Abort()
		return err
	}
	return w.Close()
}

// Write appends the rows of t, whose schema must equal the writer's.
func (w *Writer) Write(t *table.Table) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("xlsx: write %s: writer is closed", w.path)
	}
	if err := w.sw.write(t); err != nil {
		w.err = fmt.Errorf("%s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Close finishes the sheet and saves the file; after a failed Write it
// discards the output and returns the first error.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	if w.err != nil {
		_ = w.Abort()
		return w.err
	}
	w.done = true
	if err := w.sw.finish(); err != nil {
		_ = w.wb.Close()
		w.err = fmt.Errorf("%s: %w", w.path, err)
		return w.err
	}
	if err := w.wb.Save(w.path); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Abort discards the output; nothing appears at the path.
func (w *Writer) Abort() error {
	w.done = true
	return w.wb.Close()
}

// sheetWriter streams rows of one sheet through excelize's StreamWriter.
type sheetWriter struct {
	f       *excelize.File
	name    string
	schema  table.Schema
	opts    SheetOptions
	sw      *excelize.StreamWriter
	started bool
	rows    int // data rows written
	row     []any
	styles  []int // per column: date or timestamp style, or 0
	header  int
}

func newSheetWriter(f *excelize.File, name string, schema table.Schema, opts SheetOptions) (*sheetWriter, error) {
	if opts.MaxColumnWidth <= 0 {
		opts.MaxColumnWidth = DefaultMaxColumnWidth
	}
	if opts.HeaderFill == "" {
		opts.HeaderFill = DefaultHeaderFill
	}
	if b := opts.Bands; b != nil {
		fld, ok := schema.Lookup(b.Column)
		if !ok {
			return nil, fmt.Errorf("sheet %q: colour bands on unknown column %q (columns: %s)", name, b.Column, strings.Join(schema.Names(), ", "))
		}
		if fld.Type != table.Int64 && fld.Type != table.Float64 {
			return nil, fmt.Errorf("sheet %q: colour bands need a numeric column, but %q is %s", name, b.Column, fld.Type)
		}
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("sheet %q: %w", name, err)
	}
	s := &sheetWriter{f: f, name: name, schema: schema, opts: opts, sw: sw, row: make([]any, schema.Len())}
	s.styles = make([]int, schema.Len())
	var dateStyle, tsStyle int
	for i, fld := range schema.Fields() {
		switch fld.Type {
		case table.Date:
			if dateStyle == 0 {
				code := dateFormat
				if dateStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &code}); err != nil {
					return nil, fmt.Errorf("sheet %q: date style: %w", name, err)
				}
			}
			s.styles[i] = dateStyle
		case table.Timestamp:
			if tsStyle == 0 {
				code := timestampFormat
				if tsStyle, err = f.NewStyle(&excelize.Style{CustomNumFmt: &code}); err != nil {
					return nil, fmt.Errorf("sheet %q: timestamp style: %w", name, err)
				}
			}
			s.styles[i] = tsStyle
		}
	}
	if !opts.PlainHeader {
		st := &excelize.Style{
			Font:   &excelize.Font{Bold: true},
			Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{opts.HeaderFill}},
			Border: []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		}
		if s.header, err = f.NewStyle(st); err != nil {
			return nil, fmt.Errorf("sheet %q: header style: %w", name, err)
		}
	}
	return s, nil
}

// start sets widths and panes, which the stream writer needs before the
// first row, and writes the header.
func (s *sheetWriter) start(sample *table.Table) error {
	s.started = true
	for i, w := range s.widths(sample) {
		if err := s.sw.SetColWidth(i+1, i+1, w); err != nil {
			return fmt.Errorf("sheet %q: column width: %w", s.name, err)
		}
	}
	if !s.opts.NoFreeze {
		err := s.sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		})
		if err != nil {
			return fmt.Errorf("sheet %q: freeze header: %w", s.name, err)
		}
	}
	header := make([]any, s.schema.Len())
	for i, n := range s.schema.Names() {
		header[i] = excelize.Cell{StyleID: s.header, Value: n}
	}
	if err := s.sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("sheet %q: header: %w", s.name, err)
	}
	return nil
}

// widths estimates column widths in characters from the header and the
// first rows, with room for the filter button.
func (s *sheetWriter) widths(sample *table.Table) []float64 {
	out := make([]float64, s.schema.Len())
	for i, f := range s.schema.Fields() {
		w := float64(utf8.RuneCountInString(f.Name))
		if !s.opts.PlainHeader {
			w *= 1.15
		}
		if !s.opts.NoAutoFilter {
			w += 2
		}
		if sample != nil {
			c := sample.Column(i)
			n := min(sample.NumRows(), widthSampleRows)
			switch f.Type {
			case table.Date:
				w = max(w, 10)
			case table.Timestamp:
				w = max(w, 19)
			default:
				for r := 0; r < n; r++ {
					w = max(w, float64(displayWidth(c.Format(r))))
				}
			}
		}
		out[i] = math.Min(math.Max(w+2, 8), s.opts.MaxColumnWidth)
	}
	return out
}

// displayWidth is the widest line of s in runes.
func displayWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}

func (s *sheetWriter) write(t *table.Table) error {
	if d := s.schema.Diff(t.Schema()); d != "" {
		return fmt.Errorf("sheet %q: batch schema differs from the writer's: %s", s.name, d)
	}
	if !s.started {
		if err := s.start(t); err != nil {
			return err
		}
	}
	if s.rows+t.NumRows() > MaxDataRows {
		return fmt.Errorf("sheet %q: %d rows exceed Excel's limit of %d data rows per sheet; write CSV or Parquet instead, or split the table", s.name, s.rows+t.NumRows(), MaxDataRows)
	}
	cols := make([]*table.Column, t.NumCols())
	for j := range cols {
		cols[j] = t.Column(j)
	}
	for i := 0; i < t.NumRows(); i++ {
		for j, c := range cols {
			v, err := s.cellValue(c, i, j)
			if err != nil {
				return fmt.Errorf("sheet %q: row %d, column %q: %w", s.name, s.rows+i+1, s.schema.Field(j).Name, err)
			}
			s.row[j] = v
		}
		if err := s.sw.SetRow("A"+strconv.Itoa(s.rows+i+2), s.row); err != nil {
			return fmt.Errorf("sheet %q: row %d: %w", s.name, s.rows+i+1, err)
		}
	}
	s.rows += t.NumRows()
	return nil
}

func (s *sheetWriter) cellValue(c *table.Column, i, j int) (any, error) {
	if c.IsNull(i) {
		return nil, nil
	}
	switch c.Type() {
	case table.String:
		v := c.Strings()[i]
		if len(v) > MaxCellChars && len(utf16.Encode([]rune(v))) > MaxCellChars {
			return nil, fmt.Errorf("text of %d characters exceeds Excel's limit of %d per cell; shorten it or write CSV or Parquet instead", utf8.RuneCountInString(v), MaxCellChars)
		}
		return v, nil
	case table.Int64:
		return c.Int64s()[i], nil
	case table.Float64:
		v := c.Float64s()[i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			// Excel has no NaN or infinity; a numeric cell holding one
			// makes the file unreadable, so write the text instead.
			return table.FormatFloat(v), nil
		}
		return v, nil
	case table.Bool:
		return c.Bools()[i], nil
	case table.Date:
		return excelize.Cell{StyleID: s.styles[j], Value: microsToSerial(int64(c.Dates()[i]) * msPerDay * 1000)}, nil
	case table.Timestamp:
		return excelize.Cell{StyleID: s.styles[j], Value: microsToSerial(c.Timestamps()[i])}, nil
	}
	return nil, fmt.Errorf("unsupported column type %s", c.Type())
}

// finish adds the autofilter and colour bands, which need the final row
// count, and flushes the stream.
func (s *sheetWriter) finish() error {
	if !s.started {
		if err := s.start(nil); err != nil {
			return err
		}
	}
	ncols := s.schema.Len()
	if ncols > 0 && !s.opts.NoAutoFilter {
		ref := "A1:" + cellRef(ncols, s.rows+1)
		if err := s.f.AutoFilter(s.name, ref, nil); err != nil {
			return fmt.Errorf("sheet %q: autofilter: %w", s.name, err)
		}
	}
	if s.opts.Bands != nil && s.rows > 0 {
		if err := s.addBands(); err != nil {
			return err
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("sheet %q: %w", s.name, err)
	}
	return nil
}

func (s *sheetWriter) addBands() error {
	b := s.opts.Bands
	idx, _ := s.schema.Index(b.Column)
	col := columnName(idx + 1)
	ref := col + "2:" + col + strconv.Itoa(s.rows+1)
	rules := make([]excelize.ConditionalFormatOptions, 0, len(b.Bands))
	lower := math.Inf(-1)
	for _, band := range b.Bands {
		st := &excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{band.Fill}}}
		if band.Font != "" {
			st.Font = &excelize.Font{Color: band.Font}
		}
		id, err := s.f.NewConditionalStyle(st)
		if err != nil {
			return fmt.Errorf("sheet %q: colour band style: %w", s.name, err)
		}
		rule := excelize.ConditionalFormatOptions{Type: "cell", Format: &id, StopIfTrue: true}
		switch {
		case !math.IsInf(band.Below, 1):
			rule.Criteria, rule.Value = "<", strconv.FormatFloat(band.Below, 'g', -1, 64)
		case !math.IsInf(lower, -1):
			rule.Criteria, rule.Value = ">=", strconv.FormatFloat(lower, 'g', -1, 64)
		default:
			continue // a single unbounded band colours nothing specific
		}
		rules = append(rules, rule)
		lower = band.Below
	}
	if err := s.f.SetConditionalFormat(s.name, ref, rules); err != nil {
		return fmt.Errorf("sheet %q: colour bands on %q: %w", s.name, b.Column, err)
	}
	return nil
}
