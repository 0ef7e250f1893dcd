package specs

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Constraints limit the values a param accepts. They are checked on the
// default when the spec loads and on every value given for a run (command
// line, API, deployment, schedule, backfill) before the run is created.
type Constraints struct {
	// Enum lists the accepted values, typed like the param's values (for a
	// list param, like its items: strings).
	Enum []any
	// Pattern must match the whole value (each item of a list); Source is
	// the pattern as written.
	Pattern       *regexp.Regexp
	PatternSource string
	// Min and Max bound integer and number params.
	Min, Max *float64
	// MaxLength bounds a string, or each item of a list, in characters;
	// 0 means no limit.
	MaxLength int
}

// Constrained reports whether the value is limited to a known set or
// shape (enum or pattern), rather than any text of bounded length.
func (c *Constraints) Constrained() bool { return len(c.Enum) > 0 || c.Pattern != nil }

// ParamError is a value that a param cannot take, or a param that is
// unknown or missing. It wraps ErrInvalid.
type ParamError struct {
	Name string // the param
	Msg  string // why, e.g. `must be one of za, us; got "uk"`
	// Unknown says the spec declares no param of this name; Msg then
	// holds the hint.
	Unknown bool
}

func (e *ParamError) Error() string {
	switch {
	case e.Unknown:
		return fmt.Sprintf("unknown param %q%s", e.Name, e.Msg)
	case strings.HasPrefix(e.Msg, "is "):
		return fmt.Sprintf("param %q %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("param %q: %s", e.Name, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ParamError) Unwrap() error { return ErrInvalid }

// CheckValue reports why v, a value of the param's type, breaks one of its
// constraints, or returns "".
func (p *Param) CheckValue(v any) string {
	if items, ok := v.([]string); ok {
		for i, it := range items {
			if why := p.checkOne(it); why != "" {
				return fmt.Sprintf("item %d: %s", i+1, why)
			}
		}
		return ""
	}
	return p.checkOne(v)
}

func (p *Param) checkOne(v any) string {
	c := &p.Constraints
	if len(c.Enum) > 0 && !slices.ContainsFunc(c.Enum, func(e any) bool { return e == v }) {
		return fmt.Sprintf("must be one of %s; got %s", listValues(c.Enum), showValue(v))
	}
	switch x := v.(type) {
	case string:
		if c.MaxLength > 0 {
			if n := utf8.RuneCountInString(x); n > c.MaxLength {
				return fmt.Sprintf("must be at most %d characters long; got %d", c.MaxLength, n)
			}
		}
		if c.Pattern != nil && !c.Pattern.MatchString(x) {
			return fmt.Sprintf("must match the pattern %s; got %s", strconv.Quote(c.PatternSource), showValue(x))
		}
	case int64:
		return checkRange(c, float64(x), strconv.FormatInt(x, 10))
	case float64:
		return checkRange(c, x, strconv.FormatFloat(x, 'f', -1, 64))
	}
	return ""
}

func checkRange(c *Constraints, f float64, text string) string {
	if c.Min != nil && f < *c.Min {
		return fmt.Sprintf("must be at least %s; got %s", formatNumber(*c.Min), text)
	}
	if c.Max != nil && f > *c.Max {
		return fmt.Sprintf("must be at most %s; got %s", formatNumber(*c.Max), text)
	}
	return ""
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// showValue quotes a string value for a message, cut so that a huge value
// does not make a huge message.
func showValue(v any) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	const max = 80
	if len(s) > max {
		return strconv.Quote(strings.ToValidUTF8(s[:max], "")) + "..."
	}
	return strconv.Quote(s)
}

func listValues(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = showValue(v)
	}
	return strings.Join(parts, ", ")
}

// constraints decodes a param's enum, pattern, min, max and max_length,
// reporting each one that does not fit the param's type at its position.
func (d *decoder) constraints(p *Param, nodes map[string]*yaml.Node) {
	c := &p.Constraints
	keyErr := func(key, format string, args ...any) *Diagnostic {
		return d.errorf(nodes[key], "param %q: %s: "+format, append([]any{p.Name, key}, args...)...)
	}
	var enumNodes []*yaml.Node
	itemType := p.Type
	if itemType == ParamList {
		itemType = ParamString
	}
	if n := nodes["enum"]; n != nil {
		switch p.Type {
		case ParamBoolean:
			keyErr("enum", "a boolean param takes no enum").Hint = "remove it"
		default:
			for _, it := range deref(n).Content {
				v, err := ConvertParamNode(itemType, it)
				if err != nil {
					d.errorf(it, "param %q: enum value %s", p.Name, err)
					continue
				}
				c.Enum = append(c.Enum, v)
				enumNodes = append(enumNodes, it)
			}
		}
	}
	if n := nodes["pattern"]; n != nil {
		switch p.Type {
		case ParamString, ParamDate, ParamList:
			re, err := regexp.Compile(`^(?:` + n.Value + `)$`)
			if err != nil {
				d.errorf(n, "param %q: pattern is not a valid RE2 regular expression: %s", p.Name, strings.TrimPrefix(err.Error(), "error parsing regexp: ")).
					Hint = "see https://github.com/google/re2/wiki/Syntax"
			} else {
				c.Pattern, c.PatternSource = re, n.Value
			}
		default:
			keyErr("pattern", "only string, date and list params take a pattern").Hint = "use min and max for numbers"
		}
	}
	for _, key := range []string{"min", "max"} {
		n := nodes[key]
		if n == nil {
			continue
		}
		if p.Type != ParamInteger && p.Type != ParamNumber {
			keyErr(key, "only integer and number params take %s", key).Hint = "use max_length, enum or pattern for text"
			continue
		}
		f, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			keyErr(key, "must be a number, got %s", nodeKindName(n))
			continue
		}
		if key == "min" {
			c.Min = &f
		} else {
			c.Max = &f
		}
	}
	if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
		keyErr("max", "%s is less than min %s", formatNumber(*c.Max), formatNumber(*c.Min)).Hint = "swap them"
	}
	if n := nodes["max_length"]; n != nil {
		if p.Type != ParamString && p.Type != ParamList {
			keyErr("max_length", "only string and list params take max_length").Hint = "use min and max for numbers"
		} else {
			c.MaxLength = d.int(n)
		}
	}
	for i, e := range c.Enum {
		if why := p.checkOne(e); why != "" {
			d.errorf(enumNodes[i], "param %q: enum value %s", p.Name, why)
		}
	}
}
