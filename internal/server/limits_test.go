package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/server"
)

// startServe serves h on a fresh 127.0.0.1 port with limits until the test
// ends, and returns the address.
func startServe(t *testing.T, h http.Handler, lim server.Limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, ln, h, server.ServeOptions{Grace: time.Second, Limits: lim}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// dialFrom opens a TCP connection to addr from the loopback address src
// (127.0.0.2 reaches a server on 127.0.0.1 as another client would).
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	c, err := d.Dial("tcp", addr)
	if errors.Is(err, syscall.EADDRNOTAVAIL) {
		// Linux routes all of 127/8 to loopback; other systems only 127.0.0.1.
		t.Skipf("cannot connect from %s on this system: %v", src, err)
	}
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, src, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// healthFrom sends GET /api/health on a new connection from src and
// returns the status line and body.
func healthFrom(t *testing.T, src, addr string) string {
	t.Helper()
	c := dialFrom(t, src, addr)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
	data, err := io.ReadAll(c)
	if err != nil && len(data) == 0 {
		t.Fatalf("read health response from %s: %v", src, err)
	}
	return string(data)
}

// holdIdle opens n connections from src that send nothing, as a slow or
// idle client would, and waits until the server has accepted each one: a
// request on a further connection from the same client is then refused or
// served, never stuck behind the backlog.
func holdIdle(t *testing.T, src, addr string, n int) {
	t.Helper()
	for range n {
		c := dialFrom(t, src, addr)
		// A partial request line: the server is now reading from it.
		if _, err := io.WriteString(c, "GET /api/heal"); err != nil {
			t.Fatal(err)
		}
	}
}

func handler(t *testing.T) http.Handler {
	t.Helper()
	srv, _ := setup(t, token)
	return srv.Config.Handler
}

// TestConnectionLimitPerClient: one client holding its share of slow
// connections gets a clear 503 for more, and another client's health check
// is still answered.
func TestConnectionLimitPerClient(t *testing.T) {
	t.Parallel()
	lim := server.DefaultLimits()
	lim.MaxConns, lim.MaxConnsPerIP = 8, 3
	addr := startServe(t, handler(t), lim)
	holdIdle(t, "127.0.0.1", addr, 3)
	refused := readAll(t, dialFrom(t, "127.0.0.1", addr))
	if !strings.HasPrefix(refused, "HTTP/1.1 503 ") || !strings.Contains(refused, "too many connections from 127.0.0.1") {
		t.Errorf("a fourth connection from the same client got %q, want a 503 naming the limit", refused)
	}
	if got := healthFrom(t, "127.0.0.2", addr); !strings.HasPrefix(got, "HTTP/1.1 200 ") || !strings.Contains(got, `"ok"`) {
		t.Errorf("health from another client while one holds its limit: %q", got)
	}
}

// TestConnectionLimitTotal: once every connection slot is held, a new
// client gets a 503 at once rather than waiting, and a slot freed by a
// closed connection is usable again.
func TestConnectionLimitTotal(t *testing.T) {
	t.Parallel()
	lim := server.DefaultLimits()
	lim.MaxConns, lim.MaxConnsPerIP = 4, 2
	addr := startServe(t, handler(t), lim)
	holdIdle(t, "127.0.0.3", addr, 2)
	c := dialFrom(t, "127.0.0.4", addr)
	if _, err := io.WriteString(c, "GET /api/heal"); err != nil {
		t.Fatal(err)
	}
	holdIdle(t, "127.0.0.4", addr, 1)
	refused := readAll(t, dialFrom(t, "127.0.0.5", addr))
	if !strings.HasPrefix(refused, "HTTP/1.1 503 ") || !strings.Contains(refused, "too many connections") {
		t.Errorf("a connection over the total limit got %q, want 503", refused)
	}
	_ = c.Close()
	// The server notices the close on its next read; try a bounded number of times.
	var got string
	for range 50 {
		if got = healthFrom(t, "127.0.0.5", addr); strings.HasPrefix(got, "HTTP/1.1 200 ") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") {
		t.Errorf("after a held connection closed, health got %q", got)
	}
}

func readAll(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	data, err := io.ReadAll(c)
	if err != nil && len(data) == 0 {
		t.Fatalf("read: %v", err)
	}
	return string(data)
}

// TestSlowClientsAreCut: a client that never finishes its headers, one
// that never sends its body, and an idle keep-alive connection are all
// closed by the server.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	lim := server.DefaultLimits()
	lim.ReadHeaderTimeout, lim.ReadTimeout, lim.IdleTimeout = 300*time.Millisecond, 600*time.Millisecond, 300*time.Millisecond
	addr := startServe(t, handler(t), lim)
	cases := []struct{ name, send string }{
		{"headers", "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: "},
		{"body", "POST /api/deployments/nightly/runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 100\r\n\r\n{"},
		{"idle", "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"},
	}
	for _, tc := range cases {
		c := dialFrom(t, "127.0.0.1", addr)
		if _, err := io.WriteString(c, tc.send); err != nil {
			t.Fatal(err)
		}
		// The server must close the connection long before this deadline.
		_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the server kept a slow connection open", tc.name)
		}
	}
}

