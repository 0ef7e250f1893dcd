package refine

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/table"
)

// Choice records why a field's value survived: which dataset and record
// it came from, that source's priority, and the rule that decided.
type Choice struct {
	Source   string `json:"source"`
	RecordID string `json:"record_id"`
	Priority int    `json:"priority"`
	Reason   string `json:"reason"`
}

// ScoredContact is a contact with its best email and phone rated. It
// points at the record's Contact rather than copying it: an organisation
// of many records holds many contacts.
type ScoredContact struct {
	*Contact
	Email       string
	EmailConf   float64
	EmailStatus string
	EmailFlags  []string
	// Phone is the best valid number, or empty when the contact has none:
	// an invalid number is never a contact's phone.
	Phone       phone.Number
	PhoneConf   float64
	PhoneStatus string
	Lead        float64
	seq         int
}

// FieldChoice is the Choice made for one field (or "contact_primary").
type FieldChoice struct {
	Field string
	Choice
}

// Provenance holds one FieldChoice per chosen field, in field order.
type Provenance []FieldChoice

// Get returns the choice made for field.
func (p Provenance) Get(field string) (Choice, bool) {
	for _, fc := range p {
		if fc.Field == field {
			return fc.Choice, true
		}
	}
	return Choice{}, false
}

// Organisation is one merged SSOT row before it is laid out as a table.
type Organisation struct {
	Fields     OrgFields
	Slug       string
	Datasets   []string
	RecordIDs  []string
	Provenance Provenance
	Contacts   []ScoredContact
	// Primary indexes Contacts, or is -1 without contacts.
	Primary int
	// LastInteraction is days since 1970-01-01; HasLast says whether set.
	LastInteraction int32
	HasLast         bool
	// ContactFlags are the distinct validation flags of all contacts.
	ContactFlags []string
	// Links are the members' social-media and directory pages.
	Links        []string
	QualityScore float64
	QualityFlags []string

	provJSON string // rendered Provenance, set when merged
}

