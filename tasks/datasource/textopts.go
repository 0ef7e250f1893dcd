package datasource

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hotpass/hotpass/internal/table/locale"
)

// Header is the `header` option: "true", "false" or "auto" ("" when not
// given, which means true). It reads a YAML boolean or one of those words,
// so that a templated value works too.
type Header string

// Header values.
const (
	HeaderOn   Header = "true"
	HeaderOff  Header = "false"
	HeaderAuto Header = "auto"
)

// UnmarshalYAML accepts true, false or auto.
func (h *Header) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("header must be true, false or auto")
	}
	switch v := Header(strings.ToLower(strings.TrimSpace(n.Value))); v {
	case HeaderOn, HeaderOff, HeaderAuto:
		*h = v
	case "":
	default:
		return fmt.Errorf("header must be true, false or auto, not %q", n.Value)
	}
	return nil
}

// JSONSchema offers the booleans and auto.
func (Header) JSONSchema() map[string]any { return map[string]any{"enum": []any{true, false, "auto"}} }

// DateFormat is the `date_format` option: one layout for every column, or a
// map from column name to layout.
type DateFormat = locale.DateFormat

// locale returns the number and date conventions the config declares.
func (c *Config) locale() (locale.Options, error) {
	return locale.Declared(c.Locale, c.Decimal, unescape(c.Thousands), c.DayFirst, c.DateFormat)
}

// localeProblems reports bad locale options, each against its own option.
func (c *Config) localeProblems() []Problem {
	var ps []Problem
	if c.Locale != "" {
		if _, err := (locale.Options{}).WithLocale(c.Locale); err != nil {
			ps = append(ps, Problem{Option: "locale", Msg: err.Error()})
		}
	}
	for _, o := range []struct {
		name string
		opts locale.Options
	}{
		{"decimal", locale.Options{Decimal: c.Decimal}},
		{"thousands", locale.Options{Thousands: unescape(c.Thousands)}},
		{"date_format", locale.Options{DateFormat: c.DateFormat.All, DateFormats: c.DateFormat.Columns}},
	} {
		if err := o.opts.Check(); err != nil {
			ps = append(ps, Problem{Option: o.name, Msg: err.Error()})
		}
	}
	if len(ps) == 0 {
		if _, err := c.locale(); err != nil {
			ps = append(ps, Problem{Option: "thousands", Msg: err.Error()})
		}
	}
	return ps
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
