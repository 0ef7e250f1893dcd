// Package csvio reads and writes CSV files as table streams.
//
// Dialect (RFC 4180 with common relaxations):
//   - records end with "\n" or "\r\n"; a lone "\r" is not a line break;
//   - a field that starts with the quote character is quoted: it may contain
//     delimiters and line breaks, and a doubled quote ("") stands for one
//     quote; "\r\n" inside a quoted field is read as "\n";
//   - a quote inside an unquoted field is kept literally (5'10" works), but
//     text between a closing quote and the next delimiter is a bad row;
//   - backslash escapes are not supported;
//   - blank lines are skipped; a byte order mark is removed;
//   - without a delimiter option, the delimiter is sniffed from a bounded
//     prefix (see ReadOptions.Delimiter).
//
// Line numbers in errors are physical 1-based lines of the file (the header
// is line 1) and point at the line where the record starts.
package csvio

import (
	"fmt"
	"log/slog"

	"github.com/hotpass/hotpass/internal/table/locale"

	"github.com/hotpass/hotpass/internal/table"
)

// BadRowPolicy says what a reader does with a row it cannot use: wrong field
// count, broken quoting, invalid UTF-8, or a value that does not parse as its
// column's type.
type BadRowPolicy string

const (
	// BadRowError stops reading with an error naming the file and line.
	BadRowError BadRowPolicy = "error"
	// BadRowSkip drops the row and keeps reading; Reader.BadRows counts them.
	BadRowSkip BadRowPolicy = "skip"
	// BadRowCollect drops the row and records it, with its line number and
	// the reason, in the CSV file at ReadOptions.RejectsPath.
	BadRowCollect BadRowPolicy = "collect"
)

// Defaults applied to zero-valued options.
const (
	DefaultInferRows = 1000
	DefaultBatchRows = 64 * 1024
)

// ReadOptions configures a Reader. The zero value detects the encoding and
// the delimiter, reads a header, treats empty fields as null and infers
// types from the first 1000 rows.
type ReadOptions struct {
	// Delimiter separates fields. Must be a single-byte (ASCII) character
	// other than the quote, '\r' or '\n'. Zero sniffs it from the first 64
	// KiB (at most 200 records): of ',', ';', tab and '|', the one giving the
	// same field count on the most records, then the one with more fields
	// quoted cleanly; a tie is an error asking for the delimiter.
	Delimiter rune
	// Quote starts and ends quoted fields; default '"'. Must be ASCII.
	Quote rune
	// NoHeader says the first line is data; columns are then named column_1,
	// column_2, ... (the header is on by default).
	NoHeader bool
	// SniffHeader decides from the sample whether the first line is a header
	// (see sniffHeader); it excludes NoHeader.
	SniffHeader bool
	// Encoding is one of Encodings; default Auto. Under utf-8 a line that is
	// not UTF-8 is a bad row; under Auto it stops the read with a hint.
	Encoding string
	// Locale gives the decimal and thousands separators and the date order
	// or layouts of the file's numbers and dates. Without a declared order,
	// a column of numeric dates such as 03/04/2024 stays text and is
	// reported in Warnings.
	Locale locale.Options
	// Logger, if set, receives what was detected (encoding, delimiter,
	// header) and why.
	Logger *slog.Logger
	// NullValues lists field texts read as null; nil means [""]. A non-nil
	// empty slice means no text is null.
	NullValues []string
	// Types overrides inference for the named columns.
	Types map[string]table.Type
	// InferRows is how many data rows are sampled to infer types; default
	// 1000. Values after the sample that do not fit the inferred type are bad
	// rows; raise InferRows or set Types if that happens.
	InferRows int
	// OnBadRow chooses the bad-row policy; default BadRowError.
	OnBadRow BadRowPolicy
	// RejectsPath is the side file for BadRowCollect (required with it). It
	// is a CSV with columns line, reason, record, written atomically when the
	// Reader is closed.
	RejectsPath string
	// BatchRows is the number of rows per batch returned by Next; default
	// 65536.
	BatchRows int
	// Name labels the input in errors when reading from an io.Reader; Open
	// sets it to the path.
	Name string
	// MaxColumns caps the columns; default table.DefaultMaxColumns. The
	// header is checked before any data row is read.
	MaxColumns int
	// MaxFieldBytes caps one field and MaxRowBytes one record, so that a
	// file without line breaks cannot fill memory; defaults
	// table.DefaultMaxFieldBytes and table.DefaultMaxRowBytes. Both are
	// errors naming the line, whatever the bad-row policy.
	MaxFieldBytes int
	MaxRowBytes   int
}

