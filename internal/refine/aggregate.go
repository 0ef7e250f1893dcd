package refine

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

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

// ScoredContact is a contact with its best email and phone rated.
type ScoredContact struct {
	Contact
	Email       string
	EmailConf   float64
	EmailStatus string
	EmailFlags  []string
	// Phone is the best valid number, or empty when the contact has none:
	// an invalid number is never a contact's phone.
	Phone       Phone
	PhoneConf   float64
	PhoneStatus string
	Lead        float64
	seq         int
}

// Organisation is one merged SSOT row before it is laid out as a table.
type Organisation struct {
	Fields     OrgFields
	Slug       string
	Datasets   []string
	RecordIDs  []string
	Provenance map[string]Choice
	Contacts   []ScoredContact
	// Primary indexes Contacts, or is -1 without contacts.
	Primary int
	// LastInteraction is days since 1970-01-01; HasLast says whether set.
	LastInteraction int32
	HasLast         bool
	// ContactFlags are the distinct validation flags of all contacts.
	ContactFlags []string
	QualityScore float64
	QualityFlags []string
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
			for lo := range next {
				for g := lo; g < min(lo+chunk, len(groups)); g++ {
					out[g] = r.merge(recs, groups[g])
				}
			}
		}()
	}
	wg.Wait()
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
	o := Organisation{Provenance: map[string]Choice{}, Primary: -1}
	for f := FieldNone + 1; f < numOrgFields; f++ {
		if f == FieldRecordID || f == FieldRecordDate {
			continue
		}
		var cands []int
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
			o.Provenance[name] = Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority, Reason: "latest date"}
			continue
		}
		w := &recs[cands[0]]
		if fieldInfos[f].kind == kindJoin && len(cands) > 1 {
			o.Fields[f] = joinDistinct(recs, cands, f)
			o.Provenance[name] = Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority,
				Reason: fmt.Sprintf("joined %d", len(cands))}
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
		o.Provenance[name] = Choice{Source: w.Dataset, RecordID: w.ID, Priority: w.Priority, Reason: reason}
	}
	o.Slug = Slug(o.Fields[FieldOrganizationName])
	if d, ok := ParseDate(o.Fields[FieldLastInteraction], DayFirst); ok {
		o.LastInteraction, o.HasLast = d, true
	}
	sets := map[string]bool{}
	ids := map[string]bool{}
	for _, i := range members {
		rec := &recs[i]
		if !sets[rec.Dataset] {
			sets[rec.Dataset] = true
			o.Datasets = append(o.Datasets, rec.Dataset)
		}
		id := rec.Dataset + ":" + rec.ID
		if !ids[id] {
			ids[id] = true
			o.RecordIDs = append(o.RecordIDs, id)
		}
	}
	sort.Strings(o.Datasets)
	r.scoreContacts(&o, recs, ranked)
	r.scoreQuality(&o)
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

// scoreContacts rates every contact of the group, drops exact duplicates
// and picks the primary: the best lead score, then the higher source
// priority, then the first read.
func (r *Refiner) scoreContacts(o *Organisation, recs []Record, ranked []int) {
	site := o.Fields[FieldWebsite]
	seen := map[string]bool{}
	flags := map[string]bool{}
	seq := 0
	for _, i := range ranked {
		for _, c := range recs[i].Contacts {
			key := strings.ToLower(c.Name) + "|" + strings.Join(c.Emails, ",") + "|" + phonesKey(c.Phones)
			if seen[key] {
				continue
			}
			seen[key] = true
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
				flags[fl] = true
			}
			if len(c.BadEmails) > 0 {
				flags["invalid_email"] = true
			}
			for _, p := range c.Phones {
				conf, status := r.scorer.Phone(p)
				if !p.Valid {
					flags["invalid_phone"] = true
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
		o.Provenance["contact_primary"] = Choice{Source: p.Dataset, RecordID: p.RecordID, Priority: p.Priority, Reason: reason}
	}
	for fl := range flags {
		o.ContactFlags = append(o.ContactFlags, fl)
	}
	sort.Strings(o.ContactFlags)
}

func phonesKey(ps []Phone) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.E164)
		b.WriteByte(',')
		b.WriteString(p.Raw)
		b.WriteByte(';')
	}
	return b.String()
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

// ProvenanceJSON renders the provenance as compact JSON with keys sorted.
func (o *Organisation) ProvenanceJSON() string {
	b, err := json.Marshal(o.Provenance)
	if err != nil {
		return "{}" // unreachable: Choice holds only strings and ints
	}
	return string(b)
}
