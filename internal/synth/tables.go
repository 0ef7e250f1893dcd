package synth

import (
	"fmt"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// DefaultDuplicateRate is the share of organisation rows that repeat an
// earlier organisation under a variant name.
const DefaultDuplicateRate = 0.15

// DefaultBatchRows is the batch size of the streaming writers.
const DefaultBatchRows = 64 * 1024

// TruthColumn names the ground-truth column added by WithTruth.
const TruthColumn = "true_org_id"

type options struct {
	truth   bool
	dupRate float64
	batch   int
}

// Option adjusts generation.
type Option func(*options)

// WithTruth adds the true_org_id column: the id of the real organisation
// behind each row, equal across duplicates.
func WithTruth() Option { return func(o *options) { o.truth = true } }

// WithDuplicateRate sets the share of organisation rows that repeat an
// earlier organisation (0 to 0.9); default 0.15.
func WithDuplicateRate(rate float64) Option {
	return func(o *options) { o.dupRate = min(max(rate, 0), 0.9) }
}

// WithBatchRows sets the batch size of the streaming writers.
func WithBatchRows(n int) Option { return func(o *options) { o.batch = n } }

func buildOptions(opts []Option) options {
	o := options{dupRate: DefaultDuplicateRate, batch: DefaultBatchRows}
	for _, f := range opts {
		f(&o)
	}
	if o.batch <= 0 {
		o.batch = DefaultBatchRows
	}
	return o
}

// OrganisationSchema is the schema of Organisations, with the truth column
// when truth is set.
func OrganisationSchema(truth bool) table.Schema {
	return withTruth(truth,
		table.Field{Name: "org_id", Type: table.String},
		table.Field{Name: "name", Type: table.String},
		table.Field{Name: "type", Type: table.String},
		table.Field{Name: "province", Type: table.String},
		table.Field{Name: "town", Type: table.String},
		table.Field{Name: "airport", Type: table.String},
		table.Field{Name: "website", Type: table.String},
		table.Field{Name: "phone", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "planes", Type: table.Int64},
	)
}

// ContactSchema is the schema of Contacts, with the truth column when
// truth is set.
func ContactSchema(truth bool) table.Schema {
	return withTruth(truth,
		table.Field{Name: "contact_id", Type: table.String},
		table.Field{Name: "org_id", Type: table.String},
		table.Field{Name: "first_name", Type: table.String},
		table.Field{Name: "last_name", Type: table.String},
		table.Field{Name: "role", Type: table.String},
		table.Field{Name: "email", Type: table.String},
		table.Field{Name: "phone", Type: table.String},
	)
}

func withTruth(truth bool, fields ...table.Field) table.Schema {
	if truth {
		fields = append(fields, table.Field{Name: TruthColumn, Type: table.String})
	}
	return table.MustSchema(fields...)
}

// entityOf returns the real organisation behind organisation row i: the
// row itself, or for a duplicate, the organisation of an earlier row.
func entityOf(r *rng, seed int64, i int, dupRate float64) int {
	for i > 0 {
		r.at(seed, streamOrgRow, i)
		if r.Float64() >= dupRate {
			return i
		}
		i = r.IntN(i)
	}
	return 0
}

// TrueOrgID renders the id of a real organisation as in true_org_id.
func TrueOrgID(entity int) string { return padID("T", entity, 7) }

// OrgID renders the id of organisation row i as in org_id.
func OrgID(row int) string { return padID("O", row, 7) }

// orgGen produces organisation and contact rows.
type orgGen struct {
	seed   int64
	o      options
	er, rr *rng
}

func newOrgGen(seed int64, o options) *orgGen {
	return &orgGen{seed: seed, o: o, er: newRNG(), rr: newRNG()}
}

func (g *orgGen) entity(row int) entity {
	id := entityOf(g.rr, g.seed, row, g.o.dupRate)
	return makeEntity(g.er, g.seed, id)
}

func (g *orgGen) appendOrg(b *table.Builder, i int) {
	e := g.entity(i)
	r := g.rr.at(g.seed, streamOrgRow+100, i)
	name := e.name
	if e.id != i {
		name, _ = typo(r, e)
	}
	province, _ := dirtyProvince(r, e.place.province)
	typ := orgTypes[e.typ]
	if r.IntN(10) == 0 {
		typ = strings.ToLower(typ)
	}
	airport := e.place.airport
	switch r.IntN(5) {
	case 0:
		airport = e.place.icao
	case 1:
		airport = e.place.airport + " (" + e.place.icao + ")"
	}
	phone, _ := dirtyPhone(r, e.landline)
	email := ""
	if e.domain != "" {
		email, _ = dirtyEmail(r, "info", "", e.domain)
	}
	strs := []string{OrgID(i), name, typ, province, e.place.town, airport, dirtyWebsite(r, e.domain), phone, email}
	for c, s := range strs {
		appendText(b.Column(c), s)
	}
	if r.IntN(10) == 0 {
		b.Column(9).AppendNull()
	} else {
		b.Column(9).AppendInt64(int64(e.planes))
	}
	if g.o.truth {
		b.Column(10).AppendString(TrueOrgID(e.id))
	}
}

func (g *orgGen) appendContact(b *table.Builder, i, orgs int) {
	r := g.rr.at(g.seed, streamContact, i)
	row := r.IntN(max(orgs, 1))
	p := makePerson(r)
	phone, _ := dirtyPhone(r, mobile(r))
	// entity reseeds g.rr; everything drawn from r happens before.
	e := g.entity(row)
	r = g.rr.at(g.seed, streamContact+100, i)
	email, _ := dirtyEmail(r, p.first, p.last, e.domain)
	strs := []string{padID("P", i, 8), OrgID(row), p.first, p.last, p.role, email, phone}
	for c, s := range strs {
		appendText(b.Column(c), s)
	}
	if g.o.truth {
		b.Column(7).AppendString(TrueOrgID(e.id))
	}
}

// appendText appends s, or null for "".
func appendText(cb *table.ColumnBuilder, s string) {
	if s == "" {
		cb.AppendNull()
		return
	}
	cb.AppendString(s)
}

// WriteOrganisations streams n organisation rows to w in batches. Rows are
// identical whatever the batch size.
func WriteOrganisations(w table.Writer, seed int64, n int, opts ...Option) error {
	o := buildOptions(opts)
	g := newOrgGen(seed, o)
	return writeBatches(w, OrganisationSchema(o.truth), n, o.batch, g.appendOrg)
}

// WriteContacts streams n contact rows of organisations generated with the
// same seed and orgs rows to w in batches.
func WriteContacts(w table.Writer, seed int64, n, orgs int, opts ...Option) error {
	o := buildOptions(opts)
	g := newOrgGen(seed, o)
	return writeBatches(w, ContactSchema(o.truth), n, o.batch, func(b *table.Builder, i int) {
		g.appendContact(b, i, orgs)
	})
}

func writeBatches(w table.Writer, schema table.Schema, n, batch int, row func(*table.Builder, int)) error {
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		b := table.NewBuilder(schema, hi-lo)
		for i := lo; i < hi; i++ {
			row(b, i)
		}
		t, err := b.Build()
		if err != nil {
			return fmt.Errorf("synth: rows %d-%d: %w", lo+1, hi, err)
		}
		if err := w.Write(t); err != nil {
			return fmt.Errorf("synth: write rows %d-%d: %w", lo+1, hi, err)
		}
	}
	return nil
}

