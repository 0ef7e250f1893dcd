package operator

import "github.com/hotpass/hotpass/internal/compliance/policy"

// Destination applies one destination's operators (Label Studio tasks,
// the review UI, HTML reports) to single values, by column. It is safe
// for concurrent use.
type Destination struct {
	a   *Applier
	ops map[string]string
}

// ForDestination returns the masker of dest under p; a nil policy gives a
// nil Destination, which keeps every value.
func (a *Applier) ForDestination(p *policy.Policy, dest string) *Destination {
	if p == nil {
		return nil
	}
	return &Destination{a: a, ops: p.OperatorsFor(dest)}
}

// Field returns v as the destination may see it in column name: the
// column's operator applied, "" when it drops the value. A column the
// policy does not name may still hold personal data the policy has not
// classified, so the identifiers found in it are masked (MaskFound) and
// the rest is left; destinations often name columns after the table's (a linkage
// record's phones, email_domains) rather than after the policy's fields.
func (d *Destination) Field(name, v string) string {
	if d == nil {
		return v
	}
	op, ok := d.ops[name]
	if !ok {
		return d.a.MaskFound(v)
	}
	out, ok := d.a.Value(op, v)
	if !ok {
		return ""
	}
	return out
}

// ForPolicy returns the masker of dest under p, hashing with the key p
// names in lookup (os.LookupEnv in programs); nil when p is nil.
func ForPolicy(p *policy.Policy, dest string, lookup func(string) (string, bool)) (*Destination, error) {
	if p == nil {
		return nil, nil
	}
	key, err := Key(p, lookup)
	if err != nil {
		return nil, err
	}
	return New(key).ForDestination(p, dest), nil
}
