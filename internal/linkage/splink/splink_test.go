package splink

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/linkage/model"
	"github.com/hotpass/hotpass/internal/linkage/settings"
)

func TestTranslateLevel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sql  string
		want settings.Level
	}{
		{`"first_name_l" IS NULL OR "first_name_r" IS NULL`, settings.Level{Type: settings.Null, Column: "first_name"}},
		{`first_name_l IS NULL OR first_name_r IS NULL`, settings.Level{Type: settings.Null, Column: "first_name"}},
		{`CAST("dob_l" AS TEXT) IS NULL OR CAST("dob_r" AS TEXT) IS NULL`, settings.Level{Type: settings.Null, Column: "dob"}},
		{`"city_l" = "city_r"`, settings.Level{Type: settings.Exact, Column: "city"}},
		{`"city_r" = "city_l"`, settings.Level{Type: settings.Exact, Column: "city"}},
		{`CAST("dob_l" AS VARCHAR) = CAST("dob_r" AS VARCHAR)`, settings.Level{Type: settings.Exact, Column: "dob"}},
		{`dob_l::VARCHAR = dob_r::varchar`, settings.Level{Type: settings.Exact, Column: "dob"}},
		{`("city_l" = "city_r")`, settings.Level{Type: settings.Exact, Column: "city"}},
		{`"full name_l" = "full name_r"`, settings.Level{Type: settings.Exact, Column: "full name"}},
		{`jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.92`, settings.Level{Type: settings.JaroWinkler, Column: "first_name", Threshold: 0.92}},
		{`JARO_SIMILARITY(surname_l, surname_r) >= .8`, settings.Level{Type: settings.Jaro, Column: "surname", Threshold: 0.8}},
		{`levenshtein(dob_l::VARCHAR, dob_r::VARCHAR) <= 2`, settings.Level{Type: settings.Levenshtein, Column: "dob", Threshold: 2}},
		{`damerau_levenshtein("surname_l", "surname_r") < 3`, settings.Level{Type: settings.DamerauLevenshtein, Column: "surname", Threshold: 2}},
		{`NULLIF(regexp_extract("email_l", '^[^@]+', 0), '') = NULLIF(regexp_extract("email_r", '^[^@]+', 0), '')`,
			settings.Level{Type: settings.Exact, Column: "email", Regex: "^[^@]+"}},
		{`jaro_winkler_similarity(NULLIF(regexp_extract("email_l", '^[^@]+'), ''), NULLIF(regexp_extract("email_r", '^[^@]+'), '')) >= 0.88`,
			settings.Level{Type: settings.JaroWinkler, Column: "email", Regex: "^[^@]+", Threshold: 0.88}},
		{`regexp_extract_is_not_a_column_l = regexp_extract_is_not_a_column_r`, settings.Level{Type: settings.Exact, Column: "regexp_extract_is_not_a_column"}},
		{`"it's_l" = "it's_r"`, settings.Level{Type: settings.Exact, Column: "it's"}},
		{`"say ""hi""_l" = "say ""hi""_r"`, settings.Level{Type: settings.Exact, Column: `say "hi"`}},
		{` else `, settings.Level{Type: settings.Else}},
		{`try_strptime("dob_l", '%Y-%m-%d') IS NULL OR try_strptime("dob_r", '%Y-%m-%d') IS NULL`,
			settings.Level{Type: settings.Null, Column: "dob", DateFormat: "%Y-%m-%d"}},
		{`try_strptime(dob_l, '%d/%m/%Y') = try_strptime(dob_r, '%d/%m/%Y')`, settings.Level{Type: settings.Exact, Column: "dob", DateFormat: "%d/%m/%Y"}},
		{`ABS(EPOCH(try_strptime("dob_l", '%Y-%m-%d')) - EPOCH(try_strptime("dob_r", '%Y-%m-%d'))) <= 2629800.0`,
			settings.Level{Type: settings.DateDiff, Column: "dob", DateFormat: "%Y-%m-%d", Threshold: 30.4375, Unit: settings.Days}},
		{`abs(epoch(try_strptime(CAST(dob_l AS TEXT), '%Y%m%d')) - epoch(try_strptime(CAST(dob_r AS TEXT), '%Y%m%d'))) <= 31557600`,
			settings.Level{Type: settings.DateDiff, Column: "dob", DateFormat: "%Y%m%d", Threshold: 365.25, Unit: settings.Days}},
	} {
		got, err := TranslateLevel(tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.sql, got, tc.want)
		}
	}
}

