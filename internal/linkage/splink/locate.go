package splink

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// lines holds where in the model file each blocking rule and each level's
// sql_condition stand, so errors can name the line; 0 where unknown.
type lines struct {
	rules  []int
	levels [][]int
}

// locate reads the positions of the SQL texts of a model file (JSON is
// YAML, so one parser serves both).
func locate(data []byte) lines {
	var doc yaml.Node
	var out lines
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return out
	}
	root := doc.Content[0]
	if rules := value(root, "blocking_rules_to_generate_predictions"); rules != nil {
		for _, r := range rules.Content {
			if r.Kind == yaml.MappingNode {
				if v := value(r, "blocking_rule"); v != nil {
					r = v
				}
			}
			out.rules = append(out.rules, r.Line)
		}
	}
	if comps := value(root, "comparisons"); comps != nil {
		for _, c := range comps.Content {
			var ls []int
			if levels := value(c, "comparison_levels"); levels != nil {
				for _, l := range levels.Content {
					line := l.Line
					if v := value(l, "sql_condition"); v != nil {
						line = v.Line
					}
					ls = append(ls, line)
				}
			}
			out.levels = append(out.levels, ls)
		}
	}
	return out
}

// value returns the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value == key {
			return m.Content[k+1]
		}
	}
	return nil
}

func (ls lines) rule(i int) int {
	if i < len(ls.rules) {
		return ls.rules[i]
	}
	return 0
}

func (ls lines) level(c, l int) int {
	if c < len(ls.levels) && l < len(ls.levels[c]) {
		return ls.levels[c][l]
	}
	return 0
}

// at prefixes a place in the file with its line, when known.
func at(line int, place string) string {
	if line == 0 {
		return place
	}
	return "line " + strconv.Itoa(line) + ": " + place
}
