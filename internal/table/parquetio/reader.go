package parquetio

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/hotpass/hotpass/internal/table"
)

// ErrUnsupportedType is wrapped by the error Open returns for a column whose
// Parquet type has no table equivalent.
var ErrUnsupportedType = errors.New("unsupported parquet type")

// Reader streams a Parquet file one row group per batch. Only one row group
// is decoded in memory at a time.
type Reader struct {
	name   string
	file   *os.File
	pf     *parquet.File
	schema table.Schema
	convs  []converter
	next   int
	values []parquet.Value
}

// converter appends one non-null parquet value to a column builder.
type converter func(b *table.ColumnBuilder, v parquet.Value) error

// Open opens the Parquet file at path.
//
// Supported column types (flat schemas only; every top-level field must be a
// primitive, optional or required):
//   - BOOLEAN → bool; INT32, INT64 and their INT(8..64) logical types →
//     int64 (UINT64 values above the int64 range are an error);
//   - FLOAT, DOUBLE → float64; DECIMAL (on INT32, INT64, BYTE_ARRAY or
//     FIXED_LEN_BYTE_ARRAY) → float64, which may round values with more than
//     15-17 significant digits;
//   - BYTE_ARRAY (STRING/UTF8, ENUM, JSON or unannotated) → string; UUID →
//     string in 8-4-4-4-12 form;
//   - DATE → date; TIMESTAMP in millis, micros or nanos, and legacy INT96
//     timestamps → timestamp (microseconds, nanos truncated toward the past).
//
// Dictionary-encoded pages and any number of row groups are read. Nested
// types (LIST, MAP, structs), repeated fields, TIME, INTERVAL, FLOAT16 and
// other types are reported as an error naming the column and its type.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	r, err := NewReader(f, st.Size(), path)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a Parquet file of the given size from in; name labels the
// input in errors. Close does not close in.
func NewReader(in io.ReaderAt, size int64, name string) (*Reader, error) {
	pf, err := parquet.OpenFile(in, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("parquet: %s: cannot read the file, it is truncated or not Parquet: %w", name, err)
	}
	r := &Reader{name: name, pf: pf}
	fields := pf.Schema().Fields()
	tf := make([]table.Field, len(fields))
	r.convs = make([]converter, len(fields))
	for i, f := range fields {
		t, conv, err := mapField(f)
		if err != nil {
			return nil, fmt.Errorf("parquet: %s: column %q: %w", name, f.Name(), err)
		}
		tf[i] = table.Field{Name: f.Name(), Type: t}
		r.convs[i] = conv
	}
	s, err := table.NewSchema(tf...)
	if err != nil {
		return nil, fmt.Errorf("parquet: %s: %w", name, err)
	}
	r.schema = s
	return r, nil
}

func describe(n parquet.Node) string {
	if !n.Leaf() {
		if lt := n.Type().LogicalType(); lt != nil && lt.Value != nil {
			return "nested " + lt.String()
		}
		if ct := n.Type().ConvertedType(); ct != nil {
			switch *ct {
			case deprecated.Map, deprecated.MapKeyValue:
				return "nested MAP"
			case deprecated.List:
				return "nested LIST"
			}
		}
		return "nested group"
	}
	return n.Type().String()
}

