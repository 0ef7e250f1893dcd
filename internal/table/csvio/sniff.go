package csvio

import (
	"fmt"
	"strings"
)

// SniffDelimiters are the delimiters sniffing chooses from, in the order
// reports list them.
var SniffDelimiters = []byte{',', ';', '\t', '|'}

// sniffMaxRecords bounds the records sniffing looks at, besides the byte
// bound of the prefix.
const sniffMaxRecords = 200

// delimStats is how one candidate delimiter splits the sniffed records.
type delimStats struct {
	delim   byte
	fields  int // the most common field count
	agree   int // records with that count
	records int
	quoted  int // fields enclosed in quotes that close right before a delimiter or the line end
}

// AmbiguousDelimiterError says the sniffed prefix splits equally well on more
// than one delimiter.
type AmbiguousDelimiterError struct {
	Lines  int
	Chosen []string // e.g. `";" (2 fields)`
	// Delimiters are the tied candidates, in the order Chosen lists them.
	Delimiters []byte
}

func (e *AmbiguousDelimiterError) Error() string {
	return fmt.Sprintf("cannot tell the delimiter: the first %d lines split equally well on %s; set delimiter: to the one the file uses",
		e.Lines, strings.Join(e.Chosen, " and "))
}

// sniffDelimiter chooses the delimiter of a CSV prefix (already UTF-8, or
// any ASCII-compatible text): the candidate that gives the same field count,
// of at least two, on the most records, with properly quoted fields as the
// tie-breaker. A tie is an error, never a guess. A prefix in which no
// candidate splits any record is one column, read with ','. atEOF says the
// prefix is the whole input; otherwise its last, possibly cut, record is
// ignored. The result's line count is how many lines were looked at.
func sniffDelimiter(prefix []byte, quote byte, atEOF bool) (delim byte, why string, err error) {
	var best []delimStats
	lines := 0
	for _, d := range SniffDelimiters {
		st, n := splitStats(prefix, d, quote, atEOF)
		lines = max(lines, n)
		if st.fields < 2 {
			continue
		}
		switch {
		case len(best) == 0 || better(st, best[0]):
			best = append(best[:0], st)
		case !better(best[0], st):
			best = append(best, st)
		}
	}
	switch len(best) {
	case 0:
		return ',', "no line holds a , ; tab or | outside quotes: one column", nil
	case 1:
		st := best[0]
		return st.delim, fmt.Sprintf("%d of the first %d records have %d fields", st.agree, st.records, st.fields), nil
	}
	e := &AmbiguousDelimiterError{Lines: lines}
	for _, st := range best {
		e.Chosen = append(e.Chosen, fmt.Sprintf("%s (%d fields)", delimName(st.delim), st.fields))
		e.Delimiters = append(e.Delimiters, st.delim)
	}
	return 0, "", e
}

// better orders candidates: more records agreeing on the field count, then
// more properly quoted fields.
func better(a, b delimStats) bool {
	// Compare agreement as fractions, since a candidate that breaks quoting
	// sees a different number of records.
	x, y := a.agree*b.records, b.agree*a.records
	if x != y {
		return x > y
	}
	return a.quoted > b.quoted
}

func delimName(d byte) string {
	if d == '\t' {
		return "tab"
	}
	return fmt.Sprintf("%q", string(d))
}

// splitStats splits at most sniffMaxRecords records of prefix on delim,
// with quote as the quote character, the way the splitter does, and returns
// the field count statistics and the number of physical lines covered.
func splitStats(prefix []byte, delim, quote byte, atEOF bool) (delimStats, int) {
	st := delimStats{delim: delim}
	counts := make(map[int]int)
	pos, lines := 0, 0
	for st.records < sniffMaxRecords && pos < len(prefix) {
		fields, quoted, next, nl, complete := splitRecord(prefix, pos, delim, quote)
		if !complete && !atEOF {
			break
		}
		lines += nl
		pos = next
		if fields == 0 {
			continue // blank line
		}
		st.records++
		st.quoted += quoted
		counts[fields]++
	}
	for n, c := range counts {
		if c > st.agree || (c == st.agree && n > st.fields) {
			st.fields, st.agree = n, c
		}
	}
	return st, lines
}

// splitRecord scans one record from b[pos:]. It returns its field count (0
// for a blank line), how many fields were properly quoted, the offset after
// the record, the physical lines it spans, and whether it ended with a line
// break (rather than the end of b).
func splitRecord(b []byte, pos int, delim, quote byte) (fields, quoted, next, lines int, complete bool) {
	if b[pos] == '\n' || (b[pos] == '\r' && pos+1 < len(b) && b[pos+1] == '\n') {
		if b[pos] == '\r' {
			pos++
		}
		return 0, 0, pos + 1, 1, true
	}
	lines = 1
	fieldStart := true
	for pos < len(b) {
		c := b[pos]
		if fieldStart {
			fields++
			fieldStart = false
			if c == quote {
				pos++
				closed := false
				for pos < len(b) {
					if b[pos] == quote {
						if pos+1 < len(b) && b[pos+1] == quote {
							pos += 2
							continue
						}
						closed = true
						pos++
						break
					}
					if b[pos] == '\n' {
						lines++
					}
					pos++
				}
				if !closed {
					return fields, quoted, pos, lines, false
				}
				if pos == len(b) || b[pos] == delim || b[pos] == '\n' || b[pos] == '\r' {
					quoted++
				}
				continue
			}
		}
		switch c {
		case delim:
			fieldStart = true
		case '\n':
			return fields, quoted, pos + 1, lines, true
		}
		pos++
	}
	if fieldStart {
		fields++ // a trailing delimiter ends in an empty field
	}
	return fields, quoted, pos, lines, false
}
