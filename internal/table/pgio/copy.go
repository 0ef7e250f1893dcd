package pgio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

// copySource encodes a table stream for COPY as an io.Reader for
// pgconn.CopyFrom, in one of two formats:
//
//   - binary, when every target column has exactly the type the value
//     encodes to (the types a created table has, plus varchar and
//     timestamp): cheapest for both sides, no parsing on the server;
//   - text otherwise, which lets the server convert each value to the
//     target column's type (integer, numeric, uuid, jsonb, ...), so
//     existing tables need not use the types this package creates.
//
// Either way the server counts rows as "lines", so a value it rejects is
// reported with its row number. Rows are encoded a chunk at a time:
// memory holds one batch of the source and about one chunk of encoding.
type copySource struct {
	// mu is held by Read: pgconn reads from its own goroutine, which may
	// still be finishing a Read when CopyFrom has already returned an error
	// to the caller that then inspects err and rows.
	mu     sync.Mutex
	ctx    context.Context
	src    table.Reader
	schema table.Schema
	binary bool
	batch  *table.Table
	next   int // next row of batch to encode
	rows   int64
	buf    []byte
	off    int
	begun  bool
	eof    bool
	// err is the failure of the source or of the encoding. pgconn reports
	// it to the server as a CopyFail message and returns the server's
	// "COPY from stdin failed" error, so the original is kept here.
	err error
}

// outcome returns the source's failure and the rows encoded so far, once any
// Read in progress has finished.
func (s *copySource) outcome() (rows int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows, s.err
}

// binaryHeader starts a binary COPY stream: signature, flags, no
// extension area.
var binaryHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// Read fills p with encoded rows.
func (s *copySource) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return 0, s.err
	}
	for s.off >= len(s.buf) {
		if s.eof {
			return 0, io.EOF
		}
		s.buf, s.off = s.buf[:0], 0
		if s.binary && !s.begun {
			s.buf = append(s.buf, binaryHeader...)
		}
		s.begun = true
		if err := s.fill(len(p)); err != nil {
			s.err = err
			return 0, err
		}
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

// fill encodes rows until about want bytes are buffered or the source ends.
func (s *copySource) fill(want int) error {
	for len(s.buf) < want {
		if s.batch == nil || s.next >= s.batch.NumRows() {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			t, err := s.src.Next()
			if errors.Is(err, io.EOF) {
				s.eof = true
				if s.binary {
					s.buf = append(s.buf, 0xff, 0xff) // trailer: field count -1
				}
				return nil
			}
			if err != nil {
				return err
			}
			if d := s.schema.Diff(t.Schema()); d != "" {
				return fmt.Errorf("batch after row %d does not match the reader's schema: %s", s.rows, d)
			}
			s.batch, s.next = t, 0
			continue
		}
		var col int
		var err error
		if s.binary {
			s.buf, col, err = appendBinaryRow(s.buf, s.batch, s.next)
		} else {
			s.buf, col, err = appendRow(s.buf, s.batch, s.next)
		}
		if err != nil {
			return fmt.Errorf("row %d, column %q, value %q: %w", s.rows+1, s.schema.Field(col).Name,
				abbreviate(s.batch.Column(col).Format(s.next), 100), err)
		}
		s.next++
		s.rows++
	}
	return nil
}

var (
	errNUL        = errors.New("PostgreSQL text cannot contain the NUL character (\\x00): remove it before writing")
	errOutOfRange = errors.New("the value is outside the range PostgreSQL can store")
)

// appendBinaryRow appends row i of t as one binary COPY tuple. For a value
// that cannot be written it returns the column index and why.
func appendBinaryRow(dst []byte, t *table.Table, i int) ([]byte, int, error) {
	dst = binary.BigEndian.AppendUint16(dst, uint16(t.NumCols()))
	for j := 0; j < t.NumCols(); j++ {
		c := t.Column(j)
		if c.IsNull(i) {
			dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32) // length -1
			continue
		}
		switch c.Type() {
		case table.String:
			v := c.Strings()[i]
			if strings.IndexByte(v, 0) >= 0 {
				return dst, j, errNUL
			}
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
			dst = append(dst, v...)
		case table.Int64:
			dst = append(dst, 0, 0, 0, 8)
			dst = binary.BigEndian.AppendUint64(dst, uint64(c.Int64s()[i]))
		case table.Float64:
			dst = append(dst, 0, 0, 0, 8)
			dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(c.Float64s()[i]))
		case table.Bool:
			var b byte
			if c.Bools()[i] {
				b = 1
			}
			dst = append(dst, 0, 0, 0, 1, b)
		case table.Date:
			d := c.Dates()[i]
			if d < math.MinInt32+pgEpochDays {
				return dst, j, errOutOfRange // would wrap around, possibly to "infinity"
			}
			dst = append(dst, 0, 0, 0, 4)
			dst = binary.BigEndian.AppendUint32(dst, uint32(d-pgEpochDays))
		case table.Timestamp:
			us := c.Timestamps()[i]
			if us < math.MinInt64+pgEpochMicros {
				return dst, j, errOutOfRange
			}
			dst = append(dst, 0, 0, 0, 8)
			dst = binary.BigEndian.AppendUint64(dst, uint64(us-pgEpochMicros))
		}
	}
	return dst, -1, nil
}

