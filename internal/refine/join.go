package refine

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hotpass/hotpass/internal/strsim"
	"github.com/hotpass/hotpass/internal/table/atomicfile"
)

// DefaultJoinNameThreshold is the Jaro-Winkler similarity of two
// organisation names (legal suffixes, case, spaces and punctuation
// ignored) at which a joined row that matched nothing else is attached to
// the closest organisation.
const DefaultJoinNameThreshold = 0.94

// How a joined row found its organisation, in the order tried.
const (
	JoinedByKey         = "key"          // the join field itself (ID, or name for name joins)
	JoinedByName        = "name"         // the ID cell held the organisation's name
	JoinedByAlias       = "alias"        // the cell held one of the profile's aliases
	JoinedByFuzzyName   = "fuzzy_name"   // Jaro-Winkler at or above the threshold
	JoinedByEmailDomain = "email_domain" // a contact's email domain is the website of exactly one organisation
)

// Reasons a source row is left out.
const (
	RejectEmptyRow = "empty row"
	RejectNoName   = "no organisation name"
	RejectNoKey    = "no organisation key and no email domain to place it"
	RejectZeroKey  = "organisation key is 0 and no email domain places it"
	RejectNoMatch  = "key matches no organisation and is not a name"
)

// SheetStats accounts for every row of one source sheet: each ends merged
// into an organisation read elsewhere, kept as a record of its own, or
// rejected with a reason, so Read = Merged + Kept + Rejected.
type SheetStats struct {
	Dataset string `json:"dataset"`
	File    string `json:"file,omitempty"`
	Sheet   string `json:"sheet"`
	Read    int    `json:"read"`
	Merged  int    `json:"merged"`
	Kept    int    `json:"kept"`
	// Rejected rows are listed by reason in Reasons.
	Rejected int `json:"rejected"`
	// Unjoined counts rows of a joined sheet that matched no organisation
	// (they are among Kept or Rejected).
	Unjoined int `json:"unjoined"`
	// MergedBy counts merged rows by how they found their organisation.
	MergedBy map[string]int `json:"merged_by,omitempty"`
	Reasons  map[string]int `json:"reasons,omitempty"`
}

func (s *SheetStats) reject(reason string) {
	s.Rejected++
	if s.Reasons == nil {
		s.Reasons = map[string]int{}
	}
	s.Reasons[reason]++
}

func (s *SheetStats) merged(by string) {
	s.Merged++
	if s.MergedBy == nil {
		s.MergedBy = map[string]int{}
	}
	s.MergedBy[by]++
}

// Detail renders the counts for the Summary sheet: "read 40: merged 31
// (key 28, name 2, email_domain 1), kept 5, rejected 4 (organisation key
// is 0 ...: 4); unjoined 9".
func (s *SheetStats) Detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "read %d: merged %d", s.Read, s.Merged)
	if len(s.MergedBy) > 0 {
		b.WriteString(" (" + countList(s.MergedBy, " ") + ")")
	}
	fmt.Fprintf(&b, ", kept %d, rejected %d", s.Kept, s.Rejected)
	if len(s.Reasons) > 0 {
		b.WriteString(" (" + countList(s.Reasons, ": ") + ")")
	}
	fmt.Fprintf(&b, "; unjoined %d", s.Unjoined)
	return b.String()
}

func countList(m map[string]int, sep string) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + sep + strconv.Itoa(m[k])
	}
	return strings.Join(parts, ", ")
}

// compactKey is an organisation's name key without separators, so that
// "4 Aviators (Pty) Ltd" and "4aviators" compare equal.
func (r *Refiner) compactKey(name string) string {
	return strings.ReplaceAll(r.NameKey(name), "-", "")
}

// buildAliases maps the compact key of each alias to its organisation's
// name, from normalisation.aliases.
func (r *Refiner) buildAliases() {
	r.aliases = map[string]string{}
	for _, name := range sortedKeys(r.profile.Normalisation.Aliases) {
		for _, a := range r.profile.Normalisation.Aliases[name] {
			if k := r.compactKey(a); k != "" {
				r.aliases[k] = name
			}
		}
	}
}

