package refine

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/hotpass/hotpass/internal/geo"
	"github.com/hotpass/hotpass/internal/linkage/settings"
	"github.com/hotpass/hotpass/internal/unionfind"
)

// maxEvidenceGroup bounds the records compared pairwise because they
// share a website, phone or email domain: a value shared by more is a
// directory, a switchboard or a hosting company, not evidence.
const maxEvidenceGroup = 50

// placeWords returns the place names in an organisation's name after its
// first word ("Skyways Flight School Bloemfontein" → "bloemfontein"),
// which mark a branch; a place as the first word is part of the name
// ("Pretoria Aero Club"). Place names come from normalisation.place_names.
func (r *Refiner) placeWords(name string) string {
	if len(r.places) == 0 {
		return ""
	}
	words := strings.Split(r.NameKey(name), "-")
	var found []string
	for i := 1; i < len(words); i++ {
		for n := 3; n >= 1; n-- {
			if i+n > len(words) {
				continue
			}
			if w := strings.Join(words[i:i+n], "-"); r.places[w] {
				found = append(found, w)
				i += n - 1
				break
			}
		}
	}
	return strings.Join(found, " ")
}

// SettleClusters completes entity-resolution clusters (labels[i] is the
// cluster of recs[i]) with what is known for certain, and returns new
// labels numbered in order of each cluster's first record:
//
//   - records with the same normalised name (case, spaces, punctuation
//     and the spelling of the legal suffix ignored, aliases resolved; two
//     different legal forms are kept apart) belong together unless they
//     share no website, phone or email domain and differ in province
//     (or lie farther apart than the linkage's location comparison
//     allows, see placeRadiusKm), website or email domains, so a pair
//     left in the review band with
//     nobody reviewing falls back to the name key instead of staying
//     apart;
//   - records sharing two of website, phone and email domain belong
//     together whatever their names ("RAFSA" and "Rotary Air Force SA");
//   - records whose names carry different places are branches, and a
//     cluster holding several is split by place.
func (r *Refiner) SettleClusters(recs []Record, labels []int) []int {
	n := len(recs)
	sets := unionfind.New(n)
	find, union := sets.Find, sets.Union
	ev := make([]evidence, n)
	places := make([]string, n)
	for i := range recs {
		ev[i] = r.evidenceOf(&recs[i])
		places[i] = r.placeWords(recs[i].Fields[FieldOrganizationName])
	}
	// Linkage clusters, split where two places meet. A record without a
	// place joins the first place named in its cluster, so branches split
	// cleanly and place-less records stay with one of them.
	clusterPlace := map[int]string{}
	for i, l := range labels {
		if _, ok := clusterPlace[l]; !ok && places[i] != "" {
			clusterPlace[l] = places[i]
		}
	}
	first := map[[2]any]int{}
	for i, l := range labels {
		k := [2]any{l, places[i]}
		if places[i] == "" {
			k = [2]any{l, clusterPlace[l]}
		}
		if f, ok := first[k]; ok {
			union(f, i)
		} else {
			first[k] = i
		}
	}
	// The normalised name (legal form included: "X CC" and "X (Pty) Ltd"
	// may be two companies): records of one name merge unless something
	// says they are different organisations.
	byKey := map[string][]int{}
	forms := make([]string, n)
	for i := range recs {
		name := r.Canonical(recs[i].Fields[FieldOrganizationName])
		k := r.compactKey(name)
		forms[i] = legalForm(Slug(name), r.NameKey(name))
		byKey[k] = append(byKey[k], i)
	}
	loc := r.locator()
	for _, g := range byKey {
		if len(g) > 1 {
			settleKeyGroup(g, recs, ev, places, forms, loc, find, union)
		}
	}
	// Two of website, phone and email domain shared.
	index := map[string][]int{}
	for i := range ev {
		if ev[i].host != "" {
			index["w:"+ev[i].host] = append(index["w:"+ev[i].host], i)
		}
		for _, p := range ev[i].phones {
			index["p:"+p] = append(index["p:"+p], i)
		}
	}
	for _, g := range index {
		if len(g) < 2 || len(g) > maxEvidenceGroup {
			continue
		}
		for a := 0; a < len(g); a++ {
			for b := a + 1; b < len(g); b++ {
				i, j := g[a], g[b]
				if places[i] != places[j] && places[i] != "" && places[j] != "" {
					continue
				}
				if ev[i].shared(&ev[j]) >= 2 {
					union(i, j)
				}
			}
		}
	}
	return sets.Labels()
}

