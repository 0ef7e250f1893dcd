package parquetio

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/gzip"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// DefaultRowGroupRows is the default number of rows per row group: large
// enough for good compression, small enough that a reader streaming by row
// group holds little in memory.
const DefaultRowGroupRows = 128 * 1024

// Above wideColumns columns, the writer's per-column buffers share
// wideBudget bytes rather than taking parquet-go's defaults each.
const (
	wideColumns = 256
	wideBudget  = 64 << 20
)

// WriteOptions configures a Writer. The zero value writes zstd-compressed
// row groups of DefaultRowGroupRows rows with plain-encoded strings.
type WriteOptions struct {
	// Compression is "zstd" (default), "snappy", "gzip" or "none".
	Compression string
	// RowGroupRows is the number of rows per row group; default
	// DefaultRowGroupRows.
	RowGroupRows int
	// Dictionary dictionary-encodes string columns; it shrinks files with
	// repetitive text (provinces, statuses) at some CPU cost.
	Dictionary bool
}

// codecs are the compression codecs by name, one value each for the whole
// process. The codecs keep a pool of encoders inside the Codec value; a
// zstd or gzip encoder holds its window and tables, so a new Codec per
// writer left that much garbage behind every kept output, while one shared
// value lets later writers reuse the encoders of earlier ones (zstdCodec
// also keeps that window small).
// The codecs are safe for concurrent use (their pools are sync.Pools).
var codecs = map[string]compress.Codec{
	"zstd":         newZstdCodec(),
	"snappy":       &snappy.Codec{},
	"gzip":         &gzip.Codec{},
	"none":         &uncompressed.Codec{},
	"uncompressed": &uncompressed.Codec{},
}

func codec(name string) (compress.Codec, error) {
	key := strings.ToLower(name)
	if key == "" {
		key = "zstd"
	}
	if c, ok := codecs[key]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("parquet: unknown compression %q: use zstd, snappy, gzip or none", name)
}

// Writer writes table batches to a Parquet file. Create makes the file
// appear only when Close succeeds; after a failed Write, Close discards the
// output and returns the first error.
type Writer struct {
	name    string
	schema  table.Schema
	pw      *parquet.GenericWriter[any]
	file    *atomicfile.File
	rgRows  int
	pending int               // rows in the current row group
	scratch [][]parquet.Value // one value buffer per encoding goroutine
	err     error
	closed  bool
}

// Create writes a Parquet file at path atomically (see package atomicfile).
func Create(path string, schema table.Schema, opts WriteOptions) (*Writer, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	w, err := newWriter(f, schema, opts, path)
	if err != nil {
		_ = f.Abort()
		return nil, err
	}
	w.file = f
	return w, nil
}

// NewWriter writes Parquet to out; Close finishes the file but does not close
// out.
func NewWriter(out io.Writer, schema table.Schema, opts WriteOptions) (*Writer, error) {
	return newWriter(out, schema, opts, "parquet output")
}

func newWriter(out io.Writer, schema table.Schema, opts WriteOptions, name string) (*Writer, error) {
	c, err := codec(opts.Compression)
	if err != nil {
		return nil, err
	}
	if schema.Len() == 0 {
		return nil, fmt.Errorf("parquet: %s: a Parquet file needs at least one column", name)
	}
	ps, err := ParquetSchema(schema, opts.Dictionary)
	if err != nil {
		return nil, fmt.Errorf("parquet: %s: %w", name, err)
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	options := []parquet.WriterOption{parquet.Compression(c), parquet.CreatedBy("hotpass", "", "")}
	for _, f := range schema.Fields() {
		if f.Type == table.String {
			// Page and chunk statistics hold whole values, copied, so one
			// 50 MB text would be kept four more times. The column index
			// still records each page's bounds, cut to 16 bytes.
			options = append(options, parquet.SkipPageStatistics(f.Name), parquet.SkipPageBounds(f.Name))
		}
	}
	if n := schema.Len(); n > wideColumns {
		// parquet-go keeps a page buffer and a chunked page pool per
		// column, 256 KiB and 32 KiB at least; thousands of columns would
		// take gigabytes before the first row. Share a budget instead.
		per := max(4<<10, wideBudget/n)
		options = append(options, parquet.PageBufferSize(per), parquet.ColumnPageBuffers(parquet.NewChunkBufferPool(min(32<<10, per))))
	}
	cfg, err := parquet.NewWriterConfig(append([]parquet.WriterOption{ps}, options...)...)
	if err != nil {
		return nil, fmt.Errorf("parquet: %s: %w", name, err)
	}
	return &Writer{
		name:   name,
		schema: schema,
		pw:     parquet.NewGenericWriter[any](out, cfg),
		rgRows: opts.RowGroupRows,
	}, nil
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// Write appends the rows of t, whose schema must equal the writer's. Rows
// are split across row groups of the configured size.
func (w *Writer) Write(t *table.Table) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("write %s: writer is closed", w.name)
	}
	if d := w.schema.Diff(t.Schema()); d != "" {
		return w.fail(fmt.Errorf("write %s: batch schema differs from the file's: %s", w.name, d))
	}
	for lo := 0; lo < t.NumRows(); {
		hi := min(t.NumRows(), lo+w.rgRows-w.pending)
		if err := w.writeRows(t, lo, hi); err != nil {
			return w.fail(err)
		}
		w.pending += hi - lo
		lo = hi
		if w.pending >= w.rgRows {
			if err := w.flushColumns(); err != nil {
				return w.fail(fmt.Errorf("write %s: %w", w.name, err))
			}
			if err := w.pw.Flush(); err != nil {
				return w.fail(fmt.Errorf("write %s: %w", w.name, err))
			}
			w.pending = 0
		}
	}
	return nil
}

