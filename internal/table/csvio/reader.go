package csvio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// Reader streams a CSV file as table batches. Parsing runs in a background
// goroutine one batch ahead of Next, so that reading overlaps with whatever
// consumes the batches (for example Parquet encoding).
type Reader struct {
	opts    ReadOptions
	dialect Dialect
	file    io.Closer
	sp      *splitter
	schema  table.Schema
	nulls   []string

	pending  []pendingRecord  // sampled during inference, replayed first
	rewrite  []*locale.Column // per column, nil when no value needs rewriting
	warnings []string
	rejects  *rejects
	badRows  atomic.Int64

	out       chan batchResult
	stop      chan struct{}
	done      chan struct{}
	err       error
	closeOnce sync.Once
	closeErr  error
}

type pendingRecord struct {
	fields []string
	line   int
	raw    string
	err    error // *errRecord for a malformed record
}

type batchResult struct {
	t   *table.Table
	err error
}

// Open opens the CSV file at path; errors name the path and line.
func Open(path string, opts ReadOptions) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open csv: %w", err)
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

// NewReader reads CSV from in. It detects the encoding, sniffs the
// delimiter when none is set, and reads the header and the inference sample
// before returning, so Schema is known at once. in is not closed by Close.
func NewReader(in io.Reader, opts ReadOptions) (*Reader, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	det, err := detectEncoding(bufio.NewReaderSize(in, readBufSize), opts.Encoding)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Name, err)
	}
	r := &Reader{opts: opts, nulls: opts.NullValues}
	r.dialect = Dialect{Encoding: det.name, EncodingWhy: det.reason, Delimiter: opts.Delimiter, Header: !opts.NoHeader}
	if opts.Delimiter == 0 {
		// Peek never consumes: the splitter reads the same bytes again.
		prefix, perr := det.br.Peek(sniffBytes)
		d, why, err := sniffDelimiter(prefix, byte(opts.Quote), perr != nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opts.Name, err)
		}
		r.dialect.Delimiter, r.dialect.DelimiterWhy = rune(d), why
	}
	r.sp = newSplitter(det.br, byte(r.dialect.Delimiter), byte(opts.Quote), det.mode)
	r.sp.maxField, r.sp.maxRow = opts.MaxFieldBytes, opts.MaxRowBytes
	if err := r.init(); err != nil {
		return nil, err
	}
	r.logDialect()
	r.opts.BatchRows = table.BatchRows(r.opts.BatchRows, r.schema.Len())
	if opts.OnBadRow == BadRowCollect {
		rj, err := newRejects(opts.RejectsPath)
		if err != nil {
			return nil, err
		}
		r.rejects = rj
	}
	r.out = make(chan batchResult, 1)
	r.stop = make(chan struct{})
	r.done = make(chan struct{})
	go r.produce()
	return r, nil
}

func (r *Reader) rowErr(line int, column string, err error) error {
	return &RowError{File: r.opts.Name, Line: line, Column: column, Err: err}
}

// readErr wraps an error that ends the read: text that is not in the
// detected encoding names its line; a limit names the line and the column of
// the header (or its position) where it was hit.
func (r *Reader) readErr(err error, names []string) error {
	var ee *errEncoding
	if errors.As(err, &ee) {
		return r.rowErr(ee.line, "", err)
	}
	var le *limitError
	if errors.As(err, &le) {
		col := ""
		switch {
		case le.field >= 0 && le.field < len(names):
			col = names[le.field]
		case le.field >= 0:
			col = "column_" + strconv.Itoa(le.field+1)
		}
		return r.rowErr(le.line, col, le.err)
	}
	return fmt.Errorf("read %s: %w", r.opts.Name, err)
}

