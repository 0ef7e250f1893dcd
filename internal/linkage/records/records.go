// Package records gathers the input tables of a linkage run into one
// indexed set of records: record i has a source input, a unique id, and
// values read column by column across all inputs.
//
// Records are numbered 0..Len()-1, input by input in the order given; that
// number is what blocking, comparison and clustering pass around.
package records

import (
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/table"
)

// Input is one table to link, with the name that identifies its records in
// outputs (Splink's source_dataset).
type Input struct {
	Name  string
	Table *table.Table
}

// Set is the indexed union of the inputs. It is immutable and safe for
// concurrent readers.
type Set struct {
	inputs  []Input
	offsets []int // first record of each input; offsets[len(inputs)] = Len()
	source  []uint16
	ids     []string
}

// MaxInputs is the largest number of inputs a Set accepts.
const MaxInputs = 1 << 16

// New indexes inputs. Link types other than dedupe_only need at least two
// inputs. Every input must hold idColumn, with a non-null value unique
// within the input on every row.
func New(linkType settings.LinkType, idColumn string, inputs []Input) (*Set, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("linkage: no input tables")
	}
	if len(inputs) > MaxInputs {
		return nil, fmt.Errorf("linkage: %d inputs, at most %d are supported", len(inputs), MaxInputs)
	}
	if linkType != settings.DedupeOnly && len(inputs) < 2 {
		return nil, fmt.Errorf("linkage: link type %s needs two or more input tables, got %d; use dedupe_only for one table", linkType, len(inputs))
	}
	s := &Set{inputs: make([]Input, len(inputs)), offsets: make([]int, len(inputs)+1)}
	names := map[string]bool{}
	total := 0
	for k, in := range inputs {
		if in.Table == nil {
			return nil, fmt.Errorf("linkage: input %d (%q) has no table", k+1, in.Name)
		}
		if in.Name == "" {
			in.Name = fmt.Sprintf("input_%d", k+1)
		}
		if names[in.Name] {
			return nil, fmt.Errorf("linkage: two inputs are named %q; give each input a distinct source name", in.Name)
		}
		names[in.Name] = true
		s.inputs[k] = in
		s.offsets[k] = total
		total += in.Table.NumRows()
	}
	s.offsets[len(inputs)] = total
	s.source = make([]uint16, total)
	s.ids = make([]string, total)
	for k, in := range s.inputs {
		col := in.Table.ColumnByName(idColumn)
		if col == nil {
			return nil, fmt.Errorf("linkage: input %q has no unique id column %q (columns: %s); set unique_id_column",
				in.Name, idColumn, strings.Join(in.Table.Schema().Names(), ", "))
		}
		first := make(map[string]int, col.Len())
		base := s.offsets[k]
		for r := 0; r < col.Len(); r++ {
			if col.IsNull(r) {
				return nil, fmt.Errorf("linkage: input %q row %d, column %q: the unique id is empty; every record needs an id", in.Name, r+1, idColumn)
			}
			id := col.Format(r)
			if prev, dup := first[id]; dup {
				return nil, fmt.Errorf("linkage: input %q rows %d and %d, column %q: duplicate unique id %q; ids must be unique within an input",
					in.Name, prev+1, r+1, idColumn, id)
			}
			first[id] = r
			s.source[base+r] = uint16(k)
			s.ids[base+r] = id
		}
	}
	return s, nil
}

// Len returns the number of records.
func (s *Set) Len() int { return len(s.ids) }

// NumInputs returns the number of inputs.
func (s *Set) NumInputs() int { return len(s.inputs) }

// InputName returns the source name of input k.
func (s *Set) InputName(k int) string { return s.inputs[k].Name }

// InputLen returns the number of records of input k.
func (s *Set) InputLen(k int) int { return s.offsets[k+1] - s.offsets[k] }

// Offset returns the record number of the first row of input k.
func (s *Set) Offset(k int) int { return s.offsets[k] }

// Source returns the input of record i.
func (s *Set) Source(i int) int { return int(s.source[i]) }

// Sources returns the input of every record; the slice is shared.
func (s *Set) Sources() []uint16 { return s.source }

// ID returns the unique id of record i within its input.
func (s *Set) ID(i int) string { return s.ids[i] }

