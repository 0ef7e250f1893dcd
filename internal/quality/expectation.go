// Package quality checks tables against expectations (not_null, unique,
// regex, in_set, between, max_length, each allowed to hold for only a
// share of rows) and renders the results as JSON and as a self-contained
// HTML report.
package quality

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/hotpass/hotpass/exitcode"
)

// ErrExpectationsFailed is wrapped by the error of a validation that failed
// under the fail policy. It carries exit status 3 (exitcode.DataInvalid),
// which a run whose only failures are such validations ends with.
var ErrExpectationsFailed = exitcode.New(exitcode.DataInvalid, "data expectations failed")

// The expectation kinds.
const (
	NotNull   = "not_null"
	Unique    = "unique"
	Regex     = "regex"
	InSet     = "in_set"
	Between   = "between"
	MaxLength = "max_length"
)

// Kinds lists the expectation kinds, for messages and schemas.
var Kinds = []string{NotNull, Unique, Regex, InSet, Between, MaxLength}

// Expectation is one rule about a column. Only the options of its kind
// apply: Pattern for regex, Values for in_set, Min/Max for between (either
// may be left out), Max for max_length (in characters).
//
// Null values pass every kind except not_null: "this column, when given,
// looks like an email" and "this column is given" are separate rules.
type Expectation struct {
	// Name labels the expectation in reports; default "<expect>(<column>)".
	Name   string   `yaml:"name,omitempty" json:"name,omitempty"`
	Expect string   `yaml:"expect" json:"expect" hotpass:"required" enum:"not_null|unique|regex|in_set|between|max_length"`
	Column string   `yaml:"column" json:"column" hotpass:"required"`
	Mostly *float64 `yaml:"mostly,omitempty" json:"mostly,omitempty" min:"0" max:"1" doc:"Share of rows that must pass; default 1."`

	Pattern string   `yaml:"pattern,omitempty" json:"pattern,omitempty"`
	Values  []string `yaml:"values,omitempty" json:"values,omitempty"`
	Min     *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max     *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	// IgnoreCase makes in_set and regex compare without regard to case.
	IgnoreCase bool `yaml:"ignore_case,omitempty" json:"ignore_case,omitempty"`

	// Where is where the expectation was written (file:line:col), for
	// messages; it is set by whoever loads it.
	Where string `yaml:"-" json:"where,omitempty"`
}

// Label returns Name or a generated label.
func (e *Expectation) Label() string {
	if e.Name != "" {
		return e.Name
	}
	return e.Expect + "(" + e.Column + ")"
}

// Threshold returns the share of rows that must pass: Mostly, default 1.
func (e *Expectation) Threshold() float64 {
	if e.Mostly == nil {
		return 1
	}
	return *e.Mostly
}

// Check reports what is wrong with the expectation itself, one problem
// per entry, each naming the option to fix.
func (e *Expectation) Check() []string {
	var out []string
	known := false
	for _, k := range Kinds {
		if e.Expect == k {
			known = true
		}
	}
	if !known {
		out = append(out, fmt.Sprintf("expect: unknown kind %q; use one of %s", e.Expect, strings.Join(Kinds, ", ")))
	}
	if strings.TrimSpace(e.Column) == "" {
		out = append(out, "column: name the column the expectation is about")
	}
	if e.Mostly != nil && (*e.Mostly < 0 || *e.Mostly > 1 || math.IsNaN(*e.Mostly)) {
		out = append(out, fmt.Sprintf("mostly: %v is not a share between 0 and 1", *e.Mostly))
	}
	switch e.Expect {
	case Regex:
		if e.Pattern == "" {
			out = append(out, "pattern: regex needs a pattern")
		} else if _, err := regexp.Compile(e.Pattern); err != nil {
			out = append(out, fmt.Sprintf("pattern: %v", err))
		}
	case InSet:
		if len(e.Values) == 0 {
			out = append(out, "values: in_set needs a list of allowed values")
		}
	case Between:
		if e.Min == nil && e.Max == nil {
			out = append(out, "min/max: between needs min, max or both")
		}
		if e.Min != nil && e.Max != nil && *e.Min > *e.Max {
			out = append(out, fmt.Sprintf("min: %v is greater than max %v", *e.Min, *e.Max))
		}
	case MaxLength:
		if e.Max == nil || *e.Max < 0 {
			out = append(out, "max: max_length needs max, a number of characters")
		}
	}
	return out
}