// init reads the header and the sample and decides the schema.
func (r *Reader) init() error {
	var names []string
	var first pendingRecord
	if !r.opts.NoHeader {
		rec, err := r.sp.next()
		switch {
		case errors.Is(err, io.EOF):
			return nil // empty file: no columns, no rows
		case err != nil:
			var er *errRecord
			if errors.As(err, &er) {
				return r.rowErr(rec.line, "", fmt.Errorf("bad header: %w", err))
			}
			return r.readErr(err, nil)
		}
		if len(rec.fields) > r.opts.MaxColumns {
			return r.rowErr(rec.line, "", fmt.Errorf("header: %w", &table.ColumnLimitError{Columns: len(rec.fields), Limit: r.opts.MaxColumns}))
		}
		if r.opts.SniffHeader {
			first = pendingRecord{fields: slices.Clone(rec.fields), line: rec.line, raw: rec.text()}
		} else {
			names = headerNames(rec.fields)
		}
	}
	for len(r.pending) < r.opts.InferRows {
		rec, err := r.sp.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !isRecordErr(err) {
			return r.readErr(err, names)
		}
		if names == nil && len(rec.fields) > r.opts.MaxColumns {
			return r.rowErr(rec.line, "", &table.ColumnLimitError{Columns: len(rec.fields), Limit: r.opts.MaxColumns})
		}
		r.pending = append(r.pending, pendingRecord{fields: slices.Clone(rec.fields), line: rec.line, raw: rec.text()}.withErr(err))
	}
	if r.opts.SniffHeader {
		// Per-column date formats are keyed by name: the candidate names are
		// the first line's.
		header, why, err := sniffHeader(first.fields, r.pending, r.nulls, r.columnRewrites(headerNames(first.fields)))
		if err != nil {
			return fmt.Errorf("%s:%d: %w", r.opts.Name, first.line, err)
		}
		r.dialect.Header, r.dialect.HeaderWhy = header, why
		if header {
			names = headerNames(first.fields)
		} else {
			r.pending = slices.Insert(r.pending, 0, first)
		}
	}
	if names == nil {
		for _, p := range r.pending {
			if p.err == nil {
				names = make([]string, len(p.fields))
				for i := range names {
					names[i] = "column_" + strconv.Itoa(i+1)
				}
				break
			}
		}
	}
	for name := range r.opts.Types {
		if !slices.Contains(names, name) {
			return fmt.Errorf("%s: type override for unknown column %q (columns: %s)", r.opts.Name, name, strings.Join(names, ", "))
		}
	}
	r.rewrite = r.columnRewrites(names)
	infer := make([]table.Inferrer, len(names))
	for _, p := range r.pending {
		if p.err != nil || len(p.fields) != len(names) {
			continue
		}
		for i, f := range p.fields {
			if !r.isNull(f) {
				if v, ok := r.rewrite[i].Rewrite(f); ok {
					f = v
				}
				infer[i].Observe(f)
			}
		}
	}
	fields := make([]table.Field, len(names))
	for i, n := range names {
		t, ok := r.opts.Types[n]
		if !ok {
			t = infer[i].Type()
		}
		fields[i] = table.Field{Name: n, Type: t}
		switch t {
		case table.Int64, table.Float64, table.Date, table.Timestamp:
		default:
			// Text keeps the value as written: "1,5" in a column of
			// names is not one and a half.
			r.rewrite[i] = nil
		}
	}
	r.warnUndeclaredDates(names, fields)
	if !slices.ContainsFunc(r.rewrite, func(c *locale.Column) bool { return c != nil }) {
		r.rewrite = nil
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return fmt.Errorf("%s: %w", r.opts.Name, err)
	}
	r.schema = schema
	return nil
}

// columnRewrites returns the locale rewriting of each column.
func (r *Reader) columnRewrites(names []string) []*locale.Column {
	out := make([]*locale.Column, len(names))
	for i, n := range names {
		out[i] = r.opts.Locale.Column(n)
	}
	return out
}

