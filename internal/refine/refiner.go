package refine

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/hotpass/hotpass/internal/phone"
)

// Refiner is a compiled profile: column matchers, province aliases, legal
// suffixes and scoring lists ready to use. It is safe for concurrent use.
type Refiner struct {
	profile   *Profile
	defaults  *ColumnSet
	sheets    [][]*ColumnSet // per source, per sheet
	provinces *Provinces
	suffixes  []string
	region    string
	phones    *phone.Region
	dateOrder DateOrder
	coreKey   bool
	rules     []string
	scorer    *Scorer
	// placeholders are read as empty values.
	placeholders *Placeholders
	// aliases maps the compact key of an alias to its organisation.
	aliases map[string]string
	// linkHosts are DefaultLinkHosts and normalisation.link_hosts.
	linkHosts map[string]bool
	// statuses, inactive and invalidEmail compile the profile's markers.
	statuses     []statusMarker
	inactive     []string
	invalidEmail []string
	// places holds the name keys of normalisation.place_names.
	places    map[string]bool
	constants [numOrgFields]string
	seed      maphash.Seed // for duplicate-contact checks
}

// DefaultRegion is the phone region used when a profile names none.
const DefaultRegion = "ZA"

// New compiles p. Problems found by Profile.Check are returned joined;
// loaders should run Check themselves first to report positions.
func New(p *Profile) (*Refiner, error) {
	if probs := p.Check(); len(probs) > 0 {
		errs := make([]error, len(probs))
		for i, pr := range probs {
			errs[i] = fmt.Errorf("profile %s: %s: %s", p.Name, pathString(pr.Path), pr.Message)
		}
		return nil, errors.Join(errs...)
	}
	r := &Refiner{profile: p, seed: maphash.MakeSeed(), region: p.Normalisation.DefaultCountry, coreKey: p.Aggregation.GroupKey == GroupCoreSlug}
	if r.region == "" {
		r.region = DefaultRegion
	}
	r.phones = phone.ForRegion(r.region)
	if p.Normalisation.DateOrder == "month_first" {
		r.dateOrder = MonthFirst
	}
	var err error
	if r.defaults, err = NewColumnSet(p.Fields, p.Required); err != nil {
		return nil, fmt.Errorf("profile %s: fields: %w", p.Name, err)
	}
	for si, s := range p.Sources {
		var sets []*ColumnSet
		for hi, sh := range s.Sheets {
			cs := r.defaults
			if sh.Columns != nil || sh.Required != nil {
				cols := sh.Columns
				if cols == nil {
					cols = p.Fields
				}
				if cs, err = NewColumnSet(cols, sh.Required); err != nil {
					return nil, fmt.Errorf("profile %s: sources[%d].sheets[%d]: %w", p.Name, si, hi, err)
				}
			}
			sets = append(sets, cs)
		}
		r.sheets = append(r.sheets, sets)
	}
	r.provinces = NewProvinces(p.Normalisation.ProvinceAliases)
	for _, s := range p.Normalisation.LegalSuffixes {
		if sl := Slug(s); sl != "" {
			r.suffixes = append(r.suffixes, sl)
		}
	}
	r.rules = p.Aggregation.Survivorship
	if len(r.rules) == 0 {
		r.rules = []string{RulePriority, RuleCompleteness, RuleRecency}
	}
	r.scorer = NewScorer(p.Scoring)
	r.placeholders = NewPlaceholders(p.Normalisation.Placeholders)
	r.buildAliases()
	r.buildMarkers()
	r.linkHosts = map[string]bool{}
	for _, h := range append(append([]string(nil), DefaultLinkHosts...), p.Normalisation.LinkHosts...) {
		r.linkHosts[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "www."))] = true
	}
	r.places = map[string]bool{}
	for _, p := range p.Normalisation.PlaceNames {
		if k := Slug(p); k != "" {
			r.places[k] = true
		}
	}
	for name, v := range p.Constants {
		f, _ := ParseField(name)
		r.constants[f] = v
	}
	return r, nil
}

// Profile returns the compiled profile.
func (r *Refiner) Profile() *Profile { return r.profile }

// Provinces returns the province lookup.
func (r *Refiner) Provinces() *Provinces { return r.provinces }

// Placeholders returns the values read as empty.
func (r *Refiner) Placeholders() *Placeholders { return r.placeholders }

// Scorer returns the contact scorer.
func (r *Refiner) Scorer() *Scorer { return r.scorer }

// Key returns the group key of an organisation name: its slug, or its
// core slug when the profile groups by core_slug.
func (r *Refiner) Key(name string) string {
	s := Slug(name)
	if r.coreKey {
		return CoreSlug(s, r.suffixes)
	}
	return s
}

// NameKey returns the slug of name without legal suffixes, used to match
// sheets joined by name.
func (r *Refiner) NameKey(name string) string {
	return CoreSlug(Slug(name), r.suffixes)
}

// pathString renders a problem path as a.b[2].c.
func pathString(path []any) string {
	var b strings.Builder
	for _, p := range path {
		switch v := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", v)
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, v)
		}
	}
	return b.String()
}
