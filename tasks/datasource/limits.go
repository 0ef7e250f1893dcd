package datasource

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/suggest"
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/xlsxio"
	"github.com/hotpass/hotpass/specs/decode"
)

// Limits is the `limits:` option of the file formats: bounds on what
// reading one file may cost, so that a hostile or broken file ends in an
// error naming the limit. Unset keys take the reader's defaults; which keys
// apply depends on the format (see limitKeys).
type Limits struct {
	MaxColumns           int     `yaml:"max_columns"`
	MaxFieldBytes        int     `yaml:"max_field_bytes"`
	MaxRowBytes          int     `yaml:"max_row_bytes"`
	MaxCellBytes         int     `yaml:"max_cell_bytes"`
	MaxSharedStrings     int     `yaml:"max_shared_strings"`
	MaxSharedStringBytes int64   `yaml:"max_shared_string_bytes"`
	MaxPartBytes         int64   `yaml:"max_part_bytes"`
	MaxRatio             float64 `yaml:"max_ratio"`
	MaxCells             int64   `yaml:"max_cells"`
}

// limitKey documents one key of the limits option.
type limitKey struct {
	name    string
	formats []string
	bytes   bool // a size, which may be written as 64MiB
	desc    string
}

var limitKeys = []limitKey{
	{"max_columns", []string{"csv", "xlsx", "jsonl"}, false, fmt.Sprintf("Most columns of the table read. Default %d; at most %d, the Parquet limit.", table.DefaultMaxColumns, table.MaxColumns)},
	{"max_field_bytes", []string{"csv", "jsonl"}, true, fmt.Sprintf("Longest single value. Default %d (64 MiB).", table.DefaultMaxFieldBytes)},
	{"max_row_bytes", []string{"csv", "jsonl"}, true, fmt.Sprintf("Longest record (line). Default %d (64 MiB).", table.DefaultMaxRowBytes)},
	{"max_cell_bytes", []string{"xlsx"}, true, fmt.Sprintf("Longest text of one cell, shared string or formula. Default %d (1 MiB).", xlsxio.DefaultMaxCellBytes)},
	{"max_shared_strings", []string{"xlsx"}, false, fmt.Sprintf("Most entries of the shared-string table. Default %d.", xlsxio.DefaultMaxSharedStrings)},
	{"max_shared_string_bytes", []string{"xlsx"}, true, fmt.Sprintf("Most text of all shared strings together. Default %d (256 MiB).", xlsxio.DefaultMaxSharedStringBytes)},
	{"max_part_bytes", []string{"xlsx"}, true, fmt.Sprintf("Largest decompressed part (a sheet's XML, the shared strings). Default %d (4 GiB).", xlsxio.DefaultMaxPartBytes)},
	{"max_ratio", []string{"xlsx"}, false, fmt.Sprintf("Most a part may expand over its compressed size, past 1 MiB. Default %.0f.", xlsxio.DefaultMaxRatio)},
	{"max_cells", []string{"xlsx"}, false, fmt.Sprintf("Most cells (rows × columns, empty rows between data rows included) of the table read. Default %d.", xlsxio.DefaultMaxCells)},
}

// UnmarshalYAML decodes the mapping key by key, so that an unknown key is
// an error with a did-you-mean hint and sizes may carry a unit.
func (l *Limits) UnmarshalYAML(n *yaml.Node) error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("limits must be a mapping, e.g. {max_columns: 20000}")
	}
	names := make([]string, len(limitKeys))
	for i, k := range limitKeys {
		names[i] = k.name
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var key *limitKey
		for j := range limitKeys {
			if limitKeys[j].name == k.Value {
				key = &limitKeys[j]
			}
		}
		if key == nil {
			if s := suggest.Closest(k.Value, names); s != "" {
				return fmt.Errorf("unknown limit %q; did you mean %q?", k.Value, s)
			}
			return fmt.Errorf("unknown limit %q; limits are %s", k.Value, strings.Join(names, ", "))
		}
		if err := l.set(key, v.Value); err != nil {
			return fmt.Errorf("limits.%s: %w", key.name, err)
		}
	}
	return nil
}

func (l *Limits) set(key *limitKey, s string) error {
	if key.name == "max_ratio" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) {
			return fmt.Errorf("%q is not a positive number", s)
		}
		l.MaxRatio = f
		return nil
	}
	n, err := parseCount(s, key.bytes)
	if err != nil {
		return err
	}
	switch key.name {
	case "max_columns":
		if n > table.MaxColumns {
			return fmt.Errorf("%d is more than a table can hold (%d, the Parquet limit)", n, table.MaxColumns)
		}
		l.MaxColumns = int(n)
	case "max_field_bytes":
		l.MaxFieldBytes = int(n)
	case "max_row_bytes":
		l.MaxRowBytes = int(n)
	case "max_cell_bytes":
		l.MaxCellBytes = int(n)
	case "max_shared_strings":
		l.MaxSharedStrings = int(n)
	case "max_shared_string_bytes":
		l.MaxSharedStringBytes = n
	case "max_part_bytes":
		l.MaxPartBytes = n
	case "max_cells":
		l.MaxCells = n
	}
	return nil
}

