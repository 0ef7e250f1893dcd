package refine

import (
	"strings"

	"github.com/hotpass/hotpass/internal/strsim"
)

// NormaliseWebsite reduces a website cell to https://host: the scheme,
// "www.", any port, path, query and trailing slash are dropped and the host
// is lowercased. "HTTP://WWW.Example.co.za/about/" → "https://example.co.za".
// It returns false for text that has no valid host name ("n/a", "see FB
// page", an email address).
func NormaliseWebsite(cell string) (string, bool) {
	s := strings.ToLower(CleanText(cell))
	if s == "" || strings.ContainsAny(s, " @") {
		return "", false
	}
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	for strings.HasPrefix(s, "www.") {
		s = s[len("www."):]
	}
	if !validDomain(s) {
		return "", false
	}
	return "https://" + s, true
}

// WebsiteHost returns the host of a normalised website ("https://x.co.za"
// → "x.co.za").
func WebsiteHost(site string) string {
	return strings.TrimPrefix(site, "https://")
}

// hostLabel is a host's first label: "eagleair" for eagleair.co.za and
// eagleair.com alike.
func hostLabel(host string) string {
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[:i]
	}
	return host
}

// hostFitsName says a website's first label is the organisation's name
// key, whole or in part ("eagleair" for "Eagle Air Charters"), or close
// to it.
func hostFitsName(host, key string) bool {
	label := strings.ReplaceAll(hostLabel(host), "-", "")
	if label == "" || key == "" {
		return false
	}
	if strings.Contains(key, label) || strings.Contains(label, key) {
		return true
	}
	return strsim.JaroWinkler(label, key) >= 0.85
}

// DefaultLinkHosts are social-media, messaging, map and directory sites:
// a page there is a link about an organisation, never its website.
var DefaultLinkHosts = []string{
	"facebook.com", "fb.com", "fb.me", "instagram.com", "linkedin.com", "twitter.com", "x.com",
	"youtube.com", "youtu.be", "tiktok.com", "wa.me", "whatsapp.com", "t.me", "linktr.ee",
	"google.com", "goo.gl", "g.page", "business.site", "yellowpages.co.za", "brabys.com",
	"cylex.co.za", "sa-venues.com", "tripadvisor.com", "tripadvisor.co.za", "yelp.com",
	"snupit.co.za", "hotfrog.co.za", "sayellow.com", "aviationdirectory.co.za",
}

// isLinkHost reports whether host is, or is under, one of the link hosts.
func (r *Refiner) isLinkHost(host string) bool {
	for {
		if r.linkHosts[host] {
			return true
		}
		i := strings.IndexByte(host, '.')
		if i < 0 {
			return false
		}
		host = host[i+1:]
	}
}

// Website flags, reported in data_quality_flags.
const (
	// FlagWebsiteOfOther: the record's website is another organisation's
	// (its name is the other's, and none of the record's email domains),
	// as when a column is pasted one row off; it is not used.
	FlagWebsiteOfOther = "website_of_other_organisation"
	// FlagWebsiteShared: several organisations of the SSOT give one
	// website.
	FlagWebsiteShared = "website_shared"
	// FlagWebsiteLinkOnly: the only website given was a social-media or
	// directory page, kept in website_links.
	FlagWebsiteLinkOnly = "website_link_only"
)

// checkWebsites drops the websites that belong to another organisation:
// a site whose name is not the record's, and not one of its contacts'
// email domains, when another record of a different name owns it (by
// name or email domain).
func (r *Refiner) checkWebsites(recs []Record) {
	owners := map[string]string{} // host → key of a record that owns it
	own := make([]bool, len(recs))
	for i := range recs {
		rec := &recs[i]
		host := WebsiteHost(rec.Fields[FieldWebsite])
		if host == "" {
			continue
		}
		// The group key is the name key already (Normalise set it), so no
		// second slug is made.
		own[i] = hostFitsName(host, strings.ReplaceAll(rec.Key, "-", "")) || rec.hasEmailDomain(host)
		if own[i] {
			if _, ok := owners[host]; !ok {
				owners[host] = rec.Key
			}
		}
	}
	for i := range recs {
		rec := &recs[i]
		host := WebsiteHost(rec.Fields[FieldWebsite])
		if host == "" || own[i] {
			continue
		}
		if k, ok := owners[host]; ok && k != rec.Key {
			rec.Fields[FieldWebsite] = ""
			rec.Flags = append(rec.Flags, FlagWebsiteOfOther)
			if rec.Filled > 0 {
				rec.Filled--
			}
		}
	}
}

func (rec *Record) hasEmailDomain(host string) bool {
	for _, c := range rec.Contacts {
		for _, e := range c.Emails {
			if EmailDomain(e) == host {
				return true
			}
		}
	}
	return false
}

// markSharedWebsites flags the organisations that give the same website
// as another.
func markSharedWebsites(orgs []Organisation) {
	n := map[string]int{}
	for i := range orgs {
		if w := orgs[i].Fields[FieldWebsite]; w != "" {
			n[w]++
		}
	}
	for i := range orgs {
		if w := orgs[i].Fields[FieldWebsite]; w != "" && n[w] > 1 {
			orgs[i].QualityFlags = append(orgs[i].QualityFlags, FlagWebsiteShared)
		}
	}
}