// warnUndeclaredDates warns about text columns whose sampled values are
// all numeric dates: without a declared day order they cannot be read as
// dates, and the user should hear why and how to declare it.
func (r *Reader) warnUndeclaredDates(names []string, fields []table.Field) {
	if r.opts.Locale.DayFirst != nil {
		return
	}
	for i, f := range fields {
		if f.Type != table.String || r.opts.Locale.DateFormat != "" || r.opts.Locale.DateFormats[f.Name] != "" {
			continue
		}
		if _, typed := r.opts.Types[f.Name]; typed {
			continue
		}
		example, ambiguous, n := "", "", 0
		for _, p := range r.pending {
			if p.err != nil || len(p.fields) != len(names) || r.isNull(p.fields[i]) {
				continue
			}
			v := p.fields[i]
			if !locale.NumericDate(v) {
				n = -1
				break
			}
			n++
			if example == "" {
				example = "line " + strconv.Itoa(p.line)
			}
			if ambiguous == "" && locale.AmbiguousDate(v) {
				ambiguous = "line " + strconv.Itoa(p.line)
			}
		}
		if n <= 0 {
			continue
		}
		msg := r.opts.Name + ": " + locale.UndeclaredOrder(f.Name, example, ambiguous)
		r.warnings = append(r.warnings, msg)
	}
}

// Warnings returns what the reader noticed while deciding the schema, such
// as date columns left as text because their day order is unknown.
func (r *Reader) Warnings() []string { return r.warnings }

func (p pendingRecord) withErr(err error) pendingRecord {
	p.err = err
	return p
}

// headerNames trims names, names empty ones column_N (as the xlsx reader does), and makes duplicates
// unique with a _2, _3... suffix, because spreadsheet exports often repeat
// or omit headers and a refusal would block the whole pipeline.
func headerNames(fields []string) []string {
	names := make([]string, len(fields))
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		n := strings.TrimSpace(f)
		if n == "" {
			n = "column_" + strconv.Itoa(i+1)
		}
		base := n
		for k := 2; seen[n]; k++ {
			n = base + "_" + strconv.Itoa(k)
		}
		seen[n] = true
		names[i] = n
	}
	return names
}

// isRecordErr reports whether err is a malformed record (subject to the
// bad-row policy) rather than an I/O failure. It lives apart from the hot
// loop because errors.As makes its target escape to the heap.
func isRecordErr(err error) bool {
	var er *errRecord
	return errors.As(err, &er)
}

func (r *Reader) isNull(f string) bool {
	for _, n := range r.nulls {
		if f == n {
			return true
		}
	}
	return false
}

// Schema returns the columns, in file order, with their inferred or
// overridden types.
func (r *Reader) Schema() table.Schema { return r.schema }

// BadRows returns how many rows were skipped or collected so far.
func (r *Reader) BadRows() int { return int(r.badRows.Load()) }

// Next returns the next batch, or io.EOF after the last one.
func (r *Reader) Next() (*table.Table, error) {
	if r.err != nil {
		return nil, r.err
	}
	res, ok := <-r.out
	if !ok {
		r.err = io.EOF
		return nil, io.EOF
	}
	if res.err != nil {
		r.err = res.err
		return nil, res.err
	}
	return res.t, nil
}

// Close stops reading, closes the file opened by Open and commits the
// rejects file of BadRowCollect.
func (r *Reader) Close() error {
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		var errs []error
		if r.file != nil {
			errs = append(errs, r.file.Close())
		}
		if r.rejects != nil {
			errs = append(errs, r.rejects.commit())
		}
		r.closeErr = errors.Join(errs...)
	})
	return r.closeErr
}

func (r *Reader) send(res batchResult) bool {
	select {
	case r.out <- res:
		return true
	case <-r.stop:
		return false
	}
}