// appendRow appends row i of t as one line of COPY text. For a value that
// cannot be written it returns the column index and why.
func appendRow(dst []byte, t *table.Table, i int) ([]byte, int, error) {
	for j := 0; j < t.NumCols(); j++ {
		if j > 0 {
			dst = append(dst, '\t')
		}
		c := t.Column(j)
		if c.IsNull(i) {
			dst = append(dst, '\\', 'N')
			continue
		}
		switch c.Type() {
		case table.String:
			var ok bool
			if dst, ok = appendEscaped(dst, c.Strings()[i]); !ok {
				return dst, j, errNUL
			}
		case table.Int64:
			dst = strconv.AppendInt(dst, c.Int64s()[i], 10)
		case table.Float64:
			dst = appendFloat(dst, c.Float64s()[i])
		case table.Bool:
			if c.Bools()[i] {
				dst = append(dst, 't')
			} else {
				dst = append(dst, 'f')
			}
		case table.Date:
			dst = appendDate(dst, table.DateToTime(c.Dates()[i]))
		case table.Timestamp:
			dst = appendTimestamp(dst, table.TimestampToTime(c.Timestamps()[i]))
		}
	}
	return append(dst, '\n'), -1, nil
}

// appendEscaped appends s with the COPY text escapes for backslash, line
// breaks and tabs; it reports false for a NUL, which text cannot hold.
func appendEscaped(dst []byte, s string) ([]byte, bool) {
	start := 0
	for k := 0; k < len(s); k++ {
		var esc byte
		switch s[k] {
		case '\\':
			esc = '\\'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\t':
			esc = 't'
		case 0:
			return dst, false
		default:
			continue
		}
		dst = append(dst, s[start:k]...)
		dst = append(dst, '\\', esc)
		start = k + 1
	}
	return append(dst, s[start:]...), true
}

// appendFloat writes the shortest text that reads back as the same
// float64, in the spelling PostgreSQL accepts for the special values.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// appendDate writes t's date in ISO form; years before 1 AD use the "BC"
// suffix PostgreSQL expects instead of a zero or negative year.
func appendDate(dst []byte, t time.Time) []byte {
	dst, bc := appendYMD(dst, t)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendTimestamp writes a UTC instant with microseconds and an explicit
// +00 zone, so timestamptz columns store the instant and timestamp columns
// its UTC wall time.
func appendTimestamp(dst []byte, t time.Time) []byte {
	dst, bc := appendYMD(dst, t)
	dst = append(dst, ' ')
	dst = appendPadded(dst, t.Hour(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, t.Minute(), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, t.Second(), 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		dst = appendPadded(dst, us, 6)
	}
	dst = append(dst, "+00"...)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendYMD writes YYYY-MM-DD with the year counted the way PostgreSQL
// does (no year 0) and reports whether the date is BC.
func appendYMD(dst []byte, t time.Time) ([]byte, bool) {
	y, m, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	dst = appendPadded(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPadded(dst, int(m), 2)
	dst = append(dst, '-')
	return appendPadded(dst, d, 2), bc
}

// appendPadded appends a non-negative v with at least width digits.
func appendPadded(dst []byte, v, width int) []byte {
	var tmp [20]byte
	b := strconv.AppendInt(tmp[:0], int64(v), 10)
	for k := len(b); k < width; k++ {
		dst = append(dst, '0')
	}
	return append(dst, b...)
}
