// Package settings describes a probabilistic record linkage model: what to
// compare, how to block, how to train and where to draw the line between a
// match, a pair for clerical review and a non-match.
//
// Settings load from YAML or JSON (JSON is YAML) with Load or Parse, and are
// checked by Validate, which also fills defaults. They are what a model file
// under examples/linkage holds and what a linkage task's `with:` holds.
package settings

import (
	"fmt"
	"math"

	"github.com/hotpass/hotpass/internal/linkage/matchrules"
)

// LinkType says which record pairs are candidates.
type LinkType string

// The link types, named as Splink names them.
const (
	// DedupeOnly compares records of one input (or of several inputs taken
	// as one) with each other.
	DedupeOnly LinkType = "dedupe_only"
	// LinkOnly compares records of different inputs only.
	LinkOnly LinkType = "link_only"
	// LinkAndDedupe compares all records, within and across inputs.
	LinkAndDedupe LinkType = "link_and_dedupe"
)

// Defaults filled by Validate for zero values.
const (
	DefaultUniqueIDColumn       = "unique_id"
	DefaultMaxPairs             = 1_000_000
	DefaultMaxIterations        = 25
	DefaultConvergenceTolerance = 1e-4
	DefaultMatchThreshold       = 0.9
	DefaultMaxComparisons       = 1_000_000_000
	DefaultRecall               = 1.0
	DefaultTFWeight             = 1.0
)

// Settings is a complete linkage model description.
type Settings struct {
	// LinkType is dedupe_only (default), link_only or link_and_dedupe.
	LinkType LinkType `yaml:"link_type" json:"link_type"`
	// UniqueIDColumn names the column that identifies a record within its
	// input; default "unique_id". Values must be unique per input.
	UniqueIDColumn string `yaml:"unique_id_column" json:"unique_id_column"`
	// Comparisons are scored independently and their weights summed.
	Comparisons []Comparison `yaml:"comparisons" json:"comparisons"`
	// BlockingRules generate the candidate pairs scored by prediction. A
	// pair that satisfies several rules is produced once, by the first.
	// `auto` has them chosen from the data before training.
	BlockingRules RuleList `yaml:"blocking_rules" json:"blocking_rules"`
	// ProbabilityTwoRandomRecordsMatch is the prior λ. Zero means estimate
	// it from Training.DeterministicRules and Training.Recall.
	ProbabilityTwoRandomRecordsMatch float64 `yaml:"probability_two_random_records_match" json:"probability_two_random_records_match"`
	// Training configures parameter estimation.
	Training Training `yaml:"training" json:"training"`
	// MatchThreshold is the match probability at or above which a pair is a
	// match; default 0.9.
	MatchThreshold float64 `yaml:"match_threshold" json:"match_threshold"`
	// ReviewThreshold is the probability at or above which a non-match pair
	// goes to clerical review; default MatchThreshold (no review band). It
	// must not exceed MatchThreshold.
	ReviewThreshold float64 `yaml:"review_threshold" json:"review_threshold"`
	// MaxComparisons caps the candidate pairs any set of blocking rules may
	// produce; rules that would exceed it are refused before any pair is
	// generated. Default one billion.
	MaxComparisons int64 `yaml:"max_comparisons" json:"max_comparisons"`
	// OneToOne (link_only) matches each record at most once per other
	// input, best pair first; the pairs that lose go to review (or are
	// rejected when there is no review band).
	OneToOne bool `yaml:"one_to_one" json:"one_to_one,omitempty"`
	// Prior says where λ comes from when it is not given: deterministic
	// (default) or em.
	Prior Prior `yaml:"prior" json:"prior,omitempty"`
	// ClusterSplit, when set, splits sparse clusters at a higher threshold.
	ClusterSplit *ClusterSplit `yaml:"cluster_split" json:"cluster_split,omitempty"`
	// Rules are the deterministic rules used instead of the model when a
	// job asks for rule-based matching (package matchrules).
	Rules []matchrules.Rule `yaml:"rules" json:"rules,omitempty"`
}

