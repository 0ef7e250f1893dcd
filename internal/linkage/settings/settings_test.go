package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const minimal = `
comparisons:
  - column: name
    levels:
      - {type: null}
      - {type: exact, tf_adjustment_column: name}
      - {type: jaro_winkler, threshold: 0.9}
      - {type: else}
blocking_rules: [name]
probability_two_random_records_match: 0.01
`

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if s.LinkType != DedupeOnly || s.UniqueIDColumn != "unique_id" || s.MatchThreshold != 0.9 || s.ReviewThreshold != 0.9 ||
		s.MaxComparisons != DefaultMaxComparisons || s.Training.MaxPairs != DefaultMaxPairs || s.Training.MaxIterations != 25 {
		t.Errorf("defaults not filled: %+v", s)
	}
	lv := s.Comparisons[0].Levels
	if lv[0].Type != Null || lv[1].TFAdjustmentWeight != 1 {
		t.Errorf("levels %+v: want an unquoted null type read as the null level and tf weight 1", lv)
	}
}

func TestParseJSON(t *testing.T) {
	t.Parallel()
	js := `{"link_type": "link_only", "comparisons": [{"column": "x", "levels": [{"type": "exact"}, {"type": "else"}]}],
	        "probability_two_random_records_match": 0.001}`
	s, err := Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if s.LinkType != LinkOnly {
		t.Errorf("link type %q", s.LinkType)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"unknown top-level key", "blocking_rules:", "blocking_rule:", "blocking_rule"},
		{"unknown level key", "threshold: 0.9}", "threshhold: 0.9}", "threshhold"},
		{"review above match", "blocking_rules:", "match_threshold: 0.8\nreview_threshold: 0.95\nblocking_rules:", "review_threshold 0.95 is above match_threshold 0.8"},
		{"bad link type", "blocking_rules:", "link_type: merge\nblocking_rules:", "link_type"},
		{"bad rule", "blocking_rules:", "training: {blocking_rules: [\"soundex(\"]}\nblocking_rules:", "training.blocking_rules[0]"},
		{"no lambda source", "match: 0.01", "match: 0", "deterministic_rules"},
		{"bad threshold", "threshold: 0.9}", "threshold: 1.5}", "comparisons[0].levels[2]: jaro_winkler threshold 1.5"},
		{"lambda out of range", "match: 0.01", "match: 1.5", "probability_two_random_records_match 1.5"},
		{"m floor negative", "blocking_rules:", "training: {min_m_probability: -0.1}\nblocking_rules:", "training.min_m_probability -0.1: must be in [0, 1)"},
		{"m floor above what the levels allow", "blocking_rules:", "training: {min_m_probability: 0.4}\nblocking_rules:", "comparisons[0] (name) has 3 levels that carry evidence"},
		{"u exclusion without rules", "blocking_rules:", "training: {u_exclude_deterministic: true}\nblocking_rules:", "training.u_exclude_deterministic is set but training.deterministic_rules is empty"},
		{"skip without m and u", "blocking_rules:", "training: {skip: true}\nblocking_rules:", "comparisons[0].levels[1] (exact): training.skip is set but m_probability or u_probability is missing"},
		{"skip without lambda", "match: 0.01", "match: 0\ntraining: {skip: true, deterministic_rules: [name]}", "training.skip is set but probability_two_random_records_match is not"},
	} {
		_, err := Parse([]byte(strings.Replace(minimal, tc.old, tc.new, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestValidateLevels(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		levels []Level
		want   string
	}{
		{"else not last", []Level{{Type: Else}, {Type: Exact}}, "else must be the last level"},
		{"no else", []Level{{Type: Exact}, {Type: JaroWinkler, Threshold: 0.8}}, "last level must be else"},
		{"only null", []Level{{Type: Null}, {Type: Else}}, "two levels that carry evidence"},
		{"tf on fuzzy level", []Level{{Type: JaroWinkler, Threshold: 0.9, TFAdjustmentColumn: "x"}, {Type: Else}}, "only allowed on exact"},
		{"fractional edits", []Level{{Type: Levenshtein, Threshold: 1.5}, {Type: Else}}, "whole number"},
		{"bad unit", []Level{{Type: DateDiff, Threshold: 1, Unit: "weeks"}, {Type: Else}}, "unit \"weeks\""},
		{"m out of range", []Level{{Type: Exact, MProbability: func() *float64 { v := 2.0; return &v }()}, {Type: Else}}, "m_probability 2"},
		{"missing type", []Level{{}, {Type: Else}}, "type is missing"},
		{"bad regex", []Level{{Type: Exact, Regex: "a("}, {Type: Else}}, "regex \"a(\": error parsing regexp"},
		{"regex on else", []Level{{Type: Exact}, {Type: Else, Regex: "a"}}, "regex has no effect on an else level"},
		{"regex on dates", []Level{{Type: DateDiff, Threshold: 3, Regex: "[0-9-]+"}, {Type: Else}}, "regex is not supported on date_diff levels"},
		{"one weighing level besides neutral", []Level{{Type: Null}, {Type: Exact, Neutral: true}, {Type: Else}}, "two levels that carry evidence (not null, not neutral)"},
		{"m on a neutral level", []Level{{Type: Exact, Neutral: true, MProbability: func() *float64 { v := 0.5; return &v }()}, {Type: JaroWinkler, Threshold: 0.9}, {Type: Else}}, "a neutral level carries no evidence and takes no m_probability"},
		{"neutral null", []Level{{Type: Null, Neutral: true}, {Type: Exact}, {Type: Else}}, "the null level is neutral already"},
		{"tf on a neutral level", []Level{{Type: Exact, Neutral: true, TFAdjustmentColumn: "x"}, {Type: JaroWinkler, Threshold: 0.9}, {Type: Else}}, "a term-frequency adjustment has nothing to adjust"},
	} {
		s := Settings{ProbabilityTwoRandomRecordsMatch: 0.1, Comparisons: []Comparison{{Column: "x", Levels: tc.levels}}}
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestExamplesLoad(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../examples/linkage/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example configs: %v", err)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(`{"comparisons": [{"column": "x", "levels": [{"type": "exact"}, {"type": "else"}]}]}`))
	f.Add([]byte("link_type: link_only\ncomparisons: []"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err != nil {
			return
		}
		// Accepted settings are valid, and validating again changes nothing.
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted settings fail validation: %v", err)
		}
		if s.ReviewThreshold > s.MatchThreshold {
			t.Fatalf("review threshold %v above match threshold %v", s.ReviewThreshold, s.MatchThreshold)
		}
	})
}

func TestParseTrainingOptions(t *testing.T) {
	t.Parallel()
	s, err := Parse([]byte(strings.Replace(minimal, "blocking_rules:", "training: {u_exclude_deterministic: true, deterministic_rules: [name], min_m_probability: 0.01}\nblocking_rules:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Training.UExcludeDeterministic || s.Training.MinMProbability != 0.01 {
		t.Errorf("training %+v: want u_exclude_deterministic and min_m_probability 0.01", s.Training)
	}
}
