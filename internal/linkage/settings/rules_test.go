package settings

import (
	"strings"
	"testing"
)

// A settings file's rules are checked with the rest, and each mistake
// names its line and column.
func TestParseRules(t *testing.T) {
	t.Parallel()
	base := "comparisons:\n  - {name: name, column: full_name, lowercase: true, levels: [{type: exact}, {type: else}]}\n" +
		"probability_two_random_records_match: 0.01\nrules:\n"
	for _, tc := range []struct{ rules, want string }{
		{"  - {name: r, all: [{comparison: nmae, op: exact}]}\n", `line 5, column 21: rules[0].all[0].comparison: unknown comparison "nmae"`},
		{"  - {name: r, all: [{comparison: name, op: near}]}\n", `line 5, column 44: unknown operator "near"`},
		{"  - {name: r, all: [{comparison: name, op: exact}], when: x}\n", `line 5, column 53: unknown rule key "when"`},
	} {
		_, err := Parse([]byte(base + tc.rules))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v\nwant it to contain %q", tc.rules, err, tc.want)
		}
	}
	s, err := Parse([]byte(base + "  - {name: r, all: [{comparison: name, op: jaro_winkler, threshold: 0.9}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rc := s.RuleComparisons()
	if len(s.Rules) != 1 || len(rc) != 1 || rc[0] != (struct {
		Name, Column    string
		Lowercase, Trim bool
	}{"name", "full_name", true, false}) {
		t.Errorf("rules %+v, comparisons %+v", s.Rules, rc)
	}
}
