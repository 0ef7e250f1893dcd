package xlsxio

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
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

// Workbook builds a workbook of one or more sheets and saves it
// atomically. AddSheet only validates and remembers its table (tables are
// immutable); Save then streams every sheet straight into the file, so no
// sheet is ever held as XML in memory.
type Workbook struct {
	sheets []*sheetSpec
	tables []*table.Table
	names  []string
	closed bool
}

// NewWorkbook returns an empty workbook. Call Save, or Close to discard
// it.
func NewWorkbook() *Workbook { return &Workbook{} }

// Sheets returns the names of the sheets added so far.
func (w *Workbook) Sheets() []string { return append([]string(nil), w.names...) }

// AddSheet adds t as a new sheet after the existing ones. It fails, and
// leaves the workbook as it was, when the name is taken or invalid, the
// options do not fit t, or t does not fit in a sheet (too many rows or a
// text too long for a cell); errors name the sheet, row and column.
func (w *Workbook) AddSheet(name string, t *table.Table, opts SheetOptions) error {
	if err := w.checkName(name); err != nil {
		return err
	}
	spec, err := newSheetSpec(name, t.Schema(), opts)
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := spec.check(t); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	w.sheets = append(w.sheets, spec)
	w.tables = append(w.tables, t)
	w.names = append(w.names, name)
	return nil
}

func (w *Workbook) checkName(name string) error {
	if w.closed {
		return errors.New("xlsx: workbook is closed")
	}
	for _, s := range w.names {
		if strings.EqualFold(s, name) {
			return fmt.Errorf("xlsx: sheet %q already exists (sheet names are compared without case)", name)
		}
	}
	return nil
}

// Save writes the workbook to path atomically (a temporary file in the
// same directory renamed into place) and closes the workbook.
func (w *Workbook) Save(path string) error {
	if w.closed {
		return errors.New("xlsx: workbook is closed")
	}
	defer w.Close()
	if len(w.names) == 0 {
		return fmt.Errorf("xlsx: %s: workbook has no sheets", path)
	}
	p, err := createPackage(path, w.sheets)
	if err != nil {
		return err
	}
	for i, t := range w.tables {
		enc, err := p.sheet(i)
		if err == nil {
			err = enc.write(t)
		}
		if err == nil {
			err = enc.finish()
		}
		if err != nil {
			p.abort()
			return fmt.Errorf("xlsx: write %s: %w", path, err)
		}
	}
	return p.commit()
}

// Close discards the workbook without saving.
func (w *Workbook) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	w.sheets, w.tables = nil, nil
	return nil
}

// Writer streams table batches into a one-sheet workbook: each batch is
// rendered and compressed into a temporary file as it arrives, and the
// file appears at its path only when Close succeeds. Column widths are
// fitted to the first batch.
type Writer struct {
	path string
	pkg  *pkgWriter
	spec *sheetSpec
	enc  *sheetEncoder
	err  error
	done bool
}

// Create starts a one-sheet workbook at path. The temporary file is
// created at once, so a missing directory is reported here.
func Create(path string, schema table.Schema, opts WriteOptions) (*Writer, error) {
	if opts.Sheet == "" {
		opts.Sheet = DefaultSheet
	}
	spec, err := newSheetSpec(opts.Sheet, schema, opts.SheetOptions)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %s: %w", path, err)
	}
	p, err := createPackage(path, []*sheetSpec{spec})
	if err != nil {
		return nil, err
	}
	enc, err := p.sheet(0)
	if err != nil {
		p.abort()
		return nil, err
	}
	return &Writer{path: path, pkg: p, spec: spec, enc: enc}, nil
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

// Write appends the rows of t, whose schema must equal the writer's. After
// an error every later Write fails and Close discards the output.
func (w *Writer) Write(t *table.Table) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("xlsx: write %s: writer is closed", w.path)
	}
	if err := w.spec.check(t); err != nil {
		w.err = fmt.Errorf("xlsx: write %s: %w", w.path, err)
		return w.err
	}
	if err := w.enc.write(t); err != nil {
		w.err = fmt.Errorf("xlsx: write %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// Close finishes the sheet and renames the file into place; after a failed
// Write it discards the output and returns the first error.
func (w *Writer) Close() error {
	if w.done {
		return w.err
	}
	if w.err != nil {
		_ = w.Abort()
		return w.err
	}
	w.done = true
	if err := w.enc.finish(); err != nil {
		w.pkg.abort()
		w.err = fmt.Errorf("xlsx: write %s: %w", w.path, err)
		return w.err
	}
	if err := w.pkg.commit(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Abort discards the output; nothing appears at the path.
func (w *Writer) Abort() error {
	w.done = true
	w.pkg.abort()
	return nil
}
