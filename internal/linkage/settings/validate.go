package settings

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/matchrules"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/strptime"
)

// Validate fills defaults and checks everything that does not need the
// data: link type, level tests and their thresholds, rule syntax, training
// options and thresholds. Every problem is reported, each prefixed with its
// path (for example "comparisons[2].levels[1]").
func (s *Settings) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch s.LinkType {
	case "":
		s.LinkType = DedupeOnly
	case DedupeOnly, LinkOnly, LinkAndDedupe:
	default:
		add("link_type %q: use dedupe_only, link_only or link_and_dedupe", s.LinkType)
	}
	if s.UniqueIDColumn == "" {
		s.UniqueIDColumn = DefaultUniqueIDColumn
	}
	if len(s.Comparisons) == 0 {
		add("comparisons: at least one comparison is needed")
	}
	names := map[string]int{}
	for i := range s.Comparisons {
		c := &s.Comparisons[i]
		path := fmt.Sprintf("comparisons[%d]", i)
		if c.DisplayName() == "" {
			add("%s: set column (or name, with a column on every level)", path)
		} else if j, dup := names[c.DisplayName()]; dup {
			add("%s: name %q is already used by comparisons[%d]; give one a distinct name", path, c.DisplayName(), j)
		} else {
			names[c.DisplayName()] = i
		}
		errs = append(errs, c.validate(path)...)
	}
	for i, r := range s.BlockingRules {
		if s.BlockingRules.Auto() {
			break
		}
		if _, err := rule.Parse(r); err != nil {
			add("blocking_rules[%d]: %w", i, err)
		}
	}
	errs = append(errs, s.Training.validate()...)
	if f := s.Training.MinMProbability; f > 0 {
		for i, c := range s.Comparisons {
			k := 0
			for _, l := range c.Levels {
				if l.Weighs() {
					k++
				}
			}
			if float64(k)*f >= 1 {
				add("training.min_m_probability %g: comparisons[%d] (%s) has %d levels that carry evidence, so m cannot be at least %g on each; lower it below %g",
					f, i, c.DisplayName(), k, f, 1/float64(k))
			}
		}
	}
	if s.Training.Skip {
		errs = append(errs, s.checkFixed()...)
	}
	if s.Training.UExcludeDeterministic && len(s.Training.DeterministicRules) == 0 {
		add("training.u_exclude_deterministic is set but training.deterministic_rules is empty: list the rules whose pairs u should leave out")
	}

	if s.ProbabilityTwoRandomRecordsMatch < 0 || s.ProbabilityTwoRandomRecordsMatch >= 1 {
		add("probability_two_random_records_match %g: must be in (0, 1), or 0 to estimate it", s.ProbabilityTwoRandomRecordsMatch)
	}
	errs = append(errs, s.validateResolution()...)
	for _, p := range matchrules.Check(s.Rules, s.RuleComparisons()) {
		errs = append(errs, errors.New(p.String()))
	}
	if s.ProbabilityTwoRandomRecordsMatch == 0 && len(s.Training.DeterministicRules) == 0 && s.Prior != PriorEM {
		add("probability_two_random_records_match is not set and training.deterministic_rules is empty: set one of them, or prior: em")
	}
	if s.MatchThreshold == 0 {
		s.MatchThreshold = DefaultMatchThreshold
	}
	if s.ReviewThreshold == 0 {
		s.ReviewThreshold = s.MatchThreshold
	}
	if s.MatchThreshold < 0 || s.MatchThreshold > 1 {
		add("match_threshold %g: must be a probability in (0, 1]", s.MatchThreshold)
	}
	if s.ReviewThreshold < 0 || s.ReviewThreshold > 1 {
		add("review_threshold %g: must be a probability in (0, 1]", s.ReviewThreshold)
	}
	if s.ReviewThreshold > s.MatchThreshold {
		add("review_threshold %g is above match_threshold %g: the review band lies below the match threshold; lower review_threshold or raise match_threshold",
			s.ReviewThreshold, s.MatchThreshold)
	}
	if err := s.checkSplitThreshold(); err != nil {
		errs = append(errs, err)
	}
	if s.MaxComparisons == 0 {
		s.MaxComparisons = DefaultMaxComparisons
	}
	if s.MaxComparisons < 0 {
		add("max_comparisons %d: must be positive", s.MaxComparisons)
	}
	return errors.Join(errs...)
}

