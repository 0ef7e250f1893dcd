package splink_test

import (
	"fmt"

	"github.com/hotpass/hotpass/internal/linkage/splink"
)

func ExampleTranslateLevel() {
	lv, err := splink.TranslateLevel(`jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.92`)
	fmt.Println(lv.Type, lv.Column, lv.Threshold, err)
	_, err = splink.TranslateLevel(`"first_name_l" = "first_name_r" AND "dob_l" = "dob_r"`)
	fmt.Println(err)
	// Output:
	// jaro_winkler first_name 0.92 <nil>
	// AND is not supported in a level: a Hotpass level tests one column at position 33:
	//     "first_name_l" = "first_name_r" AND "dob_l" = "dob_r"
	//                                     ^
}

func ExampleImport() {
	s, err := splink.Import([]byte(`{
		"link_type": "dedupe_only",
		"probability_two_random_records_match": 0.01,
		"blocking_rules_to_generate_predictions": ["SUBSTR(l.surname, 1, 3) = SUBSTR(r.surname, 1, 3) AND l.dob = r.dob"],
		"comparisons": [{
			"output_column_name": "email",
			"comparison_levels": [
				{"sql_condition": "email_l IS NULL OR email_r IS NULL", "is_null_level": true},
				{"sql_condition": "NULLIF(regexp_extract(email_l, '^[^@]+', 0), '') = NULLIF(regexp_extract(email_r, '^[^@]+', 0), '')",
				 "m_probability": 0.9, "u_probability": 0.001},
				{"sql_condition": "ELSE", "m_probability": 0.1, "u_probability": 0.999}
			]
		}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	l := s.Comparisons[0].Levels[1]
	fmt.Println(s.BlockingRules, s.Training.Skip)
	fmt.Println(s.Comparisons[0].Column, l.Type, l.Regex, *l.MProbability, *l.UProbability)
	// Output:
	// [substr(surname, 3) + dob] true
	// email exact ^[^@]+ 0.9 0.001
}
