package otlpspan

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// received is one request as the collector in a test saw it.
type received struct {
	at      time.Time
	header  http.Header
	path    string
	request *coltracepb.ExportTraceServiceRequest
	err     error
}

// collector is an OTLP/HTTP trace endpoint whose answers the test scripts:
// answer n handles the n-th request (the last one repeats).
type collector struct {
	srv     *httptest.Server
	answers []func(w http.ResponseWriter, r *http.Request)

	mu   sync.Mutex
	reqs []received
}

func newCollector(t *testing.T, answers ...func(w http.ResponseWriter, r *http.Request)) *collector {
	t.Helper()
	c := &collector{answers: answers}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *collector) url() string { return c.srv.URL + "/v1/traces" }

func (c *collector) serve(w http.ResponseWriter, r *http.Request) {
	rec := received{at: time.Now(), header: r.Header.Clone(), path: r.URL.Path}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			rec.err = err
		} else {
			body = zr
		}
	}
	if rec.err == nil {
		data, err := io.ReadAll(body)
		rec.err = err
		if err == nil {
			rec.request = &coltracepb.ExportTraceServiceRequest{}
			rec.err = proto.Unmarshal(data, rec.request)
		}
	}
	c.mu.Lock()
	n := len(c.reqs)
	c.reqs = append(c.reqs, rec)
	c.mu.Unlock()
	if len(c.answers) == 0 {
		return
	}
	c.answers[min(n, len(c.answers)-1)](w, r)
}

func (c *collector) received() []received {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]received(nil), c.reqs...)
}

func ok(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-protobuf")
	b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(b)
}

func status(code int, retryAfter string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		http.Error(w, "collector busy", code)
	}
}

func testSpans(t *testing.T, n int) []sdktrace.ReadOnlySpan {
	stubs := make(tracetest.SpanStubs, n)
	for i := range stubs {
		stubs[i] = tracetest.SpanStub{Name: "task", SpanContext: spanContext(t, 1, byte(i), "", 1, false)}
	}
	return stubs.Snapshots()
}

func newExporter(t *testing.T, cfg Config) *Exporter {
	t.Helper()
	if cfg.Retry == (Retry{}) {
		cfg.Retry = Retry{Enabled: true, InitialInterval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond, MaxElapsedTime: 2 * time.Second}
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

func spanCount(req *coltracepb.ExportTraceServiceRequest) int {
	n := 0
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	return n
}

func TestExportSendsProtobufWithHeaders(t *testing.T) {
	t.Parallel()
	for _, gz := range []bool{false, true} {
		name := "plain"
		if gz {
			name = "gzip"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCollector(t, ok)
			e := newExporter(t, Config{Endpoint: c.url(), Gzip: gz, UserAgent: "Hotpass/test",
				Headers: map[string]string{"Authorization": "Bearer s3cret", "X-Tenant": "acme"}})
			if err := e.ExportSpans(context.Background(), testSpans(t, 3)); err != nil {
				t.Fatal(err)
			}
			if err := e.ExportSpans(context.Background(), nil); err != nil {
				t.Fatalf("exporting nothing: %v", err)
			}
			got := c.received()
			if len(got) != 1 {
				t.Fatalf("%d requests, want 1 (an empty batch sends nothing)", len(got))
			}
			r := got[0]
			if r.err != nil {
				t.Fatalf("the collector could not read the request: %v", r.err)
			}
			if n := spanCount(r.request); n != 3 {
				t.Errorf("%d spans arrived, want 3", n)
			}
			want := map[string]string{
				"Content-Type": "application/x-protobuf", "User-Agent": "Hotpass/test",
				"Authorization": "Bearer s3cret", "X-Tenant": "acme",
			}
			if gz {
				want["Content-Encoding"] = "gzip"
			}
			for k, v := range want {
				if got := r.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if !gz && r.header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q without compression", r.header.Get("Content-Encoding"))
			}
			if r.path != "/v1/traces" {
				t.Errorf("posted to %s", r.path)
			}
		})
	}
}

func TestExportRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			c := newCollector(t, status(code, ""), status(code, ""), ok)
			e := newExporter(t, Config{Endpoint: c.url()})
			if err := e.ExportSpans(context.Background(), testSpans(t, 2)); err != nil {
				t.Fatalf("export failed although the third attempt succeeds: %v", err)
			}
			got := c.received()
			if len(got) != 3 {
				t.Fatalf("%d attempts, want 3", len(got))
			}
			for i, r := range got {
				if r.err != nil || spanCount(r.request) != 2 {
					t.Errorf("attempt %d: %d spans, err %v; every attempt must resend the whole batch", i+1, spanCount(r.request), r.err)
				}
			}
		})
	}
}

func TestExportHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	c := newCollector(t, status(http.StatusServiceUnavailable, "1"), ok)
	e := newExporter(t, Config{Endpoint: c.url()})
	if err := e.ExportSpans(context.Background(), testSpans(t, 1)); err != nil {
		t.Fatal(err)
	}
	got := c.received()
	if len(got) != 2 {
		t.Fatalf("%d attempts, want 2", len(got))
	}
	if gap := got[1].at.Sub(got[0].at); gap < time.Second {
		t.Errorf("retried after %v although the collector asked for 1 s", gap)
	}
}

func TestExportPermanentFailures(t *testing.T) {
	t.Parallel()
	rpcStatus := func(w http.ResponseWriter, _ *http.Request) {
		b, _ := proto.Marshal(&spb.Status{Code: 3, Message: "span 7 has no trace id"})
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(b)
	}
	partial := func(contentType string, encode func(proto.Message) ([]byte, error)) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			b, _ := encode(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{
				RejectedSpans: 3, ErrorMessage: "attribute limit exceeded"}})
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(b)
		}
	}
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request)
		want   []string
	}{
		{"400 with a google.rpc.Status", rpcStatus, []string{"400 Bad Request", "span 7 has no trace id"}},
		{"500 with text", status(http.StatusInternalServerError, ""), []string{"500 Internal Server Error", "collector busy"}},
		{"401 with an empty body", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) },
			[]string{"401 Unauthorized", "(empty body)"}},
		{"partial success, protobuf", partial("application/x-protobuf", proto.Marshal), []string{"rejected 3 span(s): attribute limit exceeded"}},
		{"partial success, JSON", partial("application/json", protojson.Marshal), []string{"rejected 3 span(s): attribute limit exceeded"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCollector(t, tc.answer)
			e := newExporter(t, Config{Endpoint: c.url()})
			err := e.ExportSpans(context.Background(), testSpans(t, 4))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if n := len(c.received()); n != 1 {
				t.Errorf("%d attempts; a permanent failure must not be retried", n)
			}
		})
	}
}

func TestExportGivesUpWithinItsBudget(t *testing.T) {
	t.Parallel()
	c := newCollector(t, status(http.StatusServiceUnavailable, "0"))
	e := newExporter(t, Config{Endpoint: c.url(), Retry: Retry{Enabled: true, InitialInterval: 20 * time.Millisecond,
		MaxInterval: 40 * time.Millisecond, MaxElapsedTime: 300 * time.Millisecond}})
	err := e.ExportSpans(context.Background(), testSpans(t, 1))
	if err == nil || !strings.Contains(err.Error(), "giving up after") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %v, want giving up on 503", err)
	}
	if n := len(c.received()); n < 2 {
		t.Errorf("%d attempts, want retries", n)
	}

	// With retries off, one attempt.
	c2 := newCollector(t, status(http.StatusServiceUnavailable, "0"))
	e2 := newExporter(t, Config{Endpoint: c2.url(), Retry: Retry{Enabled: false, MaxElapsedTime: time.Second}})
	if err := e2.ExportSpans(context.Background(), testSpans(t, 1)); err == nil {
		t.Fatal("no error")
	}
	if n := len(c2.received()); n != 1 {
		t.Errorf("%d attempts with retries disabled", n)
	}
}

func TestExportTimeoutAndShutdownStopAHungCollector(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	t.Cleanup(func() { close(release) })

	c := newCollector(t, hang)
	e := newExporter(t, Config{Endpoint: c.url(), Timeout: 200 * time.Millisecond})
	if err := e.ExportSpans(context.Background(), testSpans(t, 1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the deadline", err)
	}

	e2 := newExporter(t, Config{Endpoint: c.url(), Timeout: time.Hour})
	done := make(chan error, 1)
	go func() { done <- e2.ExportSpans(context.Background(), testSpans(t, 1)) }()
	for len(c.received()) < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := e2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Error("an export cut short by Shutdown reported success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not end the export in flight")
	}
	if err := e2.ExportSpans(context.Background(), testSpans(t, 1)); !errors.Is(err, ErrShutdown) {
		t.Errorf("export after Shutdown: %v, want ErrShutdown", err)
	}
}

