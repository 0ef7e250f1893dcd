package detect

import (
	"sort"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// Finding is one piece of personal data in a table: its kind, column,
// 1-based data row, byte span in the value and confidence. It never holds
// the value itself.
type Finding struct {
	Type       Type    `json:"type"`
	Column     string  `json:"column"`
	Row        int     `json:"row"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Confidence float64 `json:"confidence"`
}

// nameColumnNames are column names that hold person names, compared
// without case, spaces or underscores. "name" alone is left out: in most
// tables it names an organisation.
var nameColumnNames = map[string]bool{
	"contactname": true, "contactfirstname": true, "contactlastname": true, "contactsurname": true,
	"contactperson": true, "firstname": true, "lastname": true, "surname": true, "fullname": true,
	"givenname": true, "familyname": true, "personname": true, "contactprimaryname": true,
}

// IsNameColumn reports whether a column's name says it holds person names
// (contact_name, First Name, surname, ...).
func IsNameColumn(name string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r != ' ' && r != '_' && r != '-' {
			b.WriteRune(r)
		}
	}
	return nameColumnNames[b.String()]
}

// TableOptions choose what a table scan reads.
type TableOptions struct {
	// NameColumns hold the contact names of each record: every value in
	// them is a person name, and where a record's name appears in its
	// other columns it is found there too. Nil picks the columns whose
	// names IsNameColumn accepts.
	NameColumns []string
	// Columns limits the scan; nil scans every column.
	Columns []string
}

// Table scans every string column (and integer columns, for numbers
// stored as integers) and returns the findings in row order, then column
// order.
func (s *Scanner) Table(t *table.Table, o TableOptions) []Finding {
	fields := t.Schema().Fields()
	want := map[string]bool{}
	for _, c := range o.Columns {
		want[c] = true
	}
	isName := map[int]bool{}
	if o.NameColumns == nil {
		for i, f := range fields {
			if f.Type == table.String && IsNameColumn(f.Name) {
				isName[i] = true
			}
		}
	} else {
		for _, n := range o.NameColumns {
			if i, ok := t.Schema().Index(n); ok && fields[i].Type == table.String {
				isName[i] = true
			}
		}
	}
	nameCols := make([]int, 0, len(isName))
	for i := range isName {
		nameCols = append(nameCols, i)
	}
	sort.Ints(nameCols)
	// The columns to read, decided once rather than per row.
	var cols []int
	for i, f := range fields {
		if (len(want) == 0 || want[f.Name]) && (f.Type == table.String || f.Type == table.Int64) {
			cols = append(cols, i)
		}
	}
	var out []Finding
	var ms []Match
	var names []string
	var num []byte
	for r := 0; r < t.NumRows(); r++ {
		names = names[:0]
		for _, i := range nameCols {
			c := t.Column(i)
			if !c.IsNull(r) {
				if v := strings.TrimSpace(c.Strings()[r]); v != "" {
					names = append(names, v)
				}
			}
		}
		for _, i := range cols {
			f := fields[i]
			c := t.Column(i)
			if c.IsNull(r) {
				continue
			}
			var v string
			switch f.Type {
			case table.String:
				v = c.Strings()[r]
			case table.Int64:
				x := c.Int64s()[r]
				// Only integers long enough to be a phone, ID or card
				// number are worth formatting.
				if x < 100_000_000 && x > -100_000_000 {
					continue
				}
				num = strconv.AppendInt(num[:0], x, 10)
				v = string(num)
			default:
				continue
			}
			if isName[i] {
				if hasLetter(v) {
					out = append(out, Finding{Type: PersonName, Column: f.Name, Row: r + 1, Start: 0, End: len(v), Confidence: confNameColumn})
				}
				continue
			}
			ms = s.Value(v, names, ms[:0])
			for _, m := range ms {
				out = append(out, Finding{Type: m.Type, Column: f.Name, Row: r + 1, Start: m.Start, End: m.End, Confidence: m.Confidence})
			}
		}
	}
	return out
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isAlpha(s[i]) || s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// ColumnSummary counts the findings of one kind in one column.
type ColumnSummary struct {
	Column string `json:"column"`
	Type   Type   `json:"type"`
	Count  int    `json:"count"`
	// Rows is the number of distinct rows with a finding.
	Rows int `json:"rows"`
	// MaxConfidence is the highest confidence among the findings.
	MaxConfidence float64 `json:"max_confidence"`
}

// Summarise counts findings per column and kind, in the order columns
// first appear and then by kind.
func Summarise(fs []Finding) []ColumnSummary {
	type key struct {
		col string
		typ Type
	}
	idx := map[key]int{}
	lastRow := map[key]int{}
	var out []ColumnSummary
	colOrder := map[string]int{}
	for _, f := range fs {
		k := key{f.Column, f.Type}
		if _, ok := colOrder[f.Column]; !ok {
			colOrder[f.Column] = len(colOrder)
		}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, ColumnSummary{Column: f.Column, Type: f.Type})
		}
		s := &out[i]
		s.Count++
		if lastRow[k] != f.Row {
			s.Rows++
			lastRow[k] = f.Row
		}
		s.MaxConfidence = max(s.MaxConfidence, f.Confidence)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Column != out[j].Column {
			return colOrder[out[i].Column] < colOrder[out[j].Column]
		}
		return out[i].Type < out[j].Type
	})
	return out
}
