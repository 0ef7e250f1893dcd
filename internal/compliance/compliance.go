// Package compliance enforces a profile's POPIA policy on a table: it
// finds the personal data in it, removes what consent does not allow,
// applies retention, flags people who asked to be erased, applies the
// redaction operator of the SSOT destination, and reports all of it
// (what was found where, on which lawful basis, which operator went
// where, and the consent and retention counts) without any raw value.
//
// The detectors are in package detect, the policy in package policy, the
// operators in package operator; the audit trail and erasure are in the
// audit and erase packages.
package compliance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotpass/hotpass/exitcode"
	"github.com/hotpass/hotpass/internal/compliance/detect"
	"github.com/hotpass/hotpass/internal/compliance/operator"
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

// ErrViolations is wrapped by the error of an enforcement that found
// violations under `policy: fail`; it carries exit status 3.
var ErrViolations = exitcode.New(exitcode.DataInvalid, "compliance violations")

// FlagsColumn is added to the output when any record is flagged: the
// flags of each record, comma separated.
const FlagsColumn = "compliance_flags"

// Flags a record can carry.
const (
	FlagConsentPending  = "consent_pending"
	FlagConsentUnknown  = "consent_unknown"
	FlagRetentionExpiry = "retention_expired"
	FlagSuppressed      = "erased_person"
)

// Options adjust Enforce.
type Options struct {
	// Key is the HMAC key of the hash operator (see operator.Key).
	Key []byte
	// Now is the time retention counts to; zero means time.Now.
	Now time.Time
	// Suppressed holds the hashed identifiers of erased people.
	Suppressed *Suppression
	// Scan finds personal data in the columns the policy classifies as
	// personal and in those it does not mention.
	Scan bool
}

// Result is what Enforce did.
type Result struct {
	// Table is the input after consent, retention and the SSOT operators.
	Table *table.Table
	// Report describes the run for auditors; it holds no raw value.
	Report *Report
	// Personal are the raw values of the columns whose logs operator is
	// not keep, for masking in logs and run records.
	Personal []string
}

// Enforce applies p to t.
func Enforce(t *table.Table, p *policy.Policy, o Options) (*Result, error) {
	if p == nil {
		return nil, errors.New("no compliance policy: add a compliance: block to the profile")
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep := newReport(t, p)
	known := t.Schema().Names()
	for _, name := range p.FieldNames() {
		if !slices.Contains(known, name) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("compliance.fields.%s: the table has no column %q; its columns: %s", name, name, strings.Join(known, ", ")))
		}
	}
	if o.Scan {
		rep.Findings = scan(t, p)
	}
	n := t.NumRows()
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	flags := make([][]string, n)
	// clear[col] lists the rows whose value in col is removed.
	clear := map[string][]int{}
	if c := p.Consent; c != nil {
		consent(t, p, c, keep, flags, clear, rep)
	}
	if r := p.Retention; r != nil {
		if err := retention(t, r, now, keep, flags, rep); err != nil {
			return nil, err
		}
	}
	fieldRetention(t, p, now, keep, clear, rep)
	if o.Suppressed != nil && o.Suppressed.Len() > 0 {
		for r := 0; r < n; r++ {
			if keep[r] && o.Suppressed.Matches(t, r) {
				flags[r] = append(flags[r], FlagSuppressed)
				rep.Erasure.Flagged++
				rep.Violations.Suppressed++
				rep.addRow(&rep.Erasure.Rows, r)
			}
		}
	}
	out, err := rebuild(t, keep, clear, flags)
	if err != nil {
		return nil, err
	}
	rep.RowsOut = out.NumRows()
	personal := personalValues(out, p)
	out, err = operator.New(o.Key).Table(out, p.OperatorsFor(policy.SSOT))
	if err != nil {
		return nil, err
	}
	rep.Violations.Total = rep.Violations.ConsentPending + rep.Violations.ConsentUnknown + rep.Violations.RetentionExpired + rep.Violations.Suppressed
	return &Result{Table: out, Report: rep, Personal: personal}, nil
}

