package csvio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// Writer writes table batches as CSV. Create makes the file appear only
// when Close succeeds; after a failed Write, Close discards the output and
// returns the first error.
type Writer struct {
	opts   WriteOptions
	schema table.Schema
	name   string
	out    *bufio.Writer
	enc    io.WriteCloser   // UTF-16 encoder between out and the file, or nil
	file   *atomicfile.File // nil for NewWriter
	line   []byte
	rows   int
	err    error
	closed bool
}

// Create writes CSV to path atomically (see package atomicfile).
func Create(path string, schema table.Schema, opts WriteOptions) (*Writer, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	w, err := newWriter(f, schema, opts, path)
	if err != nil {
		_ = f.Abort()
		return nil, err
	}
	w.file = f
	return w, nil
}

// NewWriter writes CSV to out; Close flushes but does not close out.
func NewWriter(out io.Writer, schema table.Schema, opts WriteOptions) (*Writer, error) {
	return newWriter(out, schema, opts, "csv output")
}

func newWriter(out io.Writer, schema table.Schema, opts WriteOptions, name string) (*Writer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &Writer{opts: opts, schema: schema, name: name}
	switch opts.Encoding {
	case UTF16, UTF16LE, UTF16BE:
		order, bom := unicode.LittleEndian, unicode.IgnoreBOM
		if opts.Encoding == UTF16BE {
			order = unicode.BigEndian
		}
		if opts.Encoding == UTF16 {
			bom = unicode.UseBOM
		}
		w.enc = transform.NewWriter(out, unicode.UTF16(order, bom).NewEncoder())
		out = w.enc
	}
	w.out = bufio.NewWriterSize(out, 256<<10)
	if opts.Encoding == UTF8BOM {
		if _, err := w.out.Write(bomUTF8); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	if !opts.NoHeader {
		w.line = w.line[:0]
		for i, n := range schema.Names() {
			if i > 0 {
				w.line = append(w.line, byte(opts.Delimiter))
			}
			if w.line, err = w.appendField(w.line, n); err != nil {
				return nil, fmt.Errorf("%s: header column %d: %w", name, i+1, err)
			}
		}
		w.line = append(w.line, '\n')
		if _, err := w.out.Write(w.line); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	return w, nil
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
	delim := byte(w.opts.Delimiter)
	ncols := t.NumCols()
	cols := make([]*table.Column, ncols)
	for j := range cols {
		cols[j] = t.Column(j)
	}
	for i := 0; i < t.NumRows(); i++ {
		w.rows++
		line := w.line[:0]
		for j, c := range cols {
			if j > 0 {
				line = append(line, delim)
			}
			if c.IsNull(i) {
				line = append(line, w.opts.Null...)
				continue
			}
			if c.Type() == table.String {
				var err error
				if line, err = w.appendField(line, c.Strings()[i]); err != nil {
					w.err = fmt.Errorf("write %s: row %d, column %q: %w", w.name, w.rows, t.Schema().Field(j).Name, err)
					return w.err
				}
				continue
			}
			line = c.AppendFormat(line, i)
		}
		line = append(line, '\n')
		w.line = line
		if _, err := w.out.Write(line); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.name, err)
			return w.err
		}
	}
	return nil
}

// appendField quotes s when it holds the delimiter, the quote or a line
// break, and encodes it for single-byte output.
func (w *Writer) appendField(dst []byte, s string) ([]byte, error) {
	q := byte(w.opts.Quote)
	needs := strings.IndexByte(s, byte(w.opts.Delimiter)) >= 0 || strings.IndexByte(s, q) >= 0 ||
		strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
	if needs {
		dst = append(dst, q)
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	switch {
	case ascii && !needs:
		dst = append(dst, s...)
	case ascii || (w.opts.Encoding != Windows1252 && w.opts.Encoding != Latin1):
		if !needs {
			dst = append(dst, s...)
			break
		}
		for i := 0; i < len(s); i++ {
			if s[i] == q {
				dst = append(dst, q)
			}
			dst = append(dst, s[i])
		}
	default:
		for _, r := range s {
			b, ok := byte(r), r <= 0xFF
			if w.opts.Encoding == Windows1252 {
				b, ok = charmap.Windows1252.EncodeRune(r)
			}
			if !ok {
				return dst, fmt.Errorf("character %q (%U) cannot be written in %s: use encoding utf-8 or remove it", r, r, w.opts.Encoding)
			}
			if b == q && needs {
				dst = append(dst, q)
			}
			dst = append(dst, b)
		}
	}
	if needs {
		dst = append(dst, q)
	}
	return dst, nil
}

// Close flushes and, for Create, renames the file into place. If a Write
// failed it discards the file and returns that error.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	w.err = atomicfile.Finish(w.file, w.name, w.err, w.flush)
	return w.err
}

func (w *Writer) flush() error {
	if err := w.out.Flush(); err != nil {
		return err
	}
	if w.enc != nil {
		return w.enc.Close()
	}
	return nil
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