// produce parses records into batches until EOF, an error, or Close.
func (r *Reader) produce() {
	defer close(r.done)
	defer close(r.out)
	ncols := r.schema.Len()
	b := table.NewBuilder(r.schema, r.opts.BatchRows)
	cols := make([]*table.ColumnBuilder, ncols)
	isString := make([]bool, ncols)
	for i := range cols {
		cols[i] = b.Column(i)
		isString[i] = r.schema.Field(i).Type == table.String
	}
	onlyEmptyNull := len(r.nulls) == 1 && r.nulls[0] == ""
	dataRow := 0
	next := 0
	for {
		var rec record
		var recErr error
		if next < len(r.pending) {
			p := r.pending[next]
			r.pending[next] = pendingRecord{}
			next++
			rec, recErr = record{fields: p.fields, line: p.line, raw: p.raw}, p.err
		} else {
			var err error
			rec, err = r.sp.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !isRecordErr(err) {
				r.send(batchResult{err: r.readErr(err, r.schema.Names())})
				return
			}
			recErr = err
		}
		dataRow++
		var badErr error
		switch {
		case recErr != nil:
			badErr = r.rowErr(rec.line, "", recErr)
		case len(rec.fields) != ncols:
			badErr = r.rowErr(rec.line, "", fmt.Errorf("has %d fields, expected %d (check the delimiter and quoting)", len(rec.fields), ncols))
		default:
			badErr = r.appendRow(cols, isString, onlyEmptyNull, rec.fields, dataRow, rec.line)
		}
		if badErr != nil {
			if !r.bad(rec.line, rec.text(), badErr) {
				return
			}
			continue
		}
		if b.Len() >= r.opts.BatchRows && !r.flush(b) {
			return
		}
	}
	if b.Len() > 0 {
		r.flush(b)
	}
}

func (r *Reader) flush(b *table.Builder) bool {
	t, err := b.Build()
	if err != nil {
		r.send(batchResult{err: fmt.Errorf("%s: %w", r.opts.Name, err)})
		return false
	}
	return r.send(batchResult{t: t})
}

// appendRow appends one record or, when a value does not parse, undoes the
// partial row and returns the error.
func (r *Reader) appendRow(cols []*table.ColumnBuilder, isString []bool, onlyEmptyNull bool, fields []string, dataRow, line int) error {
	for i, f := range fields {
		cb := cols[i]
		var null bool
		if onlyEmptyNull {
			null = f == ""
		} else {
			null = r.isNull(f)
		}
		switch {
		case null:
			cb.AppendNull()
		case isString[i]:
			cb.AppendString(f)
		default:
			if r.rewrite != nil {
				if v, ok := r.rewrite[i].Rewrite(f); ok {
					f = v
				}
			}
			if err := cb.AppendParse(f); err != nil {
				n := cb.Len()
				for _, c := range cols[:i] {
					c.Truncate(n)
				}
				name := r.schema.Field(i).Name
				return r.rowErr(line, name, &table.ConversionError{
					Row: dataRow, Column: name, Value: f, From: table.String, To: cb.Type(), Err: err,
				})
			}
		}
	}
	return nil
}

// bad applies the bad-row policy; it returns false when reading must stop.
func (r *Reader) bad(line int, raw string, err error) bool {
	switch r.opts.OnBadRow {
	case BadRowSkip:
		r.badRows.Add(1)
		return true
	case BadRowCollect:
		r.badRows.Add(1)
		if werr := r.rejects.add(line, err, raw); werr != nil {
			r.send(batchResult{err: werr})
			return false
		}
		return true
	}
	r.send(batchResult{err: err})
	return false
}

// rejects is the side file of BadRowCollect.
type rejects struct {
	f *atomicfile.File
	w *csv.Writer
}

func newRejects(path string) (*rejects, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	w := csv.NewWriter(f)
	if err := w.Write([]string{"line", "reason", "record"}); err != nil {
		_ = f.Abort()
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	return &rejects{f: f, w: w}, nil
}

func (j *rejects) add(line int, reason error, raw string) error {
	msg := reason.Error()
	var re *RowError
	if errors.As(reason, &re) {
		// The line is its own column; keep the reason short.
		msg = strings.TrimPrefix(msg, fmt.Sprintf("%s:%d: ", re.File, re.Line))
	}
	if err := j.w.Write([]string{strconv.Itoa(line), msg, raw}); err != nil {
		return fmt.Errorf("write rejects file %s: %w", j.f.Name(), err)
	}
	return nil
}

func (j *rejects) commit() error {
	j.w.Flush()
	if err := j.w.Error(); err != nil {
		_ = j.f.Abort()
		return fmt.Errorf("write rejects file %s: %w", j.f.Name(), err)
	}
	return j.f.Commit()
}
