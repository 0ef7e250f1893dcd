package locale

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// DateFormat is the `date_format` option as written: one layout for every
// column, or a map from column name to layout.
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

// Declared returns the conventions the `locale`, `decimal`, `thousands`,
// `day_first` and `date_format` options declare: the locale fills what the
// others leave unset. A bad value is an error naming what to write.
func Declared(name, decimal, thousands string, dayFirst *bool, df DateFormat) (Options, error) {
	o := Options{Decimal: decimal, Thousands: thousands, DayFirst: dayFirst, DateFormat: df.All, DateFormats: df.Columns}
	o, err := o.WithLocale(name)
	if err != nil {
		return o, err
	}
	return o, o.Check()
}
