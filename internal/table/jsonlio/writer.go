package jsonlio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Writer writes table batches as JSON Lines: one object per row with keys in
// column order, typed JSON values (dates as "YYYY-MM-DD", timestamps as RFC
// 3339 strings) and null for nulls. NaN and infinities have no JSON form and
// are an error naming the row and column.
type Writer struct {
	schema table.Schema
	name   string
	out    *bufio.Writer
	file   *atomicfile.File
	keys   [][]byte
	line   []byte
	rows   int
	err    error
	closed bool
}

// Create writes JSON Lines to path atomically (see package atomicfile).
func Create(path string, schema table.Schema) (*Writer, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("jsonl: %w", err)
	}
	w := newWriter(f, schema, path)
	w.file = f
	return w, nil
}

// NewWriter writes JSON Lines to out; Close flushes but does not close out.
func NewWriter(out io.Writer, schema table.Schema) *Writer {
	return newWriter(out, schema, "jsonl output")
}

func newWriter(out io.Writer, schema table.Schema, name string) *Writer {
	w := &Writer{schema: schema, name: name, out: bufio.NewWriterSize(out, 256<<10)}
	for i, n := range schema.Names() {
		var k []byte
		if i == 0 {
			k = append(k, '{')
		} else {
			k = append(k, ',')
		}
		k = appendString(k, n)
		w.keys = append(w.keys, append(k, ':'))
	}
	return w
}

// Write appends the rows of t, whose schema must equal the writer's.
func (w *Writer) Write(t *table.Table) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("write %s: writer is closed", w.name)
	}
	if d := w.schema.Diff(t.Schema()); d != "" {
		w.err = fmt.Errorf("write %s: batch schema differs from the file's: %s", w.name, d)
		return w.err
	}
	for i := 0; i < t.NumRows(); i++ {
		w.rows++
		line := w.line[:0]
		if t.NumCols() == 0 {
			line = append(line, '{')
		}
		for j := 0; j < t.NumCols(); j++ {
			line = append(line, w.keys[j]...)
			c := t.Column(j)
			switch {
			case c.IsNull(i):
				line = append(line, "null"...)
			case c.Type() == table.String:
				line = appendString(line, c.Strings()[i])
			case c.Type() == table.Float64:
				f := c.Float64s()[i]
				if math.IsNaN(f) || math.IsInf(f, 0) {
					w.err = fmt.Errorf("write %s: row %d, column %q: %v has no JSON form (convert it to null or a string first)", w.name, w.rows, t.Schema().Field(j).Name, f)
					return w.err
				}
				line = c.AppendFormat(line, i)
			case c.Type() == table.Date || c.Type() == table.Timestamp:
				line = append(line, '"')
				line = c.AppendFormat(line, i)
				line = append(line, '"')
			default:
				line = c.AppendFormat(line, i)
			}
		}
		line = append(line, '}', '\n')
		w.line = line
		if _, err := w.out.Write(line); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.name, err)
			return w.err
		}
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string without HTML escaping (which
// encoding/json does and which would make text output harder to read).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, `\u20`...)
			dst = strconv.AppendInt(dst, int64(r&0xFF), 16)
		default:
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// Close flushes and, for Create, renames the file into place. If a Write
// failed it discards the file and returns that error.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	w.err = atomicfile.Finish(w.file, w.name, w.err, w.out.Flush)
	return w.err
}

// Abort discards the output of Create; for NewWriter it only stops writing.
func (w *Writer) Abort() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err == nil {
		w.err = errors.New("writer aborted")
	}
	if w.file != nil {
		return w.file.Abort()
	}
	return nil
}
