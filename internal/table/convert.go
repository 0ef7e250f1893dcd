package table

import (
	"errors"
	"fmt"
	"math"
)

// ConversionError reports a value that could not be converted to another
// type. Row is the 1-based data row (the first row of data is row 1,
// whatever header the source had); Column is empty when the column is
// unnamed (Convert on a bare Column).
type ConversionError struct {
	Row    int
	Column string
	Value  string
	From   Type
	To     Type
	// Err says why, when there is more to say than the types.
	Err error
}

// Error renders e.g. `row 17, column "founded": cannot convert "19x9" to int64`.
func (e *ConversionError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: cannot convert %q to %s", e.Row, e.Value, e.To)
	}
	return fmt.Sprintf("row %d, column %q: cannot convert %q to %s", e.Row, e.Column, e.Value, e.To)
}

// Unwrap returns the underlying reason.
func (e *ConversionError) Unwrap() error { return e.Err }

// ErrUnsupportedConversion is wrapped by Convert when no conversion between
// the two types exists (for example date to bool).
var ErrUnsupportedConversion = errors.New("unsupported conversion")

// Convert returns col converted to type to. Supported conversions:
//   - any type to string (Column.Format) and string to any type (the Parse*
//     functions of this package);
//   - between int64, float64 and bool (floats must be integral and in range
//     to become int64; only 0 and 1 become bool);
//   - date to timestamp (midnight UTC) and timestamp to date (UTC day).
//
// Nulls stay null. The first failing value is returned as a
// *ConversionError with the 1-based row and an empty Column; use
// Table.ConvertColumn to get the column name filled in.
func Convert(col *Column, to Type) (*Column, error) {
	if !to.Valid() {
		return nil, fmt.Errorf("convert to %s: %w", to, ErrUnsupportedConversion)
	}
	from := col.typ
	if from == to {
		return col, nil
	}
	conv, ok := converter(from, to)
	if !ok {
		return nil, fmt.Errorf("convert %s to %s: %w", from, to, ErrUnsupportedConversion)
	}
	b := NewColumnBuilder(to, col.n)
	for i := 0; i < col.n; i++ {
		if col.IsNull(i) {
			b.AppendNull()
			continue
		}
		if err := conv(b, col, i); err != nil {
			return nil, &ConversionError{Row: i + 1, Value: col.Format(i), From: from, To: to, Err: err}
		}
	}
	return b.Build(), nil
}

// ConvertColumn returns a table whose named column is converted to type to
// (see Convert); errors carry the column name.
func (t *Table) ConvertColumn(name string, to Type) (*Table, error) {
	col := t.ColumnByName(name)
	if col == nil {
		return nil, fmt.Errorf("convert: no column %q", name)
	}
	out, err := Convert(col, to)
	if err != nil {
		var ce *ConversionError
		if errors.As(err, &ce) {
			ce.Column = name
			return nil, ce
		}
		return nil, fmt.Errorf("column %q: %w", name, err)
	}
	return t.WithColumn(name, out)
}

type convFunc func(b *ColumnBuilder, c *Column, i int) error

var (
	errNotIntegral = errors.New("not a whole number in the int64 range")
	errNotBool     = errors.New("only 0 and 1 convert to bool")
)

func converter(from, to Type) (convFunc, bool) {
	switch {
	case to == String:
		return func(b *ColumnBuilder, c *Column, i int) error {
			b.AppendString(c.Format(i))
			return nil
		}, true
	case from == String:
		return func(b *ColumnBuilder, c *Column, i int) error {
			return b.AppendParse(c.strs[i])
		}, true
	}
	switch [2]Type{from, to} {
	case [2]Type{Int64, Float64}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			b.AppendFloat64(float64(c.ints[i]))
			return nil
		}, true
	case [2]Type{Float64, Int64}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			f := c.floats[i]
			if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
				return errNotIntegral
			}
			b.AppendInt64(int64(f))
			return nil
		}, true
	case [2]Type{Int64, Bool}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			v := c.ints[i]
			if v != 0 && v != 1 {
				return errNotBool
			}
			b.AppendBool(v == 1)
			return nil
		}, true
	case [2]Type{Float64, Bool}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			v := c.floats[i]
			if v != 0 && v != 1 {
				return errNotBool
			}
			b.AppendBool(v == 1)
			return nil
		}, true
	case [2]Type{Bool, Int64}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			var v int64
			if c.bools[i] {
				v = 1
			}
			b.AppendInt64(v)
			return nil
		}, true
	case [2]Type{Bool, Float64}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			var v float64
			if c.bools[i] {
				v = 1
			}
			b.AppendFloat64(v)
			return nil
		}, true
	case [2]Type{Date, Timestamp}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			b.AppendTimestamp(int64(c.dates[i]) * microsPerDay)
			return nil
		}, true
	case [2]Type{Timestamp, Date}:
		return func(b *ColumnBuilder, c *Column, i int) error {
			us := c.ints[i]
			d := us / microsPerDay
			if us%microsPerDay < 0 {
				d--
			}
			if d < math.MinInt32 || d > math.MaxInt32 {
				return errors.New("date out of range")
			}
			b.AppendDate(int32(d))
			return nil
		}, true
	}
	return nil, false
}
