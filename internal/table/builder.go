package table

import (
	"fmt"
	"time"
)

// ColumnBuilder accumulates values for one column. Append calls must match
// the builder's type (AppendInt64 on an Int64 builder, and so on); a
// mismatch panics because it is a programming error, not a data error. Use
// AppendValue for generic code that should get an error instead.
type ColumnBuilder struct {
	col     Column
	valid   []uint64
	hasNull bool
}

// NewColumnBuilder returns a builder for a column of type t with room for
// capacity rows.
func NewColumnBuilder(t Type, capacity int) *ColumnBuilder {
	if !t.Valid() {
		panic(fmt.Sprintf("table: NewColumnBuilder with %s type", t))
	}
	b := &ColumnBuilder{col: Column{typ: t}}
	b.Reserve(capacity)
	return b
}

// Type returns the column type being built.
func (b *ColumnBuilder) Type() Type { return b.col.typ }

// Len returns the number of rows appended so far.
func (b *ColumnBuilder) Len() int { return b.col.n }

// Reserve grows capacity so that n more rows can be appended without
// reallocation.
func (b *ColumnBuilder) Reserve(n int) {
	c := &b.col
	switch c.typ {
	case String:
		c.strs = grow(c.strs, n)
	case Int64, Timestamp:
		c.ints = grow(c.ints, n)
	case Float64:
		c.floats = grow(c.floats, n)
	case Bool:
		c.bools = grow(c.bools, n)
	case Date:
		c.dates = grow(c.dates, n)
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	out := make([]T, len(s), len(s)+n)
	copy(out, s)
	return out
}

// setValid records the validity of the row about to be appended at index i.
func (b *ColumnBuilder) setValid(i int, ok bool) {
	if ok && !b.hasNull {
		return
	}
	if !b.hasNull {
		// First null: materialise the bitmap with all earlier rows valid.
		b.hasNull = true
		words := (i + 64) >> 6
		b.valid = make([]uint64, words)
		for w := 0; w < i>>6; w++ {
			b.valid[w] = ^uint64(0)
		}
		if r := i & 63; r > 0 {
			b.valid[i>>6] = (1 << uint(r)) - 1
		}
	}
	for len(b.valid) <= i>>6 {
		b.valid = append(b.valid, 0)
	}
	if ok {
		b.valid[i>>6] |= 1 << (uint(i) & 63)
	} else {
		b.col.nulls++
	}
}

func (b *ColumnBuilder) must(t Type, t2 Type, what string) {
	if b.col.typ != t && b.col.typ != t2 {
		panic(fmt.Sprintf("table: %s on a %s column builder", what, b.col.typ))
	}
}

// AppendString appends a value to a String builder.
func (b *ColumnBuilder) AppendString(v string) {
	b.must(String, String, "AppendString")
	b.setValid(b.col.n, true)
	b.col.strs = append(b.col.strs, v)
	b.col.n++
}

// AppendInt64 appends a value to an Int64 builder.
func (b *ColumnBuilder) AppendInt64(v int64) {
	b.must(Int64, Int64, "AppendInt64")
	b.setValid(b.col.n, true)
	b.col.ints = append(b.col.ints, v)
	b.col.n++
}

// AppendFloat64 appends a value to a Float64 builder.
func (b *ColumnBuilder) AppendFloat64(v float64) {
	b.must(Float64, Float64, "AppendFloat64")
	b.setValid(b.col.n, true)
	b.col.floats = append(b.col.floats, v)
	b.col.n++
}

// AppendBool appends a value to a Bool builder.
func (b *ColumnBuilder) AppendBool(v bool) {
	b.must(Bool, Bool, "AppendBool")
	b.setValid(b.col.n, true)
	b.col.bools = append(b.col.bools, v)
	b.col.n++
}

// AppendDate appends days since 1970-01-01 to a Date builder.
func (b *ColumnBuilder) AppendDate(days int32) {
	b.must(Date, Date, "AppendDate")
	b.setValid(b.col.n, true)
	b.col.dates = append(b.col.dates, days)
	b.col.n++
}

// AppendTimestamp appends microseconds since the Unix epoch (UTC) to a
// Timestamp builder.
func (b *ColumnBuilder) AppendTimestamp(micros int64) {
	b.must(Timestamp, Timestamp, "AppendTimestamp")
	b.setValid(b.col.n, true)
	b.col.ints = append(b.col.ints, micros)
	b.col.n++
}

// AppendNull appends a null row.
func (b *ColumnBuilder) AppendNull() {
	b.setValid(b.col.n, false)
	c := &b.col
	switch c.typ {
	case String:
		c.strs = append(c.strs, "")
	case Int64, Timestamp:
		c.ints = append(c.ints, 0)
	case Float64:
		c.floats = append(c.floats, 0)
	case Bool:
		c.bools = append(c.bools, false)
	case Date:
		c.dates = append(c.dates, 0)
	}
	c.n++
}

// AppendValue appends a Go value as returned by Column.Value: nil appends a
// null, time.Time is accepted by Date and Timestamp builders, and any int
// kind by Int64 builders. Other combinations are an error naming both types;
// use Convert for parsing text.
func (b *ColumnBuilder) AppendValue(v any) error {
	if v == nil {
		b.AppendNull()
		return nil
	}
	switch b.col.typ {
	case String:
		if s, ok := v.(string); ok {
			b.AppendString(s)
			return nil
		}
	case Int64:
		switch x := v.(type) {
		case int64:
			b.AppendInt64(x)
			return nil
		case int:
			b.AppendInt64(int64(x))
			return nil
		case int32:
			b.AppendInt64(int64(x))
			return nil
		}
	case Float64:
		switch x := v.(type) {
		case float64:
			b.AppendFloat64(x)
			return nil
		case float32:
			b.AppendFloat64(float64(x))
			return nil
		}
	case Bool:
		if x, ok := v.(bool); ok {
			b.AppendBool(x)
			return nil
		}
	case Date:
		if x, ok := v.(time.Time); ok {
			b.AppendDate(TimeToDate(x))
			return nil
		}
	case Timestamp:
		if x, ok := v.(time.Time); ok {
			b.AppendTimestamp(TimeToTimestamp(x))
			return nil
		}
	}
	return fmt.Errorf("cannot append %T value %v to a %s column", v, v, b.col.typ)
}

// AppendFrom appends row i of src, which must have the builder's type.
func (b *ColumnBuilder) AppendFrom(src *Column, i int) {
	if src.typ != b.col.typ {
		panic(fmt.Sprintf("table: AppendFrom a %s column into a %s builder", src.typ, b.col.typ))
	}
	if src.IsNull(i) {
		b.AppendNull()
		return
	}
	switch src.typ {
	case String:
		b.AppendString(src.strs[i])
	case Int64:
		b.AppendInt64(src.ints[i])
	case Timestamp:
		b.AppendTimestamp(src.ints[i])
	case Float64:
		b.AppendFloat64(src.floats[i])
	case Bool:
		b.AppendBool(src.bools[i])
	case Date:
		b.AppendDate(src.dates[i])
	}
}

// Build returns the column and resets the builder, which may then be reused.
func (b *ColumnBuilder) Build() *Column {
	c := b.col
	if b.hasNull && c.nulls > 0 {
		c.valid = b.valid
	}
	b.col = Column{typ: c.typ}
	b.valid, b.hasNull = nil, false
	return &c
}

// Builder builds a Table for a fixed schema, row by row or column by column.
// Every column must have the same length when Build is called.
type Builder struct {
	schema Schema
	cols   []*ColumnBuilder
}

// NewBuilder returns a builder for schema with room for capacity rows.
func NewBuilder(schema Schema, capacity int) *Builder {
	b := &Builder{schema: schema, cols: make([]*ColumnBuilder, schema.Len())}
	for i := range b.cols {
		b.cols[i] = NewColumnBuilder(schema.Field(i).Type, capacity)
	}
	return b
}

// Schema returns the schema being built.
func (b *Builder) Schema() Schema { return b.schema }

// Column returns the appender of the i-th column.
func (b *Builder) Column(i int) *ColumnBuilder { return b.cols[i] }

// ColumnByName returns the appender of the named column, or nil.
func (b *Builder) ColumnByName(name string) *ColumnBuilder {
	i, ok := b.schema.Index(name)
	if !ok {
		return nil
	}
	return b.cols[i]
}

// Len returns the number of rows in the first column (0 without columns).
func (b *Builder) Len() int {
	if len(b.cols) == 0 {
		return 0
	}
	return b.cols[0].Len()
}

// AppendRow appends one row of Go values (see ColumnBuilder.AppendValue).
// On error nothing is appended.
func (b *Builder) AppendRow(values ...any) error {
	if len(values) != len(b.cols) {
		return fmt.Errorf("row has %d values but the schema has %d columns", len(values), len(b.cols))
	}
	for i, v := range values {
		if err := checkAppend(b.cols[i].Type(), v); err != nil {
			return fmt.Errorf("column %q: %w", b.schema.Field(i).Name, err)
		}
	}
	for i, v := range values {
		if err := b.cols[i].AppendValue(v); err != nil {
			return fmt.Errorf("column %q: %w", b.schema.Field(i).Name, err)
		}
	}
	return nil
}

func checkAppend(t Type, v any) error {
	probe := ColumnBuilder{col: Column{typ: t}}
	return probe.AppendValue(v)
}

// Build returns the table and resets the builder for reuse. It fails if
// the columns have different lengths.
func (b *Builder) Build() (*Table, error) {
	cols := make([]*Column, len(b.cols))
	for i, cb := range b.cols {
		cols[i] = cb.Build()
	}
	return New(b.schema, cols)
}
