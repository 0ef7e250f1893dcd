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
