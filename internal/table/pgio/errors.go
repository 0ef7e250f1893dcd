package pgio

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

// Error is the error returned by every operation of this package. Its
// message names the operation, the database (with its password masked) and
// the table or query, and is scrubbed of any password, including passwords
// quoted by pgx or the server.
//
// Unwrap gives the underlying cause so that errors.As finds a
// *pgconn.PgError (SQLSTATE and fields) or a *table.ConversionError, and
// errors.Is finds context.Canceled or syscall.ECONNREFUSED. Causes that
// carry the connection configuration (pgx connect and parse errors) are
// replaced by a scrubbed copy of their message before they are kept.
type Error struct {
	// Op is what was being done: "connect", "query", "read" or "write".
	Op string
	// DSN is the connection string with its password masked.
	DSN string
	// Target is the table or query the operation was about; "" for connect.
	Target string
	msg    string
	cause  error
}

// Error renders e.g. `postgres write "crm"."contacts" (postgres://app:***@db/crm): ...`.
func (e *Error) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

// Retryable reports whether IsRetryable holds for the cause; it lets
// callers that do not import this package ask the same question.
func (e *Error) Retryable() bool { return IsRetryable(e.cause) }

// newError wraps cause. The message is built here, once, and scrubbed.
// query is the SQL the server's error positions refer to ("" if none).
func (s *scrubber) newError(op, redactedDSN, target, query string, cause error) *Error {
	var already *Error
	if errors.As(cause, &already) {
		return already
	}
	cause = s.safeCause(cause)
	var b strings.Builder
	b.WriteString("postgres ")
	b.WriteString(op)
	if target != "" {
		b.WriteByte(' ')
		b.WriteString(target)
	}
	b.WriteString(" (")
	b.WriteString(redactedDSN)
	b.WriteString("): ")
	b.WriteString(describe(cause, query))
	return &Error{Op: op, DSN: redactedDSN, Target: target, msg: s.String(b.String()), cause: cause}
}

// safeCause replaces the pgx errors that hold the connection configuration
// (and thus the password) with a scrubbed message that keeps the network
// cause reachable for IsRetryable.
func (s *scrubber) safeCause(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &scrubbedError{msg: s.String(err.Error()), inner: ce.Unwrap()}
	}
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return &scrubbedError{msg: s.String(err.Error())}
	}
	return err
}

// scrubbedError carries a message with secrets removed and the part of the
// original chain that holds none.
type scrubbedError struct {
	msg   string
	inner error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.inner }

// describe renders err with every field of a server error that helps to
// fix it: the wrapped server message is expanded in place, keeping the
// context the wrappers added before it.
func describe(err error, query string) string {
	msg := err.Error()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return msg
	}
	prefix, found := strings.CutSuffix(msg, pe.Error())
	if !found {
		return msg
	}
	var b strings.Builder
	b.WriteString(prefix)
	sev := pe.Severity
	if sev == "" {
		sev = "ERROR"
	}
	fmt.Fprintf(&b, "%s: %s (SQLSTATE %s)", sev, pe.Message, pe.Code)
	if pe.Position > 0 {
		fmt.Fprintf(&b, " at position %d", pe.Position)
		if near := nearPosition(query, int(pe.Position)); near != "" {
			fmt.Fprintf(&b, " near %q", near)
		}
	}
	if pe.Detail != "" {
		b.WriteString("; DETAIL: " + pe.Detail)
	}
	if pe.Hint != "" {
		b.WriteString("; HINT: " + pe.Hint)
	}
	if pe.Where != "" {
		b.WriteString("; CONTEXT: " + pe.Where)
	}
	return b.String()
}

// nearPosition returns up to 24 characters of query from the 1-based
// character position the server reported.
func nearPosition(query string, pos int) string {
	if !utf8.ValidString(query) {
		return ""
	}
	runes := []rune(query)
	if pos < 1 || pos > len(runes) {
		return ""
	}
	end := min(pos-1+24, len(runes))
	return strings.Join(strings.Fields(string(runes[pos-1:end])), " ")
}

// retryableCodes are the SQLSTATEs worth a retry: the server was busy,
// starting, stopping, or the transaction lost a race with another one.
var retryableCodes = map[string]bool{
	"53300": true, // too_many_connections
	"57P01": true, // admin_shutdown
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now
	"40001": true, // serialization_failure
	"40P01": true, // deadlock_detected
	"08000": true, // connection_exception
	"08003": true, // connection_does_not_exist
	"08006": true, // connection_failure
	"08001": true, // sqlclient_unable_to_establish_sqlconnection
	"08004": true, // sqlserver_rejected_establishment_of_sqlconnection
}

// IsRetryable reports whether err is a transient failure that a retry may
// cure: connection refused or reset, too many connections (53300), server
// starting up (57P03) or shutting down (57P01, 57P02), serialization
// failure (40001), deadlock (40P01) and connection exceptions (class 08).
// Cancellation, timeouts of the caller's context, bad credentials, unknown
// hosts, SQL errors and data errors are not retryable.
//
// Writes are one transaction, so retrying a failed write never duplicates
// rows.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return retryableCodes[pe.Code]
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// copyWhere extracts the 1-based line and the column from the CONTEXT of
// a COPY error ("COPY contacts, line 3, column age: \"x\""), which
// PostgreSQL reports for conversion and constraint failures during COPY.
func copyWhere(where string) (line int, column string, ok bool) {
	_, rest, found := strings.Cut(where, ", line ")
	if !found {
		return 0, "", false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil {
		return 0, "", false
	}
	rest = rest[end:]
	if c, ok := strings.CutPrefix(rest, ", column "); ok {
		if i := strings.Index(c, ": "); i >= 0 {
			c = c[:i]
		}
		column = c
	}
	return n, column, true
}
