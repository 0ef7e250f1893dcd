// Package jsonlio reads and writes JSON Lines (one JSON object per line) as
// table streams.
//
// Reading: the keys of the objects in the inference sample become columns in
// first-seen order. Column types come from the JSON values: numbers written
// without fraction or exponent are int64 (if they fit), other numbers
// float64, true/false bool, strings string (or date/timestamp when every
// sampled string is one, by the rules of table.Inferrer), and nested objects
// or arrays are kept as their compact JSON text in a string column. A column
// mixing kinds (say numbers and strings) becomes string, holding the JSON text
// of non-string values. A key missing from a line, or null, is a null.
//
// Errors name the input and the 1-based line.
package jsonlio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/table"
)

// Defaults applied to zero-valued options.
const (
	DefaultInferRows = 1000
	DefaultBatchRows = 64 * 1024
)

// ReadOptions configures a Reader.
type ReadOptions struct {
	// Types overrides inference for the named columns (which must appear in
	// the sample).
	Types map[string]table.Type
	// InferRows is how many lines are sampled to find columns and types;
	// default 1000. A key first seen after the sample, or a value that does
	// not fit its column's type, is an error naming the line.
	InferRows int
	// BatchRows is the number of rows per batch; default 65536.
	BatchRows int
	// Name labels the input in errors; Open sets it to the path.
	Name string
	// MaxColumns caps the distinct keys, the columns; default
	// table.DefaultMaxColumns.
	MaxColumns int
	// MaxFieldBytes caps one value's JSON text and MaxRowBytes one line;
	// defaults table.DefaultMaxFieldBytes and table.DefaultMaxRowBytes.
	MaxFieldBytes int
	MaxRowBytes   int
}

// LineError is a problem with one line of input; Column is set when one
// value is at fault.
type LineError struct {
	File   string
	Line   int
	Column string
	Err    error
}

