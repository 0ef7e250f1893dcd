package refine

import (
	"fmt"
	"sort"
)

// Field is an SSOT input field: what a source column is mapped to. Profiles
// name fields by their Name.
type Field uint8

// The input fields. Organisation fields describe the organisation a row
// belongs to; contact fields describe one person, and every row holding
// any of them becomes one contact.
const (
	FieldNone Field = iota
	FieldOrganizationName
	FieldRecordID
	FieldProvince
	FieldCountry
	FieldArea
	FieldAddress
	FieldCategory
	FieldType
	FieldStatus
	FieldWebsite
	FieldPlanes
	FieldDescription
	FieldNotes
	FieldLastInteraction
	FieldRecordDate
	FieldPriority
	FieldPrivacyBasis
	// numOrgFields bounds the organisation fields, which Record stores in
	// a fixed array.
	numOrgFields

	FieldContactName
	FieldContactFirstName
	FieldContactLastName
	FieldContactRole
	FieldContactEmail
	FieldContactPhone
	FieldContactEmailStatus
	numFields
)

// fieldKind says how several values of one field in one record combine.
type fieldKind uint8

const (
	kindText fieldKind = iota // the first non-empty value wins
	kindJoin                  // distinct values are joined with "; "
	kindList                  // every value is kept (emails, phones)
	kindDate                  // a date; the first parseable value wins
)

type fieldInfo struct {
	name string
	kind fieldKind
	doc  string
}

var fieldInfos = [numFields]fieldInfo{
	FieldOrganizationName: {"organization_name", kindText, "the organisation's name; rows without one are skipped"},
	FieldRecordID:         {"source_record_id", kindText, "the row's id in its source; joins sheets and appears in source_record_ids"},
	FieldProvince:         {"province", kindText, "province or region, normalised through the profile's aliases"},
	FieldCountry:          {"country", kindText, "country name"},
	FieldArea:             {"area", kindText, "town, airport or area; a province alias here also fills province"},
	FieldAddress:          {"address", kindText, "street or postal address (address_primary)"},
	FieldCategory:         {"organization_category", kindText, "category such as Flight School or ATO"},
	FieldType:             {"organization_type", kindText, "type such as Charter Operator"},
	FieldStatus:           {"status", kindText, "registration or business status"},
	FieldWebsite:          {"website", kindText, "website, the full URL normalised (scheme added, host lowercased, tracking parameters dropped); website_host holds its host"},
	FieldPlanes:           {"planes", kindJoin, "aircraft operated"},
	FieldDescription:      {"description", kindJoin, "free-text description"},
	FieldNotes:            {"notes", kindJoin, "free-text notes"},
	FieldLastInteraction:  {"last_interaction_date", kindDate, "date of the last contact with the organisation"},
	FieldRecordDate:       {"record_date", kindDate, "when the source row was captured; used for recency only"},
	FieldPriority:         {"priority", kindText, "the organisation's sales or follow-up priority"},
	FieldPrivacyBasis:     {"privacy_basis", kindText, "lawful basis for holding the contact data"},

	FieldContactName:        {"contact_name", kindText, "a contact's full name"},
	FieldContactFirstName:   {"contact_first_name", kindText, "a contact's first name"},
	FieldContactLastName:    {"contact_last_name", kindText, "a contact's surname"},
	FieldContactRole:        {"contact_role", kindText, "a contact's position"},
	FieldContactEmail:       {"contact_email", kindList, "email addresses; a cell may hold several separated by ; , / or |"},
	FieldContactPhone:       {"contact_phone", kindList, "phone numbers (mobile, landline, WhatsApp), normalised to E.164"},
	FieldContactEmailStatus: {"contact_email_status", kindText, "the source's flag on the row's email (Valid, Invalid); a value in markers.invalid_email keeps the email from being used"},
}

var fieldsByName = func() map[string]Field {
	m := make(map[string]Field, numFields)
	for f := FieldNone + 1; f < numFields; f++ {
		if f == numOrgFields {
			continue
		}
		m[fieldInfos[f].name] = f
	}
	return m
}()

// Name returns the field's name as written in profiles.
func (f Field) Name() string {
	if f > FieldNone && f < numFields && f != numOrgFields {
		return fieldInfos[f].name
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

// String returns Name.
func (f Field) String() string { return f.Name() }

// IsContact reports whether the field describes a contact rather than the
// organisation.
func (f Field) IsContact() bool { return f > numOrgFields && f < numFields }

// ParseField returns the field named name.
func ParseField(name string) (Field, bool) {
	f, ok := fieldsByName[name]
	return f, ok
}

// FieldNames lists every field name, sorted, for messages and schemas.
func FieldNames() []string {
	out := make([]string, 0, len(fieldsByName))
	for n := range fieldsByName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// FieldDoc returns the one-line description of a field.
func FieldDoc(name string) string {
	if f, ok := fieldsByName[name]; ok {
		return fieldInfos[f].doc
	}
	return ""
}

// OrgFields holds one value per organisation field, indexed by Field.
type OrgFields [numOrgFields]string