// Organisations returns n aviation organisation rows (flight schools,
// charter operators, maintenance organisations, aero clubs) with dirty
// provinces, websites, phones and emails, and duplicates under variant
// names.
func Organisations(seed int64, n int, opts ...Option) *table.Table {
	o := buildOptions(opts)
	c := table.NewCollector(OrganisationSchema(o.truth))
	mustCollect(WriteOrganisations(c, seed, n, append(opts, WithBatchRows(max(n, 1)))...))
	return mustTable(c)
}

// Contacts returns n contact rows of the organisations that
// Organisations(seed, orgs) returns: names (some accented or non-Latin),
// roles, emails (some several to a cell, some invalid) and phones in many
// formats.
func Contacts(seed int64, n, orgs int, opts ...Option) *table.Table {
	o := buildOptions(opts)
	c := table.NewCollector(ContactSchema(o.truth))
	mustCollect(WriteContacts(c, seed, n, orgs, append(opts, WithBatchRows(max(n, 1)))...))
	return mustTable(c)
}

// mustCollect panics on errors that cannot happen when collecting in
// memory: the schemas are fixed and the collector accepts them.
func mustCollect(err error) {
	if err != nil {
		panic(err)
	}
}

func mustTable(c *table.Collector) *table.Table {
	t, err := c.Table()
	mustCollect(err)
	return t
}
