package table

import "fmt"

// MaxColumns is the most columns a table may have: tables are kept as
// Parquet, whose writer numbers a row's columns with 16 bits (parquet-go
// panics on column index 65,535).
const MaxColumns = 65_535

// DefaultMaxColumns is the column limit readers apply unless told
// otherwise. Every column costs the Parquet writer some 25 KB of buffers
// even when the table has a single row: a table of 5,000 columns is kept
// within the 250 MiB of heap a 1 GiB address space leaves, one of 65,535
// would take about 1.6 GB. Real exports stay far below.
const DefaultMaxColumns = 5_000

// ColumnLimitError reports a table wider than a reader's column limit;
// the reader wraps it with the file and the row that holds the columns.
type ColumnLimitError struct {
	Columns int // the columns found, or a lower bound
	Limit   int
}

// Error says how to raise the limit.
func (e *ColumnLimitError) Error() string {
	if e.Limit >= MaxColumns {
		return fmt.Sprintf("%d columns is more than a table can hold (%d, the Parquet limit)", e.Columns, e.Limit)
	}
	return fmt.Sprintf("%d columns is more than the limit of %d (limits.max_columns; tables hold at most %d)", e.Columns, e.Limit, MaxColumns)
}

// MaxBatchCells bounds the cells (rows × columns) of one batch a reader
// returns: a wide table gets fewer rows per batch, so that a batch of
// 10,000 columns does not reserve room for 655 million values.
const MaxBatchCells = 1 << 22

// BatchRows returns the rows per batch for ncols columns: want, or fewer
// to stay within MaxBatchCells, and at least one.
func BatchRows(want, ncols int) int {
	return max(1, min(want, MaxBatchCells/max(ncols, 1)))
}

// Defaults of the value size limits of the text readers (CSV, JSON Lines).
// A row is held whole while it is split into values, so these bound the
// memory one row can take: about three times its length while it is read,
// then once in the table.
const (
	DefaultMaxFieldBytes = 64 << 20
	DefaultMaxRowBytes   = 64 << 20
)

// SizeLimitError reports a value or a row longer than a reader's limit;
// the reader wraps it with the file, the line and, for a value, the column.
type SizeLimitError struct {
	What   string // "value" or "row"
	Limit  int
	Option string // the option raising the limit, e.g. max_field_bytes
}

// Error says which limit to raise.
func (e *SizeLimitError) Error() string {
	return fmt.Sprintf("%s longer than the limit of %d bytes (limits.%s; raise it if the file is genuine)", e.What, e.Limit, e.Option)
}

// FillTextLimits checks the limits a text reader (CSV, JSON Lines) was given
// and replaces each zero with its default. format names the reader in the
// error.
func FillTextLimits(format string, columns, fieldBytes, rowBytes *int) error {
	if *columns < 0 || *fieldBytes < 0 || *rowBytes < 0 {
		return fmt.Errorf("%s: limits must not be negative", format)
	}
	if *columns > MaxColumns {
		return fmt.Errorf("%s: limits.max_columns %d is more than a table can hold (%d)", format, *columns, MaxColumns)
	}
	if *columns == 0 {
		*columns = DefaultMaxColumns
	}
	if *fieldBytes == 0 {
		*fieldBytes = DefaultMaxFieldBytes
	}
	if *rowBytes == 0 {
		*rowBytes = DefaultMaxRowBytes
	}
	return nil
}