// Error renders "file:line: column "c": reason".
func (e *LineError) Error() string {
	var ce *table.ConversionError
	if e.Column != "" && !errors.As(e.Err, &ce) {
		return fmt.Sprintf("%s:%d: column %q: %v", e.File, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the reason.
func (e *LineError) Unwrap() error { return e.Err }

// kinds of JSON values, as bits so a column can record every kind it saw.
const (
	kindInt = 1 << iota
	kindFloat
	kindBool
	kindString
	kindNested
)

// field is one key/value of a parsed line; raw is the value's JSON text.
type field struct {
	key string
	raw []byte
}

type line struct {
	no     int
	fields []field
}

// Reader streams a JSON Lines input as table batches.
type Reader struct {
	opts    ReadOptions
	file    io.Closer
	br      *bufio.Reader
	lineNo  int
	lineBuf []byte // holds a line longer than the read buffer
	schema  table.Schema
	index   map[string]int
	pending []line
	dataRow int
	done    bool
	err     error
}

// Open opens the JSON Lines file at path.
func Open(path string, opts ReadOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open jsonl: %w", err)
	}
	if opts.Name == "" {
		opts.Name = path
	}
	r, err := NewReader(f, opts)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads JSON Lines from in, sampling the first InferRows lines to
// decide the schema before it returns. Close does not close in.
func NewReader(in io.Reader, opts ReadOptions) (*Reader, error) {
	if opts.InferRows <= 0 {
		opts.InferRows = DefaultInferRows
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.Name == "" {
		opts.Name = "jsonl input"
	}
	if err := table.FillTextLimits("jsonl", &opts.MaxColumns, &opts.MaxFieldBytes, &opts.MaxRowBytes); err != nil {
		return nil, err
	}
	r := &Reader{opts: opts, br: bufio.NewReaderSize(in, 1<<20)}
	if err := r.init(); err != nil {
		return nil, err
	}
	r.opts.BatchRows = table.BatchRows(r.opts.BatchRows, r.schema.Len())
	return r, nil
}

func (r *Reader) lineErr(no int, column string, err error) error {
	return &LineError{File: r.opts.Name, Line: no, Column: column, Err: err}
}

// readBounded reads the next line, refusing one longer than MaxRowBytes
// before it is held whole. A line that long ending inside a value longer
// than MaxFieldBytes is reported as that value's.
func (r *Reader) readBounded() (b []byte, long bool, err error) {
	b, err = r.br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return b, false, err
	}
	r.lineBuf = append(r.lineBuf[:0], b...)
	var v valueTracker
	v.feed(r.lineBuf, 0)
	for errors.Is(err, bufio.ErrBufferFull) {
		switch {
		case len(r.lineBuf)-v.valStart > r.opts.MaxFieldBytes:
			return nil, false, r.lineErr(r.lineNo+1, v.key, &table.SizeLimitError{What: "value", Limit: r.opts.MaxFieldBytes, Option: "max_field_bytes"})
		case len(r.lineBuf) > r.opts.MaxRowBytes:
			return nil, false, r.lineErr(r.lineNo+1, "", &table.SizeLimitError{What: "line", Limit: r.opts.MaxRowBytes, Option: "max_row_bytes"})
		}
		b, err = r.br.ReadSlice('\n')
		if need := len(r.lineBuf) + len(b); need > cap(r.lineBuf) {
			// Grow four times at a step and not past the limit: the Go
			// heap keeps the address space of every step, so a refused
			// line has taken 1+4+16+65 MiB rather than twice as much by
			// doubling.
			limit := max(r.opts.MaxRowBytes, r.opts.MaxFieldBytes) + len(b)
			grown := make([]byte, len(r.lineBuf), max(need, min(4*cap(r.lineBuf), limit)))
			copy(grown, r.lineBuf)
			r.lineBuf = grown
		}
		from := len(r.lineBuf)
		r.lineBuf = append(r.lineBuf, b...)
		v.feed(r.lineBuf, from)
	}
	return r.lineBuf, true, err
}

// valueTracker follows a JSON object as pieces of a long line arrive, to
// know the top-level key whose value is being read and where that value
// starts, so that a huge value is refused, by name, before the rest of its
// line is read. It does not validate: the line is parsed once complete.
type valueTracker struct {
	depth              int
	inStr, esc, isKey  bool
	strStart, valStart int
	key                string
	last               []byte // the last top-level string, a key candidate
}

// feed scans b[from:], b being the line so far.
func (v *valueTracker) feed(b []byte, from int) {
	for i := from; i < len(b); i++ {
		c := b[i]
		if v.inStr {
			switch {
			case v.esc:
				v.esc = false
			case c == '\\':
				v.esc = true
			case c == '"':
				v.inStr = false
				if v.depth == 1 {
					v.last = append(v.last[:0], b[v.strStart:i]...)
					v.isKey = true
				}
			}
			continue
		}
		switch c {
		case '"':
			v.inStr, v.strStart = true, i+1
			continue
		case '{', '[':
			v.depth++
		case '}', ']':
			v.depth--
		case ':':
			if v.isKey && v.depth == 1 {
				v.key, v.valStart = string(v.last), i+1
			}
		case ' ', '\t', '\r':
			continue
		}
		v.isKey = false
	}
}

// readLine returns the next non-blank line parsed into fields, or io.EOF.
func (r *Reader) readLine() (line, error) {
	for {
		b, long, err := r.readBounded()
		var le *LineError
		if errors.As(err, &le) {
			return line{}, err
		}
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return line{}, io.EOF
			}
			return line{}, fmt.Errorf("read %s: %w", r.opts.Name, err)
		}
		r.lineNo++
		if r.lineNo == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			if err != nil {
				return line{}, io.EOF
			}
			continue
		}
		if !utf8.Valid(b) {
			return line{}, r.lineErr(r.lineNo, "", errors.New("invalid UTF-8 (JSON Lines must be UTF-8)"))
		}
		if len(b) > r.opts.MaxRowBytes {
			return line{}, r.lineErr(r.lineNo, "", &table.SizeLimitError{What: "line", Limit: r.opts.MaxRowBytes, Option: "max_row_bytes"})
		}
		fields, perr := parseLine(b, long)
		if long {
			// The values point into the line rather than copying
			// megabytes; the next long line gets a buffer of its own.
			r.lineBuf = nil
		}
		if perr != nil {
			return line{}, r.lineErr(r.lineNo, "", perr)
		}
		for _, f := range fields {
			if len(f.raw) > r.opts.MaxFieldBytes {
				return line{}, r.lineErr(r.lineNo, f.key, &table.SizeLimitError{What: "value", Limit: r.opts.MaxFieldBytes, Option: "max_field_bytes"})
			}
		}
		return line{no: r.lineNo, fields: fields}, nil
	}
}

