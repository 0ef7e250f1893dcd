// Package splink reads and writes Splink 4 models (what Splink's
// linker.misc.save_model_to_json() writes) as Hotpass linkage settings.
//
// Import parses the DuckDB SQL of every blocking rule and comparison level
// with a small recursive-descent parser and maps it to the Hotpass rule
// syntax and level tests. The SQL Splink's comparison library writes is
// covered: null levels, equality (also of text casts), Jaro, Jaro-Winkler,
// Levenshtein and Damerau-Levenshtein thresholds, equality and similarity
// of NULLIF(regexp_extract(col, pattern, 0), ”) and ELSE; blocking rules
// are conjunctions of l.col = r.col and SUBSTR(l.col, 1, n) =
// SUBSTR(r.col, 1, n). Anything else is refused with the SQL quoted and a
// caret under the part Hotpass cannot run: a model is never approximated.
//
// Export writes a trained Hotpass model back as Splink 4 JSON, refusing
// the tests Splink's SQL would compute differently.
//
// Splink compares strings by UTF-8 bytes and Hotpass by characters, so
// similarity and edit-distance levels agree exactly on ASCII text only.
package splink

import (
	"encoding/json"
	"errors"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Model is the part of a Splink 4 model file Hotpass reads and writes.
// Other keys of Splink's settings (chart and column-prefix options, EM
// settings) do not change scores and are ignored on import.
type Model struct {
	LinkType                         string         `json:"link_type"`
	ProbabilityTwoRandomRecordsMatch *float64       `json:"probability_two_random_records_match"`
	UniqueIDColumnName               string         `json:"unique_id_column_name,omitempty"`
	SQLDialect                       string         `json:"sql_dialect,omitempty"`
	BlockingRules                    []BlockingRule `json:"blocking_rules_to_generate_predictions"`
	Comparisons                      []Comparison   `json:"comparisons"`
}

// BlockingRule is one prediction blocking rule. Splink writes either a
// bare SQL string or an object with the SQL in blocking_rule.
type BlockingRule struct {
	SQL               string   `json:"blocking_rule"`
	SQLDialect        string   `json:"sql_dialect,omitempty"`
	SaltingPartitions int      `json:"salting_partitions,omitempty"`
	ArraysToExplode   []string `json:"arrays_to_explode,omitempty"`
}

// UnmarshalJSON accepts both forms Splink writes.
func (b *BlockingRule) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*b = BlockingRule{SQL: s}
		return nil
	}
	type plain BlockingRule
	return json.Unmarshal(data, (*plain)(b))
}

// Comparison is one Splink comparison.
type Comparison struct {
	OutputColumnName      string  `json:"output_column_name"`
	ComparisonDescription string  `json:"comparison_description,omitempty"`
	Levels                []Level `json:"comparison_levels"`
}

// Level is one Splink comparison level.
type Level struct {
	SQLCondition       string   `json:"sql_condition"`
	LabelForCharts     string   `json:"label_for_charts,omitempty"`
	MProbability       *float64 `json:"m_probability,omitempty"`
	UProbability       *float64 `json:"u_probability,omitempty"`
	IsNullLevel        bool     `json:"is_null_level,omitempty"`
	TFAdjustmentColumn string   `json:"tf_adjustment_column,omitempty"`
	TFAdjustmentWeight *float64 `json:"tf_adjustment_weight,omitempty"`
	TFMinimumUValue    *float64 `json:"tf_minimum_u_value,omitempty"`
}

// IsModel reports whether data is a Splink model file rather than Hotpass
// settings: a JSON object with Splink's own keys (prediction blocking
// rules, or comparisons made of comparison_levels).
// The file may be JSON or YAML (JSON is YAML).
func IsModel(data []byte) bool {
	var top struct {
		Rules       yaml.Node        `yaml:"blocking_rules_to_generate_predictions"`
		Comparisons []map[string]any `yaml:"comparisons"`
	}
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	if top.Rules.Kind != 0 {
		return true
	}
	for _, c := range top.Comparisons {
		if _, ok := c["comparison_levels"]; ok {
			return true
		}
	}
	return false
}

