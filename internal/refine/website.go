package refine

import (
	"strings"

	"github.com/hotpass/hotpass/internal/strsim"
	"github.com/hotpass/hotpass/internal/textnorm"
)

// NormaliseWebsite returns the website a cell gives as a full URL:
// https:// is added when no scheme is given (http and https are kept),
// the scheme and host are lowercased, a trailing dot and a default port
// are dropped, and so are the fragment, the path's trailing slashes and
// tracking query parameters (utm_*, fbclid, gclid and the like); the
// path and other query parameters are kept as given, since a page on a
// shared host can be the organisation's own.
// "WWW.Example.co.za/About/?utm_source=x" → "https://www.example.co.za/About".
// It returns false for text that has no valid host name ("n/a", "see FB
// page", an email address) or a scheme other than http and https.
func NormaliseWebsite(cell string) (string, bool) {
	s := CleanText(cell)
	if s == "" || strings.ContainsRune(s, ' ') {
		return "", false
	}
	scheme := "https"
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		scheme = strings.ToLower(s[:i])
		if scheme != "http" && scheme != "https" {
			return "", false
		}
		s = s[i+3:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	rest := ""
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		s, rest = s[:i], s[i:]
	}
	if strings.ContainsRune(s, '@') {
		return "", false // user info, or an email address
	}
	host, port := strings.ToLower(s), ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
		if !allDigits(port) || port == "80" && scheme == "http" || port == "443" && scheme == "https" {
			port = ""
		}
	}
	host = strings.TrimSuffix(host, ".")
	if !validDomain(strings.TrimPrefix(host, "www.")) {
		return "", false
	}
	path, query := rest, ""
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		path, query = rest[:i], rest[i+1:]
	}
	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + 1 + len(port) + len(rest))
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	if port != "" {
		b.WriteByte(':')
		b.WriteString(port)
	}
	b.WriteString(strings.TrimRight(path, "/"))
	sep := byte('?')
	for _, p := range strings.Split(query, "&") {
		if p == "" || isTrackingParam(p) {
			continue
		}
		b.WriteByte(sep)
		b.WriteString(p)
		sep = '&'
	}
	return b.String(), true
}

// isScheme says s is a URL scheme: a letter, then letters, digits, "+",
// "-" or ".". It keeps "://" inside a query ("x.co.za/go?u=http://y")
// from being read as the scheme.
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= 'a' && c <= 'z' || i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
			return false
		}
	}
	return s != ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// trackingParams are query parameters that say how a visitor came to a
// page, not which page it is.
var trackingParams = []string{"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_gl"}

func isTrackingParam(p string) bool {
	name := p
	if i := strings.IndexByte(p, '='); i >= 0 {
		name = p[:i]
	}
	name = strings.ToLower(name)
	if strings.HasPrefix(name, "utm_") {
		return true
	}
	for _, t := range trackingParams {
		if name == t {
			return true
		}
	}
	return false
}

// WebsiteHost returns the host of a normalised website without "www." and
// any port ("https://www.x.co.za/about" → "x.co.za"): the name under which
// websites are compared with each other and with email domains (see
// textnorm.WebsiteHost).
func WebsiteHost(site string) string { return textnorm.WebsiteHost(site) }

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

// markSharedWebsites flags the organisations that give a website on the
// same host as another: two pages of one site are one site.
func markSharedWebsites(orgs []Organisation) {
	n := map[string]int{}
	for i := range orgs {
		if h := WebsiteHost(orgs[i].Fields[FieldWebsite]); h != "" {
			n[h]++
		}
	}
	for i := range orgs {
		if h := WebsiteHost(orgs[i].Fields[FieldWebsite]); h != "" && n[h] > 1 {
			orgs[i].QualityFlags = append(orgs[i].QualityFlags, FlagWebsiteShared)
		}
	}
}
