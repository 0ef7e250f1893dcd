package labelstudio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hotpass/hotpass/internal/retryafter"
)

// Defaults filled by New for zero Config values.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultTimeout        = 10 * time.Minute
	DefaultMaxRetries     = 4
	DefaultMinBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultPageSize       = 100
	DefaultImportBatch    = 1000
)

// maxErrorBody bounds how much of an error response is quoted in an error.
const maxErrorBody = 300

// Config configures a Client.
type Config struct {
	// BaseURL is where Label Studio answers, such as http://localhost:8080.
	BaseURL string
	// Token is a user's API token (Account & Settings → Access Token). It
	// is sent as "Authorization: Token <token>" and never logged.
	Token string
	// RequestTimeout bounds each HTTP attempt, reading the body included.
	RequestTimeout time.Duration
	// Timeout bounds each operation (Project, ListTasks, ImportTasks,
	// PushPairs, PullDecisions) including its retries and pages.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried (429, 5xx,
	// connection refused, and for GET also timeouts); negative means none.
	MaxRetries int
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries. A Retry-After header on a 429 or 503 overrides it.
	MinBackoff, MaxBackoff time.Duration
	// PageSize is the task list page size.
	PageSize int
	// ImportBatch is the number of tasks per import request.
	ImportBatch int
	// HTTPClient sends the requests; default a client without its own
	// timeout (RequestTimeout applies through the request context).
	HTTPClient *http.Client
	// Logger receives retries and warnings; default slog.Default().
	Logger *slog.Logger
}

// Client talks to one Label Studio instance. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	cfg   Config
	http  *http.Client
	log   *slog.Logger
	// sleep waits between retries; tests replace it to observe the waits
	// without spending them.
	sleep func(ctx context.Context, d time.Duration) error
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("label studio: no URL given: set the Label Studio base URL, such as http://localhost:8080")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("label studio: URL %q is not an http(s) URL such as http://localhost:8080", cfg.BaseURL)
	}
	if cfg.Token == "" {
		return nil, errors.New("label studio: no API token given: copy it from Account & Settings in Label Studio")
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.MinBackoff)
	if cfg.PageSize <= 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.ImportBatch <= 0 {
		cfg.ImportBatch = DefaultImportBatch
	}
	c := &Client{base: base, token: cfg.Token, cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger, sleep: sleepCtx}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	return c, nil
}

// URL returns the base URL the client talks to.
func (c *Client) URL() string { return c.base.String() }

// Error kinds, for errors.Is.
var (
	// ErrUnavailable: nothing answers at the URL (connection refused, DNS).
	ErrUnavailable = errors.New("label studio is not reachable")
	// ErrUnauthorized: the token was rejected (401) or lacks permission (403).
	ErrUnauthorized = errors.New("label studio rejected the API token")
	// ErrNotFound: the project (or another resource) does not exist (404).
	ErrNotFound = errors.New("not found in label studio")
	// ErrTimeout: no complete answer within the request or overall timeout.
	ErrTimeout = errors.New("label studio did not answer in time")
	// ErrServer: Label Studio failed (5xx) on every attempt.
	ErrServer = errors.New("label studio failed")
	// ErrRateLimited: Label Studio kept answering 429 Too Many Requests.
	ErrRateLimited = errors.New("label studio rate limit")
	// ErrRequest: Label Studio refused the request (a 4xx other than 401,
	// 403, 404 and 429), or answered with something that is not the
	// documented JSON.
	ErrRequest = errors.New("label studio refused the request")
)

// Error is a failed Label Studio call. Its message names the call and what
// to do; it never contains the token.
type Error struct {
	// Kind is one of the Err* values.
	Kind error
	// Method and Path name the call, such as GET /api/projects/7/.
	Method, Path string
	// Status is the last HTTP status, 0 when no response arrived.
	Status int
	// Attempts is how many requests were sent.
	Attempts int
	// Detail is the last response body (shortened) or transport error,
	// with the token masked.
	Detail string
	msg    string
}

// Error returns the message.
func (e *Error) Error() string { return e.msg }

// Unwrap returns the kind, so errors.Is(err, ErrUnauthorized) works.
func (e *Error) Unwrap() error { return e.Kind }

// mask removes the token from s.
func (c *Client) mask(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "***")
}

