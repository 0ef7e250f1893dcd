package xlsxio

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// ErrEncrypted is wrapped by errors about password-protected workbooks.
var ErrEncrypted = errors.New("workbook is password-protected")

// ErrNotWorkbook is wrapped by errors about files that are not XLSX
// workbooks: corrupt or truncated files, other formats, legacy .xls files.
var ErrNotWorkbook = errors.New("not an XLSX workbook")

// SheetNotFoundError reports a sheet name or index that the workbook does
// not have, and lists the sheets it does have.
type SheetNotFoundError struct {
	File   string
	Sheet  string // the requested name, or "" when Index was requested
	Index  int    // the requested 1-based index, or 0
	Sheets []string
}

// Error renders e.g. `sheet "Contacts" not found in contacts.xlsx; sheets:
// Organisation, Contact Info`.
func (e *SheetNotFoundError) Error() string {
	want := fmt.Sprintf("sheet %q", e.Sheet)
	if e.Sheet == "" {
		want = fmt.Sprintf("sheet %d", e.Index)
	}
	if len(e.Sheets) == 0 {
		return fmt.Sprintf("%s not found in %s; the workbook has no sheets", want, e.File)
	}
	return fmt.Sprintf("%s not found in %s; sheets: %s", want, e.File, strings.Join(e.Sheets, ", "))
}

// CellError is a problem with one cell. Row is the 1-based data row (the
// first row below the header is row 1); Cell is the A1 reference. Err may
// wrap a *table.ConversionError.
type CellError struct {
	File   string
	Sheet  string
	Cell   string
	Column string
	Row    int
	Err    error
	// Hint says what to do, when there is more to say than the error.
	Hint string
}

// Error renders e.g. `contacts.xlsx: Cleaned!D17: row 16, column "Phone":
// cannot convert "abc" to int64: invalid syntax; <hint>`.
func (e *CellError) Error() string {
	var ce *table.ConversionError
	msg := fmt.Sprintf("%s: %s!%s: column %q: %v", e.File, e.Sheet, e.Cell, e.Column, e.Err)
	if errors.As(e.Err, &ce) {
		msg = fmt.Sprintf("%s: %s!%s: %v", e.File, e.Sheet, e.Cell, e.Err)
		if ce.Err != nil {
			msg += ": " + ce.Err.Error()
		}
	}
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return msg
}

// Unwrap returns the reason.
func (e *CellError) Unwrap() error { return e.Err }

// Warning is a problem the reader worked around without losing data
// silently: a renamed header, a formula without a cached value, an error
// value such as #N/A read as null.
type Warning struct {
	Sheet   string
	Cell    string // A1 reference, or "" for sheet-wide warnings
	Message string
}

// String renders "Sheet1!C7: message".
func (w Warning) String() string {
	if w.Cell == "" {
		return w.Sheet + ": " + w.Message
	}
	return w.Sheet + "!" + w.Cell + ": " + w.Message
}
