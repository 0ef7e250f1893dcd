// Package locale reads numbers and dates written the way a locale writes
// them ("1 234,5", "03/04/2024") and rewrites them in the forms the table
// package parses ("1234.5", "2024-04-03"), so that file readers infer and
// convert them like any other value. It only rewrites a value that matches
// the declared conventions completely; anything else is left as it is.
package locale

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Options are the conventions a file's text follows. The zero value changes
// nothing: numbers use '.' and no grouping, and numeric dates whose day and
// month order is unknown stay text.
type Options struct {
	// Decimal is the decimal separator: "." (default) or ",".
	Decimal string
	// Thousands is the digit-group separator: "" (none, default), " ", ",",
	// "." or "'". A space also matches the no-break spaces spreadsheets
	// write (U+00A0, U+202F).
	Thousands string
	// DayFirst declares the order of numeric dates such as 03/04/2024:
	// true reads day/month/year, false month/day/year, nil leaves such
	// values as text.
	DayFirst *bool
	// DateFormat is the layout of dates in every column: a Go layout
	// ("02/01/2006") or strftime ("%d/%m/%Y"). A layout with a time of day
	// makes timestamps.
	DateFormat string
	// DateFormats gives the layout of named columns, over DateFormat.
	DateFormats map[string]string
}

// Locale names the conventions of a few locales whose spreadsheets commonly
// arrive as CSV: decimal and group separators and the date order.
type Locale struct {
	Decimal, Thousands string
	DayFirst           bool
}

// Known lists the locales the `locale` option accepts.
var Known = map[string]Locale{
	"en-ZA": {Decimal: ",", Thousands: " ", DayFirst: true},
	"en-GB": {Decimal: ".", Thousands: ",", DayFirst: true},
	"en-US": {Decimal: ".", Thousands: ",", DayFirst: false},
	"de-DE": {Decimal: ",", Thousands: ".", DayFirst: true},
	"fr-FR": {Decimal: ",", Thousands: " ", DayFirst: true},
	"nl-NL": {Decimal: ",", Thousands: ".", DayFirst: true},
	"pt-BR": {Decimal: ",", Thousands: ".", DayFirst: true},
}

