package xlsxio

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hotpass/hotpass/internal/archive"
	"github.com/hotpass/hotpass/internal/table"
)

// Limits bound what reading one workbook may cost, so that a hostile or
// broken file ends in an error naming the limit instead of exhausting
// memory or time. A workbook is a zip of XML parts, a few kilobytes of
// which can expand to gigabytes. Zero fields take the defaults.
type Limits struct {
	// MaxPartBytes caps the decompressed size of any one part.
	MaxPartBytes int64
	// MaxRatio caps how many times its compressed size a part may expand,
	// once it is past 1 MiB.
	MaxRatio float64
	// MaxCellBytes caps the text of one cell: a shared string, an inline
	// string, a value or a formula.
	MaxCellBytes int
	// MaxSharedStrings caps the entries of the shared-string table, and
	// MaxSharedStringBytes their total text; the table is held in memory
	// while the sheet is read.
	MaxSharedStrings     int
	MaxSharedStringBytes int64
	// MaxColumns caps the columns of the table read.
	MaxColumns int
	// MaxCells caps the cells of the table read, rows × columns. Empty
	// rows between data rows count, as they become rows of nulls; the
	// cells are counted as rows are produced, never from the coordinates
	// a sheet claims.
	MaxCells int64
}

// Default limits: far beyond what Excel writes (a cell holds at most
// 32,767 characters, a sheet 16,384 columns), and small enough that a
// hostile workbook is refused within a few hundred megabytes.
const (
	DefaultMaxPartBytes         int64   = archive.DefaultMaxUncompressedBytes
	DefaultMaxRatio             float64 = archive.DefaultMaxRatio
	DefaultMaxCellBytes         int     = 1 << 20
	DefaultMaxSharedStrings     int     = 5_000_000
	DefaultMaxSharedStringBytes int64   = 256 << 20
	DefaultMaxCells             int64   = 50_000_000
)

// ratioFloor is the size below which a part is not checked for its
// compression ratio: small parts (an empty sheet, a styles part)
// compress far better than 200:1 and cost nothing.
const ratioFloor = 1 << 20

// wholePartBytes caps the parts decoded whole into structures (workbook,
// relationships, styles): unlike sheets they are not streamed, and real
// ones are at most a few megabytes.
const wholePartBytes = 64 << 20

// encryptedBytes caps the size of an encrypted workbook, which is read and
// decrypted whole in memory.
const encryptedBytes = 256 << 20

// maxSampleCells bounds the cells held while deciding column types; the
// sample stops there even when InferRows is larger.
const maxSampleCells = 1 << 21

func (l Limits) withDefaults() (Limits, error) {
	if l.MaxPartBytes < 0 || l.MaxRatio < 0 || l.MaxCellBytes < 0 || l.MaxSharedStrings < 0 ||
		l.MaxSharedStringBytes < 0 || l.MaxColumns < 0 || l.MaxCells < 0 {
		return l, errors.New("xlsx: limits must not be negative")
	}
	if l.MaxColumns > table.MaxColumns {
		return l, fmt.Errorf("xlsx: limits.max_columns %d is more than a table can hold (%d)", l.MaxColumns, table.MaxColumns)
	}
	if l.MaxPartBytes == 0 {
		l.MaxPartBytes = DefaultMaxPartBytes
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	if l.MaxCellBytes == 0 {
		l.MaxCellBytes = DefaultMaxCellBytes
	}
	if l.MaxSharedStrings == 0 {
		l.MaxSharedStrings = DefaultMaxSharedStrings
	}
	if l.MaxSharedStringBytes == 0 {
		l.MaxSharedStringBytes = DefaultMaxSharedStringBytes
	}
	if l.MaxColumns == 0 {
		l.MaxColumns = min(table.DefaultMaxColumns, maxColumns)
	}
	if l.MaxCells == 0 {
		l.MaxCells = DefaultMaxCells
	}
	return l, nil
}

// ErrLimit is wrapped by every LimitError.
var ErrLimit = errors.New("workbook limit exceeded")

// LimitError reports a workbook refused because reading it would pass one
// of its Limits. It names the file, the part and, when one is at fault,
// the cell, and the limit option to raise.
type LimitError struct {
	File  string
	Part  string // zip part, e.g. xl/sharedStrings.xml
	Cell  string // "Sheet1!A1", or ""
	What  string // what passed the limit, e.g. "a cell's text is longer than"
	Limit string // the limit's value with its unit, e.g. "1048576 bytes"
	// Option is the datasource option that raises the limit, e.g.
	// "max_cell_bytes"; "" for a fixed limit.
	Option string
}

// Error renders e.g. `big.xlsx: xl/sharedStrings.xml: more shared strings
// than the limit of 5000000 (limits.max_shared_strings; raise it if the
// workbook is genuine)`.
func (e *LimitError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Part != "" {
		b.WriteString(": " + e.Part)
	}
	if e.Cell != "" {
		b.WriteString(": " + e.Cell)
	}
	fmt.Fprintf(&b, ": %s the limit of %s", e.What, e.Limit)
	if e.Option != "" {
		fmt.Fprintf(&b, " (limits.%s; raise it if the workbook is genuine)", e.Option)
	} else {
		b.WriteString(" (a fixed limit; the workbook is damaged or hostile)")
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrLimit) hold.
func (e *LimitError) Unwrap() error { return ErrLimit }

func bytesLimit(n int64) string { return fmt.Sprintf("%d bytes", n) }

// withFile fills in the file and sheet of a LimitError raised below the
// package level, and returns err unchanged otherwise.
func withFile(err error, file, sheet string) (*LimitError, bool) {
	var le *LimitError
	if !errors.As(err, &le) {
		return nil, false
	}
	if le.File == "" {
		le.File = file
	}
	if le.Cell != "" && sheet != "" && !strings.Contains(le.Cell, "!") {
		le.Cell = sheet + "!" + le.Cell
	}
	return le, true
}

// partReader counts the decompressed bytes of a part and refuses to go
// past the part size or the compression ratio limit. The compressed size
// is bounded by the file's size whatever the zip header claims.
type partReader struct {
	rc         io.ReadCloser
	file, part string
	n          int64
	max        int64
	option     string // the option naming max, "" when fixed
	ratio      float64
	compressed int64
}

func (p *partReader) Read(b []byte) (int, error) {
	k, err := p.rc.Read(b)
	p.n += int64(k)
	if p.n > p.max {
		return k, &LimitError{File: p.file, Part: p.part, What: "the part decompresses to more than", Limit: bytesLimit(p.max), Option: p.option}
	}
	if p.n > ratioFloor && float64(p.n) > p.ratio*float64(max(p.compressed, 1)) {
		return k, &LimitError{File: p.file, Part: p.part,
			What:  fmt.Sprintf("the part expands from %d compressed bytes to more than", p.compressed),
			Limit: fmt.Sprintf("%.0f times that", p.ratio), Option: "max_ratio"}
	}
	return k, err
}

func (p *partReader) Close() error { return p.rc.Close() }