func mapField(n parquet.Node) (table.Type, converter, error) {
	if !n.Leaf() || n.Repeated() {
		return 0, nil, fmt.Errorf("%w %s: only flat columns are supported (flatten or cast it to text before exporting)", ErrUnsupportedType, describe(n))
	}
	typ := n.Type()
	unsupported := func() (table.Type, converter, error) {
		return 0, nil, fmt.Errorf("%w %s", ErrUnsupportedType, describe(n))
	}
	var lt format.LogicalTypeValue
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	var ct deprecated.ConvertedType = -1
	if c := typ.ConvertedType(); c != nil {
		ct = *c
	}
	if dec, ok := lt.(*format.DecimalType); ok {
		return table.Float64, decimalConverter(typ.Kind(), int(dec.Scale)), nil
	}
	if ct == deprecated.Decimal {
		return unsupported() // scale is only known through the logical type
	}
	switch typ.Kind() {
	case parquet.Boolean:
		return table.Bool, func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendBool(v.Boolean())
			return nil
		}, nil
	case parquet.Int32:
		it, _ := lt.(*format.IntType)
		switch lt.(type) {
		case nil, *format.IntType:
			if it != nil && !it.IsSigned {
				return table.Int64, func(b *table.ColumnBuilder, v parquet.Value) error {
					b.AppendInt64(int64(uint32(v.Int32())))
					return nil
				}, nil
			}
			if lt == nil && (ct == deprecated.Date) {
				return table.Date, appendDate, nil
			}
			if lt == nil && (ct == deprecated.TimeMillis) {
				return unsupported()
			}
			return table.Int64, func(b *table.ColumnBuilder, v parquet.Value) error {
				b.AppendInt64(int64(v.Int32()))
				return nil
			}, nil
		case *format.DateType:
			return table.Date, appendDate, nil
		}
		return unsupported()
	case parquet.Int64:
		it, _ := lt.(*format.IntType)
		switch x := lt.(type) {
		case nil, *format.IntType:
			if (it != nil && !it.IsSigned) || (lt == nil && ct == deprecated.Uint64) {
				return table.Int64, func(b *table.ColumnBuilder, v parquet.Value) error {
					u := v.Uint64()
					if u > math.MaxInt64 {
						return fmt.Errorf("unsigned value %d does not fit int64", u)
					}
					b.AppendInt64(int64(u))
					return nil
				}, nil
			}
			if lt == nil {
				switch ct {
				case deprecated.TimestampMillis:
					return table.Timestamp, timestampConverter(1000, 1), nil
				case deprecated.TimestampMicros:
					return table.Timestamp, timestampConverter(1, 1), nil
				case deprecated.TimeMicros:
					return unsupported()
				}
			}
			return table.Int64, func(b *table.ColumnBuilder, v parquet.Value) error {
				b.AppendInt64(v.Int64())
				return nil
			}, nil
		case *format.TimestampType:
			switch x.Unit.Value.(type) {
			case *format.MilliSeconds:
				return table.Timestamp, timestampConverter(1000, 1), nil
			case *format.MicroSeconds:
				return table.Timestamp, timestampConverter(1, 1), nil
			case *format.NanoSeconds:
				return table.Timestamp, timestampConverter(1, 1000), nil
			}
		}
		return unsupported()
	case parquet.Int96:
		return table.Timestamp, func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendTimestamp(int96Micros(v.Int96()))
			return nil
		}, nil
	case parquet.Float:
		if lt != nil {
			return unsupported()
		}
		return table.Float64, func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendFloat64(float64(v.Float()))
			return nil
		}, nil
	case parquet.Double:
		return table.Float64, func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendFloat64(v.Double())
			return nil
		}, nil
	case parquet.ByteArray:
		switch lt.(type) {
		case nil, *format.StringType, *format.EnumType, *format.JsonType:
			if ct == deprecated.Bson {
				return unsupported()
			}
			return table.String, func(b *table.ColumnBuilder, v parquet.Value) error {
				b.AppendString(string(v.ByteArray()))
				return nil
			}, nil
		}
		return unsupported()
	case parquet.FixedLenByteArray:
		if _, ok := lt.(*format.UUIDType); ok && typ.Length() == 16 {
			return table.String, func(b *table.ColumnBuilder, v parquet.Value) error {
				u := v.ByteArray()
				b.AppendString(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]))
				return nil
			}, nil
		}
		return unsupported()
	}
	return unsupported()
}

func appendDate(b *table.ColumnBuilder, v parquet.Value) error {
	b.AppendDate(v.Int32())
	return nil
}

// timestampConverter scales an INT64 timestamp to microseconds: multiply by
// mul, or floor-divide by div (nanos), so instants before 1970 round toward
// the past like every other unit.
func timestampConverter(mul, div int64) converter {
	return func(b *table.ColumnBuilder, v parquet.Value) error {
		x := v.Int64()
		switch {
		case div > 1:
			q := x / div
			if x%div < 0 {
				q--
			}
			x = q
		case mul > 1:
			if x > math.MaxInt64/mul || x < math.MinInt64/mul {
				return fmt.Errorf("timestamp %d ms out of range", x)
			}
			x *= mul
		}
		b.AppendTimestamp(x)
		return nil
	}
}

