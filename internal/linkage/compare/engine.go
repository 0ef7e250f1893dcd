// Package compare computes comparison vectors: for a record pair, the level
// each comparison of the settings falls into.
//
// Compile precomputes, for every column and normalisation the levels use, a
// dictionary code per record (so exact agreement is an integer compare),
// parsed dates and numbers, token lists and term frequencies. A Worker then
// compares pairs without allocating; give each goroutine its own Worker.
package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/linkage/records"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/strsim"
)

// MaxComparisons is the largest number of comparisons an Engine accepts;
// it keeps a comparison vector on the stack.
const MaxComparisons = 64

// MaxLevels is the largest number of levels of one comparison (levels are
// stored in a byte).
const MaxLevels = 255

type kind uint8

const (
	kNull kind = iota
	kExact
	kJaroWinkler
	kJaro
	kLevenshtein
	kDamerau
	kDate
	kAbs
	kRel
	kArray
	kDist
	kElse
)

var kinds = map[settings.LevelType]kind{
	settings.Null: kNull, settings.Exact: kExact, settings.JaroWinkler: kJaroWinkler,
	settings.Jaro: kJaro, settings.Levenshtein: kLevenshtein, settings.DamerauLevenshtein: kDamerau,
	settings.DateDiff: kDate, settings.AbsDiff: kAbs, settings.RelDiff: kRel,
	settings.ArrayIntersect: kArray, settings.DistanceKm: kDist, settings.Else: kElse,
}

type level struct {
	kind kind
	f    *feature
	thr  float64 // similarity floor, day span or numeric bound
	ithr int     // edit-distance ceiling or shared-element floor
	toks *tokens
	tf   *TFAdjustment
	pts  *points  // distance_km
	lonf *feature // distance_km on separate latitude and longitude columns
}

type comparison struct {
	name    string
	columns []string
	levels  []level
	// memo is set when every level reads one feature with a dictionary
	// small enough for value pairs to repeat often: the level is then a
	// function of the two dictionary codes and Workers remember it.
	memo *feature
}

// memoMaxDict is the largest dictionary whose value pairs are memoised,
// and memoSlots the size of each Worker's direct-mapped memo.
const (
	memoMaxDict = 1 << 16
	memoSlots   = 1 << 13
)

// TFAdjustment is the term-frequency adjustment of one exact level: when a
// pair agrees at the level, its weight gains
// Weight·(log2 u − max(LogTF[i], LogTF[j])), where u is the level's u
// probability; as in Splink, agreement on a value rarer than u counts for
// more, on a commoner one for less.
type TFAdjustment struct {
	// Column is the column whose value frequencies are used.
	Column string
	// Weight scales the adjustment (Splink's tf_adjustment_weight).
	Weight float64
	// LogMinTF is log2 of the floor on the term frequency
	// (tf_minimum_u_value), or -Inf.
	LogMinTF float64
	// LogTF is log2 of the frequency of each record's value; 0 for null.
	LogTF []float64

	f *feature
}

// Options tune Compile.
type Options struct {
	// TFTables gives saved value frequencies per column, used instead of the
	// frequencies in the data for the values they list.
	TFTables map[string]map[string]float64
}

// Engine is a compiled set of comparisons over one record set. It is
// immutable after Compile and safe for concurrent use through Workers.
type Engine struct {
	recs     *records.Set
	comps    []comparison
	features map[featureKey]*feature
	warnings []string
	// rows holds every record's dictionary codes of all features side by
	// side (stride per record, feature.idx within): comparing a pair then
	// reads one or two cache lines per record instead of one per feature.
	rows   []int32
	stride int
	// points of distance_km levels by (latitude, longitude) feature.
	points map[[2]*feature]*points
}

