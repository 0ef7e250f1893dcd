package pgio

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/hotpass/hotpass/internal/pgtest"
	"github.com/hotpass/hotpass/internal/table"
)

const secret = "Sup3r-Secret!pw"

// passwordRejectingServer speaks just enough of the protocol to ask for a
// password and reject it, as a server with password authentication does.
// (The throwaway test cluster trusts every login, so it cannot produce a
// wrong-password failure.)
func passwordRejectingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go rejectPassword(conn)
		}
	}()
	return ln.Addr().String()
}

func rejectPassword(conn net.Conn) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := conn.Write([]byte{'N'}); err != nil {
				return
			}
			continue
		}
		break
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return
	}
	_ = be.SetAuthType(pgproto3.AuthTypeCleartextPassword)
	if _, err := be.Receive(); err != nil {
		return
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: `password authentication failed for user "app"`})
	_ = be.Flush()
}

// refusedAddr returns a loopback address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// withPassword puts secret into a URL from pgtest, whose server trusts
// every login and so accepts any password.
func withPassword(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), secret)
	return u.String()
}

// assertNoSecret checks the message of err and of every error it wraps.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	forms := []string{secret, url.QueryEscape(secret), url.PathEscape(secret)}
	var walk func(e error)
	walk = func(e error) {
		for _, f := range forms {
			if msg := e.Error(); strings.Contains(msg, f) {
				t.Errorf("%T message leaks the password: %s", e, msg)
			}
		}
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			if in := x.Unwrap(); in != nil {
				walk(in)
			}
		case interface{ Unwrap() []error }:
			for _, in := range x.Unwrap() {
				walk(in)
			}
		}
	}
	walk(err)
	if s := fmt.Sprintf("%+v %#v", err, err); strings.Contains(s, secret) {
		t.Errorf("formatted error leaks the password")
	}
}

func TestPasswordNeverInErrors(t *testing.T) {
	t.Parallel()
	fake := passwordRejectingServer(t)
	host, port, _ := net.SplitHostPort(fake)
	refused := refusedAddr(t)
	tests := []struct {
		name      string
		dsn       func(t *testing.T) string
		query     string
		want      []string
		retryable bool
	}{
		{name: "wrong password", dsn: func(*testing.T) string {
			return "postgres://app:" + url.PathEscape(secret) + "@" + fake + "/crm?sslmode=disable"
		}, want: []string{"postgres://app:***@" + fake + "/crm", "28P01", "password authentication failed"}},
		{name: "wrong password, keyword form", dsn: func(*testing.T) string {
			return fmt.Sprintf("host=%s port=%s user=app password='%s' dbname=crm sslmode=disable", host, port, secret)
		}, want: []string{"password=***", "28P01"}},
		{name: "unknown host", dsn: func(*testing.T) string {
			return "postgres://app:" + url.PathEscape(secret) + "@db.invalid:5432/crm?connect_timeout=10"
		}, want: []string{"postgres://app:***@db.invalid:5432/crm", "db.invalid"}},
		{name: "connection refused", dsn: func(*testing.T) string {
			return "postgres://app:" + url.PathEscape(secret) + "@" + refused + "/crm?sslmode=disable"
		}, want: []string{"postgres connect (postgres://app:***@", "connection refused"}, retryable: true},
		{name: "unparsable dsn", dsn: func(*testing.T) string {
			return "postgres://app:" + url.PathEscape(secret) + "@db:notaport/crm"
		}, want: []string{"postgres://app:***@db:notaport/crm"}},
		{name: "unparsable keyword dsn", dsn: func(*testing.T) string {
			return "host=db password=" + secret + " connect_timeout=soon"
		}, want: []string{"connect_timeout"}},
		{name: "query error", dsn: func(t *testing.T) string { return withPassword(t, pgtest.URL(t)) },
			query: "SELECT * FROM nope", want: []string{`relation "nope" does not exist (SQLSTATE 42P01)`, ":***@"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn := tt.dsn(t)
			query := tt.query
			if query == "" {
				query = "SELECT 1"
			}
			_, err := Query(testCtx(t), dsn, query)
			assertNoSecret(t, err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := IsRetryable(err); got != tt.retryable {
				t.Errorf("IsRetryable = %v, want %v for %v", got, tt.retryable, err)
			}
			var pe *Error
			if !errors.As(err, &pe) || strings.Contains(pe.DSN, secret) {
				t.Errorf("not an *Error with a redacted DSN: %#v", err)
			}
			// Writes report through the same path.
			_, werr := WriteTable(testCtx(t), dsn, "nope.nope", build(t, table.MustSchema(table.Field{Name: "a", Type: table.Int64}), []any{int64(1)}), WriteOptions{NoCreate: true})
			assertNoSecret(t, werr)
		})
	}
}
