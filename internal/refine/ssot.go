package refine

import (
	"slices"
	"strings"

	"github.com/hotpass/hotpass/internal/table"
)

// The SSOT column names that code elsewhere refers to.
const (
	ColOrganizationName     = "organization_name"
	ColOrganizationSlug     = "organization_slug"
	ColWebsite              = "website"
	ColWebsiteHost          = "website_host"
	ColOrganizationCategory = "organization_category"
	ColOrganizationType     = "organization_type"
	ColPrimaryEmail         = "contact_primary_email"
	ColSecondaryEmails      = "contact_secondary_emails"
	ColDataQualityScore     = "data_quality_score"
	ColProvenance           = "selection_provenance"
)

// SSOTSchema is the fixed layout of the SSOT table, in this order.
var SSOTSchema = table.MustSchema(
	table.Field{Name: "organization_name", Type: table.String},
	table.Field{Name: "organization_slug", Type: table.String},
	table.Field{Name: "province", Type: table.String},
	table.Field{Name: "country", Type: table.String},
	table.Field{Name: "area", Type: table.String},
	table.Field{Name: "address_primary", Type: table.String},
	table.Field{Name: "organization_category", Type: table.String},
	table.Field{Name: "organization_type", Type: table.String},
	table.Field{Name: "status", Type: table.String},
	table.Field{Name: "website", Type: table.String},
	table.Field{Name: "planes", Type: table.String},
	table.Field{Name: "description", Type: table.String},
	table.Field{Name: "notes", Type: table.String},
	table.Field{Name: "source_datasets", Type: table.String},
	table.Field{Name: "source_record_ids", Type: table.String},
	table.Field{Name: "contact_primary_name", Type: table.String},
	table.Field{Name: "contact_primary_role", Type: table.String},
	table.Field{Name: "contact_primary_email", Type: table.String},
	table.Field{Name: "contact_primary_phone", Type: table.String},
	table.Field{Name: "contact_primary_email_confidence", Type: table.Float64},
	table.Field{Name: "contact_primary_email_status", Type: table.String},
	table.Field{Name: "contact_primary_phone_confidence", Type: table.Float64},
	table.Field{Name: "contact_primary_phone_status", Type: table.String},
	table.Field{Name: "contact_primary_lead_score", Type: table.Float64},
	table.Field{Name: "contact_validation_flags", Type: table.String},
	table.Field{Name: "contact_secondary_emails", Type: table.String},
	table.Field{Name: "contact_secondary_phones", Type: table.String},
	table.Field{Name: "contact_email_confidence_avg", Type: table.Float64},
	table.Field{Name: "contact_phone_confidence_avg", Type: table.Float64},
	table.Field{Name: "contact_lead_score_avg", Type: table.Float64},
	table.Field{Name: "data_quality_score", Type: table.Float64},
	table.Field{Name: "data_quality_flags", Type: table.String},
	table.Field{Name: "selection_provenance", Type: table.String},
	table.Field{Name: "last_interaction_date", Type: table.Date},
	table.Field{Name: "priority", Type: table.String},
	table.Field{Name: "privacy_basis", Type: table.String},
	table.Field{Name: "website_links", Type: table.String},
	table.Field{Name: "website_host", Type: table.String},
)

// maxSecondary bounds the secondary emails and phones kept per
// organisation, so that a cell stays readable and within Excel's 32,767
// characters even for a group of hundreds of records.
const maxSecondary = 25

