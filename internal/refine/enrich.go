package refine

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// Provenance columns added by Enrich.
const (
	ColProvenanceSource     = "provenance_source"
	ColProvenanceConfidence = "provenance_confidence"
)

// Confidence of each enrichment rule, recorded in provenance_confidence.
const (
	DefaultLookupConfidence = 0.9
	EmailDomainConfidence   = 0.7
	NameKeywordConfidence   = 0.6
)

// Lookup is a reference table joined to the SSOT by organisation.
type Lookup struct {
	// Name labels the lookup in provenance ("lookup:<Name>").
	Name  string
	Table *table.Table
	// Key is the lookup's column holding the organisation: its slug or
	// its name; both are compared as slugs.
	Key string
	// Fields maps an SSOT column to the lookup column that fills it.
	Fields map[string]string
	// Confidence recorded for values from this lookup; 0 means 0.9.
	Confidence float64
}

// EnrichOptions chooses the enrichments. They run in this order and each
// fills only values still empty, unless Overwrite is set for lookups.
type EnrichOptions struct {
	Lookups []Lookup
	// WebsiteFromEmail sets an empty website from the domain of the
	// primary (else a secondary) contact email, unless the domain is a
	// free-mail or disposable one.
	WebsiteFromEmail bool
	// TypeFromName sets an empty organization_type from TypeRules.
	TypeFromName bool
	TypeRules    []TypeRule
	// Overwrite lets lookups replace existing values.
	Overwrite bool
	// Scorer knows free-mail domains; nil uses the built-in lists.
	Scorer *Scorer
}

// Coverage is how many rows have a target field before and after
// enrichment.
type Coverage struct {
	Field  string `json:"field"`
	Rows   int    `json:"rows"`
	Before int    `json:"before"`
	After  int    `json:"after"`
}

// Enrich fills SSOT columns deterministically, without any network
// access, and adds provenance_source ("field=rule;..." for every value it
// set) and provenance_confidence (the lowest confidence among them, null
// when nothing was set); when the input already has these columns, from
// an earlier Enrich, they are extended. It returns the coverage of every
// target field.
func Enrich(t *table.Table, o EnrichOptions) (*table.Table, []Coverage, error) {
	if o.Scorer == nil {
		o.Scorer = NewScorer(Scoring{})
	}
	n := t.NumRows()
	slugs, err := stringColumn(t, ColOrganizationSlug)
	if err != nil {
		return nil, nil, err
	}
	cols := map[string][]string{} // target → values being built
	var order []string
	target := func(name string) ([]string, error) {
		if v, ok := cols[name]; ok {
			return v, nil
		}
		vals := make([]string, n)
		if c := t.ColumnByName(name); c != nil {
			if c.Type() != table.String {
				return nil, fmt.Errorf("enrich: column %q holds %s values; only text columns can be enriched", name, c.Type())
			}
			for i := 0; i < n; i++ {
				if !c.IsNull(i) {
					vals[i] = c.Strings()[i]
				}
			}
		}
		cols[name] = vals
		order = append(order, name)
		return vals, nil
	}
	before := map[string]int{}
	count := func(vals []string) int {
		k := 0
		for _, v := range vals {
			if strings.TrimSpace(v) != "" {
				k++
			}
		}
		return k
	}
	// Earlier enrichment runs' provenance is kept and extended.
	sources := make([][]string, n)
	conf := make([]float64, n)
	prevSrc, prevConf := t.ColumnByName(ColProvenanceSource), t.ColumnByName(ColProvenanceConfidence)
	for i := range conf {
		conf[i] = math.Inf(1)
		if prevSrc != nil && prevSrc.Type() == table.String && !prevSrc.IsNull(i) && prevSrc.Strings()[i] != "" {
			sources[i] = strings.Split(prevSrc.Strings()[i], ";")
		}
		if prevConf != nil && prevConf.Type() == table.Float64 && !prevConf.IsNull(i) {
			conf[i] = prevConf.Float64s()[i]
		}
	}
	set := func(vals []string, i int, field, value, rule string, c float64) {
		vals[i] = value
		sources[i] = append(sources[i], field+"="+rule)
		conf[i] = math.Min(conf[i], c)
	}
	for _, lk := range o.Lookups {
		index, err := lookupIndex(lk)
		if err != nil {
			return nil, nil, err
		}
		c := lk.Confidence
		if c == 0 {
			c = DefaultLookupConfidence
		}
		fields := sortedKeys(lk.Fields)
		for _, field := range fields {
			vals, err := target(field)
			if err != nil {
				return nil, nil, err
			}
			if _, ok := before[field]; !ok {
				before[field] = count(vals)
			}
			src := lk.Table.ColumnByName(lk.Fields[field])
			if src == nil {
				return nil, nil, fmt.Errorf("enrich: lookup %s has no column %q (for %s); columns: %s",
					lk.Name, lk.Fields[field], field, strings.Join(lk.Table.Schema().Names(), ", "))
			}
			for i := 0; i < n; i++ {
				row, ok := index[slugs[i]]
				if !ok || (!o.Overwrite && strings.TrimSpace(vals[i]) != "") {
					continue
				}
				if v := CleanText(cellText(src, row)); v != "" && v != vals[i] {
					set(vals, i, field, v, "lookup:"+lk.Name, c)
				}
			}
		}
	}
	if o.WebsiteFromEmail {
		vals, err := target(ColWebsite)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := before[ColWebsite]; !ok {
			before[ColWebsite] = count(vals)
		}
		primary, _ := stringColumn(t, ColPrimaryEmail)
		secondary, _ := stringColumn(t, ColSecondaryEmails)
		for i := 0; i < n; i++ {
			if strings.TrimSpace(vals[i]) != "" {
				continue
			}
			emails := []string{}
			if primary != nil {
				emails = append(emails, primary[i])
			}
			if secondary != nil && secondary[i] != "" {
				emails = append(emails, strings.Split(secondary[i], ";")...)
			}
			for _, e := range emails {
				d := EmailDomain(strings.TrimSpace(e))
				if d == "" || o.Scorer.IsFreeMail(d) || o.Scorer.disposable[d] {
					continue
				}
				if site, ok := NormaliseWebsite(d); ok {
					set(vals, i, ColWebsite, site, "email_domain", EmailDomainConfidence)
					break
				}
			}
		}
	}
	if o.TypeFromName && len(o.TypeRules) > 0 {
		vals, err := target(ColOrganizationType)
		if err != nil {
			return nil, nil, err
		}
		if _, ok := before[ColOrganizationType]; !ok {
			before[ColOrganizationType] = count(vals)
		}
		names, err := stringColumn(t, ColOrganizationName)
		if err != nil {
			return nil, nil, err
		}
		var categories []string
		if t.ColumnByName(ColOrganizationCategory) != nil {
			if categories, err = stringColumn(t, ColOrganizationCategory); err != nil {
				return nil, nil, err
			}
		}
		for i := 0; i < n; i++ {
			if strings.TrimSpace(vals[i]) != "" {
				continue
			}
			if categories != nil {
				if typ := TypeFromCategory(categories[i], o.TypeRules); typ != "" {
					set(vals, i, ColOrganizationType, typ, "category", CategoryConfidence)
					continue
				}
			}
			if typ := TypeFromName(names[i], o.TypeRules); typ != "" {
				set(vals, i, ColOrganizationType, typ, "name_keywords", NameKeywordConfidence)
			}
		}
	}
	out := t
	var cov []Coverage
	for _, name := range order {
		vals := cols[name]
		b := table.NewColumnBuilder(table.String, n)
		for _, v := range vals {
			if v == "" {
				b.AppendNull()
			} else {
				b.AppendString(v)
			}
		}
		if out, err = out.WithColumn(name, b.Build()); err != nil {
			return nil, nil, fmt.Errorf("enrich: %w", err)
		}
		cov = append(cov, Coverage{Field: name, Rows: n, Before: before[name], After: count(vals)})
	}
	// website_host follows website, whichever rule set it.
	if sites, ok := cols[ColWebsite]; ok && t.ColumnByName(ColWebsiteHost) != nil {
		b := table.NewColumnBuilder(table.String, n)
		for _, v := range sites {
			if h := WebsiteHost(strings.TrimSpace(v)); h != "" {
				b.AppendString(h)
			} else {
				b.AppendNull()
			}
		}
		if out, err = out.WithColumn(ColWebsiteHost, b.Build()); err != nil {
			return nil, nil, fmt.Errorf("enrich: %w", err)
		}
	}
	sb := table.NewColumnBuilder(table.String, n)
	cb := table.NewColumnBuilder(table.Float64, n)
	for i := 0; i < n; i++ {
		if len(sources[i]) == 0 {
			sb.AppendNull()
			cb.AppendNull()
			continue
		}
		sb.AppendString(strings.Join(sources[i], ";"))
		cb.AppendFloat64(conf[i])
	}
	if out, err = out.WithColumn(ColProvenanceSource, sb.Build()); err != nil {
		return nil, nil, fmt.Errorf("enrich: %w", err)
	}
	if out, err = out.WithColumn(ColProvenanceConfidence, cb.Build()); err != nil {
		return nil, nil, fmt.Errorf("enrich: %w", err)
	}
	sort.Slice(cov, func(i, j int) bool { return cov[i].Field < cov[j].Field })
	return out, cov, nil
}

