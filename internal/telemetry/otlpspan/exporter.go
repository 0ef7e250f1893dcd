package otlpspan

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/hotpass/hotpass/internal/retry"
	"github.com/hotpass/hotpass/internal/retryafter"
)

// Limits, as the official exporter sets them.
const (
	// DefaultMaxRequestSize is the largest request body sent, before
	// compression, unless Config says otherwise.
	DefaultMaxRequestSize = 64 << 20
	// maxResponseSize bounds how much of a response body is read.
	maxResponseSize = 4 << 20
)

// ErrShutdown is returned by ExportSpans after Shutdown.
var ErrShutdown = errors.New("otlpspan: exporter is shut down")

// Retry configures how failed exports are retried. Only failures the
// collector says are transient are retried: HTTP 429, 502, 503 and 504
// (waiting at least as long as a Retry-After header asks) and temporary
// network errors.
type Retry struct {
	Enabled bool
	// InitialInterval is the wait after the first failure; each later wait
	// is 1.5 times longer, with ±50 % jitter, up to MaxInterval (zero:
	// no bound but MaxElapsedTime).
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// MaxElapsedTime is how long after the first attempt no retry starts.
	MaxElapsedTime time.Duration
}

// Config is where and how spans are sent.
type Config struct {
	// Endpoint is the full URL spans are posted to, e.g.
	// http://localhost:4318/v1/traces.
	Endpoint string
	// Headers are added to every request.
	Headers map[string]string
	// Gzip compresses request bodies.
	Gzip bool
	// TLS is used for https endpoints; nil means the system's defaults.
	TLS *tls.Config
	// Timeout bounds one ExportSpans call, retries included; zero means 10 s.
	Timeout time.Duration
	Retry   Retry
	// UserAgent identifies the exporter in the User-Agent header when not
	// empty; a User-Agent given in Headers is put before it, not in its
	// place.
	UserAgent string
	// MaxRequestSize bounds a request body before compression; zero means
	// DefaultMaxRequestSize.
	MaxRequestSize int
}

// Exporter is an sdktrace.SpanExporter sending OTLP/HTTP protobuf. It is
// safe for concurrent use; the SDK's batch processor calls it from one
// goroutine, and then it reuses one encoding buffer.
type Exporter struct {
	cfg    Config
	url    string
	client *http.Client

	stopped context.Context
	stop    context.CancelFunc

	bufMu sync.Mutex
	buf   []byte
	gz    *gzip.Writer
	zbuf  bytes.Buffer
}

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New checks cfg and returns an exporter. Nothing is sent until spans are.
func New(cfg Config) (*Exporter, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("otlpspan: endpoint %q: %w", cfg.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("otlpspan: endpoint %q: want an http:// or https:// URL with a host", cfg.Endpoint)
	}
	if u.Scheme == "http" && cfg.TLS != nil {
		return nil, fmt.Errorf("otlpspan: endpoint %q is plain http but TLS settings were given; use https://", cfg.Endpoint)
	}
	for k := range cfg.Headers {
		if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r > unicode.MaxASCII || r <= ' ' || r == ':' }) {
			return nil, fmt.Errorf("otlpspan: header name %q is not valid", k)
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxRequestSize <= 0 {
		cfg.MaxRequestSize = DefaultMaxRequestSize
	}
	transport := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       cfg.TLS,
	}
	stopped, stop := context.WithCancel(context.Background())
	return &Exporter{
		cfg:     cfg,
		url:     u.String(),
		client:  &http.Client{Transport: transport},
		stopped: stopped,
		stop:    stop,
	}, nil
}

// ExportSpans encodes spans and posts them, retrying transient failures
// until cfg.Timeout. A collector that accepts only some of the spans
// (OTLP partial success) is reported as an error naming how many it
// rejected and why.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	if e.stopped.Err() != nil {
		return ErrShutdown
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(e.stopped, cancel)
	defer stop()

	e.bufMu.Lock()
	defer e.bufMu.Unlock()
	e.buf = AppendRequest(e.buf[:0], spans)
	if len(e.buf) > e.cfg.MaxRequestSize {
		return fmt.Errorf("otlpspan: %d spans encode to %d bytes, over the %d-byte request limit; nothing was sent", len(spans), len(e.buf), e.cfg.MaxRequestSize)
	}
	body := e.buf
	if e.cfg.Gzip {
		var err error
		if body, err = e.compress(body); err != nil {
			return fmt.Errorf("otlpspan: compressing the request: %w", err)
		}
	}
	return e.send(ctx, body)
}

func (e *Exporter) compress(body []byte) ([]byte, error) {
	e.zbuf.Reset()
	if e.gz == nil {
		e.gz = gzip.NewWriter(&e.zbuf)
	} else {
		e.gz.Reset(&e.zbuf)
	}
	if _, err := e.gz.Write(body); err != nil {
		return nil, err
	}
	if err := e.gz.Close(); err != nil {
		return nil, err
	}
	return e.zbuf.Bytes(), nil
}