// KnownNames returns the names of Known, sorted.
func KnownNames() []string {
	names := make([]string, 0, len(Known))
	for n := range Known {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WithLocale fills the options o leaves unset from the named locale.
func (o Options) WithLocale(name string) (Options, error) {
	if name == "" {
		return o, nil
	}
	var l Locale
	found := false
	for n, v := range Known {
		if strings.EqualFold(n, strings.ReplaceAll(name, "_", "-")) {
			l, found = v, true
		}
	}
	if !found {
		return o, fmt.Errorf("unknown locale %q: use one of %s, or set decimal:, thousands: and day_first: yourself", name, strings.Join(KnownNames(), ", "))
	}
	if o.Decimal == "" {
		o.Decimal = l.Decimal
	}
	if o.Thousands == "" {
		o.Thousands = l.Thousands
	}
	if o.DayFirst == nil {
		o.DayFirst = &l.DayFirst
	}
	return o, nil
}

// Check reports a bad separator or date layout.
func (o Options) Check() error {
	if o.Decimal != "" && o.Decimal != "." && o.Decimal != "," {
		return fmt.Errorf(`decimal separator %q: use "." or ","`, o.Decimal)
	}
	if o.Thousands != "" && !slices.Contains([]string{" ", ",", ".", "'"}, o.Thousands) {
		return fmt.Errorf(`thousands separator %q: use " ", ",", "." or "'"`, o.Thousands)
	}
	dec := o.Decimal
	if dec == "" {
		dec = "."
	}
	if o.Thousands == dec {
		return fmt.Errorf("the decimal and thousands separators are both %q", dec)
	}
	if o.DateFormat != "" {
		if _, err := Layout(o.DateFormat); err != nil {
			return fmt.Errorf("date format: %w", err)
		}
	}
	cols := make([]string, 0, len(o.DateFormats))
	for c := range o.DateFormats {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		if _, err := Layout(o.DateFormats[c]); err != nil {
			return fmt.Errorf("date format of column %q: %w", c, err)
		}
	}
	return nil
}

// IsZero reports whether o rewrites nothing.
func (o Options) IsZero() bool {
	return (o.Decimal == "" || o.Decimal == ".") && o.Thousands == "" && o.DayFirst == nil &&
		o.DateFormat == "" && len(o.DateFormats) == 0
}

// Column is the rewriting for one column; a nil *Column rewrites nothing.
type Column struct {
	decimal   byte
	thousands byte // 0 for none
	numbers   bool // whether numbers need rewriting at all
	dayFirst  *bool
	layout    string // explicit date layout, "" for none
	clock     bool   // the layout has a time of day
}

// Column returns the rewriting of the named column, or nil when o leaves
// its values as they are. Check o first: a bad layout is ignored here.
func (o Options) Column(name string) *Column {
	if o.IsZero() {
		return nil
	}
	c := &Column{decimal: '.', dayFirst: o.DayFirst}
	if o.Decimal == "," {
		c.decimal = ','
	}
	if o.Thousands != "" {
		c.thousands = o.Thousands[0]
	}
	c.numbers = c.decimal != '.' || c.thousands != 0
	f := o.DateFormat
	if cf, ok := o.DateFormats[name]; ok {
		f = cf
	}
	if f != "" {
		if l, err := Layout(f); err == nil {
			c.layout, c.clock = l, hasClock(l)
		}
	}
	if !c.numbers && c.dayFirst == nil && c.layout == "" {
		return nil
	}
	return c
}

// Rewrite returns s as the table package's parsers expect it when s is a
// number or date in the column's conventions; ok is false, and s is
// returned as it is, otherwise.
func (c *Column) Rewrite(s string) (string, bool) {
	if c == nil {
		return s, false
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return s, false
	}
	if c.numbers && (t[0] >= '0' && t[0] <= '9' || t[0] == '-' || t[0] == '+' || t[0] == c.decimal) {
		if v, ok := c.number(t); ok {
			return v, true
		}
	}
	if c.layout != "" {
		if tm, err := time.Parse(c.layout, t); err == nil {
			if c.clock {
				return tm.Format(time.RFC3339Nano), true
			}
			return tm.Format(time.DateOnly), true
		}
		return s, false
	}
	if c.dayFirst != nil {
		if v, ok := numericDate(t, *c.dayFirst); ok {
			return v, true
		}
	}
	return s, false
}

// number rewrites a locale number: an optional sign, digits grouped by the
// thousands separator in threes (the first group 1-3 digits, not starting
// with 0 unless it is the only digit), an optional decimal part.
func (c *Column) number(t string) (string, bool) {
	var b strings.Builder
	b.Grow(len(t))
	i := 0
	if t[0] == '-' || t[0] == '+' {
		if t[0] == '-' {
			b.WriteByte('-')
		}
		i++
	}
	intStart := b.Len()
	group, groups := 0, 0
	for i < len(t) {
		ch := t[i]
		switch {
		case ch >= '0' && ch <= '9':
			b.WriteByte(ch)
			group++
			i++
			continue
		case c.thousands != 0 && isGroupSep(t[i:], c.thousands):
			if group == 0 || (groups == 0 && group > 3) || (groups > 0 && group != 3) {
				return "", false
			}
			groups++
			group = 0
			i += groupSepLen(t[i:], c.thousands)
			continue
		}
		break
	}
	digits := b.String()[intStart:]
	if groups > 0 && (group != 3 || (len(digits) > 1 && digits[0] == '0')) {
		return "", false
	}
	if i < len(t) && t[i] == c.decimal {
		i++
		b.WriteByte('.')
		frac := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			b.WriteByte(t[i])
			i++
			frac++
		}
		if frac == 0 {
			return "", false
		}
	}
	if i != len(t) || len(digits) == 0 && !strings.Contains(b.String(), ".") {
		return "", false
	}
	if len(digits) == 0 {
		// ",5" is half.
		out := b.String()
		k := strings.IndexByte(out, '.')
		return out[:k] + "0" + out[k:], true
	}
	return b.String(), true
}

func isGroupSep(s string, sep byte) bool {
	if s[0] == sep {
		return true
	}
	if sep != ' ' {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r == '\u00A0' || r == '\u202F'
}

func groupSepLen(s string, sep byte) int {
	if s[0] == sep {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// numericDate parses d/m/y (or m/d/y) with '/', '-' or '.' between 1-2
// digit day and month and a 4-digit year, optionally followed by a time of
// day (15:04 or 15:04:05).
func numericDate(t string, dayFirst bool) (string, bool) {
	a, b, y, rest, ok := splitNumericDate(t)
	if !ok {
		return "", false
	}
	d, m := a, b
	if !dayFirst {
		d, m = b, a
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", false
	}
	date := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	if rest == "" {
		return date, true
	}
	for _, l := range []string{"15:04", "15:04:05"} {
		if tm, err := time.Parse(l, rest); err == nil {
			return date + "T" + tm.Format("15:04:05") + "Z", true
		}
	}
	return "", false
}

// splitNumericDate splits "03/04/2024[ rest]" into 3, 4, 2024 and rest.
func splitNumericDate(t string) (a, b, y int, rest string, ok bool) {
	num := func(s string, min, max int) (int, string, bool) {
		n, i := 0, 0
		for i < len(s) && i < max && s[i] >= '0' && s[i] <= '9' {
			n = n*10 + int(s[i]-'0')
			i++
		}
		return n, s[i:], i >= min
	}
	var sep byte
	a, t, ok = num(t, 1, 2)
	if !ok || t == "" || (t[0] != '/' && t[0] != '-' && t[0] != '.') {
		return 0, 0, 0, "", false
	}
	sep = t[0]
	b, t, ok = num(t[1:], 1, 2)
	if !ok || t == "" || t[0] != sep {
		return 0, 0, 0, "", false
	}
	y, t, ok = num(t[1:], 4, 4)
	if !ok {
		return 0, 0, 0, "", false
	}
	if t != "" {
		if t[0] != ' ' && t[0] != 'T' {
			return 0, 0, 0, "", false
		}
		t = strings.TrimSpace(t[1:])
		if t == "" {
			return 0, 0, 0, "", false
		}
	}
	return a, b, y, t, true
}

// AmbiguousDate reports whether s is a numeric date that reads as a valid
// date both day-first and month-first, and differently (03/04/2024), so
// that without a declared order it must stay text.
func AmbiguousDate(s string) bool {
	t := strings.TrimSpace(s)
	if len(t) < 8 || t[0] < '0' || t[0] > '9' {
		return false
	}
	a, b, _, _, ok := splitNumericDate(t)
	return ok && a != b && a >= 1 && a <= 12 && b >= 1 && b <= 12
}

// UndeclaredOrder explains why a column of numeric dates stays text and how
// to declare its order. example says where one of its dates is ("cell
// B7", "line 12") and ambiguous where one that reads both ways is ("" when
// none does): the values themselves are not quoted, since a date of birth
// is personal data and warnings reach logs.
func UndeclaredOrder(column, example, ambiguous string) string {
	why := fmt.Sprintf("its values are numeric dates (the first at %s) that need a declared day and month order", example)
	if ambiguous != "" {
		why = fmt.Sprintf("its values are numeric dates that read either day-first or month-first (the first such at %s)", ambiguous)
	}
	return fmt.Sprintf("column %q stays text: %s; declare it with day_first: true (day/month/year) or false, a locale such as en-ZA, or date_format: \"%%d/%%m/%%Y\"",
		column, why)
}

// NumericDate reports whether s is a numeric date such as 13/04/2024 that a
// declared day order would read.
func NumericDate(s string) bool {
	t := strings.TrimSpace(s)
	if len(t) < 8 || t[0] < '0' || t[0] > '9' {
		return false
	}
	_, _, _, _, ok := splitNumericDate(t)
	return ok
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// strftime maps strftime directives to Go layout elements.
var strftime = map[byte]string{
	'Y': "2006", 'y': "06", 'm': "01", 'd': "02", 'e': "_2", 'H': "15", 'I': "03", 'M': "04",
	'S': "05", 'p': "PM", 'b': "Jan", 'B': "January", 'a': "Mon", 'A': "Monday", 'f': "000000",
	'z': "-0700", 'Z': "MST", '%': "%",
}

// Layout returns the Go layout of f, a Go layout or a strftime format (any
// f holding '%'). A layout without a date element is an error, since it
// would match every value literally.
func Layout(f string) (string, error) {
	layout := f
	if strings.Contains(f, "%") {
		var b strings.Builder
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				b.WriteByte(f[i])
				continue
			}
			if i+1 == len(f) {
				return "", fmt.Errorf("%q ends with a lone %%", f)
			}
			g, ok := strftime[f[i+1]]
			if !ok {
				return "", fmt.Errorf("%q: strftime directive %%%c is not supported (use %%Y %%y %%m %%d %%e %%H %%I %%M %%S %%p %%b %%B %%a %%A %%f %%z %%Z)", f, f[i+1])
			}
			b.WriteString(g)
			i++
		}
		layout = b.String()
	}
	ref := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	back, err := time.Parse(layout, ref.Format(layout))
	if err != nil || back.Year() == 0 && back.Month() == 1 && back.Day() == 1 {
		return "", errors.New(`date format ` + fmt.Sprintf("%q", f) + ` has no date element: write a Go layout such as "02/01/2006" or strftime such as "%d/%m/%Y"`)
	}
	return layout, nil
}

func hasClock(layout string) bool {
	ref := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	back, err := time.Parse(layout, ref.Format(layout))
	return err == nil && (back.Hour() != 0 || back.Minute() != 0 || back.Second() != 0)
}
