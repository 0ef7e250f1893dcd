package refine

import (
	"regexp"
	"slices"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// positional matches the names readers give columns without a header.
var positional = regexp.MustCompile(`^column_[0-9]+$`)

// contentSample bounds the values looked at to recognise a column.
const contentSample = 200

// addressWords mark a street or postal address.
var addressWords = []string{"road", "rd", "street", "st", "drive", "dr", "avenue", "ave", "lane", "way", "hangar", "airport", "airfield", "box", "bag", "suite", "unit", "building", "park", "crescent"}

// looksLikeAddress reports whether v reads as an address: a number and a
// street word, or a number and a comma-separated place.
func looksLikeAddress(v string) bool {
	digit := strings.ContainsAny(v, "0123456789")
	if !digit {
		return false
	}
	if strings.Contains(v, ",") {
		return true
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ' ' || r == '.' }) {
		if slices.Contains(addressWords, w) {
			return true
		}
	}
	return false
}

// addressShare is the share of a column's first non-empty values that look
// like addresses.
func addressShare(c *table.Column) float64 {
	seen, hits := 0, 0
	for i := 0; i < c.Len() && seen < contentSample; i++ {
		v := cellText(c, i)
		if strings.TrimSpace(v) == "" {
			continue
		}
		seen++
		if looksLikeAddress(v) {
			hits++
		}
	}
	if seen == 0 {
		return 0
	}
	return float64(hits) / float64(seen)
}

// placeByContent finds the address among columns without a header. A
// profile names such a column by position ("column_3"), but sheets gain
// and lose blank columns: when the named column holds no addresses and
// another headerless one does, that one is mapped instead.
func placeByContent(m *Mapping, t *table.Table, cs *ColumnSet) {
	byPosition := false
	for _, s := range cs.synonyms[FieldAddress] {
		if positional.MatchString(s) {
			byPosition = true
		}
	}
	if !byPosition {
		return
	}
	cur := -1
	for k, cm := range m.Columns {
		if cm.Field == FieldAddress {
			if addressShare(t.Column(cm.Index)) >= 0.5 {
				return
			}
			if positional.MatchString(cm.Header) {
				cur = k
			}
		}
	}
	best, bestShare := -1, 0.5
	names := t.Schema().Names()
	for i, h := range names {
		if !positional.MatchString(h) || !slices.Contains(m.Unmatched, h) {
			continue
		}
		if s := addressShare(t.Column(i)); s >= bestShare {
			best, bestShare = i, s
		}
	}
	if best < 0 {
		return
	}
	if cur >= 0 {
		m.Unmatched = append(m.Unmatched, m.Columns[cur].Header)
		m.Columns = slices.Delete(m.Columns, cur, cur+1)
	}
	m.Unmatched = slices.DeleteFunc(m.Unmatched, func(h string) bool { return h == names[best] })
	m.Columns = append(m.Columns, ColumnMatch{Index: best, Header: names[best], Field: FieldAddress})
}
