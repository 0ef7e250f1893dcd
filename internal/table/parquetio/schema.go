// Package parquetio reads and writes Parquet files as table streams, using
// github.com/parquet-go/parquet-go.
//
// Files written here have one optional leaf column per table column, in the
// table's column order, with zstd compression by default: String as
// BYTE_ARRAY (STRING), Int64 as INT64, Float64 as DOUBLE, Bool as BOOLEAN,
// Date as INT32 (DATE) and Timestamp as INT64 (TIMESTAMP(MICROS, UTC)).
//
// The reader accepts flat files written by other tools (pyarrow, DuckDB,
// Spark): see Open for the supported physical and logical types.
package parquetio

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"

	"github.com/hotpass/hotpass/internal/table"
)

// orderedGroup is a parquet group node whose fields keep the order they were
// given in. parquet.Group is a map and sorts its fields by name, which would
// reorder the user's columns in every file we write.
type orderedGroup struct {
	fields []parquet.Field
}

func (g *orderedGroup) ID() int { return 0 }
func (g *orderedGroup) String() string {
	var b strings.Builder
	b.WriteString("group {")
	for _, f := range g.fields {
		fmt.Fprintf(&b, " %s %s;", f.Name(), f.Type())
	}
	b.WriteString(" }")
	return b.String()
}
func (g *orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fields }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return reflect.TypeFor[map[string]any]() }
func (f *namedField) Name() string                  { return f.name }
func (f *namedField) Value(base reflect.Value) reflect.Value {
	return base.MapIndex(reflect.ValueOf(f.name))
}

// namedField attaches a name to a leaf node.
type namedField struct {
	parquet.Node
	name string
}

// leafNode returns the optional parquet leaf used to store a column type.
func leafNode(t table.Type, dictionary bool) (parquet.Node, error) {
	var n parquet.Node
	switch t {
	case table.String:
		n = parquet.String()
		if dictionary {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		}
	case table.Int64:
		n = parquet.Leaf(parquet.Int64Type)
	case table.Float64:
		n = parquet.Leaf(parquet.DoubleType)
	case table.Bool:
		n = parquet.Leaf(parquet.BooleanType)
	case table.Date:
		n = parquet.Date()
	case table.Timestamp:
		n = parquet.Timestamp(parquet.Microsecond)
	default:
		return nil, fmt.Errorf("no parquet type for %s", t)
	}
	return parquet.Optional(n), nil
}

// ParquetSchema returns the parquet schema used to write tables of schema s,
// with columns in the same order.
func ParquetSchema(s table.Schema, dictionary bool) (*parquet.Schema, error) {
	g := &orderedGroup{fields: make([]parquet.Field, s.Len())}
	for i := 0; i < s.Len(); i++ {
		f := s.Field(i)
		n, err := leafNode(f.Type, dictionary)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", f.Name, err)
		}
		g.fields[i] = &namedField{Node: n, name: f.Name}
	}
	return parquet.NewSchema("table", g), nil
}