// placeRadiusKm is how far apart two records of one organisation may be
// placed: the largest distance_km threshold of the profile's linkage
// comparisons on the location column. It is 0 when linkage does not
// compare location, and settling then leaves location out, so a profile
// turns location on in one place for both.
func (r *Refiner) placeRadiusKm() float64 {
	if r.profile.Linkage == nil {
		return 0
	}
	km := 0.0
	for _, c := range r.profile.Linkage.Comparisons {
		for _, l := range c.Levels {
			if l.Type == settings.DistanceKm && l.Longitude == "" && cmp.Or(l.Column, c.Column) == LinkLocation {
				km = max(km, l.Threshold)
			}
		}
	}
	return km
}

// locator places records for settling.
type locator struct {
	gaz    *geo.Gazetteer
	radius float64
}

type geoPoint struct {
	lat, lon float64
	ok       bool
}

// locator returns nil when settling leaves location out.
func (r *Refiner) locator() *locator {
	km := r.placeRadiusKm()
	if km == 0 {
		return nil
	}
	gaz, err := geo.Load(r.region)
	if err != nil {
		return nil
	}
	return &locator{gaz: gaz, radius: km}
}

// far reports whether every point of a lies farther than the radius from
// every point of b; false when either has none.
func (l *locator) far(a, b []geoPoint) bool {
	if l == nil || len(a) == 0 || len(b) == 0 {
		return false
	}
	for _, p := range a {
		for _, q := range b {
			if geo.DistanceKm(p.lat, p.lon, q.lat, q.lon) <= l.radius {
				return false
			}
		}
	}
	return true
}

// evidence is what identifies an organisation besides its name.
type evidence struct {
	host string
	// ownHost says the website is the organisation's by its name or its
	// contacts' email domains; only such a site speaks against a merge.
	ownHost bool
	phones  []string
	domains []string
}

func (r *Refiner) evidenceOf(rec *Record) evidence {
	e := evidence{host: WebsiteHost(rec.Fields[FieldWebsite])}
	e.ownHost = e.host != "" && (hostFitsName(e.host, r.compactKey(rec.Fields[FieldOrganizationName])) || rec.hasEmailDomain(e.host))
	for _, c := range rec.Contacts {
		for _, p := range c.Phones {
			if p.Valid && p.E164 != "" && !slices.Contains(e.phones, p.E164) {
				e.phones = append(e.phones, p.E164)
			}
		}
		for _, m := range c.Emails {
			if d := EmailDomain(m); d != "" && !r.scorer.IsFreeMail(d) && !slices.Contains(e.domains, d) {
				e.domains = append(e.domains, d)
			}
		}
	}
	return e
}

