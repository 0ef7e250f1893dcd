package refine

import (
	"strings"

	"github.com/hotpass/hotpass/internal/phone"
)

// Deliverability statuses of an email address or phone number, judged
// offline from syntax and known domain lists; no mail is sent and no
// number is dialled.
const (
	StatusDeliverable   = "deliverable"
	StatusRisky         = "risky"
	StatusUndeliverable = "undeliverable"
	StatusUnknown       = "unknown"
)

// Built-in lists; profiles add to them.
var (
	builtinFreeMail = []string{
		"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com",
		"yahoo.co.za", "yahoo.co.uk", "icloud.com", "me.com", "aol.com", "protonmail.com", "proton.me",
		"gmx.com", "gmx.net", "zoho.com", "mail.com", "mweb.co.za", "telkomsa.net", "vodamail.co.za",
		"webmail.co.za", "iafrica.com", "absamail.co.za", "lantic.net", "cybersmart.co.za", "afrihost.co.za",
	}
	builtinDisposable = []string{
		"mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.com", "temp-mail.org",
		"yopmail.com", "trashmail.com", "sharklasers.com", "getnada.com", "dispostable.com",
		"maildrop.cc", "throwawaymail.com", "fakeinbox.com", "mintemail.com", "mailnesia.com",
	}
	builtinRoles = []string{
		"info", "admin", "office", "bookings", "booking", "reservations", "sales", "accounts",
		"enquiries", "enquiry", "contact", "hello", "support", "reception", "ops", "operations",
		"training", "school", "mail", "noreply", "no-reply", "webmaster", "marketing", "hr",
	}
	builtinSenior = []string{
		"owner", "director", "ceo", "chief", "head", "manager", "accountable", "founder",
		"principal", "chairman", "chairperson", "president", "partner", "md",
	}
)

// Scorer rates contacts with offline rules.
type Scorer struct {
	free, disposable, role map[string]bool
	senior                 []string
}

// NewScorer combines the built-in lists with the profile's.
func NewScorer(s Scoring) *Scorer {
	set := func(lists ...[]string) map[string]bool {
		m := map[string]bool{}
		for _, l := range lists {
			for _, v := range l {
				m[strings.ToLower(strings.TrimSpace(v))] = true
			}
		}
		return m
	}
	sc := &Scorer{
		free:       set(builtinFreeMail, s.FreeMailDomains),
		disposable: set(builtinDisposable, s.DisposableDomains),
		role:       set(builtinRoles, s.RoleAccounts),
	}
	for _, r := range append(append([]string(nil), builtinSenior...), s.SeniorRoles...) {
		sc.senior = append(sc.senior, strings.ToLower(r))
	}
	return sc
}

// IsFreeMail reports whether domain is a free-mail provider.
func (s *Scorer) IsFreeMail(domain string) bool { return s.free[domain] }

// Email rates a syntactically valid, lowercased address: how likely mail
// to it reaches the organisation, its status, and flags explaining the
// judgement. site is the organisation's normalised website or "".
//
//   - a disposable domain is undeliverable (0.1);
//   - the website's domain (or a sub- or parent domain of it) is
//     deliverable (0.95), or risky (0.6) for a role mailbox such as info@;
//   - a free-mail address is deliverable (0.75) but flagged free_mail;
//   - another domain while the website is known is risky (0.6, flagged
//     domain_mismatch); with no website to compare, deliverable (0.8);
//   - role mailboxes are capped at 0.6 and risky.
func (s *Scorer) Email(email, site string) (float64, string, []string) {
	if email == "" {
		return 0, StatusUnknown, nil
	}
	if !ValidEmail(email) {
		return 0, StatusUndeliverable, []string{"invalid_email"}
	}
	domain, local := EmailDomain(email), EmailLocal(email)
	if s.disposable[domain] {
		return 0.1, StatusUndeliverable, []string{"disposable_email"}
	}
	var flags []string
	conf, status := 0.8, StatusDeliverable
	host := WebsiteHost(site)
	switch {
	case host != "" && sameSite(domain, host):
		conf = 0.95
	case s.free[domain]:
		conf = 0.75
		flags = append(flags, "free_mail")
	case host != "":
		conf, status = 0.6, StatusRisky
		flags = append(flags, "domain_mismatch")
	}
	if s.role[local] {
		flags = append(flags, "role_account")
		if conf > 0.6 {
			conf = 0.6
		}
		status = StatusRisky
	}
	return conf, status, flags
}

// sameSite reports whether a and b are the same domain or one is a
// subdomain of the other.
func sameSite(a, b string) bool {
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// Phone rates a number: valid mobiles 0.9, valid landlines 0.85, other
// valid types (toll-free, VoIP) 0.6 and risky, numbers that parse but are
// not valid 0.1, text that is not a number 0.
func (s *Scorer) Phone(p phone.Number) (float64, string) {
	switch {
	case p.Raw == "":
		return 0, StatusUnknown
	case p.Valid && p.Type == phone.Mobile:
		return 0.9, StatusDeliverable
	case p.Valid && p.Type == phone.Fixed:
		return 0.85, StatusDeliverable
	case p.Valid:
		return 0.6, StatusRisky
	case p.E164 != "":
		return 0.1, StatusUndeliverable
	}
	return 0, StatusUndeliverable
}

// Senior reports whether a position names a decision maker.
func (s *Scorer) Senior(role string) bool {
	low := strings.ToLower(role)
	for _, w := range strings.FieldsFunc(low, func(r rune) bool { return !(r >= 'a' && r <= 'z') }) {
		for _, sr := range s.senior {
			if w == sr {
				return true
			}
		}
	}
	return false
}

// Lead scores a contact for outreach, from 0 to 1: email confidence and
// phone confidence weigh 0.35 each, a known name 0.1, and a senior
// position 0.2.
func (s *Scorer) Lead(emailConf, phoneConf float64, hasName bool, role string) float64 {
	v := 0.35*emailConf + 0.35*phoneConf
	if hasName {
		v += 0.1
	}
	if s.Senior(role) {
		v += 0.2
	}
	return round3(v)
}

func round3(v float64) float64 {
	return float64(int64(v*1000+0.5)) / 1000
}