// Compile prepares the comparisons of s (already validated) over recs. It
// fails when a level names a column some input lacks; it warns (see
// Warnings) about columns that are null in every record and about values a
// date or numeric level cannot parse.
func Compile(s *settings.Settings, recs *records.Set, opts Options) (*Engine, error) {
	if len(s.Comparisons) > MaxComparisons {
		return nil, fmt.Errorf("linkage: %d comparisons, at most %d are supported", len(s.Comparisons), MaxComparisons)
	}
	e := &Engine{recs: recs, features: map[featureKey]*feature{}}
	for ci, sc := range s.Comparisons {
		if len(sc.Levels) > MaxLevels {
			return nil, fmt.Errorf("linkage: comparisons[%d] (%s) has %d levels, at most %d are supported", ci, sc.DisplayName(), len(sc.Levels), MaxLevels)
		}
		c := comparison{name: sc.DisplayName()}
		for li, sl := range sc.Levels {
			lv, err := e.compileLevel(sc, sl)
			if err != nil {
				return nil, fmt.Errorf("linkage: comparisons[%d] (%s) levels[%d] (%s): %w", ci, c.name, li, sl.DisplayLabel(), err)
			}
			if lv.f != nil && !slices.Contains(c.columns, lv.f.column) {
				c.columns = append(c.columns, lv.f.column)
			}
			if lv.lonf != nil && !slices.Contains(c.columns, lv.lonf.column) {
				c.columns = append(c.columns, lv.lonf.column)
			}
			c.levels = append(c.levels, lv)
		}
		c.memo = memoisable(c)
		e.comps = append(e.comps, c)
	}
	e.stride = len(e.features)
	e.rows = make([]int32, recs.Len()*e.stride)
	for _, f := range e.features {
		for i, c := range f.codes {
			e.rows[i*e.stride+f.idx] = c
		}
	}
	for _, k := range sortedKeys(e.features) {
		if f := e.features[k]; f.nonNull == 0 && recs.Len() > 0 {
			e.warnings = append(e.warnings, fmt.Sprintf("column %q is null in every record: comparisons on it always fall to their null (or else) level and add no evidence", k.column))
		}
	}
	return e, nil
}

// memoisable returns the feature whose code pairs determine comparison c's
// level, or nil. Date and number levels parse the raw text, which equal
// codes guarantee only when the feature does not lowercase.
func memoisable(c comparison) *feature {
	var f *feature
	for _, lv := range c.levels {
		switch lv.kind {
		case kElse:
			continue
		case kDate, kAbs, kRel:
			if lv.f.lower {
				return nil
			}
		case kDist:
			// Points from two columns are not a function of one code.
			if lv.lonf != nil {
				return nil
			}
		}
		if f != nil && lv.f != f {
			return nil
		}
		f = lv.f
	}
	if f == nil || len(f.dict) > memoMaxDict {
		return nil
	}
	return f
}

func sortedKeys(m map[featureKey]*feature) []featureKey {
	keys := make([]featureKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b featureKey) int {
		if a.column != b.column {
			if a.column < b.column {
				return -1
			}
			return 1
		}
		if c := boolCmp(a.lower, b.lower)*2 + boolCmp(a.trim, b.trim); c != 0 {
			return c
		}
		if c := strings.Compare(a.regex, b.regex); c != 0 {
			return c
		}
		return strings.Compare(a.dateFormat, b.dateFormat)
	})
	return keys
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func (e *Engine) feature(k featureKey) (*feature, error) {
	if f, ok := e.features[k]; ok {
		return f, nil
	}
	f, err := newFeature(e.recs, k)
	if err != nil {
		return nil, err
	}
	f.idx = len(e.features)
	e.features[k] = f
	return f, nil
}

var unitDays = map[string]float64{settings.Days: 1, settings.Months: 30.4375, settings.Years: 365.25}

func (e *Engine) compileLevel(sc settings.Comparison, sl settings.Level) (level, error) {
	lv := level{kind: kinds[sl.Type], thr: sl.Threshold, ithr: int(sl.Threshold)}
	if lv.kind == kElse {
		return lv, nil
	}
	col := sl.Column
	if col == "" {
		col = sc.Column
	}
	f, err := e.feature(featureKey{column: col, lower: sc.Lowercase, trim: sc.Trim, regex: sl.Regex, dateFormat: sl.DateFormat})
	if err != nil {
		return lv, err
	}
	lv.f = f
	switch lv.kind {
	case kDate:
		bad, err := f.buildDates(e.recs)
		if err != nil {
			return lv, err
		}
		if bad > 0 {
			e.warnings = append(e.warnings, fmt.Sprintf("column %q: %d values are not dates (use YYYY-MM-DD or YYYYMMDD); date levels treat them as missing", col, bad))
		}
		lv.thr = sl.Threshold * unitDays[sl.Unit]
	case kAbs, kRel:
		bad, err := f.buildNums(e.recs)
		if err != nil {
			return lv, err
		}
		if bad > 0 {
			e.warnings = append(e.warnings, fmt.Sprintf("column %q: %d values are not numbers; numeric levels treat them as missing", col, bad))
		}
	case kArray:
		lv.toks = f.buildTokens(sl.Separator)
	case kDist:
		var lon *feature
		if sl.Longitude != "" {
			if lon, err = e.feature(featureKey{column: sl.Longitude, lower: sc.Lowercase, trim: sc.Trim}); err != nil {
				return lv, err
			}
		}
		pts, bad, err := e.buildPoints(f, lon)
		if err != nil {
			return lv, err
		}
		if bad > 0 {
			e.warnings = append(e.warnings, fmt.Sprintf("column %q: %d values are not points (lat,lon) or coordinates; distance levels treat them as missing", col, bad))
		}
		lv.pts, lv.lonf = pts, lon
	}
	if sl.TFAdjustmentColumn != "" {
		tf, err := e.feature(featureKey{column: sl.TFAdjustmentColumn, lower: sc.Lowercase, trim: sc.Trim})
		if err != nil {
			return lv, fmt.Errorf("tf_adjustment_column: %w", err)
		}
		lv.tf = &TFAdjustment{Column: sl.TFAdjustmentColumn, Weight: sl.TFAdjustmentWeight, LogMinTF: math.Inf(-1), f: tf}
		if sl.TFMinimumUValue > 0 {
			lv.tf.LogMinTF = math.Log2(sl.TFMinimumUValue)
		}
	}
	return lv, nil
}