// send posts body until it is accepted, a failure is permanent, or the
// retry budget or ctx runs out.
func (e *Exporter) send(ctx context.Context, body []byte) error {
	start := time.Now()
	policy := retry.Policy{Backoff: retry.Backoff{
		Base: e.cfg.Retry.InitialInterval, Cap: e.cfg.Retry.MaxInterval, Factor: 1.5, Jitter: retry.Spread,
	}}
	for attempt := 1; ; attempt++ {
		err := e.post(ctx, body)
		var te *transientError
		if err == nil || !e.cfg.Retry.Enabled || !errors.As(err, &te) {
			return err
		}
		delay := policy.Wait(attempt, te.retryAfter)
		if e.cfg.Retry.MaxElapsedTime > 0 && time.Since(start)+delay > e.cfg.Retry.MaxElapsedTime {
			return fmt.Errorf("giving up after %d attempts: %w", attempt, err)
		}
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(dl) {
			return fmt.Errorf("giving up after %d attempts (the export timeout would pass before the next): %w", attempt, err)
		}
		if serr := retry.Sleep(ctx, delay); serr != nil {
			return fmt.Errorf("after %d attempts: %w (last failure: %w)", attempt, serr, err)
		}
	}
}

// transientError is a failure worth retrying.
type transientError struct {
	retryAfter time.Duration
	err        error
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func (e *Exporter) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlpspan: %w", err)
	}
	for k, v := range e.cfg.Headers {
		req.Header.Set(k, v)
	}
	if e.cfg.UserAgent != "" {
		// The OTLP specification has exporters identify themselves; a
		// product given among the headers comes first, the exporter's
		// own is kept after it.
		ua := e.cfg.UserAgent
		if given := strings.TrimSpace(req.Header.Get("User-Agent")); given != "" {
			ua = given + " " + ua
		}
		req.Header.Set("User-Agent", ua)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if e.cfg.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		var ue *url.Error
		if ctx.Err() == nil && (errors.As(err, &ue) && ue.Temporary() || errors.Is(err, syscall.ECONNREFUSED)) {
			// A refused connection is a collector restarting or not up
			// yet: nothing was received, so sending again is safe.
			return &transientError{err: err}
		}
		return err
	}
	defer resp.Body.Close()
	data, readErr := readLimited(resp.Body)

	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if readErr != nil {
			return fmt.Errorf("reading the collector's answer: %w", readErr)
		}
		return partialSuccess(resp.Header.Get("Content-Type"), data)
	}
	err = fmt.Errorf("%s answered %s: %s", e.url, resp.Status, describeBody(resp.Header.Get("Content-Type"), data))
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return &transientError{retryAfter: retryAfter(resp.Header.Get("Retry-After")), err: err}
	}
	return err
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxResponseSize+1))
	if err != nil {
		return data, err
	}
	if len(data) > maxResponseSize {
		return data[:maxResponseSize], fmt.Errorf("the response body is over %d bytes", maxResponseSize)
	}
	return data, nil
}

// partialSuccess reads an ExportTraceServiceResponse and reports spans the
// collector rejected.
func partialSuccess(contentType string, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var resp coltracepb.ExportTraceServiceResponse
	switch mediaType(contentType) {
	case "application/x-protobuf":
		if err := proto.Unmarshal(data, &resp); err != nil {
			return fmt.Errorf("the collector's answer is not an ExportTraceServiceResponse: %w", err)
		}
	case "application/json":
		if err := protojson.Unmarshal(data, &resp); err != nil {
			return fmt.Errorf("the collector's answer is not an ExportTraceServiceResponse: %w", err)
		}
	default:
		return nil
	}
	ps := resp.GetPartialSuccess()
	if ps == nil || ps.GetRejectedSpans() == 0 && ps.GetErrorMessage() == "" {
		return nil
	}
	msg := ps.GetErrorMessage()
	if msg == "" {
		msg = "no reason given"
	}
	return fmt.Errorf("the collector rejected %d span(s): %s", ps.GetRejectedSpans(), msg)
}

// describeBody renders an error response for a message: the message of a
// google.rpc.Status when the body is one (as OTLP/HTTP collectors send),
// otherwise the start of the body as text.
func describeBody(contentType string, data []byte) string {
	if mediaType(contentType) == "application/x-protobuf" {
		var st spb.Status
		if proto.Unmarshal(data, &st) == nil && st.GetMessage() != "" {
			return st.GetMessage()
		}
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(data), "?"))
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "(empty body)"
	}
	const maxLen = 300
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// retryAfter reads a Retry-After header, waiting at most an hour: longer
// than any export budget, so the export gives up instead.
func retryAfter(v string) time.Duration {
	return min(retryafter.Parse(v), time.Hour)
}

// Shutdown cancels exports in flight and closes idle connections; later
// exports return ErrShutdown.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.stop()
	e.client.CloseIdleConnections()
	return ctx.Err()
}
