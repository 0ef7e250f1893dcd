package table

import (
	"fmt"
	"strings"
)

// Table is an immutable set of equally long columns described by a Schema.
// Methods that derive a table (Project, Slice, WithColumn) share column
// storage with the receiver instead of copying it.
type Table struct {
	schema Schema
	cols   []*Column
	rows   int
}

// New assembles a table from columns; their count, types and lengths must
// match the schema.
func New(schema Schema, cols []*Column) (*Table, error) {
	if len(cols) != schema.Len() {
		return nil, fmt.Errorf("table has %d columns but its schema has %d", len(cols), schema.Len())
	}
	rows := 0
	for i, c := range cols {
		f := schema.Field(i)
		if c == nil {
			return nil, fmt.Errorf("column %q is nil", f.Name)
		}
		if c.typ != f.Type {
			return nil, fmt.Errorf("column %q holds %s values but the schema says %s", f.Name, c.typ, f.Type)
		}
		if i == 0 {
			rows = c.n
		} else if c.n != rows {
			return nil, fmt.Errorf("column %q has %d rows but column %q has %d", f.Name, c.n, schema.Field(0).Name, rows)
		}
	}
	return &Table{schema: schema, cols: append([]*Column(nil), cols...), rows: rows}, nil
}

// Empty returns a table with the schema and no rows.
func Empty(schema Schema) *Table {
	t, err := NewBuilder(schema, 0).Build()
	if err != nil {
		panic(err) // unreachable: empty columns always agree
	}
	return t
}

// Schema returns the table's schema.
func (t *Table) Schema() Schema { return t.schema }

// NumRows returns the number of rows.
func (t *Table) NumRows() int { return t.rows }

// NumCols returns the number of columns.
func (t *Table) NumCols() int { return len(t.cols) }

// Column returns the i-th column.
func (t *Table) Column(i int) *Column { return t.cols[i] }

// ColumnByName returns the named column, or nil if there is none.
func (t *Table) ColumnByName(name string) *Column {
	i, ok := t.schema.Index(name)
	if !ok {
		return nil
	}
	return t.cols[i]
}

// Project returns a table with only the named columns, in the given order,
// sharing their storage.
func (t *Table) Project(names ...string) (*Table, error) {
	fields := make([]Field, len(names))
	cols := make([]*Column, len(names))
	for i, n := range names {
		j, ok := t.schema.Index(n)
		if !ok {
			return nil, fmt.Errorf("project: no column %q (have %s)", n, strings.Join(t.schema.Names(), ", "))
		}
		fields[i] = t.schema.Field(j)
		cols[i] = t.cols[j]
	}
	schema, err := NewSchema(fields...)
	if err != nil {
		return nil, fmt.Errorf("project: %w", err)
	}
	return &Table{schema: schema, cols: cols, rows: t.rows}, nil
}

// Slice returns rows [lo, hi) sharing storage. It panics if the bounds are
// out of range, like slicing a Go slice.
func (t *Table) Slice(lo, hi int) *Table {
	if lo < 0 || hi < lo || hi > t.rows {
		panic(fmt.Sprintf("table: Slice(%d, %d) out of range for %d rows", lo, hi, t.rows))
	}
	cols := make([]*Column, len(t.cols))
	for i, c := range t.cols {
		cols[i] = c.slice(lo, hi)
	}
	return &Table{schema: t.schema, cols: cols, rows: hi - lo}
}

// WithColumn returns a table with col added at the end, or replacing the
// column of the same name in place (keeping its position). The other columns
// are shared.
func (t *Table) WithColumn(name string, col *Column) (*Table, error) {
	if col.n != t.rows && len(t.cols) > 0 {
		return nil, fmt.Errorf("with column %q: it has %d rows but the table has %d", name, col.n, t.rows)
	}
	fields := t.schema.Fields()
	cols := append([]*Column(nil), t.cols...)
	if i, ok := t.schema.Index(name); ok {
		fields[i].Type = col.typ
		cols[i] = col
	} else {
		fields = append(fields, Field{Name: name, Type: col.typ})
		cols = append(cols, col)
	}
	schema, err := NewSchema(fields...)
	if err != nil {
		return nil, fmt.Errorf("with column %q: %w", name, err)
	}
	return &Table{schema: schema, cols: cols, rows: col.n}, nil
}

