package pgio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestIsRetryable(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return &pgconn.PgError{Code: code, Message: "m"} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"too many connections", pg("53300"), true},
		{"cannot connect now", pg("57P03"), true},
		{"admin shutdown", pg("57P01"), true},
		{"serialization failure", fmt.Errorf("commit: %w", pg("40001")), true},
		{"deadlock", pg("40P01"), true},
		{"connection failure", pg("08006"), true},
		{"undefined table", pg("42P01"), false},
		{"bad password", pg("28P01"), false},
		{"not null violation", pg("23502"), false},
		{"cancelled", fmt.Errorf("copy: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"cancelled while refused", errors.Join(context.Canceled, syscall.ECONNREFUSED), false},
		{"plain", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := IsRetryable(tt.err); got != tt.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestDescribeServerError(t *testing.T) {
	t.Parallel()
	pe := &pgconn.PgError{
		Severity: "ERROR", Code: "42P01", Message: `relation "nope" does not exist`,
		Position: 15, Detail: "d", Hint: "h", Where: "w",
	}
	got := describe(fmt.Errorf("row 3: %w", pe), "SELECT * FROM nope WHERE x = 1")
	want := `row 3: ERROR: relation "nope" does not exist (SQLSTATE 42P01) at position 15 near "nope WHERE x = 1"; DETAIL: d; HINT: h; CONTEXT: w`
	if got != want {
		t.Errorf("describe:\n got %s\nwant %s", got, want)
	}
}

func TestCopyWhere(t *testing.T) {
	t.Parallel()
	tests := []struct {
		where  string
		line   int
		column string
		ok     bool
	}{
		{`COPY contacts, line 3, column age: "abc"`, 3, "age", true},
		{`COPY contacts, line 12, column Order Date: "x"`, 12, "Order Date", true},
		{`COPY contacts, line 7: "1	\N"`, 7, "", true},
		{`SQL statement "select 1"`, 0, "", false},
		{"", 0, "", false},
	}
	for _, tt := range tests {
		line, col, ok := copyWhere(tt.where)
		if line != tt.line || col != tt.column || ok != tt.ok {
			t.Errorf("copyWhere(%q) = %d, %q, %v; want %d, %q, %v", tt.where, line, col, ok, tt.line, tt.column, tt.ok)
		}
	}
}

func TestNearPosition(t *testing.T) {
	t.Parallel()
	if got := nearPosition("SELECT é FROM x", 8); got != "é FROM x" {
		t.Errorf("nearPosition counts characters, not bytes: got %q", got)
	}
	if got := nearPosition("SELECT", 99); got != "" {
		t.Errorf("out of range position: got %q", got)
	}
	if !strings.HasPrefix(nearPosition(strings.Repeat("a", 100), 1), strings.Repeat("a", 24)) {
		t.Error("long query not cut at 24 characters")
	}
}
