// Package policy is a profile's `compliance:` block: how each field is
// classified, on which lawful basis it is processed, whether it needs the
// data subject's consent, how long it is kept, and which redaction
// operator each destination (SSOT outputs, logs and run records, Label
// Studio tasks, the review UI, HTML reports) applies to it.
//
// The names follow POPIA (the Protection of Personal Information Act):
// the lawful bases are the grounds of its section 11.
package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Classifications, from least to most protected.
const (
	Public       = "public"
	Internal     = "internal"
	Confidential = "confidential"
	PII          = "pii"
	SensitivePII = "sensitive_pii"
)

// Classifications lists the classifications in order.
var Classifications = []string{Public, Internal, Confidential, PII, SensitivePII}

// LawfulBases are the grounds for processing personal information (POPIA
// section 11(1)).
var LawfulBases = []string{"consent", "contract", "legal_obligation", "vital_interests", "public_interest", "legitimate_interest"}

// Operators.
const (
	Keep       = "keep"
	Mask       = "mask"
	Hash       = "hash"
	Drop       = "drop"
	Generalise = "generalise"
)

// Operators lists the redaction operators.
var Operators = []string{Keep, Mask, Hash, Drop, Generalise}

// Destinations.
const (
	SSOT        = "ssot"
	Logs        = "logs"
	LabelStudio = "labelstudio"
	Review      = "review"
	Reports     = "reports"
)

// Destinations lists where data goes, each with its own operator.
var Destinations = []string{SSOT, Logs, LabelStudio, Review, Reports}

// On violation.
const (
	OnViolationFail = "fail"
	OnViolationWarn = "warn"
)

// Consent actions for a record whose consent is denied.
const (
	RemoveFields = "remove_fields"
	DropRecord   = "drop_record"
)

// Retention actions for an expired record.
const (
	RetentionDrop = "drop"
	RetentionFlag = "flag"
)

// DefaultRetentionColumn is the date retention counts from.
const DefaultRetentionColumn = "last_interaction_date"

// Policy is the `compliance:` block of a profile.
type Policy struct {
	// Version names this policy in the audit trail and reports.
	Version string `yaml:"version"`
	// OnViolation is fail (the run fails with exit code 3) or warn.
	OnViolation string `yaml:"policy"`
	// HMACKeyEnv names the environment variable holding the hash key.
	HMACKeyEnv string `yaml:"hmac_key_env"`
	// Consent says where each record's consent status is and what its
	// values mean.
	Consent *Consent `yaml:"consent"`
	// Retention keeps records only so many days after the date column.
	Retention *Retention `yaml:"retention"`
	// Fields are the columns of the refined table the policy covers.
	Fields map[string]Field `yaml:"fields"`
	// Erasure holds the suppression list of erased people.
	Erasure *Erasure `yaml:"erasure"`
}

// Consent describes the consent status column.
type Consent struct {
	Column   string   `yaml:"column"`
	Granted  []string `yaml:"granted"`
	Pending  []string `yaml:"pending"`
	Denied   []string `yaml:"denied"`
	OnDenied string   `yaml:"on_denied"`
}

// Retention describes record retention.
type Retention struct {
	Column string `yaml:"column"`
	Days   int    `yaml:"days"`
	Action string `yaml:"action"`
}

// Erasure names the suppression list that `hotpass privacy erase` keeps.
type Erasure struct {
	SuppressionList string `yaml:"suppression_list"`
}

// Field is the policy of one column.
type Field struct {
	Classification  string `yaml:"classification"`
	LawfulBasis     string `yaml:"lawful_basis"`
	ConsentRequired bool   `yaml:"consent_required"`
	// RetentionDays overrides the record retention for this field: past
	// it the field is cleared while the record stays.
	RetentionDays int `yaml:"retention_days"`
	// Operator applies at every destination without its own.
	Operator     string            `yaml:"operator"`
	Destinations map[string]string `yaml:"destinations"`
}

// Problem is one thing wrong with a policy, at a path of keys and indexes
// inside the block.
type Problem struct {
	Path    []any
	Message string
}