// Concat appends tables with identical schemas into one new table. With a
// single table it returns that table without copying.
func Concat(tables ...*Table) (*Table, error) {
	if len(tables) == 0 {
		return nil, fmt.Errorf("concat: no tables")
	}
	first := tables[0]
	total := 0
	for i, t := range tables {
		if d := first.schema.Diff(t.schema); d != "" {
			return nil, fmt.Errorf("concat: table %d does not match table 1: %s", i+1, d)
		}
		total += t.rows
	}
	if len(tables) == 1 {
		return first, nil
	}
	b := NewBuilder(first.schema, total)
	for c := range first.cols {
		cb := b.Column(c)
		for _, t := range tables {
			appendColumn(cb, t.cols[c])
		}
	}
	return b.Build()
}

// appendColumn bulk-appends src; the fast path avoids per-row type switches
// when src has no nulls.
func appendColumn(b *ColumnBuilder, src *Column) {
	if src.nulls > 0 || b.hasNull {
		for i := 0; i < src.n; i++ {
			b.AppendFrom(src, i)
		}
		return
	}
	c := &b.col
	switch src.typ {
	case String:
		c.strs = append(c.strs, src.strs...)
	case Int64, Timestamp:
		c.ints = append(c.ints, src.ints...)
	case Float64:
		c.floats = append(c.floats, src.floats...)
	case Bool:
		c.bools = append(c.bools, src.bools...)
	case Date:
		c.dates = append(c.dates, src.dates...)
	}
	c.n += src.n
}

// Row returns row i as Go values (see Column.Value); it is meant for tests
// and diagnostics, not for hot loops.
func (t *Table) Row(i int) []any {
	out := make([]any, len(t.cols))
	for j, c := range t.cols {
		out[j] = c.Value(i)
	}
	return out
}

// Equal reports whether both tables have equal schemas and equal values,
// nulls included. NaN equals NaN here so that tables can be compared after a
// round trip.
func (t *Table) Equal(o *Table) bool {
	return t.Diff(o) == ""
}

// Diff describes the first difference between two tables, or returns "".
func (t *Table) Diff(o *Table) string {
	if d := t.schema.Diff(o.schema); d != "" {
		return "schema: " + d
	}
	if t.rows != o.rows {
		return fmt.Sprintf("%d rows versus %d", t.rows, o.rows)
	}
	for j, c := range t.cols {
		oc := o.cols[j]
		for i := 0; i < t.rows; i++ {
			an, bn := c.IsNull(i), oc.IsNull(i)
			if an != bn || (!an && !sameValue(c, oc, i)) {
				return fmt.Sprintf("row %d, column %q: %q versus %q (null %v versus %v)",
					i+1, t.schema.Field(j).Name, c.Format(i), oc.Format(i), an, bn)
			}
		}
	}
	return ""
}

func sameValue(a, b *Column, i int) bool {
	switch a.typ {
	case String:
		return a.strs[i] == b.strs[i]
	case Int64, Timestamp:
		return a.ints[i] == b.ints[i]
	case Float64:
		x, y := a.floats[i], b.floats[i]
		return x == y || (x != x && y != y)
	case Bool:
		return a.bools[i] == b.bools[i]
	case Date:
		return a.dates[i] == b.dates[i]
	}
	return false
}

// MemSize estimates the bytes the table's values take in memory: each
// column's value slice, string contents and validity bitmap. Storage shared
// with another table (Project, Slice) is counted for each; the run's memory
// budget would rather over- than under-count.
func (t *Table) MemSize() int64 {
	var n int64
	for _, c := range t.cols {
		n += c.memSize()
	}
	return n
}

func (c *Column) memSize() int64 {
	n := int64(8 * len(c.valid))
	switch c.typ {
	case String:
		n += int64(16 * len(c.strs))
		for _, s := range c.strs {
			n += int64(len(s))
		}
	case Int64, Timestamp:
		n += int64(8 * len(c.ints))
	case Float64:
		n += int64(8 * len(c.floats))
	case Bool:
		n += int64(len(c.bools))
	case Date:
		n += int64(4 * len(c.dates))
	}
	return n
}
