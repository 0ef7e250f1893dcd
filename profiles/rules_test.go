package profiles

import (
	"strings"
	"testing"
)

// Mistakes in a profile's linkage rules are reported at the rule or
// condition concerned, with file, line and column.
func TestLinkageRulesErrorsHavePositions(t *testing.T) {
	t.Parallel()
	base := "name: x\nsources:\n  - name: s\n    files: ['*.xlsx']\n    sheets:\n      - sheet: S\n" +
		"linkage:\n  comparisons: [{name: name, column: name, levels: [{type: exact}, {type: else}]}]\n" +
		"  probability_two_random_records_match: 0.01\n  rules:\n"
	for _, tc := range []struct{ name, rules, want string }{
		{"unknown comparison", "    - name: r\n      all:\n        - {comparison: nmae, op: exact}\n",
			`p.yaml:13:12: error: unknown comparison "nmae"; the settings compare name`},
		{"unknown column", "    - name: r\n      all:\n        - {column: telephone, op: phone}\n",
			`p.yaml:13:11: error: rule condition reads column "telephone", which entity resolution does not provide`},
		{"unknown operator", "    - name: r\n      all:\n        - {comparison: name, op: soundex}\n",
			`p.yaml:13:34: error: linkage.rules[0].all[0].op: "soundex" is not one of "exact", "jaro_winkler"`},
		{"unknown key", "    - name: r\n      all:\n        - {comparison: name, op: jaro_winkler, treshold: 0.9}\n",
			`p.yaml:13:48: error: unknown key "treshold" in linkage.rules[0].all[0]`},
		{"nested threshold", "    - name: r\n      any:\n        - all:\n            - {comparison: name, op: jaccard}\n",
			"p.yaml:14:15: error: jaccard needs a threshold in (0, 1], got 0"},
		{"duplicate name", "    - {name: r, all: [{comparison: name, op: exact}]}\n    - {name: r, all: [{comparison: name, op: exact}]}\n",
			`p.yaml:12:8: error: name "r" is already used by rules[0]`},
	} {
		_, err := Parse("p.yaml", []byte(base+tc.rules))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant it to contain %q", tc.name, err, tc.want)
		}
	}
	good := "    - name: r\n      decision: review\n      all:\n        - {comparison: name, op: jaro_winkler, threshold: 0.93}\n" +
		"        - any: [{column: phones, op: phone}, {column: email_domains, op: email}, {column: name, op: levenshtein, threshold: 2}]\n"
	if _, err := Parse("p.yaml", []byte(base+good)); err != nil {
		t.Errorf("valid rules: %v", err)
	}
}