// TestUnauthenticatedRequestIsClosed: a request without the token is
// answered 401 without the server waiting for its body, and the
// connection is closed instead of kept alive.
func TestUnauthenticatedRequestIsClosed(t *testing.T) {
	t.Parallel()
	addr := startServe(t, handler(t), server.DefaultLimits())
	c := dialFrom(t, "127.0.0.1", addr)
	// The body is announced but never sent.
	if _, err := io.WriteString(c, "POST /api/deployments/nightly/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Errorf("got %d close=%v, want 401 with Connection: close", resp.StatusCode, resp.Close)
	}
}

// TestLargeHeadersRefused: headers over MaxHeaderBytes get 431.
func TestLargeHeadersRefused(t *testing.T) {
	t.Parallel()
	lim := server.DefaultLimits()
	lim.MaxHeaderBytes = 4 << 10
	addr := startServe(t, handler(t), lim)
	c := dialFrom(t, "127.0.0.1", addr)
	req := "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	go func() { _, _ = io.WriteString(c, req) }()
	if got := readAll(t, c); !strings.HasPrefix(got, "HTTP/1.1 431 ") {
		t.Errorf("oversized headers got %.60q, want 431", got)
	}
}

func TestLimitsCheck(t *testing.T) {
	t.Parallel()
	if err := server.DefaultLimits().Check(); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	tests := []struct {
		name string
		edit func(*server.Limits)
		want string
	}{
		{"no conns", func(l *server.Limits) { l.MaxConns = 0 }, "--max-conns"},
		{"per ip over total", func(l *server.Limits) { l.MaxConns, l.MaxConnsPerIP = 4, 5 }, "--max-conns-per-ip"},
		{"zero timeout", func(l *server.Limits) { l.ReadTimeout = 0 }, "--read-timeout"},
		{"header timeout over read", func(l *server.Limits) { l.ReadHeaderTimeout = time.Hour }, "--read-header-timeout"},
		{"tiny headers", func(l *server.Limits) { l.MaxHeaderBytes = 10 }, "--max-header-bytes"},
	}
	for _, tt := range tests {
		l := server.DefaultLimits()
		tt.edit(&l)
		err := l.Check()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Check() = %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
}

func TestFitFileLimit(t *testing.T) {
	t.Parallel()
	def := server.DefaultLimits() // 256 in total, 32 per client
	tests := []struct {
		nofile       uint64
		total, perIP int
		lowered      bool
	}{
		{0, 256, 32, false},
		{1 << 20, 256, 32, false},
		{384, 256, 32, false},
		{383, 255, 32, true},
		{300, 172, 32, true},
		{256, 128, 32, true},
		{64, 32, 16, true},
		{1, 1, 1, true},
	}
	for _, tt := range tests {
		got, lowered := def.FitFileLimit(tt.nofile)
		if got.MaxConns != tt.total || got.MaxConnsPerIP != tt.perIP || lowered != tt.lowered {
			t.Errorf("FitFileLimit(%d) = %d total, %d per client, lowered %v; want %d, %d, %v",
				tt.nofile, got.MaxConns, got.MaxConnsPerIP, lowered, tt.total, tt.perIP, tt.lowered)
		}
		if err := got.Check(); err != nil {
			t.Errorf("FitFileLimit(%d) gave unusable limits: %v", tt.nofile, err)
		}
	}
}
