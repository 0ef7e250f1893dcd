package pgio

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ParseTableName splits a table name as written in a spec into its schema
// and table parts: "contacts", "crm.contacts", or with double quotes around
// a part that contains dots or quotes: `crm."odd.name"`, `"a ""b"""`.
//
// Parts are used verbatim and always quoted in SQL, so they are
// case-sensitive: "crm.Contacts" names the table created as
// CREATE TABLE crm."Contacts", not one created as CREATE TABLE crm.Contacts
// (which PostgreSQL folds to crm.contacts).
func ParseTableName(s string) (pgx.Identifier, error) {
	var parts pgx.Identifier
	i := 0
	for {
		var part string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return nil, fmt.Errorf("table name %q: unterminated quoted part: close it with \"", s)
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			part = b.String()
			i = j
			if i < len(s) && s[i] != '.' {
				return nil, fmt.Errorf("table name %q: unexpected %q after a quoted part: separate parts with '.'", s, s[i:])
			}
		} else {
			end := strings.IndexByte(s[i:], '.')
			if end < 0 {
				end = len(s) - i
			}
			part = s[i : i+end]
			if strings.ContainsRune(part, '"') {
				return nil, fmt.Errorf("table name %q: a quote inside an unquoted part: quote the whole part and double the quote (\"a\"\"b\")", s)
			}
			i += end
		}
		if part == "" {
			return nil, fmt.Errorf("table name %q has an empty part: write table or schema.table", s)
		}
		if strings.IndexByte(part, 0) >= 0 {
			return nil, fmt.Errorf("table name %q contains a NUL byte", s)
		}
		parts = append(parts, part)
		if i >= len(s) {
			break
		}
		i++ // skip '.'
	}
	if len(parts) > 2 {
		return nil, fmt.Errorf("table name %q has %d parts: write table or schema.table, and quote a part that contains dots (\"a.b\")", s, len(parts))
	}
	return parts, nil
}

// quoteNames quotes each column name for SQL.
func quoteNames(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = pgx.Identifier{n}.Sanitize()
	}
	return out
}