// Aggregate groups records by their key (see Normalise) and merges each
// group into an organisation. Organisations come out sorted by slug.
func (r *Refiner) Aggregate(recs []Record, workers int) []Organisation {
	index := make(map[string]int, len(recs))
	var groups [][]int
	for i := range recs {
		k := recs[i].Key
		g, ok := index[k]
		if !ok {
			g = len(groups)
			index[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return r.mergeGroups(recs, groups, workers)
}

// MergeClusters is the entity-resolution hook: it merges records by
// cluster assignment (clusters[i] is the cluster of recs[i], for example
// from probabilistic linkage) instead of by name key, with the same
// survivorship, provenance and scoring as Aggregate.
func (r *Refiner) MergeClusters(recs []Record, clusters []int, workers int) ([]Organisation, error) {
	if len(clusters) != len(recs) {
		return nil, fmt.Errorf("merge clusters: %d assignments for %d records", len(clusters), len(recs))
	}
	index := map[int]int{}
	var groups [][]int
	for i, c := range clusters {
		g, ok := index[c]
		if !ok {
			g = len(groups)
			index[c] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	return r.mergeGroups(recs, groups, workers), nil
}

func (r *Refiner) mergeGroups(recs []Record, groups [][]int, workers int) []Organisation {
	out := make([]Organisation, len(groups))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 1024
	next := make(chan int, (len(groups)+chunk-1)/chunk+1)
	for lo := 0; lo < len(groups); lo += chunk {
		next <- lo
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for lo := range next {
				for g := lo; g < min(lo+chunk, len(groups)); g++ {
					out[g] = r.merge(recs, groups[g])
					buf = out[g].renderJSON(buf)
				}
			}
		}()
	}
	wg.Wait()
	markSharedWebsites(out)
	distinctSlugs(out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out
}

// better reports whether record a beats record b under the rules, and the
// rule that decided ("" when they tie on every rule).
func (r *Refiner) better(a, b *Record) (bool, string) {
	for _, rule := range r.rules {
		switch rule {
		case RulePriority:
			if a.Priority != b.Priority {
				return a.Priority > b.Priority, rule
			}
		case RuleCompleteness:
			if a.Filled != b.Filled {
				return a.Filled > b.Filled, rule
			}
		case RuleRecency:
			if a.HasRecency != b.HasRecency {
				return a.HasRecency, rule
			}
			if a.Recency != b.Recency {
				return a.Recency > b.Recency, rule
			}
		}
	}
	return a.seq < b.seq, ""
}

// reason says briefly why win beat runner under rule, e.g. "priority
// 3>2"; selection_provenance holds one per field, so it is kept short.
func (r *Refiner) reason(win, runner *Record, rule string) string {
	switch rule {
	case RulePriority:
		return fmt.Sprintf("priority %d>%d", win.Priority, runner.Priority)
	case RuleCompleteness:
		return fmt.Sprintf("completeness %d>%d", win.Filled, runner.Filled)
	case RuleRecency:
		if !runner.HasRecency {
			return "recency " + table.FormatDate(win.Recency) + ">none"
		}
		return "recency " + table.FormatDate(win.Recency) + ">" + table.FormatDate(runner.Recency)
	}
	return "first read"
}

func (r *Refiner) merge(recs []Record, members []int) Organisation {
	// Rank members once; every field then takes its first candidate.
	ranked := append([]int(nil), members...)
	sort.SliceStable(ranked, func(i, j int) bool {
		ok, _ := r.better(&recs[ranked[i]], &recs[ranked[j]])
		return ok
	})
	o := Organisation{Provenance: make(Provenance, 0, numOrgFields+1), Primary: -1}
	cands := make([]int, 0, len(ranked))
	for f := FieldNone + 1; f < numOrgFields; f++ {
		if f == FieldRecordID || f == FieldRecordDate {
			continue
		}
		cands = cands[:0]
		for _, i := range ranked {
			if recs[i].Fields[f] != "" {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			continue
		}
		name := fieldInfos[f].name
		if f == FieldLastInteraction {
			best := cands[0]
			for _, i := range cands[1:] {
				if recs[i].Fields[f] > recs[best].Fields[f] {
					best = i
				}
			}
			w := &recs[best]
			o.Fields[f] = w.Fields[f]
			o.Provenance = append(o.Provenance, FieldChoice{name, Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority, Reason: "latest date"}})
			continue
		}
		w := &recs[cands[0]]
		if f == FieldWebsite && len(cands) > 1 {
			if alt := websiteByEmail(recs, ranked, cands); alt >= 0 {
				// The higher-ranked site is on none of the contacts'
				// email domains and this one is: it is the organisation's.
				w = &recs[alt]
				o.Fields[f] = w.Fields[f]
				o.Provenance = append(o.Provenance, FieldChoice{name, Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority, Reason: "matches contact email domain"}})
				continue
			}
		}
		if fieldInfos[f].kind == kindJoin && len(cands) > 1 {
			o.Fields[f] = joinDistinct(recs, cands, f)
			o.Provenance = append(o.Provenance, FieldChoice{name, Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority,
				Reason: "joined " + strconv.Itoa(len(cands))}})
			continue
		}
		o.Fields[f] = w.Fields[f]
		reason := "only value"
		switch {
		case w.constant&(1<<f) != 0:
			reason = "constant"
		case len(cands) > 1:
			_, rule := r.better(w, &recs[cands[1]])
			reason = r.reason(w, &recs[cands[1]], rule)
		}
		o.Provenance = append(o.Provenance, FieldChoice{name, Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority, Reason: reason}})
	}
	o.Slug = Slug(o.Fields[FieldOrganizationName])
	if d, ok := ParseDate(o.Fields[FieldLastInteraction], DayFirst); ok {
		o.LastInteraction, o.HasLast = d, true
	}
	// Groups are small, so linear searches beat maps until they are not.
	var ids map[string]bool
	if len(members) > smallGroup {
		ids = make(map[string]bool, len(members))
	}
	o.RecordIDs = make([]string, 0, len(members))
	for _, i := range members {
		rec := &recs[i]
		if !slices.Contains(o.Datasets, rec.Dataset) {
			o.Datasets = append(o.Datasets, rec.Dataset)
		}
		id := rec.Dataset + ":" + rec.ID
		if ids != nil {
			if ids[id] {
				continue
			}
			ids[id] = true
		} else if slices.Contains(o.RecordIDs, id) {
			continue
		}
		o.RecordIDs = append(o.RecordIDs, id)
	}
	sort.Strings(o.Datasets)
	var flags []string
	for _, i := range ranked {
		for _, l := range recs[i].Links {
			if !slices.Contains(o.Links, l) && len(o.Links) < maxSecondary {
				o.Links = append(o.Links, l)
			}
		}
		for _, f := range recs[i].Flags {
			if strings.HasPrefix(f, "website_") && !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
	}
	if slices.Contains(flags, FlagWebsiteLinkOnly) && o.Fields[FieldWebsite] != "" {
		flags = slices.DeleteFunc(flags, func(f string) bool { return f == FlagWebsiteLinkOnly })
	}
	r.scoreContacts(&o, recs, ranked)
	if r.isInactive(o.Fields[FieldStatus]) {
		// Closed or defunct: not a lead, whatever its contacts.
		for ci := range o.Contacts {
			o.Contacts[ci].Lead = 0
		}
		flags = append(flags, FlagInactive)
	}
	r.scoreQuality(&o)
	o.QualityFlags = append(o.QualityFlags, flags...)
	return o
}

// maxJoined bounds the distinct values joined into one free-text field:
// a group of hundreds of records would otherwise make a cell nobody reads
// (and Excel caps cells at 32,767 characters).
const maxJoined = 8

// joinDistinct joins the distinct values of field f over cands in rank
// order, case-insensitively, up to maxJoined.
func joinDistinct(recs []Record, cands []int, f Field) string {
	seen := map[string]bool{}
	var parts []string
	for _, i := range cands {
		for _, p := range strings.Split(recs[i].Fields[f], "; ") {
			k := strings.ToLower(strings.TrimSpace(p))
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			parts = append(parts, p)
			if len(parts) == maxJoined {
				return strings.Join(parts, "; ")
			}
		}
	}
	return strings.Join(parts, "; ")
}

// smallGroup is the size up to which a group's duplicate checks scan a
// slice instead of filling a map.
const smallGroup = 16

// sameContact reports whether two contacts are exact duplicates: the same
// name (ignoring case), emails and phones.
func sameContact(a, b *Contact) bool {
	if !lowerEqual(a.Name, b.Name) || !slices.Equal(a.Emails, b.Emails) || len(a.Phones) != len(b.Phones) {
		return false
	}
	for i := range a.Phones {
		if a.Phones[i].E164 != b.Phones[i].E164 || a.Phones[i].Raw != b.Phones[i].Raw {
			return false
		}
	}
	return true
}

// lowerEqual reports whether a and b are equal once lowercased rune by
// rune, the equality that contactHash hashes.
func lowerEqual(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && unicode.ToLower(ra) != unicode.ToLower(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == b
}

// contactHash hashes what sameContact compares.
func contactHash(seed maphash.Seed, c *Contact) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var rb [utf8.UTFMax]byte
	for _, r := range c.Name {
		_, _ = h.Write(utf8.AppendRune(rb[:0], unicode.ToLower(r)))
	}
	_ = h.WriteByte(0)
	for _, e := range c.Emails {
		_, _ = h.WriteString(e)
		_ = h.WriteByte(0)
	}
	_ = h.WriteByte(1)
	for _, p := range c.Phones {
		_, _ = h.WriteString(p.E164)
		_ = h.WriteByte(0)
		_, _ = h.WriteString(p.Raw)
		_ = h.WriteByte(0)
	}
	return h.Sum64()
}

// scoreContacts rates every contact of the group, drops exact duplicates
// and picks the primary: the best lead score, then the higher source
// priority, then the first read.
func (r *Refiner) scoreContacts(o *Organisation, recs []Record, ranked []int) {
	site := o.Fields[FieldWebsite]
	n := 0
	for _, i := range ranked {
		n += len(recs[i].Contacts)
	}
	if n == 0 {
		return
	}
	o.Contacts = make([]ScoredContact, 0, n)
	// Large groups find duplicates through a hash of each contact; small
	// ones scan what they kept.
	var seen map[uint64][]int
	if n > smallGroup {
		seen = make(map[uint64][]int, n)
	}
	var flags []string
	flag := func(fl string) {
		if !slices.Contains(flags, fl) {
			flags = append(flags, fl)
		}
	}
	seq := 0
	for _, i := range ranked {
		for ci := range recs[i].Contacts {
			c := &recs[i].Contacts[ci]
			if seen != nil {
				h := contactHash(r.seed, c)
				if slices.ContainsFunc(seen[h], func(k int) bool { return sameContact(o.Contacts[k].Contact, c) }) {
					continue
				}
				seen[h] = append(seen[h], len(o.Contacts))
			} else if slices.ContainsFunc(o.Contacts, func(sc ScoredContact) bool { return sameContact(sc.Contact, c) }) {
				continue
			}
			sc := ScoredContact{Contact: c, EmailStatus: StatusUnknown, PhoneStatus: StatusUnknown, seq: seq}
			seq++
			for _, e := range c.Emails {
				conf, status, fl := r.scorer.Email(e, site)
				if sc.Email == "" || conf > sc.EmailConf {
					sc.Email, sc.EmailConf, sc.EmailStatus, sc.EmailFlags = e, conf, status, fl
				}
			}
			if sc.Email == "" && len(c.BadEmails) > 0 {
				sc.EmailStatus = StatusUndeliverable
			}
			for _, fl := range sc.EmailFlags {
				flag(fl)
			}
			if len(c.BadEmails) > 0 {
				flag("invalid_email")
			}
			if len(c.Flagged) > 0 {
				flag(FlagFlaggedEmail)
			}
			for _, p := range c.Phones {
				conf, status := r.scorer.Phone(p)
				if !p.Valid {
					flag("invalid_phone")
					if sc.Phone.E164 == "" && sc.PhoneStatus == StatusUnknown {
						sc.PhoneConf, sc.PhoneStatus = 0, StatusUndeliverable
					}
					continue
				}
				if sc.Phone.E164 == "" || conf > sc.PhoneConf {
					sc.Phone, sc.PhoneConf, sc.PhoneStatus = p, conf, status
				}
			}
			sc.Lead = r.scorer.Lead(sc.EmailConf, sc.PhoneConf, sc.Name != "", sc.Role)
			o.Contacts = append(o.Contacts, sc)
		}
	}
	for i := range o.Contacts {
		if o.Primary < 0 {
			o.Primary = i
			continue
		}
		a, b := &o.Contacts[i], &o.Contacts[o.Primary]
		if a.Lead > b.Lead || (a.Lead == b.Lead && a.Priority > b.Priority) {
			o.Primary = i
		}
	}
	if o.Primary >= 0 {
		p := &o.Contacts[o.Primary]
		reason := "only contact"
		if len(o.Contacts) > 1 {
			reason = fmt.Sprintf("lead %.3f best of %d", p.Lead, len(o.Contacts))
		}
		o.Provenance = append(o.Provenance, FieldChoice{"contact_primary", Choice{Source: p.Dataset, RecordID: p.RecordID, Priority: p.Priority, Reason: reason}})
	}
	sort.Strings(flags)
	o.ContactFlags = flags
}

// qualityFields are the fields data_quality_score counts.
var qualityFields = []string{"email", "phone", "website", "province", "address"}

func (r *Refiner) scoreQuality(o *Organisation) {
	present := map[string]bool{
		"website":  o.Fields[FieldWebsite] != "",
		"province": o.Fields[FieldProvince] != "",
		"address":  o.Fields[FieldAddress] != "",
	}
	if o.Primary >= 0 {
		p := &o.Contacts[o.Primary]
		present["email"] = p.Email != ""
		present["phone"] = p.Phone.E164 != ""
	}
	n := 0
	for _, f := range qualityFields {
		if present[f] {
			n++
		} else {
			o.QualityFlags = append(o.QualityFlags, "missing_"+f)
		}
	}
	o.QualityScore = round3(float64(n) / float64(len(qualityFields)))
}

// ProvenanceJSON renders the provenance as compact JSON, an object keyed
// by field name with keys sorted, as encoding/json renders a map (HTML
// characters escaped included).
func (o *Organisation) ProvenanceJSON() string {
	if o.provJSON != "" {
		return o.provJSON
	}
	return string(o.Provenance.AppendJSON(nil))
}

// AppendJSON appends the provenance as ProvenanceJSON renders it.
func (p Provenance) AppendJSON(dst []byte) []byte {
	// Insertion sort of indices: a provenance has a few dozen entries at
	// most, already nearly in order, and sort.Slice would allocate.
	var buf [numOrgFields + 4]int
	order := buf[:0]
	if len(p) > len(buf) {
		order = make([]int, 0, len(p))
	}
	for i := range p {
		j := len(order)
		order = append(order, i)
		for ; j > 0 && p[order[j-1]].Field > p[i].Field; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	dst = append(dst, '{')
	for k, i := range order {
		if k > 0 {
			dst = append(dst, ',')
		}
		c := &p[i]
		dst = appendJSONString(dst, c.Field)
		dst = append(dst, `:{"source":`...)
		dst = appendJSONString(dst, c.Source)
		dst = append(dst, `,"record_id":`...)
		dst = appendJSONString(dst, c.RecordID)
		dst = append(dst, `,"priority":`...)
		dst = strconv.AppendInt(dst, int64(c.Priority), 10)
		dst = append(dst, `,"reason":`...)
		dst = appendJSONString(dst, c.Reason)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// renderJSON sets provJSON, so that the merge workers rather than the
// sequential Build pay for it.
func (o *Organisation) renderJSON(buf []byte) []byte {
	buf = o.Provenance.AppendJSON(buf[:0])
	o.provJSON = string(buf)
	return buf
}

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it: HTML characters and U+2028/U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// websiteByEmail returns the website candidate to use instead of the
// first when the first's host is none of the group's contact email
// domains and a later candidate's is, or -1.
func websiteByEmail(recs []Record, members, cands []int) int {
	onDomain := func(i int) bool {
		host := WebsiteHost(recs[i].Fields[FieldWebsite])
		for _, m := range members {
			if recs[m].hasEmailDomain(host) {
				return true
			}
		}
		return false
	}
	if onDomain(cands[0]) {
		return -1
	}
	for _, i := range cands[1:] {
		if recs[i].Fields[FieldWebsite] != recs[cands[0]].Fields[FieldWebsite] && onDomain(i) {
			return i
		}
	}
	return -1
}
