package table

import "strings"

// Inferrer decides a column type from sample text values. Candidates are
// tried in the order int64, float64, bool, date, timestamp; the first that
// accepts every observed value wins, and string is the fallback. The zero
// value is ready to use.
//
// Inference is stricter than parsing, because a wrong guess silently damages
// data while a string column is always safe:
//   - integers and floats with a leading zero ("007", "0821234567") or a
//     leading '+' ("+27...") stay strings, since they are identifiers or
//     phone numbers whose digits matter;
//   - bool accepts only true/false (any case), not 1/0 or yes/no;
//   - a timestamp needs a time of day; a date alone makes a date column.
type Inferrer struct {
	excluded uint8 // bit per Type that some value ruled out
	seen     int
}

const allCandidates = 1<<Int64 | 1<<Float64 | 1<<Bool | 1<<Date | 1<<Timestamp

// Observe records one non-null value. Callers filter nulls first.
func (in *Inferrer) Observe(s string) {
	in.seen++
	if in.excluded&allCandidates == allCandidates {
		return
	}
	s = strings.TrimSpace(s)
	if in.excluded&(1<<Int64|1<<Float64) != 1<<Int64|1<<Float64 {
		isInt, isFloat := classifyNumber(s)
		if !isInt {
			in.excluded |= 1 << Int64
		}
		if !isFloat {
			in.excluded |= 1 << Float64
		}
	}
	if in.excluded&(1<<Bool) == 0 && !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false") {
		in.excluded |= 1 << Bool
	}
	if in.excluded&(1<<Date) == 0 {
		if _, err := ParseDate(s); err != nil {
			in.excluded |= 1 << Date
		}
	}
	if in.excluded&(1<<Timestamp) == 0 {
		if _, ok := parseTimestampOnly(s); !ok {
			in.excluded |= 1 << Timestamp
		}
	}
}

// Seen returns the number of values observed.
func (in *Inferrer) Seen() int { return in.seen }

// Type returns the inferred type; String when nothing was observed.
func (in *Inferrer) Type() Type {
	if in.seen == 0 {
		return String
	}
	for _, t := range []Type{Int64, Float64, Bool, Date, Timestamp} {
		if in.excluded&(1<<t) == 0 {
			return t
		}
	}
	return String
}

// InferType infers the type of values, treating "" as null.
func InferType(values ...string) Type {
	var in Inferrer
	for _, v := range values {
		if v != "" {
			in.Observe(v)
		}
	}
	return in.Type()
}

// classifyNumber reports whether s is an integer that fits int64 and whether
// it is a decimal float, applying the leading-zero and '+' rules.
func classifyNumber(s string) (isInt, isFloat bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := i - start
	if intDigits > 1 && s[start] == '0' {
		return false, false
	}
	if intDigits > 0 && i == len(s) {
		_, err := ParseInt64(s)
		return err == nil, true
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == exp {
			return false, false
		}
	}
	if i != len(s) {
		return false, false
	}
	_, err := ParseFloat64(s)
	return false, err == nil
}
