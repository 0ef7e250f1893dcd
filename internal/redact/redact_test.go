package redact

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://app:pw0rd@db:5432/crm", "postgres://app:***@db:5432/crm"},
		{`dsn: "postgresql://app:p@ss/w?rd@db/crm", table: t`, `dsn: "postgresql://app:***@db/crm", table: t`},
		{"connect to mysql://root:toor@h/x failed", "connect to mysql://root:***@h/x failed"},
		{"postgres://db/crm?user=app&password=qpw&sslmode=require", "postgres://db/crm?user=app&password=***&sslmode=require"},
		{"host=db password='two words' dbname=crm", "host=db password=*** dbname=crm"},
		{"host=db PASSWORD = bare sslpassword=k", "host=db PASSWORD=*** sslpassword=***"},
		{"postgres://app@db/crm", "postgres://app@db/crm"},
		{"http://example.com:8080/path", "http://example.com:8080/path"},
		{"no secrets here", "no secrets here"},
		{"a password is needed", "a password is needed"},
	}
	for _, tt := range tests {
		if got := Credentials(tt.in); got != tt.want {
			t.Errorf("Credentials(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzCredentials: the userinfo password of a URL, and a keyword password,
// never survive scrubbing, whatever surrounds them.
func FuzzCredentials(f *testing.F) {
	f.Add("error near ", "app", "s3cret", "/crm")
	f.Add("", "u", "p@ss:w/rd", "?password=x")
	f.Add("x'", "", "'quoted'", "' y")
	f.Fuzz(func(t *testing.T, before, user, pw, after string) {
		if strings.ContainsAny(user, ":@/ \t\n\r\v\f\u0085\u00a0") || strings.ContainsAny(pw, "@ \t\n\r\v\f\u0085\u00a0") || pw == "" {
			t.Skip()
		}
		url := "postgres://" + user + ":" + pw + "@db" + after
		if got := Credentials(before + " " + url); strings.Contains(got, ":"+pw+"@") {
			t.Fatalf("Credentials(%q) = %q keeps the password", before+" "+url, got)
		}
		if strings.ContainsAny(pw, "'\\") || strings.Trim(pw, "*") == "" {
			return // quoting rules differ; a run of '*' is a prefix of the mask
		}
		kv := before + " password=" + pw + " " + after
		if got := Credentials(kv); strings.Contains(got, "password="+pw) {
			t.Fatalf("Credentials(%q) = %q keeps the password", kv, got)
		}
	})
}

func TestDSNPasswords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dsn  string
		want []string
	}{
		{"postgres://app:p%40ss@db/crm", []string{"p%40ss", "p@ss", "p@ss"}},
		{"host=db password='it\\'s' dbname=x", []string{"it's", "it\\'s"}},
		{"host=db dbname=x", nil},
	}
	for _, tt := range tests {
		got := DSNPasswords(tt.dsn)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("DSNPasswords(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

// TestHandler: the message, string, error and grouped attributes, and
// attributes given to WithAttrs before the secret was known, are masked.
func TestHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	red := &Redactor{}
	log := slog.New(Handler(slog.NewTextHandler(&buf, nil), red)).With("early", "key-topsecret")
	red.Add("topsecret")
	log.WithGroup("g").Info("saw topsecret", "s", "topsecret!", "err", errors.New("bad topsecret"),
		slog.Group("inner", "v", "topsecret"), "n", 42)
	out := buf.String()
	if strings.Contains(out, "topsecret") {
		t.Errorf("log line shows the secret: %s", out)
	}
	for _, want := range []string{`msg="saw ***"`, "early=key-***", "g.s=***!", `g.err="bad ***"`, "g.inner.v=***", "g.n=42"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line lacks %s: %s", want, out)
		}
	}
	if !Handler(slog.DiscardHandler, red).Enabled(context.Background(), slog.LevelInfo) == slog.DiscardHandler.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("Enabled is not delegated")
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	if FromContext(context.Background()) != nil {
		t.Fatal("a bare context carries no redactor")
	}
	r := &Redactor{}
	got := FromContext(NewContext(context.Background(), r))
	got.Add("jane@example.co.za")
	if s := r.String("mail jane@example.co.za"); s != "mail "+Mask {
		t.Errorf("values added through the context mask the run's logs: %q", s)
	}
}
