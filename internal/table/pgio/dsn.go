package pgio

import (
	"net/url"
	"strings"

	"github.com/hotpass/hotpass/internal/redact"
)

// RedactDSN returns dsn with every password replaced by "***", for use in
// messages (see redact.DSN).
func RedactDSN(dsn string) string { return redact.DSN(dsn) }

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
	return s.red.String(redact.Credentials(msg))
}

// dsnPasswords extracts the literal passwords written in dsn, so that they
// can be masked even where they appear without their keyword.
func dsnPasswords(dsn string) []string { return redact.DSNPasswords(dsn) }
