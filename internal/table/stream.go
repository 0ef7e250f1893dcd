package table

import (
	"errors"
	"fmt"
	"io"
)

// Reader streams a table in batches. Next returns the next non-empty batch,
// or io.EOF once the input is exhausted; every batch has the reader's
// Schema. Close releases the input and must be called even after an error.
type Reader interface {
	Schema() Schema
	Next() (*Table, error)
	Close() error
}

// Writer consumes a table in batches. Close finishes the output; for file
// writers it is the moment the file appears at its final path.
type Writer interface {
	Write(*Table) error
	Close() error
}

// Aborter is implemented by writers that can discard their output. Abort
// removes whatever was written so far; after Abort, Close is a no-op.
type Aborter interface {
	Abort() error
}

// Abort discards w's output if it supports Aborter, and otherwise closes it.
// It is what error paths should call instead of Close, so that a half-written
// file never appears at the final path.
func Abort(w Writer) error {
	if a, ok := w.(Aborter); ok {
		return a.Abort()
	}
	return w.Close()
}

// ReadAll drains r into one table. It does not close r.
func ReadAll(r Reader) (*Table, error) {
	var batches []*Table
	for {
		t, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		batches = append(batches, t)
	}
	if len(batches) == 0 {
		return Empty(r.Schema()), nil
	}
	return Concat(batches...)
}

// Copy writes every batch of r to w and returns the number of rows copied.
// It closes neither; on error the caller should Abort w.
func Copy(w Writer, r Reader) (int64, error) {
	var n int64
	for {
		t, err := r.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := w.Write(t); err != nil {
			return n, err
		}
		n += int64(t.NumRows())
	}
}

// TableReader streams an in-memory table in batches of a fixed size.
type TableReader struct {
	t     *Table
	batch int
	pos   int
}

// NewTableReader returns a Reader over t yielding batches of at most
// batchRows rows (all rows at once if batchRows <= 0).
func NewTableReader(t *Table, batchRows int) *TableReader {
	if batchRows <= 0 {
		batchRows = max(t.NumRows(), 1)
	}
	return &TableReader{t: t, batch: batchRows}
}

// Schema returns the table's schema.
func (r *TableReader) Schema() Schema { return r.t.schema }

// Next returns the next slice of the table, or io.EOF.
func (r *TableReader) Next() (*Table, error) {
	if r.pos >= r.t.rows {
		return nil, io.EOF
	}
	hi := min(r.pos+r.batch, r.t.rows)
	s := r.t.Slice(r.pos, hi)
	r.pos = hi
	return s, nil
}

// Close does nothing; it exists to satisfy Reader.
func (r *TableReader) Close() error { return nil }

// Collector is a Writer that keeps every batch in memory; Table returns
// their concatenation.
type Collector struct {
	schema  Schema
	batches []*Table
}

// NewCollector returns a Collector for tables of the given schema.
func NewCollector(schema Schema) *Collector { return &Collector{schema: schema} }

// Write keeps t; its schema must match the collector's.
func (c *Collector) Write(t *Table) error {
	if d := c.schema.Diff(t.schema); d != "" {
		return fmt.Errorf("collector: batch schema differs: %s", d)
	}
	c.batches = append(c.batches, t)
	return nil
}

// Close does nothing; it exists to satisfy Writer.
func (c *Collector) Close() error { return nil }

// Table returns every row written so far as one table.
func (c *Collector) Table() (*Table, error) {
	if len(c.batches) == 0 {
		return Empty(c.schema), nil
	}
	return Concat(c.batches...)
}