func (c *Comparison) validate(path string) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Levels) < 2 {
		add("%s: at least two levels are needed (for example exact and else)", path)
	}
	evidence := 0
	for j := range c.Levels {
		l := &c.Levels[j]
		lp := fmt.Sprintf("%s.levels[%d]", path, j)
		if l.Column == "" && c.Column == "" && l.Type != Else && l.Type != Null {
			add("%s: no column: set column on the comparison or the level", lp)
		}
		if l.Weighs() {
			evidence++
		}
		if l.Type == Else && j != len(c.Levels)-1 {
			add("%s: else must be the last level (levels after it could never hold)", lp)
		}
		if j == len(c.Levels)-1 && l.Type != Else {
			add("%s: the last level must be else, so that every pair gets a level", lp)
		}
		errs = append(errs, l.validate(lp)...)
	}
	if len(c.Levels) >= 2 && evidence < 2 {
		add("%s: needs at least two levels that carry evidence (not null, not neutral): with one, its m and u are both 1 and it weighs nothing", path)
	}
	return errs
}

func (l *Level) validate(lp string) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch l.Type {
	case Null, Exact, Else:
	case JaroWinkler, Jaro:
		if l.Threshold <= 0 || l.Threshold > 1 {
			add("%s: %s threshold %g must be a similarity in (0, 1]", lp, l.Type, l.Threshold)
		}
	case Levenshtein, DamerauLevenshtein:
		if l.Threshold < 0 || l.Threshold != float64(int(l.Threshold)) {
			add("%s: %s threshold %g must be a whole number of edits (>= 0)", lp, l.Type, l.Threshold)
		}
	case DateDiff:
		switch strings.ToLower(l.Unit) {
		case "", "day", Days:
			l.Unit = Days
		case "month", Months:
			l.Unit = Months
		case "year", Years:
			l.Unit = Years
		default:
			add("%s: unit %q: use days, months or years", lp, l.Unit)
		}
		if l.Threshold < 0 {
			add("%s: date_diff threshold %g must not be negative", lp, l.Threshold)
		}
	case AbsDiff, RelDiff:
		if l.Threshold < 0 {
			add("%s: %s threshold %g must not be negative", lp, l.Type, l.Threshold)
		}
	case ArrayIntersect:
		if l.Threshold == 0 {
			l.Threshold = 1
		}
		if l.Threshold < 1 || l.Threshold != float64(int(l.Threshold)) {
			add("%s: array_intersect threshold %g must be a whole number of shared elements (>= 1)", lp, l.Threshold)
		}
		if l.Separator == "" {
			l.Separator = ","
		}
	case DistanceKm:
		if l.Threshold <= 0 {
			add("%s: distance_km threshold %g must be a positive number of kilometres", lp, l.Threshold)
		}
	case "":
		add("%s: type is missing: use null, exact, jaro_winkler, jaro, levenshtein, damerau_levenshtein, date_diff, abs_diff, rel_diff, array_intersect, distance_km or else", lp)
	default:
		add("%s: unknown type %q: use null, exact, jaro_winkler, jaro, levenshtein, damerau_levenshtein, date_diff, abs_diff, rel_diff, array_intersect, distance_km or else", lp, l.Type)
	}
	if l.Regex != "" {
		switch l.Type {
		case Else:
			add("%s: regex has no effect on an else level; remove it", lp)
		case DateDiff, AbsDiff, RelDiff, DistanceKm:
			add("%s: regex is not supported on %s levels, which read the column's own value", lp, l.Type)
		}
		if _, err := regexp.Compile(l.Regex); err != nil {
			add("%s: regex %q: %w", lp, l.Regex, err)
		}
	}
	if l.DateFormat != "" {
		switch {
		case l.Type != Null && l.Type != Exact && l.Type != DateDiff:
			add("%s: date_format applies to null, exact and date_diff levels, not %s", lp, l.Type)
		case l.Regex != "":
			add("%s: give regex or date_format, not both", lp)
		}
		if err := strptime.Check(l.DateFormat); err != nil {
			add("%s: %w", lp, err)
		}
	}
	if l.Longitude != "" && l.Type != DistanceKm {
		add("%s: longitude applies to distance_km levels only", lp)
	}
	if l.Neutral && l.Type == Null {
		add("%s: the null level is neutral already; remove neutral", lp)
	}
	if l.TFAdjustmentColumn != "" {
		if l.Neutral {
			add("%s: a neutral level carries no evidence, so a term-frequency adjustment has nothing to adjust; remove tf_adjustment_column or neutral", lp)
		}
		if l.Type != Exact {
			add("%s: tf_adjustment_column is only allowed on exact levels", lp)
		}
		if l.TFAdjustmentWeight == 0 {
			l.TFAdjustmentWeight = DefaultTFWeight
		}
		if l.TFAdjustmentWeight < 0 || l.TFAdjustmentWeight > 1 {
			add("%s: tf_adjustment_weight %g must be in (0, 1]", lp, l.TFAdjustmentWeight)
		}
	}
	for _, p := range []struct {
		name string
		v    *float64
	}{{"m_probability", l.MProbability}, {"u_probability", l.UProbability}} {
		if p.v != nil && (*p.v <= 0 || *p.v > 1) {
			add("%s: %s %g must be in (0, 1]", lp, p.name, *p.v)
		}
		if p.v != nil && l.Type == Null {
			add("%s: the null level carries no evidence and takes no %s", lp, p.name)
		} else if p.v != nil && l.Neutral {
			add("%s: a neutral level carries no evidence and takes no %s; remove one of the two", lp, p.name)
		}
	}
	return errs
}

