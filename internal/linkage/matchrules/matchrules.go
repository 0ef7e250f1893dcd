// Package matchrules is deterministic record linkage: a pair of records
// is a match when one of a list of named rules holds for it, instead of
// when a trained Fellegi–Sunter model scores it high enough.
//
// A rule is a group of conditions: every condition under all: must hold,
// and when any: is given at least one of those must hold too. Groups nest,
// so "name Jaro-Winkler ≥ 0.93 and (same phone or same email domain)" is
//
//	rules:
//	  - name: name_and_contact
//	    all:
//	      - {comparison: name, op: jaro_winkler, threshold: 0.93}
//	      - any:
//	          - {column: phones, op: phone}
//	          - {column: email_domains, op: email}
//
// A condition reads the column of a comparison of the linkage settings or
// a column by name, and tests it with one operator. Each operator compares
// what a person means rather than how the value was typed:
//
//	exact          the values are equal
//	jaro_winkler   Jaro-Winkler similarity ≥ threshold (0..1)
//	levenshtein    edit distance ≤ threshold (a whole number)
//	jaccard        token-set Jaccard similarity ≥ threshold (0..1); tokens
//	               are split at white space and any separator character
//	phone          a phone number in common, after normalisation (digits
//	               only, international prefix 00 read as +)
//	email          an e-mail address (or domain) in common, trimmed and
//	               compared without case
//	website        a website in common, compared by host: scheme, "www.",
//	               port, path and trailing slash ignored, without case
//
// exact, jaro_winkler, levenshtein and jaccard compare text folded by
// textnorm.Fold: without case, with white space runs collapsed and
// trimmed, and Unicode compatibility forms (full-width letters,
// ligatures, non-breaking spaces) read as their plain letters. So they
// ignore case whether or not the comparison sets lowercase:.
//
// phone, email and website split values at any character of separator
// (default ","), so a list column matches on any shared element. A
// condition on a null value, or one that normalises to nothing, never
// holds. The first rule that holds classifies the pair:
// decision match (the default) or review, the clerical-review band.
package matchrules

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Op names a condition's test.
type Op string

// The operators.
const (
	Exact       Op = "exact"
	JaroWinkler Op = "jaro_winkler"
	Levenshtein Op = "levenshtein"
	Jaccard     Op = "jaccard"
	Phone       Op = "phone"
	Email       Op = "email"
	Website     Op = "website"
)

// Ops lists the operators in the order the documentation gives them.
var Ops = []Op{Exact, JaroWinkler, Levenshtein, Jaccard, Phone, Email, Website}

// Decision is what a rule makes of the pairs it holds for.
type Decision string

// The decisions.
const (
	// Match classifies the pair as a match (match probability 1).
	Match Decision = "match"
	// Review sends the pair to clerical review.
	Review Decision = "review"
)

// DefaultSeparator splits list values for phone, email and website.
const DefaultSeparator = ","

// Rule is a named group of conditions.
type Rule struct {
	// Name labels the rule in artefacts (the rule column of each pair).
	Name string `yaml:"name" json:"name"`
	// Decision is match (default) or review.
	Decision Decision `yaml:"decision" json:"decision,omitempty"`
	Group    `yaml:",inline"`

	// Line and Col locate the rule in the YAML it was read from.
	Line int `yaml:"-" json:"-"`
	Col  int `yaml:"-" json:"-"`
}

// Group holds when every All condition holds and, when Any is not empty,
// at least one Any condition does.
type Group struct {
	All []Condition `yaml:"all" json:"all,omitempty"`
	Any []Condition `yaml:"any" json:"any,omitempty"`
}

// Condition is a test of one column (Op set) or a nested group (All or
// Any set), never both.
type Condition struct {
	// Comparison names a comparison of the settings whose column the
	// test reads.
	Comparison string `yaml:"comparison" json:"comparison,omitempty"`
	// Column names the column to read instead.
	Column string `yaml:"column" json:"column,omitempty"`
	Op     Op     `yaml:"op" json:"op,omitempty"`
	// Threshold is the similarity floor (jaro_winkler, jaccard) or the
	// distance ceiling (levenshtein).
	Threshold float64 `yaml:"threshold" json:"threshold,omitempty"`
	// Separator lists the characters that split values for phone, email,
	// website and jaccard.
	Separator string `yaml:"separator" json:"separator,omitempty"`
	Group     `yaml:",inline"`

	// Line and Col locate the condition in the YAML it was read from (0
	// when built in code), for messages.
	Line int `yaml:"-" json:"-"`
	Col  int `yaml:"-" json:"-"`
}

