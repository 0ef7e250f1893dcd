package xlsxio

import (
	"github.com/hotpass/hotpass/internal/table"
	"github.com/hotpass/hotpass/internal/table/locale"
)

// localeColumns returns the rewriting of each column's text cells, or nil
// when the options rewrite nothing.
func localeColumns(o locale.Options, names []string) []*locale.Column {
	if o.IsZero() {
		return nil
	}
	out := make([]*locale.Column, len(names))
	for i, n := range names {
		out[i] = o.Column(n)
	}
	return out
}

// localText returns a text cell's value rewritten from the locale's
// conventions ("1 234,5", "03/04/2024"), and whether it was one.
func (r *Reader) localText(c *rawCell) (string, bool) {
	if i := c.col - 1; i >= 0 && i < len(r.rewrite) {
		return r.rewrite[i].Rewrite(c.text)
	}
	return c.text, false
}

// typedText is the text a typed column parses from a text cell.
func (r *Reader) typedText(c *rawCell) string {
	v, _ := r.localText(c)
	return v
}

// observeLocal counts a rewritten text cell as the number or date it holds,
// so that a column of such cells gets that type.
func (s *colStats) observeLocal(v string) {
	switch table.InferType(v) {
	case table.Int64:
		s.numbers++
	case table.Float64:
		s.numbers++
		s.floats++
	case table.Date:
		s.dates++
	case table.Timestamp:
		s.dateTimes++
	}
}

// warnUndeclaredDates warns about text columns whose sampled cells are all
// text holding numeric dates such as 03/04/2024: without a declared day
// order they stay text, and the user should hear why and how to declare
// it. Cells Excel stores as dates need no order and are not counted.
func (r *Reader) warnUndeclaredDates() {
	lo := r.opts.Locale
	if lo.DayFirst != nil || lo.DateFormat != "" {
		return
	}
	type dateCol struct {
		candidate          bool
		n                  int
		example, ambiguous string
	}
	fields := r.schema.Fields()
	cols := make([]dateCol, len(fields))
	some := false
	for i, f := range fields {
		_, typed := r.opts.Types[f.Name]
		cols[i].candidate = f.Type == table.String && lo.DateFormats[f.Name] == "" && !typed
		some = some || cols[i].candidate
	}
	if !some {
		return
	}
	for _, row := range r.sample {
		for k := range row.cells {
			c := &row.cells[k]
			if c.col < 1 || c.col > len(cols) || !cols[c.col-1].candidate || r.isNull(c) {
				continue
			}
			dc := &cols[c.col-1]
			if c.kind != cellText || !locale.NumericDate(c.text) {
				dc.candidate = false
				continue
			}
			dc.n++
			if dc.example == "" {
				dc.example = "cell " + cellRef(c.col, row.num)
			}
			if dc.ambiguous == "" && locale.AmbiguousDate(c.text) {
				dc.ambiguous = "cell " + cellRef(c.col, row.num)
			}
		}
	}
	for i, dc := range cols {
		if dc.candidate && dc.n > 0 {
			r.warn(cellRef(i+1, r.opts.HeaderRow), locale.UndeclaredOrder(fields[i].Name, dc.example, dc.ambiguous))
		}
	}
}