// checkFixed reports what a model run without training lacks: λ, and m
// and u on every level that carries evidence.
func (s *Settings) checkFixed() []error {
	var errs []error
	if s.ProbabilityTwoRandomRecordsMatch == 0 {
		errs = append(errs, fmt.Errorf("training.skip is set but probability_two_random_records_match is not: give λ, or let training estimate it"))
	}
	for i, c := range s.Comparisons {
		for j, l := range c.Levels {
			if !l.Weighs() || (l.MProbability != nil && l.UProbability != nil) {
				continue
			}
			errs = append(errs, fmt.Errorf("comparisons[%d].levels[%d] (%s): training.skip is set but m_probability or u_probability is missing: give both, or let training estimate them",
				i, j, l.DisplayLabel()))
		}
	}
	return errs
}

func (t *Training) validate() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for i, r := range t.BlockingRules {
		if _, err := rule.Parse(r); err != nil {
			add("training.blocking_rules[%d]: %w", i, err)
		}
	}
	for i, r := range t.DeterministicRules {
		if _, err := rule.Parse(r); err != nil {
			add("training.deterministic_rules[%d]: %w", i, err)
		}
	}
	if t.MaxPairs == 0 {
		t.MaxPairs = DefaultMaxPairs
	}
	if t.MaxPairs < 0 {
		add("training.max_pairs %d: must be positive", t.MaxPairs)
	}
	if t.Recall == 0 {
		t.Recall = DefaultRecall
	}
	if t.Recall < 0 || t.Recall > 1 {
		add("training.recall %g: must be in (0, 1]", t.Recall)
	}
	if t.MaxIterations == 0 {
		t.MaxIterations = DefaultMaxIterations
	}
	if t.MaxIterations < 0 {
		add("training.max_iterations %d: must be positive", t.MaxIterations)
	}
	if t.ConvergenceTolerance == 0 {
		t.ConvergenceTolerance = DefaultConvergenceTolerance
	}
	if t.ConvergenceTolerance < 0 {
		add("training.convergence_tolerance %g: must be positive", t.ConvergenceTolerance)
	}
	if t.MinMProbability < 0 || t.MinMProbability >= 1 {
		add("training.min_m_probability %g: must be in [0, 1) (0 sets no floor); for example 0.001", t.MinMProbability)
	}
	return errs
}

// Rules parses rule texts; Validate has already checked their syntax.
func Rules(texts []string) ([]rule.Rule, error) {
	out := make([]rule.Rule, len(texts))
	for i, t := range texts {
		r, err := rule.Parse(t)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}