// IsGroup reports whether the condition nests conditions rather than
// testing a column.
func (c *Condition) IsGroup() bool { return len(c.All) > 0 || len(c.Any) > 0 }

var conditionKeys = []string{"comparison", "column", "op", "threshold", "separator", "all", "any"}

// UnmarshalYAML reads a condition, refusing unknown keys and operators
// with their line and column: a misspelt threshold must not become 0.
func (c *Condition) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d, column %d: a rule condition is a mapping (op: with comparison: or column:, or all:/any:)", node.Line, node.Column)
	}
	for k := 0; k+1 < len(node.Content); k += 2 {
		key, val := node.Content[k], node.Content[k+1]
		if !slices.Contains(conditionKeys, key.Value) {
			return fmt.Errorf("line %d, column %d: unknown rule condition key %q; use %s", key.Line, key.Column, key.Value, strings.Join(conditionKeys, ", "))
		}
		if key.Value == "op" && !slices.Contains(Ops, Op(val.Value)) {
			return fmt.Errorf("line %d, column %d: unknown operator %q; use %s", val.Line, val.Column, val.Value, opList())
		}
	}
	type plain Condition
	if err := node.Decode((*plain)(c)); err != nil {
		return err
	}
	c.Line, c.Col = node.Line, node.Column
	return nil
}

var ruleKeys = []string{"name", "decision", "all", "any"}

// UnmarshalYAML reads a rule, refusing unknown keys with their line and
// column.
func (r *Rule) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d, column %d: a rule is a mapping with a name and all or any conditions", node.Line, node.Column)
	}
	for k := 0; k+1 < len(node.Content); k += 2 {
		key := node.Content[k]
		if !slices.Contains(ruleKeys, key.Value) {
			return fmt.Errorf("line %d, column %d: unknown rule key %q; use %s", key.Line, key.Column, key.Value, strings.Join(ruleKeys, ", "))
		}
	}
	type plain Rule
	if err := node.Decode((*plain)(r)); err != nil {
		return err
	}
	r.Line, r.Col = node.Line, node.Column
	return nil
}

func opList() string {
	s := make([]string, len(Ops))
	for i, o := range Ops {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// Comparison is what a condition's comparison: name stands for.
// Lowercase and Trim are the comparison's own settings, described for
// completeness: the operators already ignore case and surrounding white
// space, so they change nothing a rule sees.
type Comparison struct {
	Name, Column    string
	Lowercase, Trim bool
}

// Problem is one mistake in a rule list: Path leads from the list through
// rule indexes (int) and keys (string) to the offending value.
type Problem struct {
	Path    []any
	Message string
	// Line and Col locate the rule or condition when it was read from
	// YAML.
	Line, Col int
}

// String renders the problem with its position when known and its path,
// as "line 12, column 9: rules[0].all[1].op: ...".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", p.Line, p.Col)
	}
	b.WriteString("rules")
	for _, e := range p.Path {
		switch v := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		default:
			fmt.Fprintf(&b, ".%v", v)
		}
	}
	if p.Message == "" {
		return b.String()
	}
	return b.String() + ": " + p.Message
}

// Check reports every problem of rs that does not need the data: names,
// decisions, operators, thresholds, group shapes and comparison names
// (against comps). Columns are checked against the data by Compile.
func Check(rs []Rule, comps []Comparison) []Problem {
	var out []Problem
	names := map[string]int{}
	for i := range rs {
		r := &rs[i]
		at := func(p ...any) []any { return append([]any{i}, p...) }
		switch {
		case r.Name == "":
			out = append(out, Problem{at("name"), "every rule needs a name (it labels the pairs the rule matches)", r.Line, r.Col})
		case names[r.Name] > 0:
			out = append(out, Problem{at("name"), fmt.Sprintf("name %q is already used by rules[%d]; give each rule its own name", r.Name, names[r.Name]-1), r.Line, r.Col})
		default:
			names[r.Name] = i + 1
		}
		switch r.Decision {
		case "", Match, Review:
		default:
			out = append(out, Problem{at("decision"), fmt.Sprintf("decision %q: use match or review", r.Decision), r.Line, r.Col})
		}
		if len(r.All) == 0 && len(r.Any) == 0 {
			out = append(out, Problem{at(), "a rule needs conditions under all: or any:", r.Line, r.Col})
		}
		out = append(out, checkGroup(&r.Group, comps, at())...)
	}
	return out
}

