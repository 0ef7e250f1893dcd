package server

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Limits bound what one HTTP client can hold of the server: time to send a
// request, time to take a response, idle keep-alive time, header size, and
// connections. `hotpass serve` sets them from flags of the same names.
type Limits struct {
	// ReadHeaderTimeout is how long a client has to send its request line
	// and headers. It is the whole budget of a request that fails
	// authentication: that request is answered and its connection closed
	// without its body being read.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long a client has to send a whole request, body
	// included.
	ReadTimeout time.Duration
	// WriteTimeout is how long the server spends on one response, from the
	// end of the request headers. An endpoint that streams would extend its
	// own deadline with http.ResponseController; none does today.
	WriteTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; more gets 431.
	MaxHeaderBytes int
	// MaxConns bounds the connections open at once; MaxConnsPerIP bounds
	// those of one client address. A connection over either limit is
	// answered 503 and closed at once. MaxConnsPerIP below MaxConns keeps
	// room for other clients (health checks) when one client floods.
	MaxConns      int
	MaxConnsPerIP int
}

// DefaultLimits returns the limits `hotpass serve` uses without flags.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		MaxConns:          256,
		MaxConnsPerIP:     32,
	}
}

// minHeaderBytes is the smallest header limit accepted: an Authorization
// header with a long token must fit.
const minHeaderBytes = 1 << 10

// Check reports a limit that cannot work, naming its flag.
func (l Limits) Check() error {
	var errs []error
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--read-header-timeout", l.ReadHeaderTimeout}, {"--read-timeout", l.ReadTimeout},
		{"--write-timeout", l.WriteTimeout}, {"--idle-timeout", l.IdleTimeout},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", d.flag, d.v))
		}
	}
	if l.ReadTimeout > 0 && l.ReadHeaderTimeout > l.ReadTimeout {
		errs = append(errs, fmt.Errorf("--read-header-timeout (%s) must not exceed --read-timeout (%s)", l.ReadHeaderTimeout, l.ReadTimeout))
	}
	if l.MaxHeaderBytes < minHeaderBytes {
		errs = append(errs, fmt.Errorf("--max-header-bytes must be at least %d, got %d", minHeaderBytes, l.MaxHeaderBytes))
	}
	if l.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("--max-conns must be at least 1, got %d", l.MaxConns))
	}
	if l.MaxConnsPerIP < 1 || l.MaxConnsPerIP > l.MaxConns {
		errs = append(errs, fmt.Errorf("--max-conns-per-ip must be between 1 and --max-conns (%d), got %d", l.MaxConns, l.MaxConnsPerIP))
	}
	return errors.Join(errs...)
}

// rejectTimeout bounds the write of a 503 to a connection over a limit, so
// that a client that does not read cannot stall Accept.
const rejectTimeout = 100 * time.Millisecond

// limitListener caps the connections accepted from l in total and per
// client IP. A connection over a cap is answered with a complete 503 and
// closed inside Accept, so it never reaches the HTTP server and costs no
// goroutine.
type limitListener struct {
	net.Listener
	total, perIP int

	mu        sync.Mutex
	open      int
	perIPOpen map[string]int
}

func newLimitListener(l net.Listener, total, perIP int) *limitListener {
	return &limitListener{Listener: l, total: total, perIP: perIP, perIPOpen: map[string]int{}}
}

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		if reason := l.take(ip); reason != "" {
			reject(c, reason)
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

// take counts a new connection from ip, or says which limit it is over.
func (l *limitListener) take(ip string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perIPOpen[ip] >= l.perIP:
		return fmt.Sprintf("too many connections from %s (limit %d per client); close idle ones and retry", ip, l.perIP)
	case l.open >= l.total:
		return fmt.Sprintf("too many connections (limit %d); retry shortly", l.total)
	}
	l.open++
	l.perIPOpen[ip]++
	return ""
}

func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perIPOpen[ip]--; l.perIPOpen[ip] <= 0 {
		delete(l.perIPOpen, ip)
	}
}

// reject answers c with a 503 carrying reason and closes it. The response
// is complete before the client sends anything, so a client that reads
// sees it whatever it was about to send.
func reject(c net.Conn, reason string) {
	body := `{"error": "` + reason + `"}` + "\n"
	_ = c.SetWriteDeadline(time.Now().Add(rejectTimeout))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	_ = c.Close()
}

// clientIP is the address a connection comes from, without its port.
func clientIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitedConn gives its slot back once, however often it is closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