// shared counts the kinds of evidence two records have in common.
func (e *evidence) shared(o *evidence) int {
	n := 0
	if e.host != "" && e.host == o.host {
		n++
	}
	if intersects(e.phones, o.phones) {
		n++
	}
	// A website against an email domain is not counted: a website pasted
	// one row off matches the neighbour's email domain.
	if intersects(e.domains, o.domains) {
		n++
	}
	return n
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// settleKeyGroup merges the clusters holding records of one name key.
// Clusters with a website, phone or email domain merge unless they are
// apart (see apart); clusters with none join the one cluster they can,
// and stay apart when two or more different organisations share the name,
// since nothing says which they belong to, or when that cluster already
// holds a row of the same source.
func settleKeyGroup(g []int, recs []Record, ev []evidence, places, forms []string, loc *locator, find func(int) int, union func(int, int)) {
	type cl struct {
		root   int
		ev     evidence
		prov   []string
		pts    []geoPoint // where its records are placed, when loc is set
		place  string
		form   string // legal form, "" when none is written
		anchor bool
		sets   []string // datasets of its records
	}
	var cls []*cl
	byRoot := map[int]*cl{}
	for _, i := range g {
		root := find(i)
		c, ok := byRoot[root]
		if !ok {
			c = &cl{root: root}
			byRoot[root] = c
			cls = append(cls, c)
		}
		c.ev.merge(&ev[i])
		if p := recs[i].Fields[FieldProvince]; p != "" && !slices.Contains(c.prov, p) {
			c.prov = append(c.prov, p)
		}
		if loc != nil {
			if p := locate(loc.gaz, &recs[i]); p.ok {
				c.pts = append(c.pts, p)
			}
		}
		if places[i] != "" {
			c.place = places[i]
		}
		if forms[i] != "" {
			c.form = forms[i]
		}
		if !slices.Contains(c.sets, recs[i].Dataset) {
			c.sets = append(c.sets, recs[i].Dataset)
		}
	}
	for _, c := range cls {
		c.anchor = c.ev.host != "" || len(c.ev.phones) > 0 || len(c.ev.domains) > 0
	}
	compatible := func(a, b *cl) bool {
		if a.place != "" && b.place != "" && a.place != b.place {
			return false
		}
		// "X CC" and "X (Pty) Ltd" may be two companies; "X" is either.
		if a.form != "" && b.form != "" && a.form != b.form {
			return false
		}
		return !apart(&a.ev, &b.ev, a.prov, b.prov, loc.far(a.pts, b.pts))
	}
	var anchors []*cl
	for _, c := range cls {
		if !c.anchor {
			continue
		}
		merged := false
		for _, a := range anchors {
			if compatible(a, c) {
				union(a.root, c.root)
				a.ev.merge(&c.ev)
				a.prov = append(a.prov, c.prov...)
				a.pts = append(a.pts, c.pts...)
				merged = true
				break
			}
		}
		if !merged {
			anchors = append(anchors, c)
		}
	}
	var bare []*cl // clusters of names only, when no cluster has more
	for _, c := range cls {
		if c.anchor {
			continue
		}
		if len(anchors) == 0 {
			// Nothing but names: the name key decides, legal form and
			// place permitting.
			merged := false
			for _, b := range bare {
				if compatible(b, c) {
					union(b.root, c.root)
					merged = true
					break
				}
			}
			if !merged {
				bare = append(bare, c)
			}
			continue
		}
		var fits []*cl
		for _, a := range anchors {
			// A source that already lists the organisation under this
			// name lists another one in a second row.
			if compatible(a, c) && !intersects(a.sets, c.sets) {
				fits = append(fits, a)
			}
		}
		if len(fits) == 1 {
			union(fits[0].root, c.root)
		}
	}
}

func (e *evidence) merge(o *evidence) {
	if e.host == "" || (!e.ownHost && o.ownHost) {
		e.host, e.ownHost = o.host, o.ownHost
	}
	for _, p := range o.phones {
		if !slices.Contains(e.phones, p) {
			e.phones = append(e.phones, p)
		}
	}
	for _, d := range o.domains {
		if !slices.Contains(e.domains, d) {
			e.domains = append(e.domains, d)
		}
	}
}

// apart says two organisations of the same name are different ones: their
// places and phones differ; or they share no website, phone or email
// domain (a website matching the other's email domain counts as shared)
// and their places differ, or both have websites of their own (by name
// or email domain) and the two differ, or both have email domains. Places
// differ when the provinces do, or when far says the records lie too far
// apart to be one organisation.
func apart(a, b *evidence, pa, pb []string, far bool) bool {
	provinces := far || (len(pa) > 0 && len(pb) > 0 && !intersects(pa, pb))
	// Different provinces and different phones: different organisations
	// even under one website, as branches and namesakes are.
	if provinces && len(a.phones) > 0 && len(b.phones) > 0 && !intersects(a.phones, b.phones) {
		return true
	}
	if a.shared(b) > 0 || (a.host != "" && slices.Contains(b.domains, a.host)) || (b.host != "" && slices.Contains(a.domains, b.host)) {
		return false
	}
	sites := a.ownHost && b.ownHost && a.host != b.host
	return provinces || sites || (len(a.domains) > 0 && len(b.domains) > 0)
}

// distinctSlugs keeps organization_slug an identifier when entity
// resolution leaves different organisations of one name apart: the
// second and later take their province ("zulu-flying-club-free-state"),
// or a number when that is taken too.
func distinctSlugs(orgs []Organisation) {
	taken := make(map[string]bool, len(orgs))
	for i := range orgs {
		taken[orgs[i].Slug] = true
	}
	seen := make(map[string]bool, len(orgs))
	for i := range orgs {
		o := &orgs[i]
		if !seen[o.Slug] {
			seen[o.Slug] = true
			continue
		}
		base := o.Slug
		slug := ""
		if p := Slug(o.Fields[FieldProvince]); p != "" && !taken[base+"-"+p] {
			slug = base + "-" + p
		}
		for n := 2; slug == ""; n++ {
			if c := base + "-" + strconv.Itoa(n); !taken[c] {
				slug = c
			}
		}
		o.Slug = slug
		taken[slug], seen[slug] = true, true
		o.QualityFlags = append(o.QualityFlags, "namesake")
	}
}

// legalForm is the legal suffix of a slug given its core ("pty-ltd" for
// "4-aviators-pty-ltd" and "4-aviators"), "" when it has none.
func legalForm(slug, core string) string {
	return strings.TrimPrefix(strings.TrimPrefix(slug, core), "-")
}