// Canonical returns the organisation name an alias stands for, or name
// itself.
func (r *Refiner) Canonical(name string) string {
	if len(r.aliases) == 0 {
		return name
	}
	if c, ok := r.aliases[r.compactKey(name)]; ok {
		return c
	}
	return name
}

// fileIndex finds a joined row's organisation among one file's records
// when its join field does not: by name, alias, similar name or email
// domain. It is built on first use, as most rows join by key.
type fileIndex struct {
	n      int // records indexed, a prefix of the file's records
	byName map[string][]int
	blocks map[string][]int // first three bytes of the compact key
	keys   []string
	words  [][]string // the name key's words
	byHost map[string][]int
}

func (r *Refiner) newFileIndex() *fileIndex {
	return &fileIndex{byName: map[string][]int{}, blocks: map[string][]int{}, byHost: map[string][]int{}}
}

// extend indexes the records added since the last call: the file's
// joined sheets share one index, which grows by the records they keep.
func (r *Refiner) extend(x *fileIndex, recs []Record) {
	for i := x.n; i < len(recs); i++ {
		x.keys = append(x.keys, "")
		x.words = append(x.words, nil)
	}
	for i := x.n; i < len(recs); i++ {
		nk := r.NameKey(r.Canonical(recs[i].Fields[FieldOrganizationName]))
		k := strings.ReplaceAll(nk, "-", "")
		x.keys[i], x.words[i] = k, strings.Split(nk, "-")
		if k == "" {
			continue
		}
		x.byName[k] = append(x.byName[k], i)
		x.blocks[block(k)] = append(x.blocks[block(k)], i)
		if w, ok := NormaliseWebsite(recs[i].Fields[FieldWebsite]); ok {
			h := WebsiteHost(w)
			if len(x.byHost[h]) == 0 || x.byHost[h][len(x.byHost[h])-1] != i {
				x.byHost[h] = append(x.byHost[h], i)
			}
		}
	}
	x.n = len(recs)
}

// commonBytes bounds from above the characters an ASCII name shares
// with the one whose byte counts (folded into 64 buckets) are qh. Names
// with other characters are compared by code point, so for them it
// returns len(s), which bounds nothing.
func commonBytes(qh *[64]uint16, s string) int {
	var used [64]uint16
	m := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || qh[63] == nonASCII {
			return len(s)
		}
		b := s[i] & 63
		if used[b] < qh[b] {
			used[b]++
			m++
		}
	}
	return m
}

// nonASCII marks byte counts of a name with non-ASCII characters, which
// bound nothing (bucket 63 cannot reach it otherwise).
const nonASCII = 1<<16 - 1

// byteCounts counts a name's bytes into 64 buckets for commonBytes.
func byteCounts(k string) *[64]uint16 {
	var qh [64]uint16
	for i := 0; i < len(k); i++ {
		if k[i] >= utf8.RuneSelf {
			qh[63] = nonASCII
			return &qh
		}
		qh[k[i]&63]++
	}
	return &qh
}

func block(k string) string {
	if len(k) > 3 {
		return k[:3]
	}
	return k
}

// find returns the record a key value names and how, or -1.
func (r *Refiner) findByName(x *fileIndex, v string, threshold float64) (int, string) {
	k := r.compactKey(v)
	if k == "" {
		return -1, ""
	}
	if t := x.byName[k]; len(t) > 0 {
		return t[0], JoinedByName
	}
	if c, ok := r.aliases[k]; ok {
		if t := x.byName[r.compactKey(c)]; len(t) > 0 {
			return t[0], JoinedByAlias
		}
	}
	best, bestSim, tie := -1, threshold, false
	qh := byteCounts(k)
	// Jaro-Winkler adds at most 0.4·(1-Jaro), so Jaro must reach jmin.
	jmin := (threshold - 0.4) / 0.6
	for _, i := range x.blocks[block(k)] {
		c := x.keys[i]
		// Names of very different lengths are never this similar.
		if a, b := len(k), len(c); 10*min(a, b) < 7*max(a, b) {
			continue
		}
		// Nor are names with too few characters in common: Jaro is at
		// most (m/|a| + m/|b| + 1)/3 for m common characters.
		if jmin > 0 && float64(commonBytes(qh, c))*(1/float64(len(k))+1/float64(len(c))) < 3*jmin-1 {
			continue
		}
		s := strsim.JaroWinkler(k, c)
		switch {
		case s > bestSim || (best < 0 && s == bestSim):
			best, bestSim, tie = i, s, false
		case s == bestSim && x.keys[i] != x.keys[best]:
			tie = true
		}
	}
	if best >= 0 && !tie {
		return best, JoinedByFuzzyName
	}
	if tie {
		return -1, ""
	}
	// A word left out or added ("Sunbird Aviation Centre" for "Sunbird
	// Aviation Training Centre"): the shorter name's words, in order,
	// within the longer, starting with the same word. Only a single such
	// organisation counts.
	words := strings.Split(r.NameKey(v), "-")
	if len(words) < 2 {
		return -1, ""
	}
	best = -1
	for _, i := range x.blocks[block(k)] {
		if !wordSubsequence(words, x.words[i]) {
			continue
		}
		if best >= 0 && x.keys[i] != x.keys[best] {
			return -1, ""
		}
		if best < 0 {
			best = i
		}
	}
	if best < 0 {
		return -1, ""
	}
	return best, JoinedByFuzzyName
}

