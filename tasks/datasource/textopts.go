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

// DateFormat is the `date_format` option: one layout for every column, or a
// map from column name to layout.
type DateFormat struct {
	All     string
	Columns map[string]string
}

// UnmarshalYAML accepts a string or a mapping of strings.
func (d *DateFormat) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		d.All = n.Value
		return nil
	case yaml.MappingNode:
		return n.Decode(&d.Columns)
	}
	return fmt.Errorf("date_format must be a layout or a map from column to layout")
}

// IsZero reports whether the option was not given.
func (d DateFormat) IsZero() bool { return d.All == "" && len(d.Columns) == 0 }

// locale returns the number and date conventions the config declares.
func (c *Config) locale() (locale.Options, error) {
	o := locale.Options{Decimal: c.Decimal, Thousands: unescape(c.Thousands), DayFirst: c.DayFirst,
		DateFormat: c.DateFormat.All, DateFormats: c.DateFormat.Columns}
	o, err := o.WithLocale(c.Locale)
	if err != nil {
		return o, err
	}
	return o, o.Check()
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
