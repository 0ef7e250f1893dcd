package matchrules_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/linkage/matchrules"
)

// columns is an in-memory Source: "" is null.
type columns map[string][]string

func (c columns) Strings(name string) ([]string, []bool, error) {
	vals, ok := c[name]
	if !ok {
		return nil, nil, fmt.Errorf("no column %q", name)
	}
	present := make([]bool, len(vals))
	for i, v := range vals {
		present[i] = v != ""
	}
	return vals, present, nil
}

var comps = []matchrules.Comparison{
	{Name: "name", Column: "org", Lowercase: true, Trim: true},
	{Name: "phone", Column: "phones"},
}

// fires compiles one rule of one condition and reports whether it holds
// for records 0 and 1 of col.
func fires(t *testing.T, c matchrules.Condition, a, b string) bool {
	t.Helper()
	src := columns{"org": {a, b}, "phones": {a, b}, "x": {a, b}}
	m, err := matchrules.Compile([]matchrules.Rule{{Name: "r", Group: matchrules.Group{All: []matchrules.Condition{c}}}}, comps, src)
	if err != nil {
		t.Fatalf("compile %+v: %v", c, err)
	}
	return m.NewWorker().Fire(0, 1) == 0
}

func TestOperators(t *testing.T) {
	t.Parallel()
	col := func(op matchrules.Op, th float64) matchrules.Condition {
		return matchrules.Condition{Column: "x", Op: op, Threshold: th}
	}
	for _, tc := range []struct {
		name string
		c    matchrules.Condition
		a, b string
		want bool
	}{
		{"exact equal", col(matchrules.Exact, 0), "eagle air", "eagle air", true},
		{"exact differs", col(matchrules.Exact, 0), "eagle air", "eagle air2", false},
		{"exact ignores case on a column", col(matchrules.Exact, 0), "Eagle", "eagle", true},
		{"exact through a lowercasing comparison", matchrules.Condition{Comparison: "name", Op: matchrules.Exact}, " Eagle ", "eagle", true},
		{"null never holds", col(matchrules.Exact, 0), "", "", false},
		{"jaro_winkler above", col(matchrules.JaroWinkler, 0.93), "eagle flight school", "eagel flight school", true},
		{"jaro_winkler below", col(matchrules.JaroWinkler, 0.93), "eagle flight school", "falcon aviation", false},
		{"jaro_winkler at 1 needs equality", col(matchrules.JaroWinkler, 1), "abc", "abc", true},
		{"levenshtein within", col(matchrules.Levenshtein, 2), "kitten", "sitten", true},
		{"levenshtein exactly k", col(matchrules.Levenshtein, 3), "kitten", "sitting", true},
		{"levenshtein beyond", col(matchrules.Levenshtein, 2), "kitten", "sitting", false},
		{"levenshtein length gap", col(matchrules.Levenshtein, 1), "a", "abcdefghijkl", false},
		{"levenshtein 0 is equality", col(matchrules.Levenshtein, 0), "same", "same", true},
		{"jaccard above", col(matchrules.Jaccard, 0.5), "eagle flight school", "eagle flight academy", true},
		{"jaccard below", col(matchrules.Jaccard, 0.6), "eagle flight school", "eagle flight academy", false},
		{"jaccard ignores order and case", col(matchrules.Jaccard, 1), "Flight Eagle", "eagle flight", true},
		{"phone shared in lists", col(matchrules.Phone, 0), "+27115550100,+27825550199", "+27825550199", true},
		{"phone normalised", col(matchrules.Phone, 0), "0027 (11) 555-0100", "+27115550100", true},
		{"phone none shared", col(matchrules.Phone, 0), "+27115550100", "+27115550101", false},
		{"phone punctuation only is null", col(matchrules.Phone, 0), "( - )", "( - )", false},
		{"email case-insensitive", col(matchrules.Email, 0), "Info@Eagle.co.za", "info@eagle.co.za", true},
		{"email domain lists", col(matchrules.Email, 0), "eagle.co.za,falcon.aero", "falcon.aero", true},
		{"email differs", col(matchrules.Email, 0), "eagle.co.za", "eagle.com", false},
		{"phone through a comparison", matchrules.Condition{Comparison: "phone", Op: matchrules.Phone}, "+27115550100", "+27 11 555 0100", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fires(t, tc.c, tc.a, tc.b); got != tc.want {
				t.Errorf("%s(%q, %q) = %v, want %v", tc.c.Op, tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// Every operator compares what a person means: case, spacing and Unicode
// presentation of names and text, the case and surrounding space of
// e-mail addresses, and everything of a website but its host are ignored;
// a real difference still tells values apart.
func TestNormalisation(t *testing.T) {
	t.Parallel()
	col := func(op matchrules.Op, th float64, sep string) matchrules.Condition {
		return matchrules.Condition{Column: "x", Op: op, Threshold: th, Separator: sep}
	}
	exact, email, website := col(matchrules.Exact, 0, ""), col(matchrules.Email, 0, ""), col(matchrules.Website, 0, "")
	for _, tc := range []struct {
		name string
		c    matchrules.Condition
		a, b string
		want bool
	}{
		{"exact: case and spaces", exact, "  Eagle   Flight School ", "eagle flight school", true},
		{"exact: tabs and non-breaking space", exact, "Eagle\tFlight\u00a0School", "eagle flight school", true},
		{"exact: full-width letters", exact, "ＥＡＧＬＥ ＡＩＲ", "eagle air", true},
		{"exact: inner space still counts", exact, "eagle air", "eagleair", false},
		{"exact: other words", exact, "Eagle Air", "Eagle Aero", false},
		{"exact: white space only is null", exact, " \t ", " ", false},
		{"exact through a comparison without lowercase", matchrules.Condition{Comparison: "phone", Op: matchrules.Exact}, "EAGLE", "eagle", true},
		{"jaro_winkler: case", col(matchrules.JaroWinkler, 0.99, ""), "EAGLE FLIGHT SCHOOL", "eagle  flight school", true},
		{"jaro_winkler: a typo after folding", col(matchrules.JaroWinkler, 0.93, ""), "Eagle Flight School", "EAGEL FLIGHT SCHOOL", true},
		{"jaro_winkler: other names", col(matchrules.JaroWinkler, 0.93, ""), "EAGLE AVIATION", "falcon flight", false},
		{"levenshtein 0: case and spaces", col(matchrules.Levenshtein, 0, ""), "Eagle Air ", "eagle  air", true},
		{"levenshtein 1: one accent", col(matchrules.Levenshtein, 1, ""), "EAGLE AÍR", "eagle air", true},
		{"levenshtein 0: one accent", col(matchrules.Levenshtein, 0, ""), "EAGLE AÍR", "eagle air", false},
		{"jaccard: case and order", col(matchrules.Jaccard, 1, ""), "Eagle FLIGHT School", "school flight eagle", true},
		{"jaccard: ligature", col(matchrules.Jaccard, 1, ""), "eagle ﬂight", "Eagle Flight", true},
		{"jaccard: separator and case", col(matchrules.Jaccard, 1, ";"), "Eagle;Flight", "flight eagle", true},
		{"jaccard: another word", col(matchrules.Jaccard, 0.7, ""), "Eagle Flight", "eagle aero", false},
		{"email: trimmed, without case", email, "  Info@Eagle.CO.ZA ", "info@eagle.co.za", true},
		{"email: full-width at sign", email, "info＠eagle.co.za", "INFO@EAGLE.CO.ZA", true},
		{"email: list with separator", col(matchrules.Email, 0, ";"), "ops@falcon.aero; Info@Eagle.co.za", "info@eagle.co.za", true},
		{"email: other domain", email, "info@eagle.co.za", "info@eagle.com", false},
		{"email: other mailbox", email, "info@eagle.co.za", "ops@eagle.co.za", false},
		{"website: scheme, www, path and case", website, "https://www.Eagle.co.za/about/", "eagle.co.za", true},
		{"website: trailing slash and dot", website, "http://eagle.co.za/", "EAGLE.CO.ZA.", true},
		{"website: port and query", website, "www.eagle.co.za:8080/?utm_source=x", "https://eagle.co.za", true},
		{"website: host in a list", website, "https://falcon.aero, eagle.co.za/contact", "WWW.EAGLE.CO.ZA", true},
		{"website: list with separator", col(matchrules.Website, 0, " "), "falcon.aero eagle.co.za", "eagle.co.za", true},
		{"website: another host", website, "eagle.co.za", "eagle.com", false},
		{"website: a subdomain is another host", website, "shop.eagle.co.za", "eagle.co.za", false},
		{"website: scheme only is null", website, "https://", "https://", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := fires(t, tc.c, tc.a, tc.b); got != tc.want {
				t.Errorf("%s(%q, %q) = %v, want %v", tc.c.Op, tc.a, tc.b, got, tc.want)
			}
			if got := fires(t, tc.c, tc.b, tc.a); got != tc.want {
				t.Errorf("%s(%q, %q) = %v, want %v: not symmetric", tc.c.Op, tc.b, tc.a, got, tc.want)
			}
		})
	}
}

func TestNormaliseWebsite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"HTTPS://WWW.Eagle.co.za/About/", "eagle.co.za"},
		{" eagle.co.za. ", "eagle.co.za"},
		{"http://eagle.co.za:8080/x#y", "eagle.co.za"},
		{"shop.eagle.co.za", "shop.eagle.co.za"},
		{"https://", ""},
	} {
		if got := matchrules.NormaliseWebsite(tc.in); got != tc.want {
			t.Errorf("NormaliseWebsite(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The profile schema offers the operators the parser accepts.
func TestSchemaListsOperators(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../../schemas/profile.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Enum []matchrules.Op `json:"enum"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	if got := schema.Defs["linkage_rule_condition"].Properties["op"].Enum; !slices.Equal(got, matchrules.Ops) {
		t.Errorf("schemas/profile.schema.json lists operators %v; the parser accepts %v", got, matchrules.Ops)
	}
}

// The issue's example: name Jaro-Winkler ≥ 0.93 and the same phone or
// email; the first rule that holds is the one reported.
func TestGroupsAndFirstRuleWins(t *testing.T) {
	t.Parallel()
	src := columns{
		"org":     {"eagle flight school", "eagel flight school", "eagle flight school", "eagle flight schools", "falcon air"},
		"phones":  {"+27115550100", "+27115550100", "", "", "+27115550100"},
		"domains": {"", "", "eagle.co.za", "", ""},
		"x":       {"a", "a", "a", "b", "a"},
	}
	src["domains"][0] = "eagle.co.za"
	rs := []matchrules.Rule{
		{Name: "name_and_contact", Group: matchrules.Group{All: []matchrules.Condition{
			{Comparison: "name", Op: matchrules.JaroWinkler, Threshold: 0.93},
			{Group: matchrules.Group{Any: []matchrules.Condition{
				{Comparison: "phone", Op: matchrules.Phone},
				{Column: "domains", Op: matchrules.Email},
			}}},
		}}},
		{Name: "near_name", Decision: matchrules.Review, Group: matchrules.Group{All: []matchrules.Condition{
			{Comparison: "name", Op: matchrules.JaroWinkler, Threshold: 0.96},
		}}},
	}
	m, err := matchrules.Compile(rs, comps, src)
	if err != nil {
		t.Fatal(err)
	}
	w := m.NewWorker()
	for _, tc := range []struct {
		i, j int32
		want int
	}{
		{0, 1, 0},  // similar name, same phone
		{0, 2, 0},  // same name, same email domain
		{0, 3, 1},  // near name, nothing shared: review rule
		{2, 3, 1},  // near name, no phones
		{0, 4, -1}, // same phone, other name
		{1, 4, -1},
	} {
		if got := w.Fire(tc.i, tc.j); got != tc.want {
			t.Errorf("Fire(%d, %d) = %d, want %d", tc.i, tc.j, got, tc.want)
		}
	}
	if got := m.Rules(); strings.Join(got, ",") != "name_and_contact,near_name" {
		t.Errorf("Rules() = %v", got)
	}
	if m.Decision(0) != matchrules.Match || m.Decision(1) != matchrules.Review {
		t.Errorf("decisions %s, %s; want match (the default), review", m.Decision(0), m.Decision(1))
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	leaf := func(c matchrules.Condition) []matchrules.Rule {
		return []matchrules.Rule{{Name: "r", Group: matchrules.Group{All: []matchrules.Condition{c}}}}
	}
	for _, tc := range []struct {
		name string
		rs   []matchrules.Rule
		want string
	}{
		{"unknown comparison", leaf(matchrules.Condition{Comparison: "nmae", Op: matchrules.Exact}), `rules[0].all[0].comparison: unknown comparison "nmae"; the settings compare name, phone`},
		{"unknown operator", leaf(matchrules.Condition{Column: "x", Op: "soundex"}), `rules[0].all[0].op: unknown operator "soundex"`},
		{"missing operator", leaf(matchrules.Condition{Column: "x"}), "rules[0].all[0]: op: is missing"},
		{"no value", leaf(matchrules.Condition{Op: matchrules.Exact}), "name the value to test"},
		{"both column and comparison", leaf(matchrules.Condition{Column: "x", Comparison: "name", Op: matchrules.Exact}), "rules[0].all[0].column: give comparison: or column:, not both"},
		{"similarity out of range", leaf(matchrules.Condition{Column: "x", Op: matchrules.JaroWinkler, Threshold: 1.5}), "jaro_winkler needs a threshold in (0, 1], got 1.5"},
		{"similarity missing", leaf(matchrules.Condition{Column: "x", Op: matchrules.Jaccard}), "jaccard needs a threshold in (0, 1], got 0"},
		{"fractional edits", leaf(matchrules.Condition{Column: "x", Op: matchrules.Levenshtein, Threshold: 1.5}), "whole number of edits"},
		{"threshold on exact", leaf(matchrules.Condition{Column: "x", Op: matchrules.Exact, Threshold: 0.9}), "exact takes no threshold"},
		{"threshold on website", leaf(matchrules.Condition{Column: "x", Op: matchrules.Website, Threshold: 0.9}), "website takes no threshold"},
		{"separator on jaro", leaf(matchrules.Condition{Column: "x", Op: matchrules.JaroWinkler, Threshold: 0.9, Separator: ","}), "separator applies to"},
		{"group and test", leaf(matchrules.Condition{Column: "x", Op: matchrules.Exact, Group: matchrules.Group{Any: []matchrules.Condition{{Column: "x", Op: matchrules.Exact}}}}), "not both"},
		{"nested path", leaf(matchrules.Condition{Group: matchrules.Group{Any: []matchrules.Condition{{Column: "x", Op: matchrules.Exact}, {Column: "x", Op: "near"}}}}), `rules[0].all[0].any[1].op: unknown operator "near"`},
		{"no name", []matchrules.Rule{{Group: matchrules.Group{All: []matchrules.Condition{{Column: "x", Op: matchrules.Exact}}}}}, "rules[0].name: every rule needs a name"},
		{"duplicate name", append(leaf(matchrules.Condition{Column: "x", Op: matchrules.Exact}), leaf(matchrules.Condition{Column: "x", Op: matchrules.Exact})...), `rules[1].name: name "r" is already used by rules[0]`},
		{"empty rule", []matchrules.Rule{{Name: "r"}}, "rules[0]: a rule needs conditions"},
		{"bad decision", []matchrules.Rule{{Name: "r", Decision: "maybe", Group: matchrules.Group{All: []matchrules.Condition{{Column: "x", Op: matchrules.Exact}}}}}, `decision "maybe": use match or review`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := matchrules.Check(tc.rs, comps)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("Check: %q, want one containing %q", got, tc.want)
			}
		})
	}
	if ps := matchrules.Check(leaf(matchrules.Condition{Comparison: "name", Op: matchrules.Levenshtein, Threshold: 2}), comps); len(ps) != 0 {
		t.Errorf("a valid rule has problems: %v", ps)
	}
}

func TestCompileUnknownColumn(t *testing.T) {
	t.Parallel()
	rs := parse(t, "- name: r\n  all:\n    - {column: nosuch, op: exact}\n")
	_, err := matchrules.Compile(rs, comps, columns{"x": {"a"}})
	if err == nil || !strings.Contains(err.Error(), `line 3, column 7: rules[0].all[0]: no column "nosuch"`) {
		t.Errorf("Compile: %v, want the condition's position and the missing column", err)
	}
	if _, err := matchrules.Compile(nil, comps, columns{}); err == nil || !strings.Contains(err.Error(), "add a rules: block") {
		t.Errorf("Compile(no rules): %v", err)
	}
}

func parse(t *testing.T, src string) []matchrules.Rule {
	t.Helper()
	var rs []matchrules.Rule
	if err := yaml.Unmarshal([]byte(src), &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}

// Unknown keys and operators are refused where they are written.
func TestYAMLPositions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"- name: r\n  all:\n    - {comparison: name, op: jaro_winkler, treshold: 0.9}\n", `line 3, column 44: unknown rule condition key "treshold"`},
		{"- name: r\n  all:\n    - any:\n        - {column: x, op: soundex}\n", `line 4, column 27: unknown operator "soundex"; use exact, jaro_winkler, levenshtein, jaccard, phone, email`},
		{"- name: r\n  when: x\n", `line 2, column 3: unknown rule key "when"`},
		{"- name: r\n  all: [exact]\n", "line 2, column 9: a rule condition is a mapping"},
	} {
		var rs []matchrules.Rule
		err := yaml.Unmarshal([]byte(tc.src), &rs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
	rs := parse(t, "- name: r\n  decision: review\n  all:\n    - {comparison: name, op: jaro_winkler, threshold: 0.93}\n    - any:\n        - {column: phones, op: phone}\n")
	r := rs[0]
	if r.Name != "r" || r.Decision != matchrules.Review || len(r.All) != 2 || r.All[0].Threshold != 0.93 || r.All[1].Any[0].Op != matchrules.Phone {
		t.Errorf("parsed %+v", r)
	}
	if r.Line != 1 || r.All[1].Any[0].Line != 6 || r.All[1].Any[0].Col != 11 {
		t.Errorf("positions: rule %d, condition %d:%d; want 1 and 6:11", r.Line, r.All[1].Any[0].Line, r.All[1].Any[0].Col)
	}
	ps := matchrules.Check(parse(t, "- name: r\n  all:\n    - {comparison: nmae, op: exact}\n"), comps)
	if len(ps) != 1 || !strings.HasPrefix(ps[0].String(), "line 3, column 7: rules[0].all[0].comparison: unknown comparison") {
		t.Errorf("Check of parsed rules: %v", ps)
	}
}

// The parser never panics, and what it accepts either fails Check or
// compiles.
func FuzzParse(f *testing.F) {
	f.Add("- name: r\n  all:\n    - {comparison: name, op: jaro_winkler, threshold: 0.93}\n    - any:\n        - {column: phones, op: phone}\n        - {column: x, op: email}\n")
	f.Add("- name: r\n  decision: review\n  any: [{column: x, op: levenshtein, threshold: 2}, {all: [{column: x, op: jaccard, threshold: 0.5, separator: ';'}]}]\n")
	f.Add("- {name: r, all: [{column: x, op: exact}]}\n")
	f.Fuzz(func(t *testing.T, src string) {
		var rs []matchrules.Rule
		if err := yaml.Unmarshal([]byte(src), &rs); err != nil {
			return
		}
		if len(matchrules.Check(rs, comps)) > 0 {
			return
		}
		src2 := columns{"org": {"a b", "a c", ""}, "phones": {"1", "1,2", ""}, "x": {"x", "x y", ""}}
		m, err := matchrules.Compile(rs, comps, src2)
		if err != nil {
			if strings.Contains(err.Error(), "no column") || len(rs) == 0 {
				return
			}
			t.Fatalf("rules passed Check but did not compile: %v", err)
		}
		w := m.NewWorker()
		for i := int32(0); i < 3; i++ {
			for j := int32(0); j < 3; j++ {
				if r := w.Fire(i, j); r < -1 || r >= len(rs) {
					t.Fatalf("Fire(%d, %d) = %d with %d rules", i, j, r, len(rs))
				}
			}
		}
	})
}

func ExampleCompile() {
	var rs []matchrules.Rule
	_ = yaml.Unmarshal([]byte(`
- name: name_and_contact
  all:
    - {column: name, op: jaro_winkler, threshold: 0.93}
    - any:
        - {column: phone, op: phone}
        - {column: email, op: email}
`), &rs)
	src := columns{
		"name":  {"eagle flight school", "eagel flight school", "eagle flight school"},
		"phone": {"+27 11 555 0100", "+27115550100", ""},
		"email": {"", "", "info@eagle.co.za"},
	}
	m, err := matchrules.Compile(rs, nil, src)
	if err != nil {
		fmt.Println(err)
		return
	}
	w := m.NewWorker()
	fmt.Println(w.Fire(0, 1), w.Fire(0, 2))
	// Output: 0 -1
}