// BuildTF computes the term frequencies of every level with a
// term-frequency adjustment. It is separate from Compile because training
// does not need them.
func (e *Engine) BuildTF(opts Options) {
	for _, c := range e.comps {
		for _, lv := range c.levels {
			if lv.tf != nil {
				lv.tf.f.buildTF(opts.TFTables[lv.tf.Column])
				lv.tf.LogTF = lv.tf.f.logTF
			}
		}
	}
}

// TFTable returns the value frequencies of a term-frequency column, built
// by BuildTF, or nil.
func (e *Engine) TFTable(column string) map[string]float64 {
	for k, f := range e.features {
		if k.column == column && f.freq != nil {
			out := make(map[string]float64, len(f.dict))
			for c, v := range f.dict {
				out[v] = f.freq[c]
			}
			return out
		}
	}
	return nil
}

// Warnings lists data problems found while compiling.
func (e *Engine) Warnings() []string { return e.warnings }

// Records returns the record set the engine compares.
func (e *Engine) Records() *records.Set { return e.recs }

// NumComparisons returns the number of comparisons.
func (e *Engine) NumComparisons() int { return len(e.comps) }

// Name returns comparison c's display name.
func (e *Engine) Name(c int) string { return e.comps[c].name }

// NumLevels returns the number of levels of comparison c.
func (e *Engine) NumLevels(c int) int { return len(e.comps[c].levels) }

// IsNull reports whether level l of comparison c is a null level.
func (e *Engine) IsNull(c, l int) bool { return e.comps[c].levels[l].kind == kNull }

// Columns returns the columns comparison c reads (a training rule that
// blocks on one of them cannot estimate the comparison's m).
func (e *Engine) Columns(c int) []string { return e.comps[c].columns }

// Cost ranks comparison c by the cost of its most expensive level: 0 for
// integer and float tests (exact, null, dates, numbers), 1 for token sets
// and edit distances (bounded by length first, then bit-parallel), 2 for
// Jaro and Jaro-Winkler.
func (e *Engine) Cost(c int) int {
	cost := 0
	for _, lv := range e.comps[c].levels {
		switch lv.kind {
		case kArray, kLevenshtein, kDamerau:
			cost = max(cost, 1)
		case kJaro, kJaroWinkler:
			cost = max(cost, 2)
		}
	}
	return cost
}

// TF returns the term-frequency adjustment of level l of comparison c, or
// nil. LogTF is filled only after BuildTF.
func (e *Engine) TF(c, l int) *TFAdjustment { return e.comps[c].levels[l].tf }

// simCache holds the similarities of one pair on one feature; negative
// means not computed yet.
type simCache struct {
	f        *feature
	jw, jaro float64
	lev, dl  int
}

func (w *Worker) levenshtein(c *simCache, a, b string) int {
	if c.lev < 0 {
		c.lev = w.sc.Levenshtein(a, b)
	}
	return c.lev
}

// damerauWithin reports whether the Damerau-Levenshtein distance is at most
// k. Since lev/2 ≤ DL ≤ lev (a transposition is one edit here and two for
// Levenshtein), the fast bit-parallel Levenshtein settles most pairs and
// the full Damerau matrix is needed only in between.
func (w *Worker) damerauWithin(c *simCache, a, b string, k int) bool {
	if c.dl >= 0 {
		return c.dl <= k
	}
	lev := w.levenshtein(c, a, b)
	switch {
	case lev <= k:
		return true
	case lev > 2*k:
		return false
	}
	c.dl = w.sc.DamerauLevenshtein(a, b)
	return c.dl <= k
}

// Worker compares pairs with per-goroutine scratch space.
type Worker struct {
	e    *Engine
	sc   strsim.Scratch
	memo [][]memoSlot // per comparison, nil when not memoised
}

