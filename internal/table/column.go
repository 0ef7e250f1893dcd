package table

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"time"
)

// Column is an immutable, typed sequence of values with a validity bitmap.
//
// Exactly one of the value slices is used, chosen by the type. Slots of null
// rows hold the zero value, so the typed accessors can be used in tight loops
// with a separate IsNull check only where nulls matter.
type Column struct {
	typ    Type
	n      int
	strs   []string
	ints   []int64 // Int64 and Timestamp
	floats []float64
	bools  []bool
	dates  []int32
	// valid is a bitmap, bit (off+i) set when row i is not null; nil means
	// no nulls. off lets Slice share the bitmap without realigning it.
	valid []uint64
	off   int
	nulls int
}

// Type returns the column's type.
func (c *Column) Type() Type { return c.typ }

// Len returns the number of rows.
func (c *Column) Len() int { return c.n }

// NullCount returns the number of null rows.
func (c *Column) NullCount() int { return c.nulls }

// IsNull reports whether row i is null.
func (c *Column) IsNull(i int) bool {
	if c.valid == nil {
		return false
	}
	j := c.off + i
	return c.valid[j>>6]&(1<<(uint(j)&63)) == 0
}

// Valid reports whether row i holds a value.
func (c *Column) Valid(i int) bool { return !c.IsNull(i) }

func (c *Column) mustBe(t Type, what string) {
	if c.typ != t {
		panic(fmt.Sprintf("table: %s called on a %s column", what, c.typ))
	}
}

// Strings returns the values of a String column; null rows hold "". The
// slice is shared and must not be modified. It panics for other types.
func (c *Column) Strings() []string { c.mustBe(String, "Strings"); return c.strs }

// Int64s returns the values of an Int64 column; null rows hold 0. The slice
// is shared and must not be modified. It panics for other types.
func (c *Column) Int64s() []int64 { c.mustBe(Int64, "Int64s"); return c.ints }

// Float64s returns the values of a Float64 column; null rows hold 0. The
// slice is shared and must not be modified. It panics for other types.
func (c *Column) Float64s() []float64 { c.mustBe(Float64, "Float64s"); return c.floats }

// Bools returns the values of a Bool column; null rows hold false. The slice
// is shared and must not be modified. It panics for other types.
func (c *Column) Bools() []bool { c.mustBe(Bool, "Bools"); return c.bools }

// Dates returns the values of a Date column as days since 1970-01-01; null
// rows hold 0. The slice is shared and must not be modified. It panics for
// other types.
func (c *Column) Dates() []int32 { c.mustBe(Date, "Dates"); return c.dates }

// Timestamps returns the values of a Timestamp column as microseconds since
// the Unix epoch (UTC); null rows hold 0. The slice is shared and must not be
// modified. It panics for other types.
func (c *Column) Timestamps() []int64 { c.mustBe(Timestamp, "Timestamps"); return c.ints }

// Value returns row i as a Go value for generic code: nil for null, string,
// int64, float64, bool, or time.Time (UTC) for Date and Timestamp.
func (c *Column) Value(i int) any {
	if c.IsNull(i) {
		return nil
	}
	switch c.typ {
	case String:
		return c.strs[i]
	case Int64:
		return c.ints[i]
	case Float64:
		return c.floats[i]
	case Bool:
		return c.bools[i]
	case Date:
		return DateToTime(c.dates[i])
	case Timestamp:
		return TimestampToTime(c.ints[i])
	}
	return nil
}

// Format renders row i as text: "" for null, dates as YYYY-MM-DD, timestamps
// as RFC 3339 in UTC with microseconds only when they are non-zero, floats
// in the shortest form that reads back to the same value and always with a
// decimal point or exponent (so "3.0" stays a float when re-inferred).
func (c *Column) Format(i int) string {
	if c.IsNull(i) {
		return ""
	}
	switch c.typ {
	case String:
		return c.strs[i]
	case Int64:
		return strconv.FormatInt(c.ints[i], 10)
	case Float64:
		return FormatFloat(c.floats[i])
	case Bool:
		return strconv.FormatBool(c.bools[i])
	case Date:
		return FormatDate(c.dates[i])
	case Timestamp:
		return FormatTimestamp(c.ints[i])
	}
	return ""
}

// AppendFormat appends Format(i) to dst without an intermediate string.
func (c *Column) AppendFormat(dst []byte, i int) []byte {
	if c.IsNull(i) {
		return dst
	}
	switch c.typ {
	case String:
		return append(dst, c.strs[i]...)
	case Int64:
		return strconv.AppendInt(dst, c.ints[i], 10)
	case Float64:
		return AppendFloat(dst, c.floats[i])
	case Bool:
		return strconv.AppendBool(dst, c.bools[i])
	case Date:
		return DateToTime(c.dates[i]).AppendFormat(dst, time.DateOnly)
	case Timestamp:
		return appendTimestamp(dst, c.ints[i])
	}
	return dst
}

// FormatFloat renders f as Column.Format does.
func FormatFloat(f float64) string { return string(AppendFloat(nil, f)) }

// AppendFloat appends FormatFloat(f) to dst.
func AppendFloat(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	abs := math.Abs(f)
	start := len(dst)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	for _, ch := range dst[start:] {
		if ch == '.' {
			return dst
		}
	}
	return append(dst, '.', '0')
}

// slice returns rows [lo, hi) sharing storage.
func (c *Column) slice(lo, hi int) *Column {
	s := &Column{typ: c.typ, n: hi - lo}
	switch c.typ {
	case String:
		s.strs = c.strs[lo:hi:hi]
	case Int64, Timestamp:
		s.ints = c.ints[lo:hi:hi]
	case Float64:
		s.floats = c.floats[lo:hi:hi]
	case Bool:
		s.bools = c.bools[lo:hi:hi]
	case Date:
		s.dates = c.dates[lo:hi:hi]
	}
	if c.valid != nil && c.nulls > 0 {
		s.valid = c.valid
		s.off = c.off + lo
		s.nulls = s.n - countBits(c.valid, s.off, s.n)
		if s.nulls == 0 {
			s.valid, s.off = nil, 0
		}
	}
	return s
}

// countBits counts set bits in [off, off+n).
func countBits(words []uint64, off, n int) int {
	total := 0
	for n > 0 {
		w := words[off>>6] >> (uint(off) & 63)
		take := 64 - off&63
		if take > n {
			take = n
			w &= (1 << uint(take)) - 1
		}
		total += bits.OnesCount64(w)
		off += take
		n -= take
	}
	return total
}
