// Package strptime reads dates the way DuckDB's try_strptime reads them
// with a date-only layout, so that a Splink level written on
// try_strptime(col, '%Y-%m-%d') finds the same dates, and the same
// failures, in Hotpass.
//
// A layout is made of %Y (a year of one to four digits), %m (a month of
// one or two digits), %d (a day of one or two digits), %% and literal
// characters, which must appear as written. Whitespace around the value is
// ignored (space, tab, newline, vertical tab, form feed, carriage return);
// a date that does not exist (2001-02-30) does not parse. Year 0 is 1 BC,
// as in DuckDB's proleptic Gregorian calendar.
package strptime

import (
	"fmt"
	"strings"
	"time"
)

// Check reports whether Parse supports layout, naming the first
// unsupported specifier. A layout needs a year, a month and a day.
func Check(layout string) error {
	seen := map[byte]bool{}
	for i := 0; i < len(layout); i++ {
		if layout[i] != '%' {
			if isSpace(layout[i]) {
				return fmt.Errorf("date layout %q: whitespace inside a layout is not supported", layout)
			}
			continue
		}
		if i+1 == len(layout) {
			return fmt.Errorf("date layout %q ends in a lone %%", layout)
		}
		i++
		switch c := layout[i]; c {
		case 'Y', 'm', 'd':
			if seen[c] {
				return fmt.Errorf("date layout %q has %%%c twice", layout, c)
			}
			seen[c] = true
		case '%':
		default:
			return fmt.Errorf("date layout %q: %%%c is not supported (only %%Y, %%m and %%d: Hotpass compares dates, not times)", layout, c)
		}
	}
	if !seen['Y'] || !seen['m'] || !seen['d'] {
		return fmt.Errorf("date layout %q needs %%Y, %%m and %%d", layout)
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Parse reads v with layout (which Check accepts) and returns the days
// since 1970-01-01.
func Parse(layout, v string) (int32, bool) {
	v = strings.TrimFunc(v, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) })
	y, m, d := -1, -1, -1
	p := 0
	for i := 0; i < len(layout); i++ {
		c := layout[i]
		if c != '%' || layout[i+1] == '%' {
			if c == '%' {
				i++
			}
			if p >= len(v) || v[p] != c {
				return 0, false
			}
			p++
			continue
		}
		i++
		width := 2
		if layout[i] == 'Y' {
			width = 4
		}
		n, k := 0, 0
		for k < width && p < len(v) && v[p] >= '0' && v[p] <= '9' {
			n = n*10 + int(v[p]-'0')
			p++
			k++
		}
		if k == 0 {
			return 0, false
		}
		switch layout[i] {
		case 'Y':
			y = n
		case 'm':
			m = n
		case 'd':
			d = n
		}
	}
	if p != len(v) || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != time.Month(m) {
		return 0, false // 30 February rolled over into March
	}
	return int32(t.Unix() / 86400), true
}

// Format writes days since 1970-01-01 as YYYY-MM-DD, the form Parse reads
// with the layout %Y-%m-%d.
func Format(days int32) string {
	return time.Unix(int64(days)*86400, 0).UTC().Format("2006-01-02")
}