// Training configures how λ, u and m are estimated.
type Training struct {
	// BlockingRules are the rules whose pairs train m by
	// expectation-maximisation, one EM run per rule.
	BlockingRules []string `yaml:"blocking_rules" json:"blocking_rules"`
	// MaxPairs is the number of random record pairs sampled to estimate u;
	// default one million.
	MaxPairs int64 `yaml:"max_pairs" json:"max_pairs"`
	// Seed makes u sampling reproducible.
	Seed int64 `yaml:"seed" json:"seed"`
	// DeterministicRules are rules whose pairs are (nearly) all matches,
	// used with Recall to estimate λ when it is not given.
	DeterministicRules []string `yaml:"deterministic_rules" json:"deterministic_rules"`
	// Recall is the share of all true matches the deterministic rules are
	// believed to find; default 1.
	Recall float64 `yaml:"recall" json:"recall"`
	// MaxIterations bounds each EM run; default 25.
	MaxIterations int `yaml:"max_iterations" json:"max_iterations"`
	// ConvergenceTolerance stops EM when no parameter moves by more; default
	// 1e-4.
	ConvergenceTolerance float64 `yaml:"convergence_tolerance" json:"convergence_tolerance"`
	// EstimateU lets EM update u as well as m. By default u comes from
	// random sampling and EM keeps it fixed, as Splink does.
	EstimateU bool `yaml:"estimate_u" json:"estimate_u"`
	// EstimateWithoutTermFrequencies makes EM ignore term-frequency
	// adjustments. By default they take part in the expectation step, as in
	// Splink, which is slower but matches how pairs are later scored.
	EstimateWithoutTermFrequencies bool `yaml:"estimate_without_term_frequencies" json:"estimate_without_term_frequencies"`
	// UExcludeDeterministic leaves the pairs the deterministic rules find
	// out of u estimation. u is meant to describe non-matching pairs; where
	// duplicates are common (several workbooks listing the same
	// organisations), the random sample holds enough of them to inflate u
	// for agreement levels, "name exact" above all, and so to understate
	// what agreeing on them is worth. Off by default, as in Splink.
	UExcludeDeterministic bool `yaml:"u_exclude_deterministic" json:"u_exclude_deterministic"`
	// MinMProbability floors the trained m of every non-null level, the
	// difference taken from the levels above the floor. EM drives the m of
	// a level it almost never sees among matches (a different province
	// where duplicates nearly always agree) towards zero, which lets that
	// level alone outweigh every other comparison; a floor bounds what one
	// disagreement can say. Zero (the default) sets no floor.
	MinMProbability float64 `yaml:"min_m_probability" json:"min_m_probability"`
	// Skip runs the model with the given λ, m and u as they are, without
	// estimating anything: every non-null level must have both
	// probabilities and λ must be set. An imported Splink model is run
	// this way, so that it scores as it did where it was trained.
	Skip bool `yaml:"skip" json:"skip,omitempty"`
}

// Comparison scores one aspect of a record pair (a name, a date of birth)
// by the first of its levels that holds.
type Comparison struct {
	// Name labels the comparison in outputs; default the column name.
	Name string `yaml:"name" json:"name"`
	// Column is the column compared by levels that do not name their own.
	Column string `yaml:"column" json:"column"`
	// Lowercase and Trim normalise text before any level sees it; a value
	// that trims to "" is null.
	Lowercase bool `yaml:"lowercase" json:"lowercase"`
	Trim      bool `yaml:"trim" json:"trim"`
	// Levels are tried in order; the first that holds is the pair's level.
	// The last should be "else".
	Levels []Level `yaml:"levels" json:"levels"`
}

// LevelType names a comparison level test.
type LevelType string

// The level tests.
const (
	// Null holds when either value is null; it carries no evidence.
	Null LevelType = "null"
	// Exact holds when both values are equal.
	Exact LevelType = "exact"
	// JaroWinkler holds when the Jaro-Winkler similarity is ≥ Threshold.
	JaroWinkler LevelType = "jaro_winkler"
	// Jaro holds when the Jaro similarity is ≥ Threshold.
	Jaro LevelType = "jaro"
	// Levenshtein holds when the edit distance is ≤ Threshold.
	Levenshtein LevelType = "levenshtein"
	// DamerauLevenshtein holds when the edit distance with transpositions
	// is ≤ Threshold.
	DamerauLevenshtein LevelType = "damerau_levenshtein"
	// DateDiff holds when two dates are at most Threshold Units apart.
	DateDiff LevelType = "date_diff"
	// AbsDiff holds when |a-b| ≤ Threshold for numbers.
	AbsDiff LevelType = "abs_diff"
	// RelDiff holds when |a-b| / max(|a|,|b|) ≤ Threshold for numbers.
	RelDiff LevelType = "rel_diff"
	// ArrayIntersect holds when the values, split at any character of
	// Separator, share at least Threshold distinct elements (default 1).
	ArrayIntersect LevelType = "array_intersect"
	// DistanceKm holds when two points are at most Threshold kilometres
	// apart (great circle). The column holds "lat,lon"; or, with
	// Longitude set, the column is the latitude and Longitude names the
	// longitude column.
	DistanceKm LevelType = "distance_km"
	// Else always holds.
	Else LevelType = "else"
)

// Date difference units. Months and years are average lengths (30.4375 and
// 365.25 days), so "within 1 year" means within 365.25 days.
const (
	Days   = "days"
	Months = "months"
	Years  = "years"
)

