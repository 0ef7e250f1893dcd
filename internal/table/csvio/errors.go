package csvio

import (
	"errors"
	"fmt"

	"github.com/hotpass/hotpass/internal/table"
)

// RowError is a problem with one record: it names the input, the line the
// record starts on and, when one value is at fault, the column. Err may wrap
// a *table.ConversionError.
type RowError struct {
	File   string
	Line   int
	Column string
	Err    error
}

// Error renders "file:line: column "c": reason".
func (e *RowError) Error() string {
	if e.Column != "" && !errorsAsConversion(e.Err) {
		return fmt.Sprintf("%s:%d: column %q: %v", e.File, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the reason.
func (e *RowError) Unwrap() error { return e.Err }

// errorsAsConversion reports whether err wraps a *table.ConversionError,
// whose own message already names the row and column.
func errorsAsConversion(err error) bool {
	var ce *table.ConversionError
	return errors.As(err, &ce)
}
