package quality

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/table"
)

// maxExamples bounds the failing values kept per expectation for reports.
const maxExamples = 5

// Result is the outcome of one expectation.
type Result struct {
	Name      string  `json:"name"`
	Expect    string  `json:"expect"`
	Column    string  `json:"column"`
	Rows      int     `json:"rows"`
	Failed    int     `json:"failed"`
	PassRate  float64 `json:"pass_rate"`
	Threshold float64 `json:"threshold"`
	Passed    bool    `json:"passed"`
	// Error is set when the expectation could not be evaluated at all,
	// e.g. its column does not exist; it then fails.
	Error    string    `json:"error,omitempty"`
	Examples []Example `json:"examples,omitempty"`
	Where    string    `json:"where,omitempty"`
}

// Example is one failing value. Row is 1-based.
type Example struct {
	Row   int    `json:"row"`
	Value string `json:"value"`
}

// Completeness is the share of non-null values in one column.
type Completeness struct {
	Column  string  `json:"column"`
	NonNull int     `json:"non_null"`
	Share   float64 `json:"share"`
}

// Report is the outcome of evaluating expectations against a table.
type Report struct {
	Title        string         `json:"title,omitempty"`
	Rows         int            `json:"rows"`
	Passed       bool           `json:"passed"`
	InvalidRows  int            `json:"invalid_rows"`
	Results      []Result       `json:"expectations"`
	Completeness []Completeness `json:"completeness"`
	// Locations are the rows' points when the table has latitude and
	// longitude columns (geocoded); the HTML report maps them.
	Locations   []geo.Point `json:"-"`
	LocatedRows int         `json:"located_rows,omitempty"`
}

// Failures lists, for each failing expectation, its name and failure count.
func (r *Report) Failures() map[string]int {
	out := map[string]int{}
	for _, res := range r.Results {
		out[res.Name] = res.Failed
	}
	return out
}

// FailedExpectations returns the results that did not pass.
func (r *Report) FailedExpectations() []Result {
	var out []Result
	for _, res := range r.Results {
		if !res.Passed {
			out = append(out, res)
		}
	}
	return out
}

// Evaluation is a Report together with why each row failed, for policies
// that drop rows.
type Evaluation struct {
	Report *Report
	// Reasons holds, for each row, the labels of the expectations it
	// failed joined by "; ", or "" when it passed them all.
	Reasons []string
}

// Evaluate checks every expectation against t. Expectations must have
// passed Check; a bad one is reported as a failed result, not an error.
// Completeness counts only blanks as missing.
func Evaluate(t *table.Table, exps []Expectation) *Evaluation {
	return EvaluateFunc(t, exps, nil)
}

// EvaluateFunc is Evaluate where completeness also counts as missing the
// text values for which empty reports true: a profile's placeholders
// ("Unknown", "N/A") are not data, however many rows hold them.
func EvaluateFunc(t *table.Table, exps []Expectation, empty func(string) bool) *Evaluation {
	n := t.NumRows()
	rep := &Report{Rows: n, Passed: true}
	reasons := make([]string, n)
	for i := range exps {
		e := &exps[i]
		res, failed := evaluate(t, e)
		if !res.Passed {
			rep.Passed = false
		}
		for _, row := range failed {
			if reasons[row] == "" {
				reasons[row] = res.Name
			} else {
				reasons[row] += "; " + res.Name
			}
		}
		rep.Results = append(rep.Results, res)
	}
	for _, r := range reasons {
		if r != "" {
			rep.InvalidRows++
		}
	}
	rep.Completeness = ColumnCompletenessFunc(t, empty)
	if lat, lon := t.ColumnByName(geo.ColLatitude), t.ColumnByName(geo.ColLongitude); lat != nil && lon != nil {
		for i := 0; i < n; i++ {
			if la, lo, ok := geo.PointAt(lat, lon, i); ok && geo.CheckLatLon(la, lo, "") == nil {
				rep.Locations = append(rep.Locations, geo.Point{Lat: la, Lon: lo})
			}
		}
		rep.LocatedRows = len(rep.Locations)
	}
	return &Evaluation{Report: rep, Reasons: reasons}
}

// ColumnCompleteness returns the share of non-null, non-blank values of
// each column in order.
func ColumnCompleteness(t *table.Table) []Completeness {
	return ColumnCompletenessFunc(t, nil)
}

// ColumnCompletenessFunc is ColumnCompleteness where a text value for
// which empty reports true ("unknown", "N/A") counts as missing too; nil
// counts only blanks.
func ColumnCompletenessFunc(t *table.Table, empty func(string) bool) []Completeness {
	n := t.NumRows()
	out := make([]Completeness, t.NumCols())
	for j := 0; j < t.NumCols(); j++ {
		c := t.Column(j)
		filled := n - c.NullCount()
		if c.Type() == table.String {
			for i, s := range c.Strings() {
				if !c.IsNull(i) && (strings.TrimSpace(s) == "" || (empty != nil && empty(s))) {
					filled--
				}
			}
		}
		share := 0.0
		if n > 0 {
			share = float64(filled) / float64(n)
		}
		out[j] = Completeness{Column: t.Schema().Field(j).Name, NonNull: filled, Share: share}
	}
	return out
}