// parallelValues is the number of values (rows × columns) from which a
// batch's columns are encoded and compressed on several goroutines: below
// it, starting them costs more than it saves.
const parallelValues = 64 * 1024

// workers returns how many goroutines should encode n values of t's
// columns.
func (w *Writer) workers(n int) int {
	if n < parallelValues {
		return 1
	}
	return max(1, min(runtime.GOMAXPROCS(0), w.schema.Len()))
}

// eachColumn calls fn for every column, on the given number of goroutines.
// Each goroutine has its own value buffer; the column writers of a row
// group are independent of each other, so columns may be encoded at once.
// The error returned is that of the first failing column.
func (w *Writer) eachColumn(workers int, fn func(j int, buf *[]parquet.Value) error) error {
	for len(w.scratch) < workers {
		w.scratch = append(w.scratch, nil)
	}
	ncols := w.schema.Len()
	if workers <= 1 {
		for j := range ncols {
			if err := fn(j, &w.scratch[0]); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, ncols)
	var next atomic.Int64
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func(buf *[]parquet.Value) {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < ncols; j = int(next.Add(1) - 1) {
				errs[j] = fn(j, buf)
			}
		}(&w.scratch[g])
	}
	wg.Wait()
	return firstError(errs)
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *Writer) writeRows(t *table.Table, lo, hi int) error {
	cws := w.pw.ColumnWriters()
	return w.eachColumn(w.workers((hi-lo)*t.NumCols()), func(j int, buf *[]parquet.Value) error {
		vals := columnValues((*buf)[:0], t.Column(j), lo, hi, j)
		_, err := cws[j].WriteRowValues(vals)
		clear(vals) // drop references to string data
		*buf = vals
		if err != nil {
			return fmt.Errorf("write %s: column %q: %w", w.name, t.Schema().Field(j).Name, err)
		}
		return nil
	})
}

// flushColumns encodes and compresses the values the column writers still
// buffer, spreading the columns over goroutines as writeRows does, so that
// ending a row group leaves only copying to do.
func (w *Writer) flushColumns() error {
	cws := w.pw.ColumnWriters()
	return w.eachColumn(w.workers(w.pending*len(cws)), func(j int, _ *[]parquet.Value) error {
		if err := cws[j].Flush(); err != nil {
			return fmt.Errorf("column %q: %w", w.schema.Field(j).Name, err)
		}
		return nil
	})
}

// columnValues converts rows [lo, hi) of c to parquet values with the
// definition levels of an optional column.
func columnValues(dst []parquet.Value, c *table.Column, lo, hi, col int) []parquet.Value {
	null := parquet.NullValue().Level(0, 0, col)
	hasNulls := c.NullCount() > 0
	switch c.Type() {
	case table.String:
		for i, s := range c.Strings()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.ByteArrayValue(stringBytes(s)).Level(0, 1, col))
		}
	case table.Int64:
		for i, v := range c.Int64s()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.Int64Value(v).Level(0, 1, col))
		}
	case table.Timestamp:
		for i, v := range c.Timestamps()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.Int64Value(v).Level(0, 1, col))
		}
	case table.Float64:
		for i, v := range c.Float64s()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.DoubleValue(v).Level(0, 1, col))
		}
	case table.Bool:
		for i, v := range c.Bools()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.BooleanValue(v).Level(0, 1, col))
		}
	case table.Date:
		for i, v := range c.Dates()[lo:hi] {
			if hasNulls && c.IsNull(lo+i) {
				dst = append(dst, null)
				continue
			}
			dst = append(dst, parquet.Int32Value(v).Level(0, 1, col))
		}
	}
	return dst
}

// stringBytes views s as bytes without copying. parquet-go only reads the
// bytes of values it is given (it copies them into its page buffers), so the
// immutable string memory is never written.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// Close writes the footer and, for Create, renames the file into place. If a
// Write failed it discards the file and returns that error.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	w.err = atomicfile.Finish(w.file, w.name, w.err, func() error {
		if err := w.flushColumns(); err != nil {
			return err
		}
		return w.pw.Close()
	})
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
