package settings

import (
	"strings"
	"testing"
)

// base is minimal without its blocking rules and prior, for the options
// tests to add their own.
const base = `
comparisons:
  - column: name
    levels: [{type: null}, {type: exact}, {type: else}]
`

func TestResolutionOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		yaml  string
		check func(t *testing.T, s Settings)
		err   string
	}{
		{"blocking_rules auto", "blocking_rules: auto\nprobability_two_random_records_match: 0.01\n", func(t *testing.T, s Settings) {
			if !s.BlockingRules.Auto() {
				t.Errorf("blocking_rules %q, want auto", s.BlockingRules)
			}
		}, ""},
		{"a rule list is not auto", "blocking_rules: [name]\nprobability_two_random_records_match: 0.01\n", func(t *testing.T, s Settings) {
			if s.BlockingRules.Auto() || len(s.BlockingRules) != 1 {
				t.Errorf("blocking_rules %q", s.BlockingRules)
			}
		}, ""},
		{"another word is not a rule list", "blocking_rules: automatic\nprobability_two_random_records_match: 0.01\n", nil,
			`line 5 column 17: blocking_rules "automatic": write a list of rules, or auto`},
		{"prior em needs no deterministic rule", "prior: em\n", func(t *testing.T, s Settings) {
			if s.Prior != PriorEM {
				t.Errorf("prior %q", s.Prior)
			}
		}, ""},
		{"prior em with a given λ", "prior: em\nprobability_two_random_records_match: 0.01\n", nil, "prior: em estimates probability_two_random_records_match, which is also given"},
		{"unknown prior", "prior: guess\nprobability_two_random_records_match: 0.01\n", nil, `prior "guess": use deterministic or em`},
		{"without a prior λ is missing", "blocking_rules: [name]\n", nil, "set one of them, or prior: em"},
		{"one_to_one outside link_only", "one_to_one: true\nprobability_two_random_records_match: 0.01\n", nil, "one_to_one: only link_only"},
		{"one_to_one for link_only", "link_type: link_only\none_to_one: true\nprobability_two_random_records_match: 0.01\n", func(t *testing.T, s Settings) {
			if !s.OneToOne {
				t.Error("one_to_one not set")
			}
		}, ""},
		{"cluster_split defaults its density", "cluster_split: {threshold: 0.99}\nprobability_two_random_records_match: 0.01\n", func(t *testing.T, s Settings) {
			if s.ClusterSplit == nil || s.ClusterSplit.MaxDensity != DefaultSplitDensity {
				t.Errorf("cluster_split %+v", s.ClusterSplit)
			}
		}, ""},
		{"cluster_split at the match threshold", "cluster_split: {threshold: 0.9}\nprobability_two_random_records_match: 0.01\n", nil,
			"cluster_split.threshold 0.9 must be above match_threshold 0.9"},
		{"cluster_split density out of range", "cluster_split: {threshold: 0.99, max_density: 2}\nprobability_two_random_records_match: 0.01\n", nil,
			"cluster_split.max_density 2: must be a share in (0, 1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Parse([]byte(base + tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

// FuzzBlockingRules feeds any value to blocking_rules: decoding never
// panics, and only the word auto reads as auto.
func FuzzBlockingRules(f *testing.F) {
	for _, seed := range []string{"auto", "[name]", "automatic", "[auto]", "{a: b}", "", "'auto'", "- name\n  - x"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := Parse([]byte(base + "probability_two_random_records_match: 0.01\nblocking_rules: " + v + "\n"))
		if err == nil && s.BlockingRules.Auto() && len(s.BlockingRules) != 1 {
			t.Errorf("%q decoded as auto with %d rules", v, len(s.BlockingRules))
		}
	})
}