// evaluate returns the result of one expectation and the failing rows.
func evaluate(t *table.Table, e *Expectation) (Result, []int) {
	n := t.NumRows()
	res := Result{Name: e.Label(), Expect: e.Expect, Column: e.Column, Rows: n, Threshold: e.Threshold(), Where: e.Where}
	if problems := e.Check(); len(problems) > 0 {
		res.Error = strings.Join(problems, "; ")
		res.Failed = n
		return res, nil
	}
	col := t.ColumnByName(e.Column)
	if col == nil {
		res.Error = fmt.Sprintf("column %q not found; columns: %s", e.Column, strings.Join(t.Schema().Names(), ", "))
		res.Failed = n
		return res, nil
	}
	test, err := rowTest(col, e)
	if err != nil {
		res.Error = err.Error()
		res.Failed = n
		return res, nil
	}
	var failed []int
	for i := 0; i < n; i++ {
		if test(i) {
			continue
		}
		failed = append(failed, i)
		if len(res.Examples) < maxExamples {
			res.Examples = append(res.Examples, Example{Row: i + 1, Value: col.Format(i)})
		}
	}
	res.Failed = len(failed)
	res.PassRate = 1
	if n > 0 {
		res.PassRate = float64(n-res.Failed) / float64(n)
	}
	// A tiny epsilon keeps 0.95 from failing as 0.9499999 after division.
	res.Passed = res.PassRate+1e-12 >= res.Threshold
	return res, failed
}

// rowTest returns a predicate that reports whether row i passes.
func rowTest(col *table.Column, e *Expectation) (func(int) bool, error) {
	blank := func(i int) bool {
		return col.IsNull(i) || (col.Type() == table.String && strings.TrimSpace(col.Strings()[i]) == "")
	}
	switch e.Expect {
	case NotNull:
		return func(i int) bool { return !blank(i) }, nil
	case Unique:
		seen := make(map[string]struct{}, col.Len())
		return func(i int) bool {
			if blank(i) {
				return true
			}
			v := col.Format(i)
			if _, dup := seen[v]; dup {
				return false
			}
			seen[v] = struct{}{}
			return true
		}, nil
	case Regex:
		pat := e.Pattern
		if e.IgnoreCase {
			pat = "(?i)" + pat
		}
		re, err := regexp.Compile(pat)
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		return func(i int) bool { return blank(i) || re.MatchString(col.Format(i)) }, nil
	case InSet:
		set := make(map[string]struct{}, len(e.Values))
		for _, v := range e.Values {
			if e.IgnoreCase {
				v = strings.ToLower(v)
			}
			set[v] = struct{}{}
		}
		return func(i int) bool {
			if blank(i) {
				return true
			}
			v := col.Format(i)
			if e.IgnoreCase {
				v = strings.ToLower(v)
			}
			_, ok := set[v]
			return ok
		}, nil
	case Between:
		lo, hi := math.Inf(-1), math.Inf(1)
		if e.Min != nil {
			lo = *e.Min
		}
		if e.Max != nil {
			hi = *e.Max
		}
		return func(i int) bool {
			if blank(i) {
				return true
			}
			v, ok := numeric(col, i)
			return ok && v >= lo && v <= hi
		}, nil
	case MaxLength:
		limit := int(*e.Max)
		return func(i int) bool {
			return blank(i) || utf8.RuneCountInString(col.Format(i)) <= limit
		}, nil
	}
	return nil, fmt.Errorf("unknown expectation %q", e.Expect)
}

// numeric reads row i as a number: the value of numeric columns, days
// since 1970 for dates, and parsed text for strings.
func numeric(col *table.Column, i int) (float64, bool) {
	switch col.Type() {
	case table.Int64:
		return float64(col.Int64s()[i]), true
	case table.Float64:
		v := col.Float64s()[i]
		return v, !math.IsNaN(v)
	case table.Date:
		return float64(col.Dates()[i]), true
	case table.Timestamp:
		return float64(col.Timestamps()[i]), true
	case table.String:
		v, err := strconv.ParseFloat(strings.TrimSpace(col.Strings()[i]), 64)
		return v, err == nil
	}
	return 0, false
}

// Drop splits t into the rows that passed every expectation and the rows
// that did not; rejects gets a final column "reject_reason".
func Drop(t *table.Table, ev *Evaluation) (kept, rejects *table.Table, err error) {
	var keep, drop []int
	for i, r := range ev.Reasons {
		if r == "" {
			keep = append(keep, i)
		} else {
			drop = append(drop, i)
		}
	}
	kept, err = take(t, keep)
	if err != nil {
		return nil, nil, err
	}
	rejects, err = take(t, drop)
	if err != nil {
		return nil, nil, err
	}
	rb := table.NewColumnBuilder(table.String, len(drop))
	for _, i := range drop {
		rb.AppendString(ev.Reasons[i])
	}
	rejects, err = rejects.WithColumn("reject_reason", rb.Build())
	if err != nil {
		return nil, nil, fmt.Errorf("rejects: %w", err)
	}
	return kept, rejects, nil
}

// take copies the given rows of t into a new table.
func take(t *table.Table, rows []int) (*table.Table, error) {
	b := table.NewBuilder(t.Schema(), len(rows))
	for j := 0; j < t.NumCols(); j++ {
		src, cb := t.Column(j), b.Column(j)
		for _, i := range rows {
			cb.AppendFrom(src, i)
		}
	}
	return b.Build()
}