// Build lays organisations out as the SSOT table. Empty text is null.
func Build(orgs []Organisation) (*table.Table, error) {
	b := table.NewBuilder(SSOTSchema, len(orgs))
	cols := make([]*table.ColumnBuilder, SSOTSchema.Len())
	for i := range cols {
		cols[i] = b.Column(i)
	}
	text := func(c int, s string) {
		if s == "" {
			cols[c].AppendNull()
		} else {
			cols[c].AppendString(s)
		}
	}
	num := func(c int, v float64, ok bool) {
		if ok {
			cols[c].AppendFloat64(v)
		} else {
			cols[c].AppendNull()
		}
	}
	for oi := range orgs {
		o := &orgs[oi]
		f := &o.Fields
		text(0, f[FieldOrganizationName])
		text(1, o.Slug)
		text(2, f[FieldProvince])
		text(3, f[FieldCountry])
		text(4, f[FieldArea])
		text(5, f[FieldAddress])
		text(6, f[FieldCategory])
		text(7, f[FieldType])
		text(8, f[FieldStatus])
		text(9, f[FieldWebsite])
		text(10, f[FieldPlanes])
		text(11, f[FieldDescription])
		text(12, f[FieldNotes])
		text(13, strings.Join(o.Datasets, ";"))
		text(14, strings.Join(o.RecordIDs, ";"))
		var secEmails, secPhones []string
		if o.Primary >= 0 {
			p := &o.Contacts[o.Primary]
			text(15, p.Name)
			text(16, p.Role)
			text(17, p.Email)
			text(18, p.Phone.E164)
			num(19, p.EmailConf, p.Email != "")
			text(20, p.EmailStatus)
			num(21, p.PhoneConf, p.PhoneStatus != StatusUnknown)
			text(22, p.PhoneStatus)
			num(23, p.Lead, true)
		} else {
			for c := 15; c <= 19; c++ {
				cols[c].AppendNull()
			}
			text(20, StatusUnknown)
			cols[21].AppendNull()
			text(22, StatusUnknown)
			cols[23].AppendNull()
		}
		flags := "none"
		if len(o.ContactFlags) > 0 {
			flags = strings.Join(o.ContactFlags, ";")
		}
		text(24, flags)
		var emailSum, phoneSum, leadSum float64
		var emailN, phoneN int
		var primaryEmail, primaryPhone string
		if o.Primary >= 0 {
			primaryEmail, primaryPhone = o.Contacts[o.Primary].Email, o.Contacts[o.Primary].Phone.E164
		}
		// At most maxSecondary of each are kept, so scanning what was kept
		// is cheaper than a map.
		taken := func(v string, kept []string) bool {
			return v == "" || v == primaryEmail || v == primaryPhone || slices.Contains(kept, v)
		}
		for ci := range o.Contacts {
			c := &o.Contacts[ci]
			if c.Email != "" {
				emailSum += c.EmailConf
				emailN++
			}
			if c.PhoneStatus != StatusUnknown {
				phoneSum += c.PhoneConf
				phoneN++
			}
			leadSum += c.Lead
			// Emails the source flagged invalid are listed, never primary;
			// contact_validation_flags says flagged_email.
			for _, list := range [][]string{c.Emails, c.Flagged} {
				for _, e := range list {
					if len(secEmails) < maxSecondary && !taken(e, secEmails) && !slices.Contains(secPhones, e) {
						secEmails = append(secEmails, e)
					}
				}
			}
			for _, p := range c.Phones {
				if p.Valid && len(secPhones) < maxSecondary && !taken(p.E164, secPhones) && !slices.Contains(secEmails, p.E164) {
					secPhones = append(secPhones, p.E164)
				}
			}
		}
		text(25, strings.Join(secEmails, ";"))
		text(26, strings.Join(secPhones, ";"))
		num(27, avg(emailSum, emailN), emailN > 0)
		num(28, avg(phoneSum, phoneN), phoneN > 0)
		num(29, avg(leadSum, len(o.Contacts)), len(o.Contacts) > 0)
		num(30, o.QualityScore, true)
		qflags := "none"
		if len(o.QualityFlags) > 0 {
			qflags = strings.Join(o.QualityFlags, ";")
		}
		text(31, qflags)
		text(32, o.ProvenanceJSON())
		if o.HasLast {
			cols[33].AppendDate(o.LastInteraction)
		} else {
			cols[33].AppendNull()
		}
		text(34, f[FieldPriority])
		text(35, f[FieldPrivacyBasis])
		text(36, strings.Join(o.Links, ";"))
		text(37, WebsiteHost(f[FieldWebsite]))
	}
	return b.Build()
}

func avg(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return round3(sum / float64(n))
}