// maxLimit bounds every limit, 64 TiB: far past any file a reader takes,
// and low enough that the readers' int arithmetic cannot overflow.
const maxLimit = 1 << 46

// parseCount reads a positive integer; sizes take decode.ByteSize's syntax
// (64MiB, 2GB), the one every size of a spec is written in.
func parseCount(s string, size bool) (int64, error) {
	if size {
		n, err := decode.ByteSize(s)
		if err != nil || n > maxLimit {
			return 0, fmt.Errorf("%q is not a positive size: %s", s, decode.ByteSizeHint)
		}
		return n, nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), "_", ""), 10, 64)
	if err != nil || n <= 0 || n > maxLimit {
		return 0, fmt.Errorf("%q is not a positive integer", s)
	}
	return n, nil
}

// keys lists the keys given, by name.
func (l *Limits) keys() []string {
	if l == nil {
		return nil
	}
	var out []string
	add := func(name string, ok bool) {
		if ok {
			out = append(out, name)
		}
	}
	add("max_columns", l.MaxColumns != 0)
	add("max_field_bytes", l.MaxFieldBytes != 0)
	add("max_row_bytes", l.MaxRowBytes != 0)
	add("max_cell_bytes", l.MaxCellBytes != 0)
	add("max_shared_strings", l.MaxSharedStrings != 0)
	add("max_shared_string_bytes", l.MaxSharedStringBytes != 0)
	add("max_part_bytes", l.MaxPartBytes != 0)
	add("max_ratio", l.MaxRatio != 0)
	add("max_cells", l.MaxCells != 0)
	return out
}

// override returns l with every key set in o taking precedence.
func (l *Limits) override(o *Limits) *Limits {
	if o == nil {
		return l
	}
	if l == nil {
		c := *o
		return &c
	}
	c := *l
	pick := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	pick64 := func(dst *int64, v int64) {
		if v != 0 {
			*dst = v
		}
	}
	pick(&c.MaxColumns, o.MaxColumns)
	pick(&c.MaxFieldBytes, o.MaxFieldBytes)
	pick(&c.MaxRowBytes, o.MaxRowBytes)
	pick(&c.MaxCellBytes, o.MaxCellBytes)
	pick(&c.MaxSharedStrings, o.MaxSharedStrings)
	pick64(&c.MaxSharedStringBytes, o.MaxSharedStringBytes)
	pick64(&c.MaxPartBytes, o.MaxPartBytes)
	pick64(&c.MaxCells, o.MaxCells)
	if o.MaxRatio != 0 {
		c.MaxRatio = o.MaxRatio
	}
	return &c
}

// problems reports the keys that do not apply to format.
func (l *Limits) problems(format string) []Problem {
	var ps []Problem
	for _, name := range l.keys() {
		for _, k := range limitKeys {
			if k.name == name && !contains(k.formats, format) {
				ps = append(ps, Problem{Option: "limits", Msg: fmt.Sprintf("%s does not apply to %s", name, format),
					Hint: fmt.Sprintf("%s is a limit of %s", name, strings.Join(k.formats, ", "))})
			}
		}
	}
	return ps
}

// xlsx returns the workbook reader's limits.
func (l *Limits) xlsx() xlsxio.Limits {
	if l == nil {
		return xlsxio.Limits{}
	}
	return xlsxio.Limits{MaxPartBytes: l.MaxPartBytes, MaxRatio: l.MaxRatio, MaxCellBytes: l.MaxCellBytes,
		MaxSharedStrings: l.MaxSharedStrings, MaxSharedStringBytes: l.MaxSharedStringBytes,
		MaxColumns: l.MaxColumns, MaxCells: l.MaxCells}
}

// orZero returns l, or the zero Limits (every default) when l is nil.
func (l *Limits) orZero() Limits {
	if l == nil {
		return Limits{}
	}
	return *l
}

// limitsSchema is the JSON Schema of the limits option for format, or of
// every key when format is "".
func limitsSchema(format string) map[string]any {
	props := map[string]any{}
	var names []string
	for _, k := range limitKeys {
		if format != "" && !contains(k.formats, format) {
			continue
		}
		names = append(names, k.name)
		desc := k.desc
		if format == "" {
			desc += " Applies to " + strings.Join(k.formats, ", ") + "."
		}
		var s map[string]any
		switch {
		case k.name == "max_ratio":
			s = map[string]any{"type": "number", "exclusiveMinimum": 0, "description": desc}
		case k.bytes:
			s = map[string]any{"oneOf": []any{map[string]any{"type": "integer", "minimum": 1},
				map[string]any{"type": "string", "pattern": `^\s*[0-9_]*\.?[0-9_]+\s*(([KkMmGgTt][Ii]?)?[Bb])?\s*$`}}, "description": desc}
		default:
			s = map[string]any{"type": "integer", "minimum": 1, "description": desc}
		}
		if k.name == "max_columns" {
			s["maximum"] = table.MaxColumns
		}
		props[k.name] = s
	}
	sort.Strings(names)
	return map[string]any{"type": "object", "additionalProperties": false, "properties": props,
		"description": "Bounds on what reading one file may cost; a file past one is refused with an error naming the limit. Keys: " + strings.Join(names, ", ") + "."}
}
