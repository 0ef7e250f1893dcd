package hotpass

import (
	"fmt"
	"iter"
	"time"

	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/parquetio"
)

// ColumnType is the type of a table column: "string", "int64",
// "float64", "bool", "date" or "timestamp".
type ColumnType string

// The column types a Table holds.
const (
	TypeString    ColumnType = "string"
	TypeInt64     ColumnType = "int64"
	TypeFloat64   ColumnType = "float64"
	TypeBool      ColumnType = "bool"
	TypeDate      ColumnType = "date"
	TypeTimestamp ColumnType = "timestamp"
)

// Column names a column of a Table and gives its type.
type Column struct {
	Name string
	Type ColumnType
}

// Table is a read-only table a task produced: named, typed columns of the
// same length, any value of which may be null. It is safe for concurrent
// use. Row and column indexes count from 0; an index out of range panics,
// as slice indexing does.
type Table struct {
	t *table.Table
}

// ReadTable reads a table a run kept (the <task>.parquet files of a run
// directory; see Result.Table).
func ReadTable(path string) (*Table, error) {
	r, err := parquetio.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read table %s: %w", path, err)
	}
	t, err := table.ReadAll(r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("read table %s: %w", path, err)
	}
	return &Table{t: t}, nil
}

// NumRows returns the number of rows.
func (t *Table) NumRows() int { return t.t.NumRows() }

// Columns returns the columns in order.
func (t *Table) Columns() []Column {
	fs := t.t.Schema().Fields()
	out := make([]Column, len(fs))
	for i, f := range fs {
		out[i] = Column{Name: f.Name, Type: ColumnType(f.Type.String())}
	}
	return out
}

// ColumnIndex returns the index of the column called name.
func (t *Table) ColumnIndex(name string) (int, bool) { return t.t.Schema().Index(name) }

// IsNull reports whether the value at row, col is null.
func (t *Table) IsNull(row, col int) bool { return t.t.Column(col).IsNull(row) }

// Value returns the value at row, col as a Go value: nil for null, else a
// string, int64, float64, bool, or time.Time in UTC for dates and
// timestamps.
func (t *Table) Value(row, col int) any { return t.t.Column(col).Value(row) }

// Text returns the value at row, col as text, "" for null: dates as
// YYYY-MM-DD, timestamps in RFC 3339, numbers in their shortest form.
func (t *Table) Text(row, col int) string { return t.t.Column(col).Format(row) }

// String returns the value at row, col of a string column; ok is false
// when it is null or the column holds another type.
func (t *Table) String(row, col int) (v string, ok bool) {
	v, ok = t.Value(row, col).(string)
	return v, ok
}

// Int64 returns the value at row, col of an int64 column; ok is false when
// it is null or the column holds another type.
func (t *Table) Int64(row, col int) (v int64, ok bool) {
	v, ok = t.Value(row, col).(int64)
	return v, ok
}

// Float64 returns the value at row, col of a float64 column; ok is false
// when it is null or the column holds another type.
func (t *Table) Float64(row, col int) (v float64, ok bool) {
	v, ok = t.Value(row, col).(float64)
	return v, ok
}

// Bool returns the value at row, col of a bool column; ok is false when it
// is null or the column holds another type.
func (t *Table) Bool(row, col int) (v bool, ok bool) {
	v, ok = t.Value(row, col).(bool)
	return v, ok
}

// Time returns the value at row, col of a date or timestamp column, in
// UTC; ok is false when it is null or the column holds another type.
func (t *Table) Time(row, col int) (v time.Time, ok bool) {
	v, ok = t.Value(row, col).(time.Time)
	return v, ok
}

// Rows iterates over the rows in order, each as its index and its values
// (see Value). The slice is new for every row.
func (t *Table) Rows() iter.Seq2[int, []any] {
	return func(yield func(int, []any) bool) {
		for i := range t.t.NumRows() {
			if !yield(i, t.t.Row(i)) {
				return
			}
		}
	}
}