// int96Micros decodes the legacy Impala/Spark INT96 timestamp: nanoseconds
// of the day in the low 8 bytes, Julian day number in the high 4.
func int96Micros(i deprecated.Int96) int64 {
	const julianUnixEpoch = 2440588
	nanos := int64(uint64(i[1])<<32 | uint64(i[0]))
	days := int64(int32(i[2])) - julianUnixEpoch
	return days*86_400_000_000 + nanos/1000
}

func decimalConverter(kind parquet.Kind, scale int) converter {
	div := math.Pow10(scale)
	switch kind {
	case parquet.Int32:
		return func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendFloat64(float64(v.Int32()) / div)
			return nil
		}
	case parquet.Int64:
		return func(b *table.ColumnBuilder, v parquet.Value) error {
			b.AppendFloat64(float64(v.Int64()) / div)
			return nil
		}
	}
	den := new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	return func(b *table.ColumnBuilder, v parquet.Value) error {
		raw := v.ByteArray()
		n := new(big.Int).SetBytes(raw)
		if len(raw) > 0 && raw[0]&0x80 != 0 {
			// Two's complement: subtract 2^(8*len).
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(raw))))
		}
		f, _ := new(big.Float).Quo(new(big.Float).SetInt(n), den).Float64()
		b.AppendFloat64(f)
		return nil
	}
}

// Schema returns the table schema mapped from the file's columns, in file
// order.
func (r *Reader) Schema() table.Schema { return r.schema }

// NumRows returns the number of rows in the file.
func (r *Reader) NumRows() int64 { return r.pf.NumRows() }

// Next decodes the next row group, or returns io.EOF after the last.
// Row groups without rows are skipped.
func (r *Reader) Next() (*table.Table, error) {
	groups := r.pf.RowGroups()
	for r.next < len(groups) {
		rg := groups[r.next]
		r.next++
		if rg.NumRows() == 0 {
			continue
		}
		return r.readRowGroup(rg, r.next)
	}
	return nil, io.EOF
}

func (r *Reader) readRowGroup(rg parquet.RowGroup, ordinal int) (*table.Table, error) {
	n := int(rg.NumRows())
	b := table.NewBuilder(r.schema, n)
	if cap(r.values) == 0 {
		r.values = make([]parquet.Value, 4096)
	}
	// Data rows before this row group, so that errors give a file-wide row.
	base := 0
	for _, g := range r.pf.RowGroups()[:ordinal-1] {
		base += int(g.NumRows())
	}
	for j, chunk := range rg.ColumnChunks() {
		name := r.schema.Field(j).Name
		cb := b.Column(j)
		if err := r.readChunk(chunk, cb, r.convs[j], base); err != nil {
			return nil, fmt.Errorf("parquet: %s: row group %d, column %q: %w", r.name, ordinal, name, err)
		}
		if cb.Len() != n {
			return nil, fmt.Errorf("parquet: %s: row group %d, column %q: has %d values, expected %d (the file is corrupt)", r.name, ordinal, name, cb.Len(), n)
		}
	}
	return b.Build()
}

func (r *Reader) readChunk(chunk parquet.ColumnChunk, cb *table.ColumnBuilder, conv converter, base int) (err error) {
	pages := chunk.Pages()
	defer func() {
		if cerr := pages.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		err = r.readPage(page, cb, conv, base)
		parquet.Release(page)
		if err != nil {
			return err
		}
	}
}

func (r *Reader) readPage(page parquet.Page, cb *table.ColumnBuilder, conv converter, base int) error {
	vr := page.Values()
	for {
		k, err := vr.ReadValues(r.values)
		for _, v := range r.values[:k] {
			if v.IsNull() {
				cb.AppendNull()
				continue
			}
			if cerr := conv(cb, v); cerr != nil {
				return fmt.Errorf("row %d: %w", base+cb.Len()+1, cerr)
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Close closes the file opened by Open.
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}
