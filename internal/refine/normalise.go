package refine

import (
	"runtime"
	"strings"
	"sync"

	"github.com/hotpass/hotpass/internal/phone"
	"github.com/hotpass/hotpass/internal/table"
)

// Normalise cleans every record of b in place, spreading records over up
// to workers goroutines (0 means GOMAXPROCS): text is NFKC-normalised and
// trimmed, provinces take their canonical names, websites become
// normalised URLs (see NormaliseWebsite), dates become YYYY-MM-DD, emails are split, lowercased and
// checked, phones become E.164, and each record gets its slug and group
// key. Profile constants fill fields no source gave. Last, a website
// that is another record's own is dropped from the record that merely
// repeats it (see checkWebsites).
func (r *Refiner) Normalise(b *Batch, workers int) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const chunk = 2048
	n := len(b.Records)
	if workers == 1 || n <= chunk {
		pn := phone.NewNormaliser(r.phones)
		for i := range b.Records {
			r.normaliseRecord(&b.Records[i], pn)
		}
		r.checkWebsites(b.Records)
		return
	}
	next := make(chan int, (n+chunk-1)/chunk)
	for lo := 0; lo < n; lo += chunk {
		next <- lo
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pn := phone.NewNormaliser(r.phones)
			for lo := range next {
				for i := lo; i < min(lo+chunk, n); i++ {
					r.normaliseRecord(&b.Records[i], pn)
				}
			}
		}()
	}
	wg.Wait()
	r.checkWebsites(b.Records)
}

func (r *Refiner) normaliseRecord(rec *Record, pn *phone.Normaliser) {
	f := &rec.Fields
	for i := FieldNone + 1; i < numOrgFields; i++ {
		if f[i] == "" {
			if c := r.constants[i]; c != "" {
				f[i] = c
				rec.constant |= 1 << i
			}
			continue
		}
		switch fieldInfos[i].kind {
		case kindDate:
			raw := f[i]
			f[i] = ""
			if d, ok := ParseDate(raw, r.dateOrder); ok {
				f[i] = table.FormatDate(d)
				if !rec.HasRecency || d > rec.Recency {
					rec.Recency, rec.HasRecency = d, true
				}
			} else {
				rec.Flags = append(rec.Flags, "invalid_"+fieldInfos[i].name)
			}
		default:
			f[i] = CleanText(f[i])
		}
	}
	if f[FieldWebsite] != "" {
		if w, ok := NormaliseWebsite(f[FieldWebsite]); ok && r.isLinkHost(WebsiteHost(w)) {
			// A social-media or directory page is kept whole as a link.
			rec.Links = append(rec.Links, f[FieldWebsite])
			f[FieldWebsite] = ""
			rec.Flags = append(rec.Flags, FlagWebsiteLinkOnly)
		} else if ok {
			f[FieldWebsite] = w
		} else {
			f[FieldWebsite] = ""
			rec.Flags = append(rec.Flags, "invalid_website")
		}
	}
	if p, ok := r.provinces.Canonical(f[FieldProvince]); ok {
		f[FieldProvince] = p
	}
	if p, ok := r.provinces.Canonical(f[FieldArea]); ok {
		f[FieldArea] = p
		if f[FieldProvince] == "" {
			f[FieldProvince] = p
		}
	}
	rec.Slug = Slug(f[FieldOrganizationName])
	rec.Key = rec.Slug
	if r.coreKey {
		rec.Key = CoreSlug(rec.Slug, r.suffixes)
	}
	if c := r.Canonical(f[FieldOrganizationName]); c != f[FieldOrganizationName] {
		// An alias groups with the organisation it stands for.
		rec.Key = r.Key(c)
	}
	rec.Filled = 0
	for i := FieldNone + 1; i < numOrgFields; i++ {
		if f[i] != "" && rec.constant&(1<<i) == 0 {
			rec.Filled++
		}
	}
	for ci := range rec.Contacts {
		c := &rec.Contacts[ci]
		c.Name = CleanText(c.Name)
		first, last := CleanText(c.First), CleanText(c.Last)
		if c.Name == "" {
			c.Name = strings.TrimSpace(first + " " + last)
		}
		c.Role = CleanText(c.Role)
		// "Verity Wallace (Director)": the bracket is the position.
		if name, role := splitBracketRole(c.Name); role != "" {
			c.Name = name
			if c.Role == "" {
				c.Role = role
			}
		}
		c.Emails, c.BadEmails = c.Emails[:0], c.BadEmails[:0]
		for _, raw := range c.RawEmails {
			v, bad := SplitEmails(raw)
			for _, e := range v {
				if !contains(c.Emails, e) {
					c.Emails = append(c.Emails, e)
				}
			}
			c.BadEmails = append(c.BadEmails, bad...)
		}
		c.Flagged = c.Flagged[:0]
		if r.emailFlagged(c.EmailFlag) {
			// The source marked the address invalid (a bounce): it is kept
			// out of use.
			c.Flagged = append(c.Flagged, c.Emails...)
			c.Emails = c.Emails[:0]
		}
		c.Phones = c.Phones[:0]
		for _, raw := range c.RawPhones {
			p := pn.Normalise(raw)
			if p.Raw == "" {
				continue
			}
			dup := false
			for _, q := range c.Phones {
				if (p.E164 != "" && q.E164 == p.E164) || q.Raw == p.Raw {
					dup = true
				}
			}
			if !dup {
				c.Phones = append(c.Phones, p)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
