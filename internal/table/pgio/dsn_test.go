package pgio

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dsn, want string
	}{
		{"postgres://app:s3cret@db:5432/crm", "postgres://app:***@db:5432/crm"},
		{"postgresql://app:s3cret@db/crm?sslmode=disable", "postgresql://app:***@db/crm?sslmode=disable"},
		{"postgres://app@db/crm", "postgres://app@db/crm"},
		{"postgres://db/crm", "postgres://db/crm"},
		{"postgres://app:p%40ss%2Fw@h1:5432,h2:5433/crm", "postgres://app:***@h1:5432,h2:5433/crm"},
		{"postgres://app:un@escaped@db/crm", "postgres://app:***@db/crm"},
		{"postgres://app:pa/ss?w#d@db/crm", "postgres://app:***@db/crm"},
		{"postgres://0:000?@0", "postgres://0:***@0"},
		{"postgres://app@db/crm?application_name=a:b@c", "postgres://app@db/crm?application_name=a:b@c"},
		{"postgres://app:pw@db/crm?application_name=a@b", "postgres://app:***@b"}, // over-masks, never under-masks
		{"postgres://app@db/crm?password=s3cret&sslmode=require", "postgres://app@db/crm?password=***&sslmode=require"},
		{"postgres://app@db/crm?sslmode=require&sslpassword=keypass", "postgres://app@db/crm?sslmode=require&sslpassword=***"},
		{"host=db user=app password=s3cret dbname=crm", "host=db user=app password=*** dbname=crm"},
		{"host=db password = 's3 cret\\' x' dbname=crm", "host=db password=*** dbname=crm"},
		{"host=db PASSWORD=s3cret", "host=db PASSWORD=***"},
		{"host=db user=app", "host=db user=app"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.dsn); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

func TestScrubberMasksPasswordsInAnyText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, dsn, msg, secret string
	}{
		{"verbatim", "postgres://app:hunter22@db/crm", "auth failed for hunter22", "hunter22"},
		{"escaped form", "postgres://app:p%40ss%2Fword@db/crm", "cannot parse postgres://app:p%40ss%2Fword@db", "p%40ss%2Fword"},
		{"decoded form", "postgres://app:p%40ss%2Fword@db/crm", "server said p@ss/word", "p@ss/word"},
		{"another dsn in the text", "postgres://app@db/crm", "dial postgres://other:topsecret@x/y failed", "topsecret"},
		{"keyword form in the text", "host=db", "cannot parse `host=x password=topsecret`", "topsecret"},
		{"query parameter", "postgres://app@db/crm?password=qpass123", "saw qpass123 twice: qpass123", "qpass123"},
		{"quoted keyword value", "host=db password='a b\\'c'", "got a b'c", "a b'c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newScrubber(tt.dsn)
			got := s.String(tt.msg)
			if strings.Contains(got, tt.secret) {
				t.Errorf("scrubbed %q still contains %q", got, tt.secret)
			}
			if !strings.Contains(got, "***") {
				t.Errorf("scrubbed %q has no mask", got)
			}
		})
	}
}

func TestNewErrorScrubsAndKeepsCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom with pw0rd!x inside")
	s := newScrubber("postgres://app:pw0rd!x@db/crm")
	err := s.newError("read", RedactDSN("postgres://app:pw0rd!x@db/crm"), `"t"`, "", cause)
	if strings.Contains(err.Error(), "pw0rd!x") {
		t.Fatalf("error leaks the password: %v", err)
	}
	want := `postgres read "t" (postgres://app:***@db/crm): boom with *** inside`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
	if !errors.Is(err, cause) {
		t.Error("the cause is not reachable with errors.Is")
	}
}

// FuzzRedactDSN checks that a URL's userinfo password never survives
// redaction, whatever else the URL holds.
func FuzzRedactDSN(f *testing.F) {
	f.Add("app", "s3cret", "db:5432/crm?sslmode=disable")
	f.Add("u", "p@ss:w/rd", "h1,h2/db")
	f.Add("", "x", "")
	f.Fuzz(func(t *testing.T, user, pw, rest string) {
		if len(pw) < 4 || strings.ContainsAny(user, ":@/?#") || strings.ContainsAny(rest, "@") {
			return
		}
		dsn := "postgres://" + url.PathEscape(user) + ":" + pw + "@" + rest
		got := RedactDSN(dsn)
		if strings.Contains(got, ":"+pw+"@") {
			t.Fatalf("RedactDSN(%q) = %q keeps the password", dsn, got)
		}
		msg := newScrubber(dsn).String("connecting with " + dsn + " using " + pw)
		if strings.Contains(msg, pw) {
			t.Fatalf("scrubbed message %q keeps the password %q", msg, pw)
		}
	})
}
