package table

import (
	"fmt"
	"strings"
)

// Type is the logical type of a column.
type Type uint8

// The column types. The zero Type is invalid so that a forgotten field type is
// caught by NewSchema instead of silently becoming a string column.
const (
	// String is UTF-8 text.
	String Type = iota + 1
	// Int64 is a signed 64-bit integer.
	Int64
	// Float64 is an IEEE-754 double.
	Float64
	// Bool is true or false.
	Bool
	// Date is a calendar date, stored as int32 days since 1970-01-01.
	Date
	// Timestamp is an instant, stored as int64 microseconds since the Unix
	// epoch in UTC.
	Timestamp
)

var typeNames = [...]string{
	String:    "string",
	Int64:     "int64",
	Float64:   "float64",
	Bool:      "bool",
	Date:      "date",
	Timestamp: "timestamp",
}

// Types lists every valid Type in declaration order.
func Types() []Type {
	return []Type{String, Int64, Float64, Bool, Date, Timestamp}
}

// String returns the name used in specs and error messages ("string",
// "int64", "float64", "bool", "date", "timestamp").
func (t Type) String() string {
	if t.Valid() {
		return typeNames[t]
	}
	return fmt.Sprintf("invalid(%d)", uint8(t))
}

// Valid reports whether t is one of the declared types.
func (t Type) Valid() bool {
	return t >= String && t <= Timestamp
}

// ParseType is the inverse of Type.String. Matching ignores case and
// surrounding space so that hand-written specs are forgiving.
func ParseType(s string) (Type, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, t := range Types() {
		if typeNames[t] == name {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown column type %q: use one of string, int64, float64, bool, date, timestamp", s)
}

// MarshalText encodes the type by name, so Type works in YAML and JSON.
func (t Type) MarshalText() ([]byte, error) {
	if !t.Valid() {
		return nil, fmt.Errorf("cannot marshal %s column type", t)
	}
	return []byte(t.String()), nil
}

// UnmarshalText decodes a type name accepted by ParseType.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}
