package refine

import (
	"strconv"
	"strings"
	"time"

	"github.com/hotpass/hotpass/internal/table"
)

// DateOrder says how to read an all-numeric date whose day and month are
// both 12 or less.
type DateOrder uint8

// Date orders.
const (
	DayFirst   DateOrder = iota // 03/04/2024 is 3 April (South Africa, UK)
	MonthFirst                  // 03/04/2024 is 4 March (US)
)

// excelEpoch is day 0 of Excel's 1900 date system as a Unix day number:
// serial 25569 is 1970-01-01, counting Excel's phantom 29 February 1900.
const excelEpoch = 25569

// Serials outside this range are not dates: they are years, ids or
// amounts typed into a date column. 1 is 1900-01-01, 73050 is 2099-12-31.
const minSerial, maxSerial = 1, 73050

// ExcelSerialToDate converts an Excel 1900-system serial to days since
// 1970-01-01, for date cells read as plain numbers (a date column without a
// date format).
func ExcelSerialToDate(serial float64) (int32, bool) {
	if serial < minSerial || serial > maxSerial {
		return 0, false
	}
	s := int32(serial)
	if s < 61 {
		s++ // before Excel's phantom 29 February 1900
	}
	return s - excelEpoch, true
}

var dateLayouts = []string{
	"2006-01-02", "2006/01/02", "2006.01.02", "20060102",
	"2 January 2006", "2 Jan 2006", "January 2, 2006", "Jan 2, 2006", "2-Jan-2006", "2-Jan-06",
	"Monday, 2 January 2006", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02T15:04:05",
}

// ParseDate reads a date written as text in the usual spreadsheet ways:
// ISO (2024-03-15, with or without a time), day-first or month-first
// numeric dates by order (15/03/2024, 15-03-24), month names (15 March
// 2024, Mar 15, 2024) and a bare Excel serial ("45366"). It returns days
// since 1970-01-01.
func ParseDate(s string, order DateOrder) (int32, bool) {
	s = CleanText(s)
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/") && len(s) <= 8 && !looksLikeCompactISO(s) {
		return ExcelSerialToDate(n)
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return table.TimeToDate(t), true
		}
	}
	return parseNumericDate(s, order)
}

func looksLikeCompactISO(s string) bool {
	return len(s) == 8 && (strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20"))
}

// parseNumericDate reads d/m/y or m/d/y with /, - or . separators and a
// two- or four-digit year; a day above 12 settles the order on its own.
func parseNumericDate(s string, order DateOrder) (int32, bool) {
	if i := strings.IndexByte(s, ' '); i > 0 {
		s = s[:i] // drop a time of day
	}
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '-' || r == '.' })
	if len(parts) != 3 {
		return 0, false
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return 0, false
		}
		n[i] = v
	}
	a, b, y := n[0], n[1], n[2]
	if len(parts[2]) == 2 {
		// A fixed pivot keeps results independent of the clock: 00–69 are
		// 2000–2069, 70–99 are 1970–1999.
		if y < 70 {
			y += 2000
		} else {
			y += 1900
		}
	} else if len(parts[2]) != 4 {
		return 0, false
	}
	d, m := a, b
	if order == MonthFirst {
		d, m = b, a
	}
	if m > 12 && d <= 12 {
		d, m = m, d
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false // 31 April
	}
	return table.TimeToDate(t), true
}
