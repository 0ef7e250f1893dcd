package table

import "time"

const (
	secondsPerDay = 86400
	microsPerDay  = secondsPerDay * 1_000_000
)

// DateToTime returns midnight UTC of the date stored as days since
// 1970-01-01.
func DateToTime(days int32) time.Time {
	return time.Unix(int64(days)*secondsPerDay, 0).UTC()
}

// TimeToDate returns the calendar date of t (in t's own location) as days
// since 1970-01-01.
func TimeToDate(t time.Time) int32 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// TimestampToTime converts microseconds since the Unix epoch to a UTC time.
func TimestampToTime(micros int64) time.Time {
	return time.UnixMicro(micros).UTC()
}

// TimeToTimestamp converts t to microseconds since the Unix epoch,
// truncating any nanoseconds.
func TimeToTimestamp(t time.Time) int64 { return t.UnixMicro() }

// FormatDate renders days since 1970-01-01 as YYYY-MM-DD.
func FormatDate(days int32) string { return DateToTime(days).Format(time.DateOnly) }

// FormatTimestamp renders microseconds since the epoch as RFC 3339 in UTC,
// with exactly six fractional digits when the sub-second part is non-zero.
func FormatTimestamp(micros int64) string { return string(appendTimestamp(nil, micros)) }

func appendTimestamp(dst []byte, micros int64) []byte {
	t := TimestampToTime(micros)
	if t.Nanosecond() == 0 {
		return t.AppendFormat(dst, "2006-01-02T15:04:05Z07:00")
	}
	return t.AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
}

// daysFromCivil converts a proleptic Gregorian date to days since
// 1970-01-01 without going through time.Time (it is on the CSV hot path).
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
