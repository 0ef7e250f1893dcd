package xlsxio

import (
	"fmt"
	"log/slog"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// Defaults applied to zero-valued read options.
const (
	DefaultInferRows = 1000
	DefaultBatchRows = 64 * 1024
	// MaxWarnings caps the warnings a reader keeps; the rest are counted
	// in one final warning so that a sheet full of #N/A cannot exhaust
	// memory.
	MaxWarnings = 1000
)

// ReadOptions configures a Reader. The zero value reads the first sheet
// with its header on row 1, treats empty cells as null, and decides column
// types from the first 1000 data rows.
type ReadOptions struct {
	// Sheet selects a sheet by name. Excel compares sheet names without
	// regard to case, and so does the reader when no exact match exists.
	Sheet string
	// SheetIndex selects a sheet by 1-based position when Sheet is empty.
	// Neither set means the first sheet.
	SheetIndex int
	// HeaderRow is the 1-based row holding the column names; default 1.
	// Rows above it are ignored.
	HeaderRow int
	// Types overrides the inferred type of the named columns. Numeric
	// cells convert to Date and Timestamp as Excel date serials; text cells
	// are parsed with the table package's parsers.
	Types map[string]table.Type
	// InferRows is how many data rows are sampled to decide column types;
	// default 1000. A later cell that does not fit its column's type is an
	// error naming the cell: raise InferRows or set Types.
	InferRows int
	// NullValues lists cell texts read as null; nil means [""]. A non-nil
	// empty slice means only cells without a value are null.
	NullValues []string
	// Locale gives the decimal and thousands separators and the date order
	// or layouts of numbers and dates stored as text cells; cells Excel
	// stores as numbers or dates need none of it.
	Locale locale.Options
	// Password decrypts a password-protected workbook.
	Password string
	// BatchRows is the number of rows per batch returned by Next; default
	// 65536. Wide sheets get fewer rows per batch, so that a batch holds
	// at most about four million cells.
	BatchRows int
	// Limits bound the memory and time a hostile or broken workbook can
	// take; zero fields take the defaults.
	Limits Limits
	// Logger, if set, receives the reader's warnings when it is closed,
	// the first MaxLoggedWarnings of them and a count of the rest.
	Logger *slog.Logger
}

// MaxLoggedWarnings bounds the warnings a Reader logs, so that a sheet of
// error values does not flood a task log; Warnings still returns them.
const MaxLoggedWarnings = 20

func (o ReadOptions) withDefaults() (ReadOptions, error) {
	if o.Sheet != "" && o.SheetIndex != 0 {
		return o, fmt.Errorf("xlsx: set either a sheet name (%q) or a sheet index (%d), not both", o.Sheet, o.SheetIndex)
	}
	if o.SheetIndex < 0 {
		return o, fmt.Errorf("xlsx: sheet index %d must be 1 or more", o.SheetIndex)
	}
	if o.HeaderRow < 0 {
		return o, fmt.Errorf("xlsx: header row %d must be 1 or more", o.HeaderRow)
	}
	if o.HeaderRow == 0 {
		o.HeaderRow = 1
	}
	if o.InferRows <= 0 {
		o.InferRows = DefaultInferRows
	}
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	if o.NullValues == nil {
		o.NullValues = []string{""}
	}
	if err := o.Locale.Check(); err != nil {
		return o, fmt.Errorf("xlsx: %w", err)
	}
	lim, err := o.Limits.withDefaults()
	if err != nil {
		return o, err
	}
	o.Limits = lim
	for name, t := range o.Types {
		if !t.Valid() {
			return o, fmt.Errorf("xlsx: type override for column %q is %s", name, t)
		}
	}
	return o, nil
}