func checkGroup(g *Group, comps []Comparison, path []any) []Problem {
	var out []Problem
	for _, part := range []struct {
		key   string
		conds []Condition
	}{{"all", g.All}, {"any", g.Any}} {
		for k := range part.conds {
			out = append(out, checkCondition(&part.conds[k], comps, append(slices.Clip(path), part.key, k))...)
		}
	}
	return out
}

func checkCondition(c *Condition, comps []Comparison, path []any) []Problem {
	var out []Problem
	add := func(key, format string, args ...any) {
		p := slices.Clip(path)
		if key != "" {
			p = append(p, key)
		}
		out = append(out, Problem{p, fmt.Sprintf(format, args...), c.Line, c.Col})
	}
	if c.IsGroup() {
		if c.Op != "" || c.Comparison != "" || c.Column != "" {
			add("", "a condition either tests a column (op: with comparison: or column:) or groups conditions (all:/any:), not both")
		}
		return append(out, checkGroup(&c.Group, comps, path)...)
	}
	switch {
	case c.Comparison == "" && c.Column == "":
		add("", "name the value to test with comparison: (a comparison's name) or column:")
	case c.Comparison != "" && c.Column != "":
		add("column", "give comparison: or column:, not both")
	case c.Comparison != "":
		if !slices.ContainsFunc(comps, func(k Comparison) bool { return k.Name == c.Comparison }) {
			known := make([]string, len(comps))
			for i, k := range comps {
				known[i] = k.Name
			}
			add("comparison", "unknown comparison %q; the settings compare %s", c.Comparison, strings.Join(known, ", "))
		}
	}
	switch c.Op {
	case "":
		add("", "op: is missing; use %s", opList())
	case JaroWinkler, Jaccard:
		if !(c.Threshold > 0 && c.Threshold <= 1) {
			add("threshold", "%s needs a threshold in (0, 1], got %g", c.Op, c.Threshold)
		}
	case Levenshtein:
		if c.Threshold < 0 || c.Threshold != float64(int(c.Threshold)) {
			add("threshold", "levenshtein needs a whole number of edits as threshold (0 or more), got %g", c.Threshold)
		}
	case Exact, Phone, Email, Website:
		if c.Threshold != 0 {
			add("threshold", "%s takes no threshold", c.Op)
		}
	default:
		add("op", "unknown operator %q; use %s", c.Op, opList())
	}
	if c.Separator != "" && (c.Op == Exact || c.Op == JaroWinkler || c.Op == Levenshtein) {
		add("separator", "separator applies to phone, email, website and jaccard only")
	}
	return out
}

// Leaves calls fn with every condition that tests a column, with its
// path (as in Problem) and the column it reads, comparison names resolved
// through comps ("" for an unknown comparison).
func Leaves(rs []Rule, comps []Comparison, fn func(path []any, c *Condition, column string)) {
	var walk func(g *Group, path []any)
	walk = func(g *Group, path []any) {
		for _, part := range []struct {
			key   string
			conds []Condition
		}{{"all", g.All}, {"any", g.Any}} {
			for k := range part.conds {
				c := &part.conds[k]
				p := append(slices.Clip(path), part.key, k)
				if c.IsGroup() {
					walk(&c.Group, p)
					continue
				}
				col := c.Column
				if c.Comparison != "" {
					col = ""
					if i := slices.IndexFunc(comps, func(k Comparison) bool { return k.Name == c.Comparison }); i >= 0 {
						col = comps[i].Column
					}
				}
				fn(p, c, col)
			}
		}
	}
	for i := range rs {
		walk(&rs[i].Group, []any{i})
	}
}
