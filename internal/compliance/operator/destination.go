package operator

import (
	"github.com/hotpass/hotpass/internal/compliance/policy"
	"github.com/hotpass/hotpass/internal/table"
)

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

// Table returns t as the destination may see it, every cell through
// Field: a column whose operator is drop is left out, the others become
// text (nulls stay null). A nil Destination returns t unchanged.
func (d *Destination) Table(t *table.Table) (*table.Table, error) {
	if d == nil {
		return t, nil
	}
	var fields []table.Field
	var cols []*table.Column
	for i, f := range t.Schema().Fields() {
		if d.ops[f.Name] == policy.Drop {
			continue
		}
		c := t.Column(i)
		b := table.NewColumnBuilder(table.String, c.Len())
		for r := 0; r < c.Len(); r++ {
			if c.IsNull(r) {
				b.AppendNull()
				continue
			}
			b.AppendString(d.Field(f.Name, c.Format(r)))
		}
		fields, cols = append(fields, table.Field{Name: f.Name, Type: table.String}), append(cols, b.Build())
	}
	schema, err := table.NewSchema(fields...)
	if err != nil {
		return nil, err
	}
	return table.New(schema, cols)
}