// parseObject splits one JSON object into its keys and raw values, keeping
// key order (a map would lose it). Decoder errors are formatted with %v, not
// wrapped: a truncated line yields io.EOF from the decoder, which callers
// must not mistake for the end of the input.
func parseObject(b []byte) ([]field, error) {
	return parseLine(b, false)
}

// parseLine is parseObject; with share, the values point into b, which
// the caller gives up, instead of being copied.
func parseLine(b []byte, share bool) ([]field, error) {
	if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return decodeObject(b)
	}
	// A valid object is split by hand: a json.Decoder would copy the line
	// into its own buffer, and a line may be tens of megabytes.
	var fields []field
	seen := map[string]bool{}
	i := skipSpace(b, 1)
	for b[i] != '}' {
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		end := valueEnd(b, i)
		var key string
		if err := json.Unmarshal(b[i:end], &key); err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		end = valueEnd(b, i)
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		raw := b[i:end:end]
		if !share {
			raw = bytes.Clone(raw)
		}
		fields = append(fields, field{key: key, raw: raw})
		i = skipSpace(b, end)
	}
	return fields, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the end of the JSON value starting at b[i], which is
// known to be valid.
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// decodeObject is parseObject through a json.Decoder, whose messages say
// what is wrong with a line that is not a valid object.
func decodeObject(b []byte) ([]field, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("line is not a JSON object")
	}
	var fields []field
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("invalid JSON in the value of %q: %v", key, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		fields = append(fields, field{key: key, raw: raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid JSON: text after the object")
	}
	return fields, nil
}

func kindOf(raw []byte) int {
	switch raw[0] {
	case 'n':
		return 0
	case 't', 'f':
		return kindBool
	case '"':
		return kindString
	case '{', '[':
		return kindNested
	}
	if bytes.ContainsAny(raw, ".eE") {
		return kindFloat
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return kindFloat
	}
	return kindInt
}

func (r *Reader) init() error {
	var names []string
	r.index = map[string]int{}
	var kinds []int
	var infer []table.Inferrer
	for len(r.pending) < r.opts.InferRows {
		l, err := r.readLine()
		if errors.Is(err, io.EOF) {
			r.done = true
			break
		}
		if err != nil {
			return err
		}
		r.pending = append(r.pending, l)
		for _, f := range l.fields {
			j, ok := r.index[f.key]
			if !ok {
				if len(names) == r.opts.MaxColumns {
					return r.lineErr(l.no, f.key, &table.ColumnLimitError{Columns: len(names) + 1, Limit: r.opts.MaxColumns})
				}
				j = len(names)
				r.index[f.key] = j
				names = append(names, f.key)
				kinds = append(kinds, 0)
				infer = append(infer, table.Inferrer{})
			}
			k := kindOf(f.raw)
			kinds[j] |= k
			if k == kindString && len(f.raw) > maxTemporalText {
				// No date or timestamp is this long: rule them out with a
				// stand-in that is neither rather than decode megabytes.
				infer[j].Observe("-")
			} else if k == kindString {
				var s string
				if err := json.Unmarshal(f.raw, &s); err == nil {
					infer[j].Observe(s)
				}
			}
		}
	}
	fields := make([]table.Field, len(names))
	for j, n := range names {
		t, ok := r.opts.Types[n]
		if !ok {
			t = typeOfKinds(kinds[j], &infer[j])
		}
		fields[j] = table.Field{Name: n, Type: t}
	}
	for n := range r.opts.Types {
		if _, ok := r.index[n]; !ok {
			return fmt.Errorf("%s: type override for unknown column %q (columns: %s)", r.opts.Name, n, strings.Join(names, ", "))
		}
	}
	s, err := table.NewSchema(fields...)
	if err != nil {
		return fmt.Errorf("%s: %w", r.opts.Name, err)
	}
	r.schema = s
	return nil
}

// maxTemporalText is longer than any JSON string holding a date or a
// timestamp.
const maxTemporalText = 128

func typeOfKinds(k int, in *table.Inferrer) table.Type {
	switch k {
	case kindInt:
		return table.Int64
	case kindFloat, kindInt | kindFloat:
		return table.Float64
	case kindBool:
		return table.Bool
	case kindString:
		if t := in.Type(); t == table.Date || t == table.Timestamp {
			return t
		}
	}
	return table.String
}

// Schema returns the columns found in the sample.
func (r *Reader) Schema() table.Schema { return r.schema }

// Next returns the next batch, or io.EOF after the last.
func (r *Reader) Next() (*table.Table, error) {
	if r.err != nil {
		return nil, r.err
	}
	b := table.NewBuilder(r.schema, min(r.opts.BatchRows, 4096))
	present := make([]bool, r.schema.Len())
	for b.Len() < r.opts.BatchRows {
		var l line
		if len(r.pending) > 0 {
			l = r.pending[0]
			r.pending = r.pending[1:]
		} else {
			if r.done {
				break
			}
			var err error
			l, err = r.readLine()
			if errors.Is(err, io.EOF) {
				r.done = true
				break
			}
			if err != nil {
				r.err = err
				return nil, err
			}
		}
		r.dataRow++
		if err := r.appendLine(b, l, present); err != nil {
			r.err = err
			return nil, err
		}
	}
	if b.Len() == 0 {
		r.err = io.EOF
		return nil, io.EOF
	}
	return b.Build()
}

func (r *Reader) appendLine(b *table.Builder, l line, present []bool) error {
	clear(present)
	for _, f := range l.fields {
		j, ok := r.index[f.key]
		if !ok {
			return r.lineErr(l.no, f.key, fmt.Errorf("key not seen in the first %d lines (raise the inference sample or add the column to the first line)", r.opts.InferRows))
		}
		present[j] = true
		if err := appendValue(b.Column(j), f.raw); err != nil {
			name := r.schema.Field(j).Name
			return r.lineErr(l.no, name, &table.ConversionError{
				Row: r.dataRow, Column: name, Value: string(f.raw), From: table.String, To: b.Column(j).Type(), Err: err,
			})
		}
	}
	for j, ok := range present {
		if !ok {
			b.Column(j).AppendNull()
		}
	}
	return nil
}

var errKind = errors.New("JSON value of the wrong kind")

func appendValue(cb *table.ColumnBuilder, raw []byte) error {
	if raw[0] == 'n' {
		cb.AppendNull()
		return nil
	}
	isStr := raw[0] == '"'
	var s string
	if isStr {
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
	}
	switch cb.Type() {
	case table.String:
		if isStr {
			cb.AppendString(s)
			return nil
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return err
		}
		cb.AppendString(buf.String())
		return nil
	case table.Int64, table.Float64:
		if isStr {
			// Numbers quoted as strings are common in exports; parse them.
			return cb.AppendParse(s)
		}
		if kindOf(raw)&(kindInt|kindFloat) == 0 {
			return errKind
		}
		return cb.AppendParse(string(raw))
	case table.Bool:
		if isStr {
			return cb.AppendParse(s)
		}
		if raw[0] != 't' && raw[0] != 'f' {
			return errKind
		}
		cb.AppendBool(raw[0] == 't')
		return nil
	case table.Date, table.Timestamp:
		if !isStr {
			return errKind
		}
		return cb.AppendParse(s)
	}
	return errKind
}

// Close closes the file opened by Open.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}
