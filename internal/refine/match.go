package refine

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// ColumnSet maps column names onto fields by synonym. Names compare by
// MatchKey, so "Contact  Email-Address" matches "contact email address".
type ColumnSet struct {
	synonyms map[Field][]string
	byKey    map[string]Field
	required []Field
}

// NewColumnSet builds a matcher from field name → synonyms. The field's
// own name is always a synonym too, so tables already in SSOT shape match.
// When two fields list the same synonym, the field declared first in the
// field order wins.
func NewColumnSet(columns map[string][]string, required []string) (*ColumnSet, error) {
	cs := &ColumnSet{synonyms: map[Field][]string{}, byKey: map[string]Field{}}
	for name, syns := range columns {
		f, ok := ParseField(name)
		if !ok {
			return nil, fmt.Errorf("unknown field %q; fields: %s", name, strings.Join(FieldNames(), ", "))
		}
		cs.synonyms[f] = append(append([]string(nil), syns...), name)
	}
	for f := FieldNone + 1; f < numFields; f++ {
		for _, s := range cs.synonyms[f] {
			k := MatchKey(s)
			if _, taken := cs.byKey[k]; !taken && k != "" {
				cs.byKey[k] = f
			}
		}
	}
	for _, name := range required {
		f, ok := ParseField(name)
		if !ok {
			return nil, fmt.Errorf("unknown required field %q", name)
		}
		cs.required = append(cs.required, f)
	}
	return cs, nil
}

// Has reports whether the set maps field f.
func (cs *ColumnSet) Has(f Field) bool { return len(cs.synonyms[f]) > 0 }

// ColumnMatch is one header column mapped to a field.
type ColumnMatch struct {
	Index  int    // 0-based position in the header
	Header string // the column name as read
	Field  Field
}

// Mapping is the result of matching a header.
type Mapping struct {
	Columns []ColumnMatch
	// Unmatched lists the header names no synonym matched, in order.
	Unmatched []string
}

// Fields returns the fields matched at least once.
func (m *Mapping) Fields() map[Field]bool {
	out := map[Field]bool{}
	for _, c := range m.Columns {
		out[c.Field] = true
	}
	return out
}

// renamed matches the names the xlsx and csv readers give repeated
// headers ("Email_2") so that the copy maps like the original.
var renamed = regexp.MustCompile(`^(.+)_([2-9]|[1-9][0-9]+)$`)

// Match maps header onto fields. A header repeated in the sheet (renamed
// "Email_2" by the reader) maps to the same field as its first copy, so
// that no values are lost; for single-valued fields the first non-empty
// copy wins. A required field without a column is a *MissingColumnsError.
func (cs *ColumnSet) Match(header []string) (Mapping, error) {
	var m Mapping
	for i, h := range header {
		f, ok := cs.byKey[MatchKey(h)]
		if !ok {
			if sub := renamed.FindStringSubmatch(h); sub != nil {
				f, ok = cs.byKey[MatchKey(sub[1])]
			}
		}
		if !ok {
			m.Unmatched = append(m.Unmatched, h)
			continue
		}
		m.Columns = append(m.Columns, ColumnMatch{Index: i, Header: h, Field: f})
	}
	have := m.Fields()
	var missing []MissingField
	for _, f := range cs.required {
		if !have[f] {
			missing = append(missing, MissingField{Field: f.Name(), Tried: cs.synonyms[f]})
		}
	}
	if len(missing) > 0 {
		return m, &MissingColumnsError{Found: append([]string(nil), header...), Missing: missing}
	}
	return m, nil
}

// MissingField is a required field no column matched.
type MissingField struct {
	Field string
	Tried []string
}

// MissingColumnsError reports required fields without a column: which
// names were tried and which columns the sheet has.
type MissingColumnsError struct {
	File, Sheet string
	Found       []string
	Missing     []MissingField
}

// Error renders e.g. `Reachout Database.xlsx, sheet "Organisation": no
// column for required field organization_name (tried "Organisation Name",
// "Name"); columns found: "Org", "ID"; add the column's name to the
// field's synonyms in the profile`.
func (e *MissingColumnsError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Sheet != "" {
			fmt.Fprintf(&b, ", sheet %q", e.Sheet)
		}
		b.WriteString(": ")
	}
	for i, m := range e.Missing {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "no column for required field %s (tried %s)", m.Field, quoteList(m.Tried))
	}
	found := quoteList(e.Found)
	if found == "" {
		found = "none"
	}
	fmt.Fprintf(&b, "; columns found: %s; rename the column or add its name to the field's synonyms in the profile", found)
	return b.String()
}

func quoteList(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// Synonyms returns the names tried for field f, sorted, for messages.
func (cs *ColumnSet) Synonyms(f Field) []string {
	out := append([]string(nil), cs.synonyms[f]...)
	sort.Strings(out)
	return out
}