// wordSubsequence reports whether the shorter of a and b, of at least two
// words, appears in order within the longer and both start alike.
func wordSubsequence(a, b []string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 || len(a) == len(b) || a[0] != b[0] {
		return false
	}
	j := 0
	for _, w := range b {
		if j < len(a) && a[j] == w {
			j++
		}
	}
	return j == len(a)
}

// findByEmail returns the one record whose website host is the domain of
// the contact's (non-free) email addresses, or -1.
func (r *Refiner) findByEmail(x *fileIndex, c *Contact) int {
	found := -1
	for _, raw := range c.RawEmails {
		emails, _ := SplitEmails(raw)
		for _, e := range emails {
			d := e[strings.LastIndexByte(e, '@')+1:]
			if r.scorer.IsFreeMail(d) {
				continue
			}
			t := x.byHost[d]
			if len(t) != 1 || (found >= 0 && found != t[0]) {
				return -1
			}
			found = t[0]
		}
	}
	return found
}

// looksLikeName reports whether a key cell holds a name ("capital air")
// rather than an identifier ("C00012", "0").
func looksLikeName(v string) bool {
	letters, digits := 0, 0
	for _, c := range v {
		switch {
		case unicode.IsLetter(c):
			letters++
		case unicode.IsDigit(c):
			digits++
		}
	}
	return letters >= 3 && letters > digits
}

