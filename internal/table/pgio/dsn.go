package pgio

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/hotpass/hotpass/internal/redact"
)

// RedactDSN returns dsn with every password replaced by "***", for use in
// messages: the userinfo password and password/sslpassword query values of
// a URL (postgres://app:***@db:5432/crm), and password/sslpassword settings
// of a keyword/value string (host=db password=***). Malformed input is
// masked on a best-effort basis and never returned with a recognisable
// password left in place.
func RedactDSN(dsn string) string {
	if isURL(dsn) {
		return redactURL(dsn)
	}
	return kvPassword.ReplaceAllString(dsn, "${1}="+redact.Mask)
}

func isURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

var (
	// kvPassword matches a password setting of a keyword/value connection
	// string, quoted (with backslash escapes) or bare.
	kvPassword = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)`)
	// urlUserinfo matches the userinfo password of any PostgreSQL URL that
	// appears inside a longer message.
	urlUserinfo = regexp.MustCompile(`(?i)(postgres(?:ql)?://[^:@/\s]*):[^@\s]*@`)
	// queryPassword matches password query values of a URL.
	queryPassword = regexp.MustCompile(`(?i)([?&](?:ssl)?password)=[^&#\s]*`)
)

// redactURL masks the password of a connection URL. It works on the raw
// text rather than through url.Parse because pgx accepts URLs that the
// standard parser rejects (several hosts: postgres://u:p@h1,h2/db) and
// because a password with unescaped '@', '/' or '?' must not escape
// masking: the password runs from the first ':' to the last '@'. An '@' in
// a query value makes it mask more than the password, never less.
func redactURL(dsn string) string {
	scheme, rest, _ := strings.Cut(dsn, "://")
	if user, _, ok := splitUserinfo(rest); ok {
		rest = user + ":" + redact.Mask + rest[strings.LastIndexByte(rest, '@'):]
	}
	return scheme + "://" + queryPassword.ReplaceAllString(rest, "${1}="+redact.Mask)
}

// splitUserinfo returns the user and password of the text after "://"
// when it has a password (see redactURL for the boundaries).
func splitUserinfo(rest string) (user, password string, ok bool) {
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", "", false
	}
	user, password, ok = strings.Cut(rest[:at], ":")
	if !ok || strings.ContainsAny(user, "/?#") {
		return "", "", false // the ':' is past the authority: no password
	}
	return user, password, true
}

// scrubber removes the secrets of one connection from any text, including
// text produced by pgx or the server that may quote the connection string.
type scrubber struct {
	red redact.Redactor
}

// newScrubber prepares a scrubber for dsn; passwords learnt later (from the
// parsed configuration, which may read PGPASSWORD or a passfile) are added
// with addPassword.
func newScrubber(dsn string) *scrubber {
	s := &scrubber{}
	for _, pw := range dsnPasswords(dsn) {
		s.addPassword(pw)
	}
	return s
}

// addPassword records a password in the forms it may take in messages:
// verbatim and URL-escaped.
func (s *scrubber) addPassword(pw string) {
	if pw == "" {
		return
	}
	s.red.Add(pw, url.QueryEscape(pw), url.PathEscape(pw))
	if u := url.UserPassword("u", pw).String(); strings.HasPrefix(u, "u:") {
		s.red.Add(u[2:])
	}
}

// String masks every known password and any connection-string password
// pattern in msg.
func (s *scrubber) String(msg string) string {
	msg = urlUserinfo.ReplaceAllString(msg, "${1}:"+redact.Mask+"@")
	msg = queryPassword.ReplaceAllString(msg, "${1}="+redact.Mask)
	msg = kvPassword.ReplaceAllString(msg, "${1}="+redact.Mask)
	return s.red.String(msg)
}

// dsnPasswords extracts the literal passwords written in dsn, so that they
// can be masked even where they appear without their keyword.
func dsnPasswords(dsn string) []string {
	var out []string
	if isURL(dsn) {
		_, rest, _ := strings.Cut(dsn, "://")
		if _, pw, ok := splitUserinfo(rest); ok {
			out = append(out, pw)
			if dec, err := url.PathUnescape(pw); err == nil {
				out = append(out, dec)
			}
		}
		// The standard parser's reading, which is what pgx uses when the
		// URL is well formed.
		if u, err := url.Parse(dsn); err == nil {
			if pw, ok := u.User.Password(); ok {
				out = append(out, pw)
			}
			q := u.Query()
			out = append(out, q["password"]...)
			out = append(out, q["sslpassword"]...)
		}
		return out
	}
	for _, m := range kvPassword.FindAllString(dsn, -1) {
		_, v, _ := strings.Cut(m, "=")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
			out = append(out, strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v))
		}
		out = append(out, v)
	}
	return out
}
