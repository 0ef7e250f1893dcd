package refine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// statusMarker is one source spelling of an SSOT status.
type statusMarker struct {
	key    string // MatchKey of the spelling
	status string
}

func (r *Refiner) buildMarkers() {
	m := &r.profile.Markers
	for _, status := range sortedKeys(m.Status) {
		for _, v := range append([]string{status}, m.Status[status]...) {
			if k := MatchKey(v); k != "" {
				r.statuses = append(r.statuses, statusMarker{key: k, status: status})
			}
		}
	}
	// Longest spelling first, so the most specific one wins.
	sort.SliceStable(r.statuses, func(i, j int) bool { return len(r.statuses[i].key) > len(r.statuses[j].key) })
	for _, s := range m.Inactive {
		r.inactive = append(r.inactive, strings.ToLower(strings.TrimSpace(s)))
	}
	for _, v := range m.InvalidEmail {
		if k := MatchKey(v); k != "" {
			r.invalidEmail = append(r.invalidEmail, k)
		}
	}
}

// markStatus maps a source status onto the profile's statuses; a value
// the profile does not map is kept and its first row noted in unknown.
func (r *Refiner) markStatus(v string, row int, unknown map[string]int) string {
	if len(r.statuses) == 0 {
		return v
	}
	k := MatchKey(v)
	for _, m := range r.statuses {
		if strings.HasPrefix(k, m.key) {
			return m.status
		}
	}
	if _, seen := unknown[v]; !seen {
		unknown[v] = row
	}
	return v
}

// maxStatusWarnings bounds the unmapped statuses warned per sheet.
const maxStatusWarnings = 5

func (r *Refiner) warnStatuses(b *Batch, rs rowSource, unknown map[string]int) {
	if len(unknown) == 0 {
		return
	}
	vals := make([]string, 0, len(unknown))
	for v := range unknown {
		vals = append(vals, v)
	}
	sort.Slice(vals, func(i, j int) bool { return unknown[vals[i]] < unknown[vals[j]] })
	for k, v := range vals {
		if k == maxStatusWarnings {
			b.warn(Warning{Dataset: rs.dataset, File: rs.file, Sheet: rs.sheet, Message: fmt.Sprintf("%d more status values not in markers.status", len(vals)-k)})
			break
		}
		b.warn(Warning{Dataset: rs.dataset, File: rs.file, Sheet: rs.sheet,
			Message: fmt.Sprintf("row %d: status %q is not in the profile's markers.status; kept as written (add it under the status it means)", unknown[v], v)})
	}
}

// emailFlagged reports whether a contact_email_status value marks the
// email invalid.
func (r *Refiner) emailFlagged(flag string) bool {
	if flag == "" || len(r.invalidEmail) == 0 {
		return false
	}
	return slices.Contains(r.invalidEmail, MatchKey(flag))
}

// isInactive reports whether an SSOT status marks an organisation that
// no longer trades.
func (r *Refiner) isInactive(status string) bool {
	return status != "" && slices.Contains(r.inactive, strings.ToLower(status))
}

// Flags of source markers, in contact_validation_flags and
// data_quality_flags.
const (
	FlagFlaggedEmail = "flagged_email"
	FlagInactive     = "inactive_organisation"
)