func TestTranslateRule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ sql, want string }{
		{`l."surname" = r."surname"`, "surname"},
		{`l.surname = r.surname`, "surname"},
		{`r.surname = l.surname`, "surname"},
		{`(l."first_name" = r."first_name") AND (l."city" = r."city")`, "first_name + city"},
		{`l.first_name = r.first_name and l.dob = r.dob and l.city = r.city`, "first_name + dob + city"},
		{`SUBSTR(l.first_name, 1, 3) = SUBSTR(r.first_name, 1, 3)`, "substr(first_name, 3)"},
		{`substring(l."postcode", 1, 4) = substring(r."postcode", 1, 4) AND l.dob = r.dob`, "substr(postcode, 4) + dob"},
		{`CAST(l.dob AS TEXT) = CAST(r.dob AS TEXT)`, "dob"},
	} {
		got, err := TranslateRule(tc.sql)
		if err != nil {
			t.Errorf("%s: %v", tc.sql, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.sql, got, tc.want)
		}
	}
}

// Every refusal quotes the SQL and points at the part Hotpass cannot run.
func TestTranslateRefusals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rule bool
		sql  string
		at   string // the text the caret must point at (its last occurrence with last)
		msg  string
		last bool
	}{
		{false, `soundex("surname_l") = soundex("surname_r")`, `soundex("surname_l")`, "function soundex is not supported", false},
		{false, `cosine_distance("a_l", "a_r") <= 0.2`, `cosine_distance`, "function cosine_distance is not supported", false},
		{false, `jaccard("a_l", "a_r") >= 0.9`, `jaccard`, "function jaccard is not supported", false},
		{false, `array_length(list_intersect("a_l", "a_r")) >= 1`, `array_length`, "array levels need list columns", false},
		{false, `ABS(EPOCH("dob_l") - EPOCH("dob_r")) <= 86400`, `"dob_l"`, "EPOCH needs a date", false},
		{false, `ABS("age_l" - "age_r") <= 2`, `"age_l" - "age_r"`, "expected EPOCH(try_strptime(col, layout))", false},
		{false, `ABS(EPOCH(try_strptime("d_l", '%Y')) - EPOCH(try_strptime("d_r", '%Y'))) <= 1`, `'%Y')) -`, `date layout "%Y" needs %Y, %m and %d`, false},
		{false, `ABS(EPOCH(try_strptime("d_l", '%Y-%m-%d %H')) - EPOCH(try_strptime("d_r", '%Y-%m-%d %H'))) <= 1`, `'%Y-%m-%d %H')) -`, "whitespace inside a layout", false},
		{false, `ABS(EPOCH(try_strptime("d_l", '%Y-%m-%d')) - EPOCH(try_strptime("d_r", '%d/%m/%Y'))) <= 1`, `try_strptime("d_r"`, `compares column "d" with "d"`, false},
		{false, `ABS(EPOCH(try_strptime("d_l", '%Y-%m-%d')) - EPOCH(try_strptime("d_r", '%Y-%m-%d'))) >= 1`, `>= 1`, "write ABS(...) <= seconds", false},
		{false, `levenshtein(try_strptime("d_l", '%Y-%m-%d'), try_strptime("d_r", '%Y-%m-%d')) <= 1`, `try_strptime("d_l"`, "levenshtein of a date is not supported", false},
		{false, `"first_name_l" = "first_name_r" AND "surname_l" = "surname_r"`, `AND`, "AND is not supported in a level", false},
		{false, `"a_l" = "a_r" OR "b_l" = "b_r"`, `OR "b_l"`, "OR is supported only in a null level", false},
		{false, `"first_name_l" = "surname_r"`, `"surname_r"`, `compares column "first_name" with "surname"`, false},
		{false, `"first_name_l" = "first_name_l"`, `"first_name_l"`, "both sides read the l record", true},
		{false, `"city_l" = 'London'`, `'London'`, "expected a column of the pair", false},
		{false, `"city" = "city"`, `"city"`, "names neither record of the pair", false},
		{false, `jaro_winkler_similarity("a_l", "a_r") > 0.9`, `> 0.9`, "jaro_winkler_similarity > is not supported", false},
		{false, `levenshtein("a_l", "a_r") >= 2`, `>= 2`, "levenshtein >= is not supported", false},
		{false, `levenshtein("a_l", "a_r") <= "b_l"`, `"b_l"`, "the threshold must be a number", false},
		{false, `CAST("a_l" AS INTEGER) = CAST("a_r" AS INTEGER)`, `CAST("a_l"`, "cast to INTEGER is not supported", false},
		{false, `regexp_extract("e_l", '@.*', 0) = regexp_extract("e_r", '@.*', 0)`, `regexp_extract("e_l"`, "function regexp_extract is not supported here", false},
		{false, `NULLIF(regexp_extract("e_l", '(a)(b)', 1), '') = NULLIF(regexp_extract("e_r", '(a)(b)', 1), '')`, `1)`, "only group 0", false},
		{false, `lower("a_l") = lower("a_r")`, `lower("a_l")`, "function lower is not supported here", false},
		// Syntax errors.
		{false, `jaro_winkler_similarity("a_l", "a_r" >= 0.9`, ``, `expected ")", found end of text`, false},
		{false, `"a_l" = `, ``, "expected a value, found end of text", false},
		{false, `"a_l = "a_r"`, `"`, "unterminated quoted name", true},
		{false, `"a_l" = "a_r" "b"`, `"b"`, "after the end of the expression", false},
		{false, `"a_l" IS NUL OR "a_r" IS NULL`, `NUL OR`, "expected NULL after IS", false},
		{false, `"a_l" ; "a_r"`, `;`, "unexpected character", false},
		// Blocking rules.
		{true, `l.surname = r.surname OR l.dob = r.dob`, `OR`, "OR is not supported in a blocking rule", false},
		{true, `l.surname = r.surname AND l.dob <> r.dob`, `<>`, "operator <> is not supported in a blocking rule", false},
		{true, `l.surname = r.dob`, `r.dob`, "must be the same key of the other record", false},
		{true, `l.surname = l.surname`, `l.surname`, "must be the same key of the other record", true},
		{true, `surname = surname`, `surname =`, `column "surname" must be qualified with l. or r.`, false},
		{true, `SUBSTR(l.name, 2, 3) = SUBSTR(r.name, 2, 3)`, `2, 3) =`, "only prefixes (start 1)", false},
		{true, `dmetaphone(l.name) = dmetaphone(r.name)`, `dmetaphone(l.name)`, "function dmetaphone is not supported in a blocking rule", false},
		{true, `levenshtein(l.name, r.name) <= 1`, `<=`, "operator <= is not supported in a blocking rule", false},
		{true, `l.name`, `l.name`, "must be equalities of l and r joined by AND", false},
	} {
		var err error
		if tc.rule {
			_, err = TranslateRule(tc.sql)
		} else {
			_, err = TranslateLevel(tc.sql)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%s: error %v, want a SyntaxError", tc.sql, err)
			continue
		}
		wantPos := strings.Index(tc.sql, tc.at)
		if tc.last {
			wantPos = strings.LastIndex(tc.sql, tc.at)
		}
		if tc.at == "" {
			wantPos = len(tc.sql)
		}
		if se.Pos != wantPos || !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("%s: %q at %d, want %q at %d", tc.sql, se.Msg, se.Pos, tc.msg, wantPos)
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != 3 || strings.TrimSpace(lines[1]) != strings.TrimSpace(tc.sql) || len(lines[2])-1-4 != wantPos {
			t.Errorf("%s: the message does not quote the SQL with a caret under position %d:\n%s", tc.sql, wantPos, err)
		}
	}
}