// CategoryConfidence is the confidence of a type given by the
// organisation's category.
const CategoryConfidence = 0.8

// TypeFromCategory returns the type of the first rule listing category
// (case and spacing ignored), or "".
func TypeFromCategory(category string, rules []TypeRule) string {
	k := MatchKey(category)
	if k == "" {
		return ""
	}
	for _, r := range rules {
		for _, c := range r.Categories {
			if MatchKey(c) == k {
				return r.Type
			}
		}
	}
	return ""
}

// TypeFromName returns the type of the first rule with a keyword that
// appears in name as whole words, ignoring case and punctuation.
func TypeFromName(name string, rules []TypeRule) string {
	words := " " + strings.ReplaceAll(Slug(name), "-", " ") + " "
	for _, r := range rules {
		for _, k := range r.Keywords {
			kw := strings.ReplaceAll(Slug(k), "-", " ")
			if kw != "" && strings.Contains(words, " "+kw+" ") {
				return r.Type
			}
		}
	}
	return ""
}

// lookupIndex maps the slug of each lookup key to its first row.
func lookupIndex(lk Lookup) (map[string]int, error) {
	c := lk.Table.ColumnByName(lk.Key)
	if c == nil {
		return nil, fmt.Errorf("enrich: lookup %s has no key column %q; columns: %s", lk.Name, lk.Key, strings.Join(lk.Table.Schema().Names(), ", "))
	}
	index := make(map[string]int, c.Len())
	for i := 0; i < c.Len(); i++ {
		k := Slug(cellText(c, i))
		if _, dup := index[k]; k != "" && !dup {
			index[k] = i
		}
	}
	return index, nil
}

// stringColumn returns a text column's values with nulls as "".
func stringColumn(t *table.Table, name string) ([]string, error) {
	c := t.ColumnByName(name)
	if c == nil {
		return nil, fmt.Errorf("enrich: the input has no column %q; enrich works on the output of refine (columns: %s)", name, strings.Join(t.Schema().Names(), ", "))
	}
	out := make([]string, c.Len())
	for i := range out {
		out[i] = cellText(c, i)
	}
	return out, nil
}
