package refine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/table"
)

// Resolver assigns normalised records to entities for entity resolution:
// clusters[i] is the entity of recs[i]. Refine merges records by these
// assignments (MergeClusters) instead of by name key when
// IngestOptions.Resolve is set.
type Resolver func(ctx context.Context, recs []Record) (clusters []int, err error)

// The columns of LinkageTable, which a profile's linkage settings compare
// and block on.
const (
	LinkID           = "organisation_id"
	LinkDataset      = "source_dataset"
	LinkName         = "name"
	LinkWebsiteHost  = "website_host"
	LinkPhone        = "phone"
	LinkPhones       = "phones"
	LinkEmailDomain  = "email_domain"
	LinkEmailDomains = "email_domains"
	LinkProvince     = "province"
	LinkPlace        = "place"
	LinkLocation     = "location"
	LinkLegalForm    = "legal_form"
)

// locationConfidence is the least geocode confidence at which a record
// gets a location for linkage: a guess would keep apart records that
// agree on everything else.
const locationConfidence = 0.75

// LinkageSchema is the layout of LinkageTable.
var LinkageSchema = table.MustSchema(
	table.Field{Name: LinkID, Type: table.String},
	table.Field{Name: LinkDataset, Type: table.String},
	table.Field{Name: LinkName, Type: table.String},
	table.Field{Name: LinkWebsiteHost, Type: table.String},
	table.Field{Name: LinkPhone, Type: table.String},
	table.Field{Name: LinkPhones, Type: table.String},
	table.Field{Name: LinkEmailDomain, Type: table.String},
	table.Field{Name: LinkEmailDomains, Type: table.String},
	table.Field{Name: LinkProvince, Type: table.String},
	table.Field{Name: LinkPlace, Type: table.String},
	table.Field{Name: LinkLocation, Type: table.String},
	table.Field{Name: LinkLegalForm, Type: table.String},
)

// LinkageTable lays normalised records out for record linkage, one row
// per record in order:
//
//   - organisation_id: "<dataset>:<record id>", as in source_record_ids
//     (made unique with "#2", "#3" when two rows share an id), stable
//     across runs so reviewer decisions keep applying;
//   - name: the name's slug without legal suffixes, words separated by
//     spaces ("Eagle Air (Pty) Ltd" → "eagle air");
//   - website_host: the normalised website's host;
//   - phones and email_domains: the distinct valid phone numbers (E.164)
//     and email domains of the record's contacts, comma separated, free
//     mail domains (gmail.com and the profile's scoring lists) left out
//     because they say nothing about the organisation; phone and
//     email_domain hold the first of each, for blocking;
//   - province: the canonical province;
//   - place: the place names after the first word of the name, which mark
//     a branch (see Profile.Normalisation.PlaceNames);
//   - location: "lat,lon" of the record geocoded offline from its address
//     and area (internal/geo, the gazetteer of the profile's
//     default_country), when the geocode is confident; for distance_km
//     levels and geohash blocking keys;
//   - legal_form: the legal suffix written after the name ("pty-ltd",
//     "npc", "cc"; spellings made one as the name key makes them), since
//     "X CC" and "X (Pty) Ltd" are often two companies.
//
// Empty values are null.
func (r *Refiner) LinkageTable(recs []Record) (*table.Table, error) {
	b := table.NewBuilder(LinkageSchema, len(recs))
	put := func(col int, v string) {
		if v == "" {
			b.Column(col).AppendNull()
			return
		}
		b.Column(col).AppendString(v)
	}
	seen := make(map[string]int, len(recs))
	// No gazetteer for the country leaves location null.
	gaz, _ := geo.Load(r.region)
	for i := range recs {
		rec := &recs[i]
		id := rec.Dataset + ":" + rec.ID
		if n := seen[id]; n > 0 {
			seen[id] = n + 1
			id += "#" + strconv.Itoa(n+1)
		} else {
			seen[id] = 1
		}
		var phones, domains []string
		for _, c := range rec.Contacts {
			for _, p := range c.Phones {
				if p.Valid && p.E164 != "" {
					phones = appendDistinct(phones, p.E164)
				}
			}
			for _, e := range c.Emails {
				if d := EmailDomain(e); d != "" && !r.scorer.IsFreeMail(d) {
					domains = appendDistinct(domains, d)
				}
			}
		}
		put(0, id)
		put(1, rec.Dataset)
		put(2, strings.ReplaceAll(r.NameKey(rec.Fields[FieldOrganizationName]), "-", " "))
		put(3, WebsiteHost(rec.Fields[FieldWebsite]))
		put(4, first(phones))
		put(5, strings.Join(phones, ","))
		put(6, first(domains))
		put(7, strings.Join(domains, ","))
		put(8, rec.Fields[FieldProvince])
		put(9, r.placeWords(rec.Fields[FieldOrganizationName]))
		loc := ""
		if p := locate(gaz, rec); p.ok {
			loc = geo.FormatPoint(p.lat, p.lon)
		}
		put(10, loc)
		name := r.Canonical(rec.Fields[FieldOrganizationName])
		put(11, legalForm(Slug(name), r.NameKey(name)))
	}
	t, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("linkage table: %w", err)
	}
	return t, nil
}

// locate places rec for linkage and settling: its address and area
// geocoded with gaz when the geocode is confident. Not from the name: a
// town in the name is evidence the name comparison already counts. The
// answer is kept on the record, so it is geocoded once.
func locate(gaz *geo.Gazetteer, rec *Record) geoPoint {
	if rec.located || gaz == nil {
		return rec.point
	}
	g := gaz.Geocode(rec.Fields[FieldProvince], rec.Fields[FieldAddress], rec.Fields[FieldArea])
	rec.point = geoPoint{lat: g.Lat, lon: g.Lon, ok: g.Confidence >= locationConfidence}
	rec.located = true
	return rec.point
}

func appendDistinct(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func first(list []string) string {
	if len(list) == 0 {
		return ""
	}
	return list[0]
}
