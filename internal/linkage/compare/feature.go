package compare

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/strptime"
)

// feature is one column under one normalisation, precomputed for every
// record so that comparing a pair touches no maps and allocates nothing.
type feature struct {
	column      string
	lower, trim bool
	dateFormat  string
	idx         int // position in Engine.rows
	// codes[i] is record i's dictionary code, -1 when null; equal codes mean
	// equal normalised text, so exact agreement is an integer compare.
	codes []int32
	dict  []string
	// runes[c] is the length of dict[c] in code points: edit distances are
	// at least the difference of the lengths, a free early rejection.
	runes []int32
	// nonNull counts records with a value.
	nonNull int

	days  []int32 // for date levels, built on demand
	dayOK []bool
	nums  []float64 // for numeric levels, built on demand
	numOK []bool
	// arrays by separator: sorted distinct token codes per record.
	arrays map[string]*tokens
	// logTF is log2 of each record's term frequency (built on demand).
	logTF []float64
	freq  []float64 // frequency per dictionary code
}

// tokens holds a token-code list per record: toks[off[i]:off[i+1]].
type tokens struct {
	off  []int32
	toks []int32
}

type featureKey struct {
	column      string
	lower, trim bool
	// regex, when set, replaces each value by its first match (Level.Regex).
	regex string
	// dateFormat, when set, replaces each value by the date it reads as in
	// that layout, written YYYY-MM-DD (Level.DateFormat).
	dateFormat string
}

func normalise(v string, lower, trim bool) string {
	if trim {
		v = strings.TrimSpace(v)
	}
	if lower {
		v = strings.ToLower(v)
	}
	return v
}

func newFeature(recs *records.Set, k featureKey) (*feature, error) {
	vals, present, err := recs.Strings(k.column)
	if err != nil {
		return nil, err
	}
	var re *regexp.Regexp
	if k.regex != "" {
		// Validate has compiled it already.
		if re, err = regexp.Compile(k.regex); err != nil {
			return nil, fmt.Errorf("regex %q: %w", k.regex, err)
		}
	}
	f := &feature{column: k.column, lower: k.lower, trim: k.trim, dateFormat: k.dateFormat, codes: make([]int32, len(vals))}
	index := make(map[string]int32)
	for i, v := range vals {
		if !present[i] {
			f.codes[i] = -1
			continue
		}
		v = normalise(v, k.lower, k.trim)
		if re != nil {
			v = re.FindString(v)
		}
		if k.dateFormat != "" {
			if d, ok := strptime.Parse(k.dateFormat, v); ok {
				v = strptime.Format(d)
			} else {
				v = ""
			}
		}
		if v == "" {
			f.codes[i] = -1
			continue
		}
		c, ok := index[v]
		if !ok {
			c = int32(len(f.dict))
			index[v] = c
			f.dict = append(f.dict, v)
			f.runes = append(f.runes, int32(utf8.RuneCountInString(v)))
		}
		f.codes[i] = c
		f.nonNull++
	}
	return f, nil
}

func (f *feature) buildDates(recs *records.Set) (bad int, err error) {
	if f.days != nil {
		return 0, nil
	}
	if f.dateFormat != "" {
		// The values are already dates in one layout; those that were not
		// are null, as in the SQL this runs.
		f.days, f.dayOK = make([]int32, len(f.codes)), make([]bool, len(f.codes))
		for i, c := range f.codes {
			if c >= 0 {
				f.days[i], f.dayOK[i] = strptime.Parse("%Y-%m-%d", f.dict[c])
			}
		}
		return 0, nil
	}
	f.days, f.dayOK, bad, err = recs.Dates(f.column)
	return bad, err
}

func (f *feature) buildNums(recs *records.Set) (bad int, err error) {
	if f.nums != nil {
		return 0, nil
	}
	f.nums, f.numOK, bad, err = recs.Floats(f.column)
	return bad, err
}

// buildTokens splits every dictionary value at any of the characters of
// sep once, then gives each record the token list of its value.
func (f *feature) buildTokens(sep string) *tokens {
	if t, ok := f.arrays[sep]; ok {
		return t
	}
	index := map[string]int32{}
	perCode := make([][]int32, len(f.dict))
	for c, v := range f.dict {
		var list []int32
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(sep, r) }) {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			code, ok := index[part]
			if !ok {
				code = int32(len(index))
				index[part] = code
			}
			list = append(list, code)
		}
		slices.Sort(list)
		perCode[c] = slices.Compact(list)
	}
	t := &tokens{off: make([]int32, len(f.codes)+1)}
	for i, c := range f.codes {
		if c >= 0 {
			t.toks = append(t.toks, perCode[c]...)
		}
		t.off[i+1] = int32(len(t.toks))
	}
	if f.arrays == nil {
		f.arrays = map[string]*tokens{}
	}
	f.arrays[sep] = t
	return t
}

// buildTF computes each value's share of the non-null records, or takes it
// from saved, a value-to-frequency table of an earlier run, when the value
// is there.
func (f *feature) buildTF(saved map[string]float64) {
	if f.logTF != nil {
		return
	}
	counts := make([]float64, len(f.dict))
	for _, c := range f.codes {
		if c >= 0 {
			counts[c]++
		}
	}
	f.freq = make([]float64, len(f.dict))
	for c := range counts {
		f.freq[c] = counts[c] / float64(f.nonNull)
		if p, ok := saved[f.dict[c]]; ok && p > 0 {
			f.freq[c] = p
		}
	}
	f.logTF = make([]float64, len(f.codes))
	for i, c := range f.codes {
		if c >= 0 {
			f.logTF[i] = math.Log2(f.freq[c])
		}
	}
}

// intersect counts the elements two sorted lists share.
func intersect(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}