// scan finds personal data in the columns classified as personal and in
// those the policy does not mention; public, internal and confidential
// columns are the policy's word already.
func scan(t *table.Table, p *policy.Policy) []detect.ColumnSummary {
	var cols []string
	for _, name := range t.Schema().Names() {
		f, ok := p.Fields[name]
		if !ok || f.Classification == policy.PII || f.Classification == policy.SensitivePII {
			cols = append(cols, name)
		}
	}
	if len(cols) == 0 {
		return nil
	}
	return detect.Summarise(detect.New().Table(t, detect.TableOptions{Columns: cols}))
}

func consent(t *table.Table, p *policy.Policy, c *policy.Consent, keep []bool, flags [][]string, clear map[string][]int, rep *Report) {
	ci, ok := t.Schema().Index(c.Column)
	if !ok {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("compliance.consent.column: the table has no column %q, so consent is not checked; its columns: %s",
			c.Column, strings.Join(t.Schema().Names(), ", ")))
		return
	}
	col := t.Column(ci)
	var required []string
	for _, name := range p.FieldNames() {
		if p.Fields[name].ConsentRequired {
			if _, ok := t.Schema().Index(name); ok {
				required = append(required, name)
			}
		}
	}
	for r := 0; r < t.NumRows(); r++ {
		v := ""
		if !col.IsNull(r) {
			v = col.Format(r)
		}
		switch c.Status(v) {
		case policy.ConsentGranted:
			rep.Consent.Granted++
		case policy.ConsentPending:
			rep.Consent.Pending++
			rep.Violations.ConsentPending++
			flags[r] = append(flags[r], FlagConsentPending)
		case policy.ConsentDenied:
			rep.Consent.Denied++
			if c.DeniedAction() == policy.DropRecord {
				keep[r] = false
				rep.Consent.RecordsDropped++
				continue
			}
			for _, name := range required {
				clear[name] = append(clear[name], r)
			}
			rep.Consent.FieldsRemoved += len(required)
		default:
			if strings.TrimSpace(v) == "" {
				rep.Consent.Missing++
			} else {
				rep.Consent.Unexpected++
				rep.addRow(&rep.Consent.UnexpectedRows, r)
			}
			rep.Violations.ConsentUnknown++
			flags[r] = append(flags[r], FlagConsentUnknown)
		}
	}
	if n := rep.Consent.Unexpected; n > 0 {
		rows := make([]string, len(rep.Consent.UnexpectedRows))
		for i, r := range rep.Consent.UnexpectedRows {
			rows[i] = fmt.Sprint(r)
		}
		more := ""
		if n > len(rows) {
			more = fmt.Sprintf(" and %d more", n-len(rows))
		}
		known := append(append(append([]string(nil), c.Granted...), c.Pending...), c.Denied...)
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("compliance.consent.column: %d values of %q are none of the policy's (%s), at rows %s%s; add them to granted, pending or denied, or correct the data",
			n, c.Column, strings.Join(known, ", "), strings.Join(rows, ", "), more))
	}
}

// dayOf returns the day (days since the epoch) of row r of a date,
// timestamp or text column.
func dayOf(c *table.Column, r int) (int32, bool) {
	if c.IsNull(r) {
		return 0, false
	}
	switch c.Type() {
	case table.Date:
		return c.Dates()[r], true
	case table.Timestamp:
		return table.TimeToDate(table.TimestampToTime(c.Timestamps()[r])), true
	case table.String:
		s := strings.TrimSpace(c.Strings()[r])
		if len(s) >= 10 {
			if tm, err := time.Parse(time.DateOnly, s[:10]); err == nil {
				return table.TimeToDate(tm), true
			}
		}
	}
	return 0, false
}