func (c *Client) newError(kind error, method, path string, status, attempts int, detail string) *Error {
	detail = c.mask(detail)
	e := &Error{Kind: kind, Method: method, Path: path, Status: status, Attempts: attempts, Detail: detail}
	call := method + " " + path
	where := c.base.String()
	tries := ""
	if attempts > 1 {
		tries = fmt.Sprintf(" after %d attempts", attempts)
	}
	switch kind {
	case ErrUnavailable:
		e.msg = fmt.Sprintf("label studio at %s is not reachable (%s)%s: start Label Studio or check the URL", where, detail, tries)
	case ErrUnauthorized:
		e.msg = fmt.Sprintf("label studio at %s rejected the API token on %s (%d %s): check the token in Account & Settings (the token is not shown here)", where, call, status, http.StatusText(status))
	case ErrNotFound:
		e.msg = fmt.Sprintf("label studio at %s: %s: 404 not found: %s", where, call, detail)
	case ErrTimeout:
		e.msg = fmt.Sprintf("label studio at %s did not answer %s in time (%s)%s: check that it is not overloaded, or raise the request timeout (%s) or overall timeout (%s)", where, call, detail, tries, c.cfg.RequestTimeout, c.cfg.Timeout)
	case ErrServer:
		e.msg = fmt.Sprintf("label studio at %s failed on %s: %d %s%s: %s: see the Label Studio server log", where, call, status, http.StatusText(status), tries, detail)
	case ErrRateLimited:
		e.msg = fmt.Sprintf("label studio at %s kept answering 429 Too Many Requests on %s%s: try again later or lower the import batch size", where, call, tries)
	default:
		e.msg = fmt.Sprintf("label studio at %s refused %s: %d %s: %s", where, call, status, http.StatusText(status), detail)
	}
	e.msg = c.mask(e.msg)
	return e
}

// do sends one API call with retries and decodes a JSON answer into out
// (when out is not nil). body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	call := path
	if len(query) > 0 {
		call += "?" + u.RawQuery
	}
	var (
		status int
		detail string
		kind   error
	)
	for attempt := 1; ; attempt++ {
		res := c.attempt(ctx, method, u.String(), body, out)
		status, detail, kind = res.status, res.detail, res.kind
		if kind == nil {
			return nil
		}
		retryable := false
		switch {
		case kind == ErrRateLimited || kind == ErrServer:
			retryable = true
		case kind == ErrUnavailable:
			// Nothing reached the server, so even an import is safe to repeat.
			retryable = true
		case kind == ErrTimeout && method == http.MethodGet:
			// A POST that timed out may have been applied; repeating it could
			// duplicate tasks, so only reads are retried.
			retryable = true
		}
		if ctx.Err() != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return c.newError(ErrTimeout, method, call, status, attempt, "overall timeout reached")
			}
			return fmt.Errorf("label studio %s %s: %w", method, call, ctx.Err())
		}
		if !retryable || attempt > c.cfg.MaxRetries {
			return c.newError(kind, method, call, status, attempt, detail)
		}
		wait := c.backoff(attempt)
		if res.retryAfter > 0 {
			wait = res.retryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return c.newError(kind, method, call, status, attempt, detail+fmt.Sprintf("; the next retry (in %s) would pass the overall timeout", wait))
		}
		c.log.Warn("label studio: retrying", "method", method, "path", path, "attempt", attempt, "status", status, "wait", wait, "reason", c.mask(detail))
		if err := c.sleep(ctx, wait); err != nil {
			return c.newError(ErrTimeout, method, call, status, attempt, "overall timeout reached while waiting to retry")
		}
	}
}

// attemptResult is the outcome of one request.
type attemptResult struct {
	status int
	// detail describes a failure; kind is nil on success.
	detail     string
	kind       error
	retryAfter time.Duration
}

// attempt sends one request.
func (c *Client) attempt(ctx context.Context, method, target string, body []byte, out any) attemptResult {
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, target, rd)
	if err != nil {
		return attemptResult{0, err.Error(), ErrRequest, 0}
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return attemptResult{0, transportDetail(err), transportKind(err), 0}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return attemptResult{resp.StatusCode, "reading the answer: " + transportDetail(err), transportKind(err), 0}
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		if out == nil || len(bytes.TrimSpace(data)) == 0 {
			return attemptResult{s, "", nil, 0}
		}
		if err := json.Unmarshal(data, out); err != nil {
			return attemptResult{s, fmt.Sprintf("the answer is not the documented JSON (%v): %s", err, shorten(data)), ErrRequest, 0}
		}
		return attemptResult{s, "", nil, 0}
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return attemptResult{s, shorten(data), ErrUnauthorized, 0}
	case s == http.StatusNotFound:
		return attemptResult{s, shorten(data), ErrNotFound, 0}
	case s == http.StatusTooManyRequests:
		return attemptResult{s, shorten(data), ErrRateLimited, retryafter.Parse(resp.Header.Get("Retry-After"))}
	case s >= 500:
		return attemptResult{s, shorten(data), ErrServer, retryafter.Parse(resp.Header.Get("Retry-After"))}
	default:
		return attemptResult{s, shorten(data), ErrRequest, 0}
	}
}

func transportKind(err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ErrTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	return ErrUnavailable
}

// transportDetail describes a transport error without the request URL,
// which the error message already names.
func transportDetail(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, context.DeadlineExceeded):
		return "request timeout reached"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "host not found: " + dnsErr.Name
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// backoff returns the wait before retry number attempt: exponential from
// MinBackoff, capped at MaxBackoff, with jitter in its upper half so that
// many clients do not retry in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 1; i < attempt && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxBackoff)
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// shorten quotes the start of an error body on one line.
func shorten(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty answer)"
	}
	if r := []rune(s); len(r) > maxErrorBody {
		s = string(r[:maxErrorBody]) + "…"
	}
	return s
}

// withTimeout applies the overall timeout to one operation.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.cfg.Timeout)
}
