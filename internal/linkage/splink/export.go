package splink

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/rule"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

// Export renders a trained model as a Splink 4 model file: its λ, blocking
// rules, and every level's sql_condition in DuckDB SQL with the trained m
// and u. Tests whose DuckDB SQL would not compute what Hotpass computes are
// refused: text normalisation (lowercase, trim), numeric levels, token
// sets, date levels without a date_format, and blocking keys other than
// columns and substr.
func Export(m *model.Model) ([]byte, error) {
	s := m.Settings
	if err := m.Params.Check(&s); err != nil {
		return nil, fmt.Errorf("export to splink: %w", err)
	}
	out := Model{
		LinkType:           string(s.LinkType),
		UniqueIDColumnName: s.UniqueIDColumn,
		SQLDialect:         "duckdb",
	}
	lambda := m.Params.Lambda
	out.ProbabilityTwoRandomRecordsMatch = &lambda
	var errs []error
	for i, text := range s.BlockingRules {
		sql, err := exportRule(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("blocking_rules[%d] %q: %w", i, text, err))
			continue
		}
		out.BlockingRules = append(out.BlockingRules, BlockingRule{SQL: sql, SQLDialect: "duckdb"})
	}
	for i, sc := range s.Comparisons {
		c := Comparison{OutputColumnName: sc.DisplayName()}
		if sc.Lowercase || sc.Trim {
			errs = append(errs, fmt.Errorf("comparisons[%d] (%s): lowercase and trim have no exact DuckDB equivalent in Splink's levels; clean the column before linking instead", i, sc.DisplayName()))
			continue
		}
		for j, sl := range sc.Levels {
			lp := m.Params.Comparisons[i].Levels[j]
			sql, err := exportLevel(sc, sl)
			if err != nil {
				errs = append(errs, fmt.Errorf("comparisons[%d] (%s) levels[%d] (%s): %w", i, sc.DisplayName(), j, sl.DisplayLabel(), err))
				continue
			}
			l := Level{SQLCondition: sql, LabelForCharts: sl.DisplayLabel(), IsNullLevel: !sl.Weighs()}
			if sl.Weighs() {
				if !(lp.M > 0 && lp.M <= 1) || !(lp.U > 0 && lp.U <= 1) {
					errs = append(errs, fmt.Errorf("comparisons[%d] (%s) levels[%d] (%s): m %g and u %g: Splink needs probabilities in (0, 1]; the level was never observed in training",
						i, sc.DisplayName(), j, sl.DisplayLabel(), lp.M, lp.U))
					continue
				}
				mp, up := lp.M, lp.U
				l.MProbability, l.UProbability = &mp, &up
			}
			if col := cmp.Or(sl.Column, sc.Column); sl.TFAdjustmentColumn != "" && (sl.TFAdjustmentColumn != col || sl.Regex != "" || sl.DateFormat != "") {
				errs = append(errs, fmt.Errorf("comparisons[%d] (%s) levels[%d] (%s): Splink scales a term-frequency adjustment by the u of the exact level on %s, Hotpass by this level's u; adjust only a plain exact level on %s",
					i, sc.DisplayName(), j, sl.DisplayLabel(), sl.TFAdjustmentColumn, sl.TFAdjustmentColumn))
				continue
			}
			if sl.TFAdjustmentColumn != "" {
				w := sl.TFAdjustmentWeight
				l.TFAdjustmentColumn, l.TFAdjustmentWeight = sl.TFAdjustmentColumn, &w
				if sl.TFMinimumUValue > 0 {
					v := sl.TFMinimumUValue
					l.TFMinimumUValue = &v
				}
			}
			c.Levels = append(c.Levels, l)
		}
		out.Comparisons = append(out.Comparisons, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("export to splink: %w", err)
	}
	// SQL is full of < and >: keep them readable.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("export to splink: %w", err)
	}
	return buf.Bytes(), nil
}

// unitDays converts date_diff units into days, as the comparison engine
// does.
var unitDays = map[string]float64{"": 1, settings.Days: 1, settings.Months: 30.4375, settings.Years: 365.25}

// quoteIdent quotes a DuckDB identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func exportRule(text string) (string, error) {
	r, err := rule.Parse(text)
	if err != nil {
		return "", err
	}
	parts := make([]string, len(r.Keys))
	for k, key := range r.Keys {
		l, r := "l."+quoteIdent(key.Column), "r."+quoteIdent(key.Column)
		switch {
		case len(key.Steps) == 0:
		case len(key.Steps) == 1 && key.Steps[0].Func == rule.FuncSubstr:
			n := key.Steps[0].N
			l, r = fmt.Sprintf("SUBSTR(%s, 1, %d)", l, n), fmt.Sprintf("SUBSTR(%s, 1, %d)", r, n)
		default:
			return "", fmt.Errorf("key %s has no exact DuckDB equivalent; block on columns or substr(col, n)", key)
		}
		parts[k] = l + " = " + r
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return "(" + strings.Join(parts, ") AND (") + ")", nil
}

// levelFuncs names the DuckDB function of each threshold level type.
var levelFuncs = map[settings.LevelType]string{
	settings.JaroWinkler: "jaro_winkler_similarity", settings.Jaro: "jaro_similarity",
	settings.Levenshtein: "levenshtein", settings.DamerauLevenshtein: "damerau_levenshtein",
}

func exportLevel(sc settings.Comparison, sl settings.Level) (string, error) {
	col := sl.Column
	if col == "" {
		col = sc.Column
	}
	side := func(s string) string {
		v := quoteIdent(col + "_" + s)
		if sl.Regex != "" {
			v = fmt.Sprintf("NULLIF(regexp_extract(%s, %s, 0), '')", v, quoteString(sl.Regex))
		}
		if sl.DateFormat != "" {
			v = fmt.Sprintf("try_strptime(%s, %s)", v, quoteString(sl.DateFormat))
		}
		return v
	}
	l, r := side("l"), side("r")
	thr := strconv.FormatFloat(sl.Threshold, 'g', -1, 64)
	switch sl.Type {
	case settings.Else:
		return "ELSE", nil
	case settings.Null:
		return l + " IS NULL OR " + r + " IS NULL", nil
	case settings.Exact:
		return l + " = " + r, nil
	case settings.JaroWinkler, settings.Jaro:
		return fmt.Sprintf("%s(%s, %s) >= %s", levelFuncs[sl.Type], l, r, thr), nil
	case settings.Levenshtein, settings.DamerauLevenshtein:
		return fmt.Sprintf("%s(%s, %s) <= %s", levelFuncs[sl.Type], l, r, thr), nil
	case settings.DateDiff:
		if sl.DateFormat == "" {
			return "", fmt.Errorf("a date_diff level without date_format has no exact DuckDB equivalent (Hotpass reads several date layouts); set date_format")
		}
		secs := strconv.FormatFloat(sl.Threshold*unitDays[sl.Unit]*secondsPerDay, 'g', -1, 64)
		return fmt.Sprintf("ABS(EPOCH(%s) - EPOCH(%s)) <= %s", l, r, secs), nil
	}
	return "", fmt.Errorf("%s levels have no exact DuckDB equivalent in Splink (Hotpass reads numbers in text and splits token lists itself)", sl.Type)
}
