package table

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The text parsers below are shared by Convert, the inference rules and the
// codecs, so that a value inferred as a type always parses as that type.

// ParseInt64 parses a base-10 integer, ignoring surrounding space.
func ParseInt64(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			return 0, ne.Err
		}
		return 0, err
	}
	return v, nil
}

// ParseFloat64 parses a decimal or exponent float, ignoring surrounding
// space. "NaN" and "Inf" are accepted as strconv does.
func ParseFloat64(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			return 0, ne.Err
		}
		return 0, err
	}
	return v, nil
}

// ParseBool accepts, case-insensitively, true/false, t/f, yes/no, y/n and
// 1/0, ignoring surrounding space.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return false, errors.New("not a boolean (use true/false, yes/no or 1/0)")
}

// DateLayouts are the layouts ParseDate accepts after ISO 8601
// (YYYY-MM-DD). Day-first and month-first numeric layouts such as 03/04/2024
// are deliberately absent because they are ambiguous; such columns stay
// strings unless a caller converts them with an explicit layout.
var DateLayouts = []string{
	"2006/01/02",
	"2006.01.02",
	"2 Jan 2006",
	"02 Jan 2006",
	"2 January 2006",
	"Jan 2, 2006",
	"January 2, 2006",
	"2-Jan-2006",
	"02-Jan-2006",
}

var errNotDate = errors.New("not a date (use YYYY-MM-DD)")

// ParseDate parses an ISO 8601 date (YYYY-MM-DD) or one of DateLayouts and
// returns days since 1970-01-01.
func ParseDate(s string) (int32, error) {
	s = strings.TrimSpace(s)
	if d, ok := parseISODate(s); ok {
		return d, nil
	}
	if len(s) < 8 || len(s) > 20 {
		return 0, errNotDate
	}
	for _, layout := range DateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return TimeToDate(t), nil
		}
	}
	return 0, errNotDate
}

func parseISODate(s string) (int32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// TimestampLayouts are the layouts ParseTimestamp accepts. Fractional
// seconds are accepted after the seconds field of any of them; layouts
// without a zone are read as UTC.
var TimestampLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

var errNotTimestamp = errors.New("not a timestamp (use RFC 3339, e.g. 2024-01-31T08:00:00Z)")

// ParseTimestamp parses one of TimestampLayouts, or a date alone (midnight
// UTC), and returns microseconds since the Unix epoch.
func ParseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if us, ok := parseTimestampOnly(s); ok {
		return us, nil
	}
	if d, err := ParseDate(s); err == nil {
		return int64(d) * microsPerDay, nil
	}
	return 0, errNotTimestamp
}

// parseTimestampOnly accepts values with a time of day, which is what
// inference requires before calling a column a timestamp rather than a date.
func parseTimestampOnly(s string) (int64, bool) {
	if len(s) < 16 || s[4] != '-' {
		return 0, false
	}
	for _, layout := range TimestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMicro(), true
		}
	}
	return 0, false
}

// ParseValue parses text as type t and returns the value as Column.Value
// would (time.Time for dates and timestamps).
func ParseValue(s string, t Type) (any, error) {
	switch t {
	case String:
		return s, nil
	case Int64:
		return ParseInt64(s)
	case Float64:
		return ParseFloat64(s)
	case Bool:
		return ParseBool(s)
	case Date:
		d, err := ParseDate(s)
		return DateToTime(d), err
	case Timestamp:
		us, err := ParseTimestamp(s)
		return TimestampToTime(us), err
	}
	return nil, fmt.Errorf("cannot parse into %s", t)
}

// AppendParse parses s as the builder's type and appends it. On error
// nothing is appended and the error says why the text is not valid.
func (b *ColumnBuilder) AppendParse(s string) error {
	switch b.col.typ {
	case String:
		b.AppendString(s)
	case Int64:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if v, err = ParseInt64(s); err != nil {
				return err
			}
		}
		b.AppendInt64(v)
	case Float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			if v, err = ParseFloat64(s); err != nil {
				return err
			}
		}
		b.AppendFloat64(v)
	case Bool:
		v, err := ParseBool(s)
		if err != nil {
			return err
		}
		b.AppendBool(v)
	case Date:
		v, err := ParseDate(s)
		if err != nil {
			return err
		}
		b.AppendDate(v)
	case Timestamp:
		v, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		b.AppendTimestamp(v)
	}
	return nil
}

// Truncate drops rows beyond the first n; codecs use it to undo a partly
// appended row that turned out to be bad.
func (b *ColumnBuilder) Truncate(n int) {
	c := &b.col
	if n >= c.n {
		return
	}
	switch c.typ {
	case String:
		clear(c.strs[n:])
		c.strs = c.strs[:n]
	case Int64, Timestamp:
		c.ints = c.ints[:n]
	case Float64:
		c.floats = c.floats[:n]
	case Bool:
		c.bools = c.bools[:n]
	case Date:
		c.dates = c.dates[:n]
	}
	if b.hasNull {
		b.valid = b.valid[:(n+63)>>6]
		if r := n & 63; r > 0 {
			b.valid[n>>6] &= (1 << uint(r)) - 1
		}
		c.nulls = n - countBits(b.valid, 0, n)
	}
	c.n = n
}
