// Package linkreport renders the HTML report of a record linkage run
// (linkage_report.html): a summary of the inputs, blocking rules, classes,
// thresholds and prior; a histogram of match weights with the thresholds
// marked; the m and u probabilities and Bayes factor of every comparison
// level; and waterfall charts that explain sample pairs step by step, from
// the prior through each comparison to the final weight and probability.
//
// The report is one self-contained file: inline CSS and inline SVG, no
// script and no reference to any other file or network resource, so it
// can be mailed, archived and opened offline. Every value that comes from
// data or settings is HTML-escaped (html/template).
//
// The input types are plain data, filled by the linkage task from the
// linkage library's results, so this package depends on nothing else.
package linkreport

import (
	"math"
	"slices"
	"time"
)

// Report is everything the report shows.
type Report struct {
	// Title heads the page; default "Record linkage report".
	Title string
	// GeneratedAt is printed as is; the zero time prints nothing, which
	// keeps golden files stable.
	GeneratedAt time.Time
	// LinkType is dedupe_only, link_only or link_and_dedupe.
	LinkType string
	// Lambda is the probability that two random records match.
	Lambda float64
	// MatchThreshold and ReviewThreshold are match probabilities: a pair at
	// or above MatchThreshold is a match, at or above ReviewThreshold goes
	// to clerical review.
	MatchThreshold, ReviewThreshold float64
	Inputs                          []Input
	// Rules are the prediction blocking rules with their pair counts.
	Rules []Rule
	// Weights is the distribution of the scored pairs' match weights.
	Weights *Histogram
	// Comparisons are the trained parameters.
	Comparisons []Comparison
	// Pairs are the sample pairs explained by waterfall charts.
	Pairs []Explanation
	// PriorSource says where λ came from (given, deterministic_rules or
	// em); PriorWarnings are the cross-check's warnings. Empty shows
	// nothing.
	PriorSource   string
	PriorWarnings []string
	// Displaced counts the match pairs one_to_one overruled.
	Displaced int64
	// Clusters, when set, summarises cluster quality.
	Clusters *Clusters
	// Masker, when set, rewrites the explained pairs' field values as
	// they are rendered: a compliance policy's reports operators.
	Masker Masker
}

// Masker returns value as the report may show it in the field name (""
// for a value it may not show).
type Masker interface {
	Field(name, value string) string
}

// Clusters summarises how tightly the clusters hold together.
type Clusters struct {
	Count int
	// Sparse counts clusters of three or more records with density below
	// SparseDensity; Split the clusters cluster_split broke up.
	Sparse        int
	SparseDensity float64
	Split         int
	// Weakest lists the clusters with the lowest density, weakest first.
	Weakest []ClusterQuality
}

// ClusterQuality is one cluster's density and weakest edge.
type ClusterQuality struct {
	ID                   string
	Size, Edges          int
	Density, WeakestEdge float64
}

// Input is one input table.
type Input struct {
	Name    string
	Records int64
}

// Rule is one blocking rule and the pairs it produced, by class. Pairs a
// rule produced that an earlier rule had already produced are counted
// under the earlier rule only.
type Rule struct {
	Rule                    string
	Pairs, Matches, Reviews int64
}

// Rejects returns the pairs below the review threshold.
func (r Rule) Rejects() int64 { return r.Pairs - r.Matches - r.Reviews }

// Comparison is one comparison's parameters, levels in evaluation order.
type Comparison struct {
	Name   string
	Levels []Level
}

// Level is one comparison level's parameters.
type Level struct {
	Label string
	// Null marks the null level, which carries no evidence.
	Null bool
	// M is P(level | match), U is P(level | non-match).
	M, U float64
}

// BayesFactor returns m/u, or 1 for a null level or when u is 0.
func (l Level) BayesFactor() float64 {
	if l.Null || l.U <= 0 {
		return 1
	}
	return l.M / l.U
}

// Explanation is one pair's score, broken down.
type Explanation struct {
	PairID      string
	Left, Right Record
	// Prior is the prior match weight, log2(λ/(1−λ)).
	Prior float64
	// Steps are the comparisons' contributions, in comparison order.
	Steps []Step
	// Weight and Probability are the pair's final match weight and match
	// probability. Weight should equal Prior plus every step's Weight and
	// TF; the report flags a pair where it does not.
	Weight, Probability float64
}

// Record is one side of an explained pair.
type Record struct {
	Source, ID string
	Fields     []Field
}

// Field is one named value, in display order.
type Field struct {
	Name, Value string
}

// Step is one comparison's contribution to a pair's weight.
type Step struct {
	Comparison, Level string
	// Weight is the level's log2 Bayes factor, log2(m/u); 0 for null.
	Weight float64
	// TF is the term-frequency adjustment in log2 units (0 when the level
	// has none).
	TF float64
}

// weightClamp bounds the weights a histogram bins: beyond ±64 bits the
// probability is 0 or 1 to double precision, and an infinite weight must
// not create billions of empty bins.
const weightClamp = 64

// Histogram counts match weights in bins of equal width. Add weights one
// at a time so that prediction can stream them.
type Histogram struct {
	width float64
	bins  map[int]int64
	total int64
}

// NewHistogram returns an empty histogram with bins of the given width
// (default 1 bit when width is not positive).
func NewHistogram(width float64) *Histogram {
	if !(width > 0) || math.IsInf(width, 0) {
		width = 1
	}
	return &Histogram{width: width, bins: map[int]int64{}}
}

// Add counts one weight; NaN is ignored and weights beyond ±64 land in the
// outermost bins.
func (h *Histogram) Add(w float64) {
	if math.IsNaN(w) {
		return
	}
	w = max(-weightClamp, min(weightClamp, w))
	h.bins[int(math.Floor(w/h.width))]++
	h.total++
}

// Total returns the number of weights added.
func (h *Histogram) Total() int64 { return h.total }

// Bin is one histogram bin [Lo, Hi).
type Bin struct {
	Lo, Hi float64
	Count  int64
}

// Bins returns the bins from the lowest to the highest non-empty one,
// empty bins between included.
func (h *Histogram) Bins() []Bin {
	if h == nil || len(h.bins) == 0 {
		return nil
	}
	keys := make([]int, 0, len(h.bins))
	for k := range h.bins {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Bin
	for k := keys[0]; k <= keys[len(keys)-1]; k++ {
		out = append(out, Bin{Lo: float64(k) * h.width, Hi: float64(k+1) * h.width, Count: h.bins[k]})
	}
	return out
}

// WeightOf converts a match probability into a match weight,
// log2(p/(1−p)).
func WeightOf(p float64) float64 {
	return math.Log2(p / (1 - p))
}