// memoSlot remembers the level of the value pair (a, b), a < b.
type memoSlot struct {
	a, b  int32
	level uint8
}

// NewWorker returns a Worker; it is not safe for concurrent use.
func (e *Engine) NewWorker() *Worker {
	w := &Worker{e: e, memo: make([][]memoSlot, len(e.comps))}
	for c, cmp := range e.comps {
		if cmp.memo != nil {
			w.memo[c] = make([]memoSlot, memoSlots)
			for k := range w.memo[c] {
				w.memo[c][k].a = -1
			}
		}
	}
	return w
}

// Vector writes the level of every comparison for records i and j into dst,
// which must have room for NumComparisons values.
func (w *Worker) Vector(i, j int32, dst []uint8) {
	for c := range w.e.comps {
		dst[c] = w.Level(c, i, j)
	}
}

// Level returns the index of the first level of comparison c that holds
// for records i and j.
func (w *Worker) Level(c int, i, j int32) uint8 {
	if memo := w.memo[c]; memo != nil {
		f := w.e.comps[c].memo
		st := w.e.stride
		a, b := w.e.rows[int(i)*st+f.idx], w.e.rows[int(j)*st+f.idx]
		if a > b {
			a, b = b, a
		}
		if a >= 0 && a != b {
			slot := &memo[(uint32(a)*0x9E3779B1^uint32(b))&(memoSlots-1)]
			if slot.a == a && slot.b == b {
				return slot.level
			}
			lv := w.level(c, i, j)
			*slot = memoSlot{a: a, b: b, level: lv}
			return lv
		}
	}
	return w.level(c, i, j)
}

func (w *Worker) level(c int, i, j int32) uint8 {
	levels := w.e.comps[c].levels
	// Similarities are computed at most once per pair and feature, and
	// reused by the next threshold level.
	var cache simCache
	for li := range levels {
		lv := &levels[li]
		if lv.kind == kElse {
			return uint8(li)
		}
		f := lv.f
		st := w.e.stride
		ci, cj := w.e.rows[int(i)*st+f.idx], w.e.rows[int(j)*st+f.idx]
		switch lv.kind {
		case kNull:
			if ci < 0 || cj < 0 {
				return uint8(li)
			}
			continue
		case kDate:
			if !f.dayOK[i] || !f.dayOK[j] {
				continue
			}
			d := float64(f.days[i]) - float64(f.days[j])
			if math.Abs(d) <= lv.thr {
				return uint8(li)
			}
			continue
		case kDist:
			p := lv.pts
			if p.ok[i] && p.ok[j] && geo.DistanceKm(p.lat[i], p.lon[i], p.lat[j], p.lon[j]) <= lv.thr {
				return uint8(li)
			}
			continue
		case kAbs, kRel:
			if !f.numOK[i] || !f.numOK[j] {
				continue
			}
			a, b := f.nums[i], f.nums[j]
			d := math.Abs(a - b)
			if lv.kind == kRel {
				m := math.Max(math.Abs(a), math.Abs(b))
				if m == 0 {
					d = 0
				} else {
					d /= m
				}
			}
			if d <= lv.thr {
				return uint8(li)
			}
			continue
		}
		if ci < 0 || cj < 0 {
			continue
		}
		if ci == cj {
			// Equal text satisfies every similarity level as well.
			return uint8(li)
		}
		if cache.f != f {
			cache = simCache{f: f, jw: -1, jaro: -1, lev: -1, dl: -1}
		}
		a, b := f.dict[ci], f.dict[cj]
		var holds bool
		switch lv.kind {
		case kExact:
		case kArray:
			t := lv.toks
			holds = intersect(t.toks[t.off[i]:t.off[i+1]], t.toks[t.off[j]:t.off[j+1]]) >= lv.ithr
		case kJaroWinkler:
			if cache.jw < 0 {
				cache.jw = w.sc.JaroWinkler(a, b)
			}
			holds = cache.jw >= lv.thr
		case kJaro:
			if cache.jaro < 0 {
				cache.jaro = w.sc.Jaro(a, b)
			}
			holds = cache.jaro >= lv.thr
		case kLevenshtein, kDamerau:
			if d := f.runes[ci] - f.runes[cj]; d > int32(lv.ithr) || -d > int32(lv.ithr) {
				break
			}
			if lv.kind == kLevenshtein {
				holds = w.levenshtein(&cache, a, b) <= lv.ithr
			} else {
				holds = w.damerauWithin(&cache, a, b, lv.ithr)
			}
		}
		if holds {
			return uint8(li)
		}
	}
	// Validation guarantees an else level; a set built without Validate
	// falls back to the last level.
	return uint8(len(levels) - 1)
}