// Check reports what is wrong with p.
func (p *Policy) Check() []Problem {
	if p == nil {
		return nil
	}
	var out []Problem
	add := func(path []any, format string, args ...any) {
		out = append(out, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	oneOf := func(path []any, what, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			add(path, "unknown %s %q; use one of: %s", what, v, strings.Join(allowed, ", "))
		}
	}
	oneOf([]any{"policy"}, "violation policy", p.OnViolation, []string{OnViolationFail, OnViolationWarn})
	for _, name := range p.FieldNames() {
		f := p.Fields[name]
		base := []any{"fields", name}
		if f.Classification == "" {
			add(base, "field %q has no classification; use one of: %s", name, strings.Join(Classifications, ", "))
		}
		oneOf(append(base, "classification"), "classification", f.Classification, Classifications)
		oneOf(append(base, "lawful_basis"), "lawful basis", f.LawfulBasis, LawfulBases)
		oneOf(append(base, "operator"), "operator", f.Operator, Operators)
		for _, d := range sortedKeys(f.Destinations) {
			if !slices.Contains(Destinations, d) {
				add(append(base, "destinations", d), "unknown destination %q; use one of: %s", d, strings.Join(Destinations, ", "))
				continue
			}
			oneOf(append(base, "destinations", d), "operator", f.Destinations[d], Operators)
		}
		if f.ConsentRequired && p.Consent == nil {
			add(append(base, "consent_required"), "field %q requires consent but the policy has no consent: block naming the consent status column", name)
		}
		if f.RetentionDays < 0 {
			add(append(base, "retention_days"), "retention_days must be positive")
		}
	}
	if p.UsesHash() && p.HMACKeyEnv == "" {
		add([]any{"hmac_key_env"}, "the hash operator needs hmac_key_env: the environment variable holding the HMAC key")
	}
	if c := p.Consent; c != nil {
		if c.Column == "" {
			add([]any{"consent", "column"}, "consent needs the column holding each record's consent status")
		}
		if len(c.Granted) == 0 {
			add([]any{"consent", "granted"}, "consent needs the status values that mean granted")
		}
		oneOf([]any{"consent", "on_denied"}, "consent action", c.OnDenied, []string{RemoveFields, DropRecord})
		seen := map[string]string{}
		for _, l := range []struct {
			key  string
			vals []string
		}{{"granted", c.Granted}, {"pending", c.Pending}, {"denied", c.Denied}} {
			for i, v := range l.vals {
				k := strings.ToLower(strings.TrimSpace(v))
				if prev, dup := seen[k]; dup {
					add([]any{"consent", l.key, i}, "consent value %q is already listed under %s", v, prev)
				}
				seen[k] = l.key
			}
		}
	}
	if r := p.Retention; r != nil {
		if r.Days <= 0 {
			add([]any{"retention", "days"}, "retention days must be positive")
		}
		oneOf([]any{"retention", "action"}, "retention action", r.Action, []string{RetentionDrop, RetentionFlag})
	}
	return out
}

// FieldNames returns the policy's fields, sorted.
func (p *Policy) FieldNames() []string { return sortedKeys(p.Fields) }

// UsesHash reports whether any field is hashed at any destination.
func (p *Policy) UsesHash() bool {
	for _, f := range p.Fields {
		if f.Operator == Hash {
			return true
		}
		for _, op := range f.Destinations {
			if op == Hash {
				return true
			}
		}
	}
	return false
}

// Operator returns the operator field applies at dest: the destination's
// own, else the field's, else mask for personal data and keep for the
// rest.
func (p *Policy) Operator(field, dest string) string {
	f, ok := p.Fields[field]
	if !ok {
		return Keep
	}
	if op := f.Destinations[dest]; op != "" {
		return op
	}
	if f.Operator != "" {
		return f.Operator
	}
	if f.Classification == PII || f.Classification == SensitivePII {
		return Mask
	}
	return Keep
}

// OperatorsFor returns the operator of every policy field at dest.
func (p *Policy) OperatorsFor(dest string) map[string]string {
	out := make(map[string]string, len(p.Fields))
	for name := range p.Fields {
		out[name] = p.Operator(name, dest)
	}
	return out
}

// ViolationPolicy is OnViolation with its default, warn.
func (p *Policy) ViolationPolicy() string {
	if p.OnViolation == "" {
		return OnViolationWarn
	}
	return p.OnViolation
}

// ConsentStatus is what a record's consent value means.
type ConsentStatus int

// Consent statuses.
const (
	ConsentUnknown ConsentStatus = iota
	ConsentGranted
	ConsentPending
	ConsentDenied
)

// Status classifies a consent value; blank values and values the policy
// does not list are unknown.
func (c *Consent) Status(v string) ConsentStatus {
	k := strings.TrimSpace(v)
	for _, l := range []struct {
		vals []string
		s    ConsentStatus
	}{{c.Granted, ConsentGranted}, {c.Pending, ConsentPending}, {c.Denied, ConsentDenied}} {
		for _, x := range l.vals {
			if strings.EqualFold(strings.TrimSpace(x), k) {
				return l.s
			}
		}
	}
	return ConsentUnknown
}

// DeniedAction is OnDenied with its default, remove_fields.
func (c *Consent) DeniedAction() string {
	if c.OnDenied == "" {
		return RemoveFields
	}
	return c.OnDenied
}

// DateColumn is the retention column with its default.
func (r *Retention) DateColumn() string {
	if r.Column == "" {
		return DefaultRetentionColumn
	}
	return r.Column
}

// ExpiredAction is Action with its default, flag.
func (r *Retention) ExpiredAction() string {
	if r.Action == "" {
		return RetentionFlag
	}
	return r.Action
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