func TestExportRefusesOversizedRequests(t *testing.T) {
	t.Parallel()
	c := newCollector(t, ok)
	e := newExporter(t, Config{Endpoint: c.url(), MaxRequestSize: 100})
	err := e.ExportSpans(context.Background(), testSpans(t, 10))
	if err == nil || !strings.Contains(err.Error(), "over the 100-byte request limit") {
		t.Fatalf("error %v", err)
	}
	if n := len(c.received()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestExportOverMutualTLS(t *testing.T) {
	t.Parallel()
	pki := otlptest.NewPKI(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(ok))
	srv.TLS = pki.ServerTLS
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	url := srv.URL + "/v1/traces"

	e := newExporter(t, Config{Endpoint: url, TLS: pki.ClientTLS})
	if err := e.ExportSpans(context.Background(), testSpans(t, 1)); err != nil {
		t.Fatalf("with the client certificate: %v", err)
	}

	noCert := pki.ClientTLS.Clone()
	noCert.Certificates = nil
	e2 := newExporter(t, Config{Endpoint: url, TLS: noCert})
	if err := e2.ExportSpans(context.Background(), testSpans(t, 1)); err == nil {
		t.Error("the server requires a client certificate, yet the export succeeded without one")
	}

	e3 := newExporter(t, Config{Endpoint: url})
	if err := e3.ExportSpans(context.Background(), testSpans(t, 1)); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("trusting only the system's CAs: %v, want a certificate error", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no scheme", Config{Endpoint: "localhost:4318/v1/traces"}, "want an http:// or https:// URL"},
		{"no host", Config{Endpoint: "http:///v1/traces"}, "want an http:// or https:// URL"},
		{"grpc scheme", Config{Endpoint: "grpc://collector:4317"}, "want an http:// or https:// URL"},
		{"TLS over http", Config{Endpoint: "http://collector:4318/v1/traces", TLS: otlptest.NewPKI(t).ClientTLS}, "plain http"},
		{"bad header", Config{Endpoint: "http://c:4318/v1/traces", Headers: map[string]string{"Bad Header": "x"}}, "not valid"},
	} {
		if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Duration{
		"": 0, "0": 0, "3": 3 * time.Second, "-1": 0, "soon": 0, "99999999999": time.Hour,
		time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat): 0,
	} {
		if got := retryAfter(in); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	future := retryAfter(time.Now().Add(time.Minute).UTC().Format(http.TimeFormat))
	if future < 58*time.Second || future > time.Minute {
		t.Errorf("an HTTP date a minute ahead gave %v", future)
	}
}

// refusing fails the first n requests as a collector that is not
// listening (yet) does, then passes requests on.
type refusing struct {
	mu   sync.Mutex
	n    int
	next http.RoundTripper
}

func (r *refusing) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	refuse := r.n > 0
	r.n--
	r.mu.Unlock()
	if refuse {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	}
	return r.next.RoundTrip(req)
}

// A collector that is restarting refuses connections for a moment; that
// is retried like a 503.
func TestExportRetriesRefusedConnections(t *testing.T) {
	t.Parallel()
	c := newCollector(t, ok)
	e := newExporter(t, Config{Endpoint: c.url()})
	e.client.Transport = &refusing{n: 2, next: e.client.Transport}
	if err := e.ExportSpans(context.Background(), testSpans(t, 2)); err != nil {
		t.Fatalf("export failed although the collector accepts the third attempt: %v", err)
	}
	if got := c.received(); len(got) != 1 || spanCount(got[0].request) != 2 {
		t.Errorf("%d requests arrived, want the batch once", len(got))
	}
}

// A User-Agent given among the headers is added to the exporter's own,
// which identifies the exporter as the OTLP specification asks.
func TestUserAgentKeptWithHeaders(t *testing.T) {
	t.Parallel()
	c := newCollector(t, ok)
	e := newExporter(t, Config{Endpoint: c.url(), UserAgent: "Hotpass/test",
		Headers: map[string]string{"User-Agent": "acme-etl/2.1"}})
	if err := e.ExportSpans(context.Background(), testSpans(t, 1)); err != nil {
		t.Fatal(err)
	}
	ua := c.received()[0].header.Get("User-Agent")
	if !strings.Contains(ua, "acme-etl/2.1") || !strings.Contains(ua, "Hotpass/test") {
		t.Errorf("User-Agent %q, want the given product and the exporter's own", ua)
	}
}
