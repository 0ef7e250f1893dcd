package labelstudio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hotpass/hotpass/internal/retry"
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
	// Token is a user's API token from Account & Settings: a personal
	// access token (a JWT, Label Studio 1.17 and later), which is exchanged
	// at POST /api/token/refresh for short-lived access tokens sent as
	// "Authorization: Bearer <access>", or a legacy token, sent as
	// "Authorization: Token <token>". The kind is told from the token's
	// shape. It is never logged.
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
	// Masker, when set, rewrites each record field before it leaves for
	// Label Studio: a compliance policy's labelstudio operators.
	Masker Masker
}

// Masker returns value as a destination may see it in the field name
// ("" for a value it may not see at all).
type Masker interface {
	Field(name, value string) string
}

// Client talks to one Label Studio instance. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	token string
	// pat is set when token is a personal access token.
	pat  bool
	cfg  Config
	http *http.Client
	log  *slog.Logger
	// sleep waits between retries; tests replace it to observe the waits
	// without spending them.
	sleep retry.Sleeper

	// authMu serialises access token refreshes, so concurrent calls that
	// find the same access token expired exchange the PAT once.
	authMu sync.Mutex
	access string

	// secretsMu guards secrets: the token and every access token issued,
	// all masked in errors and logs.
	secretsMu sync.RWMutex
	secrets   []string

	// stateMu guards the reviewer cache and the imports still running.
	stateMu sync.Mutex
	users   map[string]string
	// running maps a project to a background import that had not finished
	// when its push gave up, so the next push waits for it first.
	running map[int64]int64
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
	c := &Client{base: base, token: cfg.Token, pat: isPersonalAccessToken(cfg.Token), cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger,
		sleep: retry.Sleep, secrets: []string{cfg.Token}, users: map[string]string{}, running: map[int64]int64{}}
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
	// ErrUnauthorized: the token was rejected (401): wrong, revoked,
	// expired, or a legacy token where legacy tokens are disabled.
	ErrUnauthorized = errors.New("label studio rejected the API token")
	// ErrForbidden: the token is valid but its user lacks permission (403).
	ErrForbidden = errors.New("label studio denied permission")
	// ErrImportFailed: a background import finished with an error.
	ErrImportFailed = errors.New("label studio import failed")
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

// mask removes the token and the access tokens from s.
func (c *Client) mask(s string) string {
	c.secretsMu.RLock()
	defer c.secretsMu.RUnlock()
	for _, t := range c.secrets {
		if t != "" {
			s = strings.ReplaceAll(s, t, "***")
		}
	}
	return s
}

// legacyDisabled is how Label Studio explains a 401 for a legacy token in
// an organization that turned legacy tokens off.
const legacyDisabled = "legacy token authentication has been disabled"

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
		switch {
		case path == refreshPath:
			e.msg = fmt.Sprintf("label studio at %s rejected the personal access token on %s (%d %s): it has expired or was revoked: create a new one in Account & Settings → Personal Access Token (the token is not shown here)", where, call, status, http.StatusText(status))
		case strings.Contains(detail, legacyDisabled):
			e.msg = fmt.Sprintf("label studio at %s rejected the API token on %s (%d %s): legacy tokens are disabled for this organization: create a personal access token in Account & Settings → Personal Access Token and use it instead, or ask an administrator to enable legacy tokens (Organization → Settings → Access Token Settings)", where, call, status, http.StatusText(status))
		default:
			e.msg = fmt.Sprintf("label studio at %s rejected the API token on %s (%d %s): check the token in Account & Settings (a personal access token or a legacy token; the token is not shown here)", where, call, status, http.StatusText(status))
		}
	case ErrForbidden:
		e.msg = fmt.Sprintf("label studio at %s refused %s (%d %s): the token's user lacks permission for it (%s): ask an administrator for access to the project or a manager role", where, call, status, http.StatusText(status), detail)
	case ErrImportFailed:
		e.msg = fmt.Sprintf("label studio at %s: %s: %s", where, call, detail)
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

// request describes one API call.
type request struct {
	method, path string
	query        url.Values
	// body, when not nil, is sent as JSON; out, when not nil, receives
	// the JSON answer.
	body []byte
	out  any
	// anonymous sends no Authorization header (the token refresh).
	anonymous bool
	// unsafe marks a call that may have taken effect although it failed
	// with a 5xx (an import behind a proxy): it is not repeated here, the
	// caller checks what arrived first.
	unsafe bool
}

// do sends one API call with retries and decodes a JSON answer into out
// (when out is not nil). body, when not nil, is sent as JSON.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	return c.send(ctx, request{method: method, path: path, query: query, body: body, out: out})
}

// send sends r with retries. With a personal access token, a 401 is
// answered by exchanging the token for a fresh access token once and
// repeating the request, which does not count as a retry.
func (c *Client) send(ctx context.Context, r request) error {
	method, path := r.method, r.path
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = r.query.Encode()
	call := path
	if len(r.query) > 0 {
		call += "?" + u.RawQuery
	}
	var (
		status    int
		detail    string
		kind      error
		refreshed bool
	)
	for attempt := 1; ; attempt++ {
		auth := ""
		if !r.anonymous {
			var err error
			if auth, err = c.authorization(ctx); err != nil {
				return err
			}
		}
		res := c.attempt(ctx, method, u.String(), auth, r.body, r.out)
		status, detail, kind = res.status, res.detail, res.kind
		if kind == nil {
			return nil
		}
		if kind == ErrUnauthorized && c.pat && !r.anonymous && !refreshed {
			// The access token lives minutes; a long push or pull outlives it.
			refreshed = true
			if err := c.refreshAccess(ctx, auth); err != nil {
				return err
			}
			attempt--
			continue
		}
		retryable := false
		switch {
		case kind == ErrServer && r.unsafe:
			// The request may have been committed before the answer was lost.
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
		wait := c.retryPolicy().Wait(attempt, res.retryAfter)
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
func (c *Client) attempt(ctx context.Context, method, target, auth string, body []byte, out any) attemptResult {
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
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
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
	case s == http.StatusUnauthorized:
		return attemptResult{s, shorten(data), ErrUnauthorized, 0}
	case s == http.StatusForbidden:
		return attemptResult{s, shorten(data), ErrForbidden, 0}
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
	return c.retryPolicy().Delay(attempt)
}

// retryPolicy is the client's backoff; a Retry-After header replaces it.
func (c *Client) retryPolicy() retry.Policy {
	return retry.Policy{
		Backoff:    retry.Backoff{Base: c.cfg.MinBackoff, Cap: c.cfg.MaxBackoff, Jitter: retry.UpperHalf},
		ServerWait: retry.Replace,
	}
}

// shorten quotes the start of an error body on one line.
func shorten(b []byte) string { return shortenString(string(b)) }

// shortenString puts s on one line and cuts it to maxErrorBody runes.
func shortenString(s string) string {
	s = strings.Join(strings.Fields(s), " ")
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