// asJSON returns data as JSON: as it is when it is JSON, converted when it
// is YAML (a Splink model written inline in a task's settings).
func asJSON(data []byte) ([]byte, error) {
	if json.Valid(data) {
		return data, nil
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// Import reads a Splink 4 model file as Hotpass settings that run it as
// trained: its λ, m and u are kept (training.skip), and its blocking rules
// and levels become their Hotpass equivalents. The settings are validated.
func Import(data []byte) (settings.Settings, error) {
	var m Model
	pos := locate(data)
	data, err := asJSON(data)
	if err != nil {
		return settings.Settings{}, fmt.Errorf("splink model: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return settings.Settings{}, fmt.Errorf("splink model: %w", err)
	}
	if m.SQLDialect != "" && m.SQLDialect != "duckdb" {
		return settings.Settings{}, fmt.Errorf("splink model: sql_dialect %q: only DuckDB SQL is read; save the model from a DuckDB linker", m.SQLDialect)
	}
	s := settings.Settings{
		LinkType:       settings.LinkType(m.LinkType),
		UniqueIDColumn: m.UniqueIDColumnName,
		Training:       settings.Training{Skip: true},
	}
	var errs []error
	if m.ProbabilityTwoRandomRecordsMatch == nil {
		errs = append(errs, fmt.Errorf("probability_two_random_records_match is missing: a Splink model run as trained needs its prior"))
	} else if p := *m.ProbabilityTwoRandomRecordsMatch; !(p > 0 && p < 1) {
		errs = append(errs, fmt.Errorf("probability_two_random_records_match %g must be in (0, 1)", p))
	} else {
		s.ProbabilityTwoRandomRecordsMatch = p
	}
	if len(m.BlockingRules) == 0 {
		errs = append(errs, fmt.Errorf("blocking_rules_to_generate_predictions is empty: Hotpass scores blocked pairs only; add a rule"))
	}
	for i, br := range m.BlockingRules {
		place := at(pos.rule(i), fmt.Sprintf("blocking_rules_to_generate_predictions[%d]", i))
		if br.SQLDialect != "" && br.SQLDialect != "duckdb" {
			errs = append(errs, fmt.Errorf("%s: sql_dialect %q: only DuckDB SQL is read", place, br.SQLDialect))
			continue
		}
		if len(br.ArraysToExplode) > 0 {
			errs = append(errs, fmt.Errorf("%s: arrays_to_explode is not supported", place))
			continue
		}
		r, err := TranslateRule(br.SQL)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", place, err))
			continue
		}
		s.BlockingRules = append(s.BlockingRules, r)
	}
	for i, c := range m.Comparisons {
		sc, cerrs := importComparison(i, c, pos)
		errs = append(errs, cerrs...)
		s.Comparisons = append(s.Comparisons, sc)
	}
	if err := errors.Join(errs...); err != nil {
		return settings.Settings{}, fmt.Errorf("splink model: %w", err)
	}
	if err := s.Validate(); err != nil {
		return settings.Settings{}, fmt.Errorf("splink model: %w", err)
	}
	return s, nil
}

func importComparison(i int, c Comparison, pos lines) (settings.Comparison, []error) {
	var errs []error
	sc := settings.Comparison{Name: c.OutputColumnName}
	where := func(j int, l Level) string {
		return at(pos.level(i, j), fmt.Sprintf("comparisons[%d] (%s) comparison_levels[%d] (%s)", i, c.OutputColumnName, j, l.LabelForCharts))
	}
	for j, l := range c.Levels {
		lv, err := TranslateLevel(l.SQLCondition)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where(j, l), err))
			continue
		}
		lv.Label = l.LabelForCharts
		if !l.IsNullLevel && lv.Type == settings.Null {
			errs = append(errs, fmt.Errorf("%s: the condition %q is a null test but is_null_level is false; set it to true (a null level carries no evidence)",
				where(j, l), l.SQLCondition))
			continue
		}
		// Splink gives any level marked is_null_level a Bayes factor of 1:
		// on another condition that is a neutral level.
		lv.Neutral = l.IsNullLevel && lv.Type != settings.Null
		if sc.Column == "" && lv.Column != "" {
			sc.Column = lv.Column
		}
		if lv.Weighs() {
			for _, p := range []struct {
				name string
				v    *float64
			}{{"m_probability", l.MProbability}, {"u_probability", l.UProbability}} {
				switch {
				case p.v == nil:
					errs = append(errs, fmt.Errorf("%s: %s is missing: the model is not trained; train it in Splink (or drop training.skip and train it in Hotpass)", where(j, l), p.name))
				case !(*p.v > 0 && *p.v <= 1):
					errs = append(errs, fmt.Errorf("%s: %s %g must be in (0, 1]", where(j, l), p.name, *p.v))
				}
			}
			lv.MProbability, lv.UProbability = l.MProbability, l.UProbability
		}
		if l.TFAdjustmentColumn != "" && (lv.Type != settings.Exact || lv.Regex != "" || lv.DateFormat != "" || lv.Column != l.TFAdjustmentColumn) {
			// Splink scales such an adjustment by the u of the comparison's
			// exact level on the column, Hotpass by the level's own u.
			errs = append(errs, fmt.Errorf("%s: tf_adjustment_column %q is supported only on a level of exact equality of that column", where(j, l), l.TFAdjustmentColumn))
			continue
		}
		if l.TFAdjustmentColumn != "" {
			lv.TFAdjustmentColumn = l.TFAdjustmentColumn
			lv.TFAdjustmentWeight = 1
			if l.TFAdjustmentWeight != nil {
				lv.TFAdjustmentWeight = *l.TFAdjustmentWeight
				if lv.TFAdjustmentWeight == 0 {
					// Splink reads a weight of 0 as no adjustment.
					lv.TFAdjustmentColumn = ""
				}
			}
			if l.TFMinimumUValue != nil {
				lv.TFMinimumUValue = *l.TFMinimumUValue
			}
		}
		sc.Levels = append(sc.Levels, lv)
	}
	// Levels name their column only where it differs from the comparison's.
	for j := range sc.Levels {
		if sc.Levels[j].Column == sc.Column {
			sc.Levels[j].Column = ""
		}
	}
	if sc.Name == sc.Column {
		sc.Name = ""
	}
	return sc, errs
}