func retention(t *table.Table, r *policy.Retention, now time.Time, keep []bool, flags [][]string, rep *Report) error {
	ci, ok := t.Schema().Index(r.DateColumn())
	if !ok {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("compliance.retention.column: the table has no column %q, so retention is not checked; its columns: %s",
			r.DateColumn(), strings.Join(t.Schema().Names(), ", ")))
		return nil
	}
	col := t.Column(ci)
	cutoff := table.TimeToDate(now) - int32(r.Days)
	for i := 0; i < t.NumRows(); i++ {
		if !keep[i] {
			continue
		}
		d, ok := dayOf(col, i)
		if !ok {
			rep.Retention.NoDate++
			continue
		}
		if d >= cutoff {
			rep.Retention.Current++
			continue
		}
		rep.Retention.Expired++
		if r.ExpiredAction() == policy.RetentionDrop {
			keep[i] = false
			rep.Retention.Dropped++
			continue
		}
		rep.Violations.RetentionExpired++
		flags[i] = append(flags[i], FlagRetentionExpiry)
		rep.addRow(&rep.Retention.ExpiredRows, i)
	}
	return nil
}

// fieldRetention clears fields past their own retention_days.
func fieldRetention(t *table.Table, p *policy.Policy, now time.Time, keep []bool, clear map[string][]int, rep *Report) {
	dateCol := policy.DefaultRetentionColumn
	if p.Retention != nil {
		dateCol = p.Retention.DateColumn()
	}
	ci, ok := t.Schema().Index(dateCol)
	if !ok {
		return
	}
	col := t.Column(ci)
	for _, name := range p.FieldNames() {
		days := p.Fields[name].RetentionDays
		if days <= 0 {
			continue
		}
		if _, ok := t.Schema().Index(name); !ok {
			continue
		}
		cutoff := table.TimeToDate(now) - int32(days)
		for i := 0; i < t.NumRows(); i++ {
			if d, ok := dayOf(col, i); ok && keep[i] && d < cutoff {
				clear[name] = append(clear[name], i)
				rep.Retention.FieldsCleared++
			}
		}
	}
}

// rebuild keeps the rows marked, nulls the cleared cells, and adds the
// flags column when any kept row is flagged.
func rebuild(t *table.Table, keep []bool, clear map[string][]int, flags [][]string) (*table.Table, error) {
	n := 0
	flagged := false
	for r, k := range keep {
		if k {
			n++
			flagged = flagged || len(flags[r]) > 0
		}
	}
	if n == t.NumRows() && len(clear) == 0 && !flagged {
		return t, nil
	}
	fields := t.Schema().Fields()
	cols := make([]*table.Column, 0, len(fields)+1)
	for i, f := range fields {
		src := t.Column(i)
		cleared := map[int]bool{}
		for _, r := range clear[f.Name] {
			cleared[r] = true
		}
		b := table.NewColumnBuilder(f.Type, n)
		for r := 0; r < t.NumRows(); r++ {
			if !keep[r] {
				continue
			}
			if cleared[r] {
				b.AppendNull()
				continue
			}
			b.AppendFrom(src, r)
		}
		cols = append(cols, b.Build())
	}
	if flagged {
		if _, dup := t.Schema().Index(FlagsColumn); !dup {
			b := table.NewColumnBuilder(table.String, n)
			for r := 0; r < t.NumRows(); r++ {
				if !keep[r] {
					continue
				}
				if len(flags[r]) == 0 {
					b.AppendNull()
				} else {
					b.AppendString(strings.Join(flags[r], ","))
				}
			}
			fields = append(fields, table.Field{Name: FlagsColumn, Type: table.String})
			cols = append(cols, b.Build())
		}
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	return table.New(schema, cols)
}

// personalValues returns the values of the columns whose logs operator is
// not keep.
func personalValues(t *table.Table, p *policy.Policy) []string {
	var out []string
	for name, op := range p.OperatorsFor(policy.Logs) {
		if op == policy.Keep {
			continue
		}
		i, ok := t.Schema().Index(name)
		if !ok || t.Column(i).Type() != table.String {
			continue
		}
		c := t.Column(i)
		for r := 0; r < c.Len(); r++ {
			if !c.IsNull(r) {
				out = append(out, c.Strings()[r])
			}
		}
	}
	return out
}
