// Package pgtest gives tests a fresh, empty PostgreSQL database each.
//
// The server comes from HOTPASS_TEST_POSTGRES_URL (scripts/with-postgres.sh
// starts a throwaway one and sets it). Without it, tests that need
// PostgreSQL are skipped, except under CI=true, where they fail: CI must
// never pass by skipping them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the URL of a server on which tests
// may create and drop databases.
const EnvURL = "HOTPASS_TEST_POSTGRES_URL"

// howTo tells a developer how to get a server.
const howTo = "run the tests through scripts/with-postgres.sh (it starts a throwaway PostgreSQL server), " +
	"or set " + EnvURL + " to postgres://user@host:port/postgres on a server where that user may create databases"

// URL creates an empty database on the server named by HOTPASS_TEST_POSTGRES_URL
// and returns a URL to it; the database is dropped when the test ends.
func URL(tb testing.TB) string {
	tb.Helper()
	server, skip, fail := serverURL(os.Getenv)
	if fail != "" {
		tb.Fatal(fail)
	}
	if skip != "" {
		tb.Skip(skip)
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", EnvURL, err)
	}
	name := dbName(tb.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := exec(ctx, server, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database %s on the server of %s: %v", name, EnvURL, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends sessions a test left open, which would otherwise
		// keep the database alive.
		if err := exec(ctx, server, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// serverURL decides what URL does from the environment: run against
// server, skip with a message, or fail with a message.
func serverURL(env func(string) string) (server, skip, fail string) {
	server = env(EnvURL)
	switch {
	case server != "":
		return server, "", ""
	case env("CI") == "true":
		return "", "", EnvURL + " is unset and CI=true: PostgreSQL tests must not be skipped in CI; " + howTo
	default:
		return "", "PostgreSQL test skipped: " + EnvURL + " is unset; " + howTo, ""
	}
}

// dbName derives a database name from the test name, readable in server
// logs, made unique by a random suffix, within the 63-byte identifier limit.
func dbName(test string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(test) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	base := b.String()
	if len(base) > 40 {
		base = base[:40]
	}
	var suffix [6]byte
	_, _ = rand.Read(suffix[:]) // crypto/rand.Read never fails
	return "hp_test_" + base + "_" + hex.EncodeToString(suffix[:])
}

// exec runs one statement on a short-lived connection to the server.
func exec(ctx context.Context, server, sql string) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}
