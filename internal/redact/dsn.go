package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// DSN returns a PostgreSQL connection string with every password replaced
// by Mask, for use in messages: the userinfo password and password /
// sslpassword query values of a URL (postgres://app:***@db:5432/crm), and
// password / sslpassword settings of a keyword/value string (host=db
// password=***). Malformed input is masked on a best-effort basis and never
// returned with a recognisable password left in place.
func DSN(dsn string) string {
	if isPostgresURL(dsn) {
		return redactURL(dsn)
	}
	return kvPassword.ReplaceAllString(dsn, "${1}="+Mask)
}

// Credentials masks every connection-string password in free text: the
// userinfo password of any URL (scheme://user:***@host), password and
// sslpassword query values, and password / sslpassword keyword settings.
// It works by pattern, so it needs no list of secrets: it is the scrubber
// for text that may quote a spec or a DSN verbatim (diagnostics, the
// errors built from them).
func Credentials(s string) string {
	if !strings.Contains(s, "://") && !containsFoldASCII(s, "password") {
		return s
	}
	s = urlUserinfo.ReplaceAllString(s, "${1}:"+Mask+"@")
	s = queryPassword.ReplaceAllString(s, "${1}="+Mask)
	return textKVPassword.ReplaceAllString(s, "${1}${2}="+Mask)
}

// DSNPasswords extracts the literal passwords written in a PostgreSQL
// connection string, in the forms they may take elsewhere (as written and
// URL-decoded), so that they can be masked where they appear without their
// keyword.
func DSNPasswords(dsn string) []string {
	var out []string
	if isPostgresURL(dsn) {
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

func isPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

var (
	// kvPassword matches a password setting of a keyword/value connection
	// string, quoted (with backslash escapes) or bare.
	kvPassword = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)`)
	// textKVPassword is kvPassword inside a longer text, where a URL's
	// query (?password=, &password=) is left to queryPassword.
	textKVPassword = regexp.MustCompile(`(?i)(^|[^?&\w])((?:ssl)?password)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)`)
	// urlUserinfo matches the userinfo password of a URL inside a longer
	// text; the password runs to the last '@' before a space, as in
	// redactURL, so that one holding an unescaped '@' is masked whole.
	urlUserinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^:@/\s]*):\S*@`)
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
		rest = user + ":" + Mask + rest[strings.LastIndexByte(rest, '@'):]
	}
	return scheme + "://" + queryPassword.ReplaceAllString(rest, "${1}="+Mask)
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

// containsFoldASCII reports whether s contains the lower-case ASCII word
// sub in any mix of cases, without allocating.
func containsFoldASCII(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		j := 0
		for ; j < len(sub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == len(sub) {
			return true
		}
	}
	return false
}