func readModel(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("../../../testdata/linkage/splink_models/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edit applies old→new replacements to a model file, failing when one is
// not found so that a test cannot silently stop testing anything.
func edit(t *testing.T, data []byte, pairs ...string) []byte {
	t.Helper()
	s := string(data)
	for k := 0; k+1 < len(pairs); k += 2 {
		if !strings.Contains(s, pairs[k]) {
			t.Fatalf("edit: %q not in the model", pairs[k])
		}
		s = strings.Replace(s, pairs[k], pairs[k+1], 1)
	}
	return []byte(s)
}

func TestImportDemoModel(t *testing.T) {
	t.Parallel()
	s, err := Import(readModel(t, "saved_model_from_demo.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.BlockingRules, (settings.RuleList{"first_name + city", "surname", "dob"}); !reflect.DeepEqual(got, want) {
		t.Errorf("blocking rules %q, want %q", got, want)
	}
	if s.ProbabilityTwoRandomRecordsMatch != 0.00298012298012298 || !s.Training.Skip || s.LinkType != settings.DedupeOnly {
		t.Errorf("λ %v, skip %v, link type %v", s.ProbabilityTwoRandomRecordsMatch, s.Training.Skip, s.LinkType)
	}
	email := s.Comparisons[4]
	if email.Column != "email" || len(email.Levels) != 6 {
		t.Fatalf("email comparison %+v", email)
	}
	user := email.Levels[4]
	if user.Type != settings.JaroWinkler || user.Regex != "^[^@]+" || user.Threshold != 0.88 || *user.MProbability != 0.0001 {
		t.Errorf("email level 4 %+v", user)
	}
	first := s.Comparisons[0].Levels[1]
	if first.TFAdjustmentColumn != "first_name" || first.TFAdjustmentWeight != 1 || *first.UProbability != 0.006187690390473553 {
		t.Errorf("first_name exact level %+v", first)
	}
}

// A level Splink marks is_null_level whose condition is not a null test
// has a Bayes factor of 1 there; it imports as a neutral level, its m and
// u left behind, so that a pair at it weighs what a pair with a null dob
// does.
func TestImportNeutralLevel(t *testing.T) {
	t.Parallel()
	s, err := Import(edit(t, readModel(t, "saved_model_from_demo.json"),
		`"label_for_charts": "Levenshtein distance of transformed dob <= 1",`, `"label_for_charts": "Levenshtein distance of transformed dob <= 1", "is_null_level": true,`))
	if err != nil {
		t.Fatal(err)
	}
	dob := s.Comparisons[2].Levels
	if l := dob[2]; l.Type != settings.Levenshtein || !l.Neutral || l.Weighs() || l.MProbability != nil || l.UProbability != nil {
		t.Fatalf("dob level 2 %+v, want a neutral levenshtein level without m and u", l)
	}
	if dob[0].Neutral || dob[1].Neutral || !dob[1].Weighs() {
		t.Errorf("dob levels 0 and 1 %+v %+v: only level 2 is neutral", dob[0], dob[1])
	}
	p := model.Start(&s)
	if lp := p.Comparisons[2].Levels[2]; !lp.Null {
		t.Errorf("parameters of the neutral level %+v: want it to carry no evidence", lp)
	}
}

// A neutral level exports with is_null_level set and no m or u, and
// imports back as neutral.
func TestExportNeutralLevelRoundTrip(t *testing.T) {
	t.Parallel()
	s, err := Import(edit(t, readModel(t, "saved_model_from_demo.json"),
		`"label_for_charts": "Levenshtein distance of transformed dob <= 1",`, `"label_for_charts": "Levenshtein distance of transformed dob <= 1", "is_null_level": true,`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := Export(&model.Model{Settings: s, Params: model.Start(&s)})
	if err != nil {
		t.Fatal(err)
	}
	var out Model
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if l := out.Comparisons[2].Levels[2]; !l.IsNullLevel || l.MProbability != nil || l.UProbability != nil || !strings.Contains(l.SQLCondition, "levenshtein") {
		t.Errorf("exported dob level 2 %+v, want a levenshtein condition marked is_null_level without m and u", l)
	}
	back, err := Import(data)
	if err != nil {
		t.Fatal(err)
	}
	if l := back.Comparisons[2].Levels[2]; !l.Neutral || l.Type != settings.Levenshtein {
		t.Errorf("re-imported dob level 2 %+v, want neutral", l)
	}
}

// TestImportBadModels feeds broken variants of the demo model; each error
// names where the problem is.
func TestImportBadModels(t *testing.T) {
	t.Parallel()
	demo := readModel(t, "saved_model_from_demo.json")
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"unsupported function", edit(t, demo, `jaro_winkler_similarity(\"first_name_l\", \"first_name_r\") >= 0.92`, `soundex(\"first_name_l\") = soundex(\"first_name_r\")`),
			[]string{"line 52: comparisons[0] (first_name) comparison_levels[2] (Jaro-Winkler distance of first_name >= 0.92)", "function soundex is not supported", "\n    ^"}},
		{"level syntax error", edit(t, demo, `levenshtein(CAST(\"dob_l\" AS TEXT), CAST(\"dob_r\" AS TEXT)) <= 1`, `levenshtein(CAST(\"dob_l\" AS TEXT), CAST(\"dob_r\" AS TEXT) <= 1`),
			[]string{"line 160: comparisons[2] (dob) comparison_levels[2]", `expected ")", found end of text at position 62`}},
		{"blocking rule with OR", edit(t, demo, `"l.\"surname\" = r.\"surname\""`, `"l.\"surname\" = r.\"surname\" OR l.\"dob\" = r.\"dob\""`),
			[]string{"line 22: blocking_rules_to_generate_predictions[1]", "OR is not supported in a blocking rule", "position 27"}},
		{"missing m", edit(t, demo, `"m_probability": 0.5619101955176367,`, ``),
			[]string{"comparisons[3] (city) comparison_levels[1] (Exact match on city): m_probability is missing"}},
		{"missing u", edit(t, demo, `"u_probability": 0.9725664635834949,`, ``),
			[]string{"comparisons[0] (first_name) comparison_levels[5] (All other comparisons): u_probability is missing"}},
		{"m of zero", edit(t, demo, `"m_probability": 0.5619101955176367`, `"m_probability": 0`),
			[]string{"comparisons[3] (city) comparison_levels[1] (Exact match on city): m_probability 0 must be in (0, 1]"}},
		{"u above one", edit(t, demo, `"u_probability": 0.9725664635834949`, `"u_probability": 1.5`),
			[]string{"u_probability 1.5 must be in (0, 1]"}},
		{"negative u", edit(t, demo, `"u_probability": 0.9725664635834949`, `"u_probability": -0.1`),
			[]string{"u_probability -0.1 must be in (0, 1]"}},
		{"prior of one", edit(t, demo, `"probability_two_random_records_match": 0.00298012298012298`, `"probability_two_random_records_match": 1`),
			[]string{"probability_two_random_records_match 1 must be in (0, 1)"}},
		{"no prior", edit(t, demo, `"probability_two_random_records_match": 0.00298012298012298,`, ``),
			[]string{"probability_two_random_records_match is missing"}},
		{"null test without the flag", edit(t, demo, `"label_for_charts": "first_name is NULL",
                    "fix_m_probability": false,
                    "fix_u_probability": false,
                    "is_null_level": true`, `"label_for_charts": "first_name is NULL",
                    "fix_m_probability": false,
                    "fix_u_probability": false,
                    "is_null_level": false`),
			[]string{"line 35: comparisons[0] (first_name) comparison_levels[0]", "is a null test but is_null_level is false"}},
		{"other dialect", edit(t, demo, `"sql_dialect": "duckdb",
    "linker_uid"`, `"sql_dialect": "spark",
    "linker_uid"`), []string{`sql_dialect "spark"`}},
		{"tf on a fuzzy level", edit(t, demo, `"u_probability": 0.0019125588479645527,`, `"u_probability": 0.0019125588479645527, "tf_adjustment_column": "first_name",`),
			[]string{"comparisons[0] (first_name) comparison_levels[2] (Jaro-Winkler distance of first_name >= 0.92): tf_adjustment_column \"first_name\" is supported only on a level of exact equality of that column"}},
		{"tf on the username level", edit(t, demo, `"u_probability": 0.0008916219955040636,`, `"u_probability": 0.0008916219955040636, "tf_adjustment_column": "email",`),
			[]string{"comparisons[4] (email) comparison_levels[2] (Exact match on username): tf_adjustment_column \"email\" is supported only"}},
		{"tf on another column", edit(t, demo, `"tf_adjustment_column": "city",`, `"tf_adjustment_column": "surname",`),
			[]string{"comparisons[3] (city) comparison_levels[1] (Exact match on city): tf_adjustment_column \"surname\" is supported only"}},
	} {
		_, err := Import(tc.data)
		if err == nil {
			t.Errorf("%s: imported", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error does not contain %q:\n%v", tc.name, w, err)
			}
		}
	}
}

func TestIsModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		data string
		want bool
	}{
		{string(readModel(t, "saved_model_from_demo.json")), true},
		{string(readModel(t, "real_time_settings.json")), true},
		{string(readModel(t, "hotpass_fake_1000_model.json")), false},
		{"comparisons:\n  - column: a\n    levels: [{type: exact}, {type: else}]\nblocking_rules: [a]\n", false},
		{"comparisons:\n  - output_column_name: a\n    comparison_levels: []\n", true},
		{"blocking_rules_to_generate_predictions: []\n", true},
		{"not: [valid", false},
	} {
		if got := IsModel([]byte(tc.data)); got != tc.want {
			t.Errorf("IsModel(%.60q) = %v, want %v", tc.data, got, tc.want)
		}
	}
}

// A Splink model written inline in YAML imports as its JSON does.
func TestImportYAML(t *testing.T) {
	t.Parallel()
	yml := `
link_type: dedupe_only
probability_two_random_records_match: 0.01
blocking_rules_to_generate_predictions: ["l.surname = r.surname"]
comparisons:
  - output_column_name: surname
    comparison_levels:
      - {sql_condition: "surname_l IS NULL OR surname_r IS NULL", is_null_level: true}
      - {sql_condition: "surname_l = surname_r", m_probability: 0.9, u_probability: 0.01}
      - {sql_condition: ELSE, m_probability: 0.1, u_probability: 0.99}
  - output_column_name: dob
    comparison_levels:
      - {sql_condition: "dob_l = dob_r", m_probability: 0.8, u_probability: 0.02}
      - {sql_condition: ELSE, m_probability: 0.2, u_probability: 0.98}
`
	s, err := Import([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Import([]byte(strings.Replace(yml, "dob_l = dob_r", "dob_l = dob_r OR 1 = 1", 1)))
	if err == nil || !strings.Contains(err.Error(), "line 13: comparisons[1] (dob) comparison_levels[0]") {
		t.Errorf("error %v, want the YAML line of the level", err)
	}
	if len(s.Comparisons) != 2 || s.Comparisons[0].Column != "surname" || *s.Comparisons[1].Levels[0].MProbability != 0.8 || s.BlockingRules[0] != "surname" {
		t.Errorf("imported %+v", s)
	}
}

// An untrained model cannot be exported: Splink needs every non-null
// level's m and u in (0, 1].
func TestExportRefusals(t *testing.T) {
	t.Parallel()
	s, err := Import(readModel(t, "real_time_settings.json"))
	if err != nil {
		t.Fatal(err)
	}
	trained := func() *model.Model { return &model.Model{Settings: s, Params: model.Start(&s)} }
	for _, tc := range []struct {
		name   string
		change func(m *model.Model)
		want   string
	}{
		{"untrained level", func(m *model.Model) { m.Params.Comparisons[1].Levels[2].M = 0 },
			"comparisons[1] (surname) levels[2] (Levenstein <= 2): m 0 and u 0.007373772654946249: Splink needs probabilities in (0, 1]"},
		{"no parameters", func(m *model.Model) { m.Params = model.Params{} },
			"parameters have 0 comparisons but the settings have 5"},
		{"lowercase", func(m *model.Model) { m.Settings.Comparisons[3].Lowercase = true },
			"comparisons[3] (city): lowercase and trim have no exact DuckDB equivalent"},
		{"date level of any layout", func(m *model.Model) {
			m.Settings.Comparisons[2].Levels[2] = settings.Level{Type: settings.DateDiff, Threshold: 30, Unit: settings.Days}
		}, "comparisons[2] (dob) levels[2] (date within 30 days): a date_diff level without date_format has no exact DuckDB equivalent"},
		{"numeric level", func(m *model.Model) {
			m.Settings.Comparisons[2].Levels[2] = settings.Level{Type: settings.AbsDiff, Threshold: 3}
		}, "comparisons[2] (dob) levels[2] (abs_diff <= 3): abs_diff levels have no exact DuckDB equivalent"},
		{"tf on another column", func(m *model.Model) { m.Settings.Comparisons[3].Levels[1].TFAdjustmentColumn = "surname" },
			"comparisons[3] (city) levels[1] (exact_match): Splink scales a term-frequency adjustment by the u of the exact level on surname"},
		{"phonetic rule", func(m *model.Model) { m.Settings.BlockingRules = []string{"soundex(surname)"} },
			`blocking_rules[0] "soundex(surname)": key soundex(surname) has no exact DuckDB equivalent`},
	} {
		m := trained()
		m.Settings.Comparisons = append([]settings.Comparison(nil), s.Comparisons...)
		for i := range m.Settings.Comparisons {
			m.Settings.Comparisons[i].Levels = append([]settings.Level(nil), s.Comparisons[i].Levels...)
		}
		tc.change(m)
		_, err := Export(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := Export(trained()); err != nil {
		t.Errorf("the unchanged model: %v", err)
	}
}

// FuzzTranslateLevel checks that the parser never panics, that errors
// point inside the text, and that a level or rule it accepts exports to
// SQL that translates back to the same level or rule.
func FuzzTranslateLevel(f *testing.F) {
	for _, s := range []string{
		`"first_name_l" IS NULL OR "first_name_r" IS NULL`,
		`jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.92`,
		`levenshtein(CAST("dob_l" AS TEXT), CAST("dob_r" AS TEXT)) <= 1`,
		`NULLIF(regexp_extract("email_l", '^[^@]+', 0), '') = NULLIF(regexp_extract("email_r", '^[^@]+', 0), '')`,
		`dob_l::VARCHAR = dob_r::VARCHAR`,
		`ABS(EPOCH(try_strptime("dob_l", '%Y-%m-%d')) - EPOCH(try_strptime("dob_r", '%Y-%m-%d'))) <= 2629800.0`,
		`try_strptime("dob_l", '%d/%m/%Y') IS NULL OR try_strptime("dob_r", '%d/%m/%Y') IS NULL`,
		`ELSE`,
		`l."surname" = r."surname" AND SUBSTR(l.dob, 1, 4) = SUBSTR(r.dob, 1, 4)`,
		`"a_l" = "a_r" OR "b_l" = 'x''y'`,
		`-1.5e3 * (2 + "x") % 3 || 'a'`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		if r, err := TranslateRule(sql); err != nil {
			checkPos(t, sql, err)
		} else {
			back, err := exportRule(r)
			if err != nil {
				t.Fatalf("%q: translated to %q, which does not export: %v", sql, r, err)
			}
			if again, err := TranslateRule(back); err != nil || again != r {
				t.Fatalf("%q → %q → %q → %q, %v", sql, r, back, again, err)
			}
		}
		lv, err := TranslateLevel(sql)
		if err != nil {
			checkPos(t, sql, err)
			return
		}
		if lv.Type == settings.Else {
			return
		}
		back, err := exportLevel(settings.Comparison{Column: lv.Column}, lv)
		if err != nil {
			t.Fatalf("%q: translated to %+v, which does not export: %v", sql, lv, err)
		}
		again, err := TranslateLevel(back)
		if err != nil || !reflect.DeepEqual(again, lv) {
			t.Fatalf("%q → %+v → %q → %+v, %v", sql, lv, back, again, err)
		}
	})
}

func checkPos(t *testing.T, sql string, err error) {
	var se *SyntaxError
	if !errors.As(err, &se) {
		if strings.Contains(err.Error(), "blocking rule") {
			return // the rule syntax's own check of the translated rule
		}
		t.Fatalf("%q: error %v is not a SyntaxError", sql, err)
	}
	if se.Pos < 0 || se.Pos > len(sql) {
		t.Fatalf("%q: position %d outside the text", sql, se.Pos)
	}
}