// Level is one test of a comparison.
type Level struct {
	Type LevelType `yaml:"type" json:"type"`
	// Label names the level in outputs; default derived from the test.
	Label string `yaml:"label" json:"label"`
	// Column overrides the comparison's column for this level.
	Column string `yaml:"column" json:"column"`
	// Threshold is the similarity floor, distance ceiling or minimum shared
	// element count, depending on Type.
	Threshold float64 `yaml:"threshold" json:"threshold"`
	// Unit is days (default), months or years for DateDiff.
	Unit string `yaml:"unit" json:"unit"`
	// Separator lists the characters that split values for ArrayIntersect
	// (", " splits at commas and spaces); default ",". Elements are
	// trimmed and empty ones dropped.
	Separator string `yaml:"separator" json:"separator"`
	// Longitude names the longitude column of a distance_km level whose
	// column is the latitude.
	Longitude string `yaml:"longitude" json:"longitude,omitempty"`
	// Regex, when set, makes the level compare the first match of this
	// regular expression (RE2 syntax) in each value instead of the value;
	// a value without a match, or with an empty one, is null. It runs a
	// Splink level on NULLIF(regexp_extract(col, pattern, 0), '').
	Regex string `yaml:"regex" json:"regex,omitempty"`
	// DateFormat, when set, makes the level read each value as a date in
	// this layout (%Y, %m, %d and literal characters, read as DuckDB's
	// try_strptime reads them; see package strptime); a value that does
	// not fit is null. It applies to null, exact and date_diff levels and
	// runs Splink's levels on try_strptime(col, layout).
	DateFormat string `yaml:"date_format" json:"date_format,omitempty"`
	// TFAdjustmentColumn turns on the term-frequency adjustment of an exact
	// level: agreeing on a rare value counts for more than on a common one.
	TFAdjustmentColumn string `yaml:"tf_adjustment_column" json:"tf_adjustment_column"`
	// TFAdjustmentWeight scales the adjustment (0..1); default 1.
	TFAdjustmentWeight float64 `yaml:"tf_adjustment_weight" json:"tf_adjustment_weight"`
	// TFMinimumUValue floors the term frequency used by the adjustment.
	TFMinimumUValue float64 `yaml:"tf_minimum_u_value" json:"tf_minimum_u_value"`
	// MProbability and UProbability are starting values (m: the share of
	// matching pairs at this level; u: of non-matching pairs). Unset values
	// get defaults; training replaces them.
	MProbability *float64 `yaml:"m_probability" json:"m_probability,omitempty"`
	UProbability *float64 `yaml:"u_probability" json:"u_probability,omitempty"`
	// Neutral makes a level that holds carry no evidence either way, as
	// the null level does: its match weight is 0 and training leaves it
	// out (Splink's is_null_level on a level that is not a null test).
	// Use it where agreement proves little but disagreement proves much:
	// namesakes at one airfield are near each other, so "within 50 km"
	// is neutral while "farther" still counts against a match.
	Neutral bool `yaml:"neutral" json:"neutral,omitempty"`
}

// IsNull reports whether the level is the null level.
func (l Level) IsNull() bool { return l.Type == Null }

// Weighs reports whether the level carries evidence: it is neither the
// null level nor neutral, so it has an m and a u.
func (l Level) Weighs() bool { return l.Type != Null && !l.Neutral }

// DisplayLabel returns Label or a description of the test.
func (l Level) DisplayLabel() string {
	if l.Label != "" {
		return l.Label
	}
	col := ""
	if l.Column != "" {
		col = " on " + l.Column
	}
	switch l.Type {
	case JaroWinkler, Jaro:
		return fmt.Sprintf("%s >= %g%s", l.Type, l.Threshold, col)
	case Levenshtein, DamerauLevenshtein, AbsDiff, RelDiff:
		return fmt.Sprintf("%s <= %g%s", l.Type, l.Threshold, col)
	case DateDiff:
		return fmt.Sprintf("date within %g %s%s", l.Threshold, l.Unit, col)
	case ArrayIntersect:
		return fmt.Sprintf("at least %g shared%s", l.Threshold, col)
	case DistanceKm:
		return fmt.Sprintf("within %g km%s", l.Threshold, col)
	}
	return string(l.Type) + col
}

// DisplayName returns Name or, failing that, Column.
func (c Comparison) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Column
}

// MatchWeightThreshold converts a probability threshold into the match
// weight at which a pair reaches it: log2(p/(1-p)).
func MatchWeightThreshold(p float64) float64 {
	switch {
	case p <= 0:
		return math.Inf(-1)
	case p >= 1:
		return math.Inf(1)
	}
	return math.Log2(p / (1 - p))
}

// RuleComparisons describes the comparisons to the deterministic rules,
// whose conditions may name one instead of a column.
func (s *Settings) RuleComparisons() []matchrules.Comparison {
	out := make([]matchrules.Comparison, len(s.Comparisons))
	for i, c := range s.Comparisons {
		out[i] = matchrules.Comparison{Name: c.DisplayName(), Column: c.Column, Lowercase: c.Lowercase, Trim: c.Trim}
	}
	return out
}