// joinRows attaches each row of a joined sheet to the record (of the same
// file) it belongs to: by its join field, then by the organisation name or
// alias written in that field, a similar name, or its contact's email
// domain. A row that finds none becomes a record of its own when its key
// is a name, and is rejected with a reason otherwise; rejections are
// warned with their rows.
func (r *Refiner) joinRows(b *Batch, rs rowSource, j *Join, recs []Record, x **fileIndex) {
	st := SheetStats{Dataset: rs.dataset, File: displayFile(rs.file), Sheet: rs.sheet, Read: rs.t.NumRows()}
	on, _ := ParseField(j.On)
	key := func(s string) string { return strings.TrimSpace(CleanText(s)) }
	if j.Match == MatchName {
		key = r.NameKey
	}
	threshold := j.NameThreshold
	if threshold == 0 {
		threshold = DefaultJoinNameThreshold
	}
	canon := func(s string) string { return s }
	if on == FieldOrganizationName {
		canon = r.Canonical
	}
	index := make(map[string][]int, len(recs))
	for i := range recs {
		if k := key(canon(recs[i].Fields[on])); k != "" {
			index[k] = append(index[k], i)
		}
	}
	var kept []Record
	examples := map[string][]string{}
	attach := func(rec *Record, fields *OrgFields, c *Contact, hasContact bool) {
		for f := FieldNone + 1; f < numOrgFields; f++ {
			if f == on || fields[f] == "" {
				continue
			}
			rec.Fields[f] = mergeValue(fieldInfos[f].kind, rec.Fields[f], fields[f])
		}
		if hasContact {
			cc := *c
			cc.Dataset, cc.RecordID, cc.Priority = rs.dataset, rec.ID, rs.priority
			rec.Contacts = append(rec.Contacts, cc)
		}
	}
	for i := 0; i < rs.t.NumRows(); i++ {
		var fields OrgFields
		var c Contact
		hasContact := rs.rowValues(i, &fields, &c)
		if emptyRow(&fields, hasContact) {
			st.reject(RejectEmptyRow)
			continue
		}
		v := strings.TrimSpace(fields[on])
		if targets := index[key(canon(v))]; len(targets) > 0 {
			st.merged(JoinedByKey)
			for _, ti := range targets {
				attach(&recs[ti], &fields, &c, hasContact)
			}
			continue
		}
		if *x == nil {
			*x = r.newFileIndex()
		}
		if (*x).n < len(recs) {
			r.extend(*x, recs)
		}
		ti, by := r.findByName(*x, v, threshold)
		if ti < 0 && hasContact {
			if ti = r.findByEmail(*x, &c); ti >= 0 {
				by = JoinedByEmailDomain
			}
		}
		if ti >= 0 {
			st.merged(by)
			attach(&recs[ti], &fields, &c, hasContact)
			continue
		}
		st.Unjoined++
		if looksLikeName(v) {
			rec := Record{Dataset: rs.dataset, Priority: rs.priority, File: rs.file, Sheet: rs.sheet, Row: i + 2, Fields: fields}
			rec.Fields[FieldOrganizationName] = v
			if on == FieldRecordID {
				rec.Fields[FieldRecordID] = ""
			}
			for f, cv := range rs.constants {
				if cv != "" && strings.TrimSpace(rec.Fields[f]) == "" {
					rec.Fields[f] = cv
					rec.constant |= 1 << f
				}
			}
			rec.ID = rs.sheet + "!" + strconv.Itoa(rec.Row)
			if hasContact {
				c.Dataset, c.RecordID, c.Priority = rs.dataset, rec.ID, rs.priority
				rec.Contacts = append(rec.Contacts, c)
			}
			kept = append(kept, rec)
			st.Kept++
			continue
		}
		reason := RejectNoMatch
		switch {
		case v == "":
			reason = RejectNoKey
		case strings.Trim(v, "0") == "":
			reason = RejectZeroKey
		}
		st.reject(reason)
		if len(examples[reason]) < 5 {
			examples[reason] = append(examples[reason], fmt.Sprintf("row %d (%s %q)", i+2, j.On, v))
		}
	}
	b.Records = append(b.Records, kept...)
	b.Stats.JoinedRows += st.Merged
	b.Stats.Unjoined += st.Unjoined
	b.Stats.Rejected += st.Rejected
	b.Stats.PerSheet = append(b.Stats.PerSheet, st)
	if st.Kept > 0 {
		b.warn(Warning{Dataset: rs.dataset, File: rs.file, Sheet: rs.sheet,
			Message: fmt.Sprintf("%d rows match no organisation on %s; each is kept as an organisation of its own under the name in its %s cell (add the name to normalisation.aliases to merge it)", st.Kept, j.On, j.On)})
	}
	reasons := make([]string, 0, len(examples))
	for reason := range examples {
		reasons = append(reasons, reason)
	}
	sort.Strings(reasons)
	for _, reason := range reasons {
		b.warn(Warning{Dataset: rs.dataset, File: rs.file, Sheet: rs.sheet,
			Message: fmt.Sprintf("%d rows rejected: %s, e.g. %s; give them the organisation's %s or name", st.Reasons[reason], reason, strings.Join(examples[reason], ", "), j.On)})
	}
}

func displayFile(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}

// SheetStatsSuffix ends the files in which a run's refine tasks leave
// their per-sheet accounts (<task>.source_rows.json in the run
// directory), so that the task writing the workbook can put them in its
// Summary sheet.
const SheetStatsSuffix = ".source_rows.json"

// WriteSheetStats writes per-sheet accounts to path atomically.
func WriteSheetStats(path string, sheets []SheetStats) error {
	data, err := json.MarshalIndent(sheets, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// ReadSheetStats reads every per-sheet account left in dir, in file name
// order; a directory without any gives none.
func ReadSheetStats(dir string) ([]SheetStats, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+SheetStatsSuffix))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []SheetStats
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var s []SheetStats
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, s...)
	}
	return out, nil
}
