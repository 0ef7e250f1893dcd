package xlsxio

import (
	"math"
	"strconv"
	"strings"
)

// fmtKind says how a numeric cell's number format presents it.
type fmtKind uint8

const (
	fmtNumber   fmtKind = iota // plain number
	fmtDate                    // calendar date without time of day
	fmtDateTime                // date with time of day
	fmtTime                    // time of day or duration without a date
)

// builtinFormatKind classifies the built-in number format ids that Excel
// does not store in styles.xml (ECMA-376 Part 1, 18.8.30, plus the
// East Asian date ids Excel uses in localized installs).
func builtinFormatKind(id int) fmtKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return fmtDate
	case id == 22:
		return fmtDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 33, id >= 45 && id <= 47:
		return fmtTime
	}
	return fmtNumber
}

// formatCodeKind classifies a custom format code by the date and time
// tokens of its first section, ignoring quoted text, escaped characters,
// and bracketed colours, conditions and locales. Elapsed-time brackets
// ([h], [mm], [ss]) mark a duration. "m" is a month next to y or d and a
// minute next to h or s, so m alone counts as a date (as in "mmm").
func formatCodeKind(code string) fmtKind {
	if i := sectionEnd(code); i >= 0 {
		code = code[:i]
	}
	var hasDate, hasTime, hasMonth, elapsed bool
	for i := 0; i < len(code); i++ {
		c := code[i]
		switch c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				i = len(code)
			} else {
				i += j + 1
			}
		case '\\', '_', '*':
			i++ // the next character is literal or padding
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				i = len(code)
				continue
			}
			inner := strings.ToLower(code[i+1 : i+1+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				elapsed = true
			}
			i += j + 1
		case 'g', 'G':
			// "General" is the default format; g alone is an era token.
			if strings.HasPrefix(strings.ToLower(code[i:]), "general") {
				i += len("general") - 1
				continue
			}
			hasDate = true
		case 'e', 'E':
			// 0.00E+00 is scientific notation; e alone is an era year.
			if i+1 < len(code) && (code[i+1] == '+' || code[i+1] == '-') {
				i++
				continue
			}
			hasDate = true
		case 'y', 'Y', 'd', 'D':
			hasDate = true
		case 'h', 'H', 's', 'S':
			hasTime = true
		case 'm', 'M':
			hasMonth = true
		}
	}
	switch {
	case elapsed && !hasDate:
		return fmtTime
	case hasDate && hasTime:
		return fmtDateTime
	case hasDate:
		return fmtDate
	case hasTime:
		return fmtTime
	case hasMonth:
		return fmtDate
	}
	return fmtNumber
}

// sectionEnd returns the index of the first unquoted ';', or -1.
func sectionEnd(code string) int {
	quoted := false
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			quoted = !quoted
		case '\\':
			i++
		case ';':
			if !quoted {
				return i
			}
		}
	}
	return -1
}

const (
	msPerDay = 86_400_000
	// unixEpochSerial is the 1900-system serial of 1970-01-01.
	unixEpochSerial = 25569
	// maxSerial is 9999-12-31, the last date Excel can show.
	maxSerial = 2958465
)

// serialToMicros converts an Excel date serial to microseconds since the
// Unix epoch, rounded to the millisecond (Excel's own resolution; serials
// carry binary rounding noise below it). Serials before 1900-03-01 are
// shifted by a day because Excel counts a 29 February 1900 that never
// existed.
func serialToMicros(serial float64, date1904 bool) (int64, bool) {
	if math.IsNaN(serial) || serial < 0 {
		return 0, false
	}
	if date1904 {
		serial += 1462
	} else if serial < 61 {
		serial++
	}
	if serial > maxSerial+1 {
		return 0, false
	}
	ms := int64(math.Round(serial * msPerDay))
	return (ms - unixEpochSerial*msPerDay) * 1000, true
}

// microsToSerial is the inverse of serialToMicros for the 1900 system.
func microsToSerial(us int64) float64 {
	serial := float64(us)/(msPerDay*1000) + unixEpochSerial
	if serial < 61 {
		serial--
	}
	return serial
}

// normalizeNumber renders a numeric cell's stored text. Excel stores the
// shortest round-trip form, which we keep so that every digit survives (a
// phone number 27821234567 stays 27821234567); only exponent forms of
// integral values are expanded.
func normalizeNumber(raw string) string {
	if !strings.ContainsAny(raw, "eE") {
		return raw
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return raw
}
