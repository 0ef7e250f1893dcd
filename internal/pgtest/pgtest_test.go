package pgtest

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestServerURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		env                 map[string]string
		wantServer          string
		wantSkip, wantFail  bool
		wantMessageMentions string
	}{
		{name: "set", env: map[string]string{EnvURL: "postgres://u@h/postgres"}, wantServer: "postgres://u@h/postgres"},
		{name: "set in CI", env: map[string]string{EnvURL: "postgres://u@h/postgres", "CI": "true"}, wantServer: "postgres://u@h/postgres"},
		{name: "unset", env: map[string]string{}, wantSkip: true, wantMessageMentions: "with-postgres.sh"},
		{name: "unset, CI=false", env: map[string]string{"CI": "false"}, wantSkip: true, wantMessageMentions: "with-postgres.sh"},
		{name: "unset in CI", env: map[string]string{"CI": "true"}, wantFail: true, wantMessageMentions: "must not be skipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			server, skip, fail := serverURL(func(k string) string { return tt.env[k] })
			if server != tt.wantServer {
				t.Errorf("server = %q, want %q", server, tt.wantServer)
			}
			if (skip != "") != tt.wantSkip || (fail != "") != tt.wantFail {
				t.Fatalf("skip = %q, fail = %q; want skip %v, fail %v", skip, fail, tt.wantSkip, tt.wantFail)
			}
			if msg := skip + fail; !strings.Contains(msg, tt.wantMessageMentions) {
				t.Errorf("message %q does not mention %q", msg, tt.wantMessageMentions)
			}
		})
	}
}

func TestDBName(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	seen := map[string]bool{}
	for _, test := range []string{"TestX", "TestStore/sqlite/Ünïcode name", strings.Repeat("TestLong/", 30)} {
		for range 3 {
			n := dbName(test)
			if !valid.MatchString(n) {
				t.Errorf("dbName(%q) = %q: not a plain identifier of at most 63 bytes", test, n)
			}
			if seen[n] {
				t.Errorf("dbName(%q) = %q twice", test, n)
			}
			seen[n] = true
		}
	}
}

// TestURL checks that a test gets an empty database of its own, and that
// it is gone once the test ends.
func TestURL(t *testing.T) {
	t.Parallel()
	if os.Getenv(EnvURL) == "" && os.Getenv("CI") != "true" {
		t.Skip("PostgreSQL test skipped: " + EnvURL + " is unset; " + howTo)
	}
	ctx := context.Background()
	var name string
	t.Run("inner", func(t *testing.T) {
		dbURL := URL(t)
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatal(err)
		}
		name = strings.TrimPrefix(u.Path, "/")
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var current string
		var tables int
		if err := conn.QueryRow(ctx, `SELECT current_database(),
			(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public')`).Scan(&current, &tables); err != nil {
			t.Fatal(err)
		}
		if current != name || tables != 0 {
			t.Errorf("connected to %q with %d tables, want %q with none", current, tables, name)
		}
	})
	conn, err := pgx.Connect(ctx, os.Getenv(EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if name == "" || exists {
		t.Errorf("database %q still exists after its test ended", name)
	}
}