func (o ReadOptions) withDefaults() (ReadOptions, error) {
	if err := table.FillTextLimits("csv", &o.MaxColumns, &o.MaxFieldBytes, &o.MaxRowBytes); err != nil {
		return o, err
	}
	if o.Quote == 0 {
		o.Quote = '"'
	}
	if err := checkDialect(o.Delimiter, o.Quote); err != nil {
		return o, err
	}
	enc, err := normEncoding(o.Encoding, Auto)
	if err != nil {
		return o, err
	}
	o.Encoding = enc
	if err := o.Locale.Check(); err != nil {
		return o, fmt.Errorf("csv: %w", err)
	}
	if o.NoHeader && o.SniffHeader {
		return o, fmt.Errorf("csv: no header and a sniffed header are exclusive")
	}
	if o.NullValues == nil {
		o.NullValues = []string{""}
	}
	if o.InferRows <= 0 {
		o.InferRows = DefaultInferRows
	}
	if o.BatchRows <= 0 {
		o.BatchRows = DefaultBatchRows
	}
	switch o.OnBadRow {
	case "":
		o.OnBadRow = BadRowError
	case BadRowError, BadRowSkip:
	case BadRowCollect:
		if o.RejectsPath == "" {
			return o, fmt.Errorf("csv: on_bad_row collect needs a rejects path for the rejected rows")
		}
	default:
		return o, fmt.Errorf("csv: unknown bad row policy %q: use error, skip or collect", o.OnBadRow)
	}
	if o.Name == "" {
		o.Name = "csv input"
	}
	return o, nil
}

func checkDialect(delim, quote rune) error {
	if delim >= 0x80 || delim == '\r' || delim == '\n' {
		return fmt.Errorf("csv: delimiter %q must be a single ASCII character other than a line break", delim)
	}
	if quote >= 0x80 || quote == '\r' || quote == '\n' {
		return fmt.Errorf("csv: quote %q must be a single ASCII character other than a line break", quote)
	}
	if delim == quote {
		return fmt.Errorf("csv: delimiter and quote are both %q", delim)
	}
	return nil
}

// WriteOptions configures a Writer. The zero value writes comma-separated
// UTF-8 with a header and empty fields for nulls.
type WriteOptions struct {
	// Delimiter separates fields; default ','.
	Delimiter rune
	// Quote wraps fields that contain the delimiter, the quote or a line
	// break; default '"'. Quotes inside are doubled.
	Quote rune
	// NoHeader omits the header line.
	NoHeader bool
	// Encoding is one of Encodings; default (and Auto) utf-8. Text that
	// windows-1252 or latin-1 cannot represent is an error naming the row
	// and column.
	Encoding string
	// Null is the text written for nulls; default "". Empty strings are also
	// written as "", so they read back as null with the default NullValues.
	Null string
}

func (o WriteOptions) withDefaults() (WriteOptions, error) {
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	if o.Quote == 0 {
		o.Quote = '"'
	}
	if err := checkDialect(o.Delimiter, o.Quote); err != nil {
		return o, err
	}
	enc, err := normEncoding(o.Encoding, UTF8)
	if err != nil {
		return o, err
	}
	if enc == Auto {
		enc = UTF8
	}
	o.Encoding = enc
	return o, nil
}

// ParseDelimiter reads a delimiter option as written in a spec or profile:
// one ASCII character, or `\t` for a tab.
func ParseDelimiter(s string) (rune, error) {
	if s == `\t` {
		return '\t', nil
	}
	rs := []rune(s)
	if len(rs) != 1 {
		return 0, fmt.Errorf(`delimiter must be one character, got %q (write "\t" for a tab)`, s)
	}
	if err := checkDialect(rs[0], '"'); err != nil {
		return 0, err
	}
	return rs[0], nil
}