// Row returns the input and 0-based row of record i.
func (s *Set) Row(i int) (input, row int) {
	k := int(s.source[i])
	return k, i - s.offsets[k]
}

// Describe names record i for error messages: input, 1-based row and id.
func (s *Set) Describe(i int) string {
	k, r := s.Row(i)
	return fmt.Sprintf("input %q row %d (id %q)", s.inputs[k].Name, r+1, s.ids[i])
}

// columns returns the named column of every input, or an error naming the
// first input that lacks it.
func (s *Set) columns(name string) ([]*table.Column, error) {
	cols := make([]*table.Column, len(s.inputs))
	for k, in := range s.inputs {
		c := in.Table.ColumnByName(name)
		if c == nil {
			return nil, fmt.Errorf("input %q has no column %q (columns: %s)",
				in.Name, name, strings.Join(in.Table.Schema().Names(), ", "))
		}
		cols[k] = c
	}
	return cols, nil
}

// HasColumn reports an error when some input lacks the column.
func (s *Set) HasColumn(name string) error {
	_, err := s.columns(name)
	return err
}

// Strings returns every record's value of the column as text (see
// table.Column.Format) and whether it is present (non-null). For a single
// string input the values slice is shared with the table.
func (s *Set) Strings(name string) (values []string, present []bool, err error) {
	cols, err := s.columns(name)
	if err != nil {
		return nil, nil, err
	}
	present = make([]bool, s.Len())
	if len(cols) == 1 && cols[0].Type() == table.String {
		values = cols[0].Strings()
	} else {
		values = make([]string, s.Len())
	}
	for k, c := range cols {
		base := s.offsets[k]
		isStr := c.Type() == table.String
		for r := 0; r < c.Len(); r++ {
			if c.IsNull(r) {
				continue
			}
			present[base+r] = true
			if len(cols) > 1 || !isStr {
				if isStr {
					values[base+r] = c.Strings()[r]
				} else {
					values[base+r] = c.Format(r)
				}
			}
		}
	}
	return values, present, nil
}

// Dates returns every record's value of the column as days since
// 1970-01-01. Date and timestamp columns are read directly; text is parsed
// as YYYY-MM-DD, YYYYMMDD or another layout table.ParseDate accepts.
// Values that do not parse are reported as absent and counted in bad.
func (s *Set) Dates(name string) (days []int32, present []bool, bad int, err error) {
	cols, err := s.columns(name)
	if err != nil {
		return nil, nil, 0, err
	}
	days = make([]int32, s.Len())
	present = make([]bool, s.Len())
	for k, c := range cols {
		base := s.offsets[k]
		for r := 0; r < c.Len(); r++ {
			if c.IsNull(r) {
				continue
			}
			switch c.Type() {
			case table.Date:
				days[base+r], present[base+r] = c.Dates()[r], true
			case table.Timestamp:
				days[base+r], present[base+r] = table.TimeToDate(table.TimestampToTime(c.Timestamps()[r])), true
			default:
				d, ok := rule.ParseDate(c.Format(r))
				if !ok {
					bad++
					continue
				}
				days[base+r], present[base+r] = d, true
			}
		}
	}
	return days, present, bad, nil
}

// Floats returns every record's value of the column as a number. Numeric
// columns are read directly; text is parsed. Values that do not parse are
// reported as absent and counted in bad.
func (s *Set) Floats(name string) (nums []float64, present []bool, bad int, err error) {
	cols, err := s.columns(name)
	if err != nil {
		return nil, nil, 0, err
	}
	nums = make([]float64, s.Len())
	present = make([]bool, s.Len())
	for k, c := range cols {
		base := s.offsets[k]
		for r := 0; r < c.Len(); r++ {
			if c.IsNull(r) {
				continue
			}
			switch c.Type() {
			case table.Float64:
				nums[base+r], present[base+r] = c.Float64s()[r], true
			case table.Int64:
				nums[base+r], present[base+r] = float64(c.Int64s()[r]), true
			default:
				f, perr := table.ParseFloat64(c.Format(r))
				if perr != nil {
					bad++
					continue
				}
				nums[base+r], present[base+r] = f, true
			}
		}
	}
	return nums, present, bad, nil
}
