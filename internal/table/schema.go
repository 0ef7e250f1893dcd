package table

import (
	"fmt"
	"strings"
)

// Field is one named, typed column of a Schema.
type Field struct {
	Name string
	Type Type
}

// Schema is an ordered list of uniquely named fields. It is immutable; the
// zero Schema has no fields.
type Schema struct {
	fields []Field
	index  map[string]int
}

// NewSchema checks that names are non-empty and unique, that every type is
// valid and that there are at most MaxColumns fields, and keeps the fields
// in the given order.
func NewSchema(fields ...Field) (Schema, error) {
	if len(fields) > MaxColumns {
		return Schema{}, &ColumnLimitError{Columns: len(fields), Limit: MaxColumns}
	}
	index := make(map[string]int, len(fields))
	for i, f := range fields {
		if f.Name == "" {
			return Schema{}, fmt.Errorf("schema field %d has an empty name", i+1)
		}
		if !f.Type.Valid() {
			return Schema{}, fmt.Errorf("schema field %q has %s type", f.Name, f.Type)
		}
		if j, dup := index[f.Name]; dup {
			return Schema{}, fmt.Errorf("schema has duplicate column %q (fields %d and %d): rename one of them", f.Name, j+1, i+1)
		}
		index[f.Name] = i
	}
	return Schema{fields: append([]Field(nil), fields...), index: index}, nil
}

// MustSchema is NewSchema for fixed schemas known to be valid; it panics on
// error.
func MustSchema(fields ...Field) Schema {
	s, err := NewSchema(fields...)
	if err != nil {
		panic(err)
	}
	return s
}

// Len returns the number of fields.
func (s Schema) Len() int { return len(s.fields) }

// Field returns the i-th field.
func (s Schema) Field(i int) Field { return s.fields[i] }

// Fields returns a copy of the fields in order.
func (s Schema) Fields() []Field { return append([]Field(nil), s.fields...) }

// Names returns the field names in order.
func (s Schema) Names() []string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.Name
	}
	return names
}

// Index returns the position of the named field.
func (s Schema) Index(name string) (int, bool) {
	i, ok := s.index[name]
	return i, ok
}

// Lookup returns the named field.
func (s Schema) Lookup(name string) (Field, bool) {
	i, ok := s.index[name]
	if !ok {
		return Field{}, false
	}
	return s.fields[i], true
}

// Equal reports whether both schemas have the same names and types in the
// same order.
func (s Schema) Equal(o Schema) bool {
	if len(s.fields) != len(o.fields) {
		return false
	}
	for i := range s.fields {
		if s.fields[i] != o.fields[i] {
			return false
		}
	}
	return true
}

// String renders the schema as "name:type, ..." for messages.
func (s Schema) String() string {
	var b strings.Builder
	for i, f := range s.fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		b.WriteByte(':')
		b.WriteString(f.Type.String())
	}
	return b.String()
}

// Diff describes the first difference between two schemas, or returns "" if
// they are equal. It exists so that errors can say what to fix.
func (s Schema) Diff(o Schema) string {
	n := min(len(s.fields), len(o.fields))
	for i := 0; i < n; i++ {
		a, b := s.fields[i], o.fields[i]
		if a.Name != b.Name {
			return fmt.Sprintf("column %d is %q in one and %q in the other", i+1, a.Name, b.Name)
		}
		if a.Type != b.Type {
			return fmt.Sprintf("column %q is %s in one and %s in the other", a.Name, a.Type, b.Type)
		}
	}
	if len(s.fields) != len(o.fields) {
		return fmt.Sprintf("one has %d columns and the other %d", len(s.fields), len(o.fields))
	}
	return ""
}
