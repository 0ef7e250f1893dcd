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
	r := &Reader{opts: opts, br: bufio.NewReaderSize(in, 1<<20)}
	if err := r.init(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Reader) lineErr(no int, column string, err error) error {
	return &LineError{File: r.opts.Name, Line: no, Column: column, Err: err}
}

// readLine returns the next non-blank line parsed into fields, or io.EOF.
func (r *Reader) readLine() (line, error) {
	for {
		b, err := r.br.ReadBytes('\n')
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
		fields, perr := parseObject(b)
		if perr != nil {
			return line{}, r.lineErr(r.lineNo, "", perr)
		}
		return line{no: r.lineNo, fields: fields}, nil
	}
}

// parseObject splits one JSON object into its keys and raw values, keeping
// key order (a map would lose it). Decoder errors are formatted with %v, not
// wrapped: a truncated line yields io.EOF from the decoder, which callers
// must not mistake for the end of the input.
func parseObject(b []byte) ([]field, error) {
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
				j = len(names)
				r.index[f.key] = j
				names = append(names, f.key)
				kinds = append(kinds, 0)
				infer = append(infer, table.Inferrer{})
			}
			k := kindOf(f.raw)
			kinds[j] |= k
			if k == kindString {
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
