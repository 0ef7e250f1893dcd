// Package otlptest runs in-process OTLP receivers (HTTP/protobuf and gRPC)
// for tests. A receiver keeps every span, metric data point and log record
// it is sent, decoded from the wire, so a test can assert on exactly what a
// collector would have seen.
//
// Exporters answer only after the receiver has stored a request, so once a
// telemetry pipeline has been flushed or shut down everything it exported is
// visible here: tests never need to wait or poll.
package otlptest

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Protocol values, as OTEL_EXPORTER_OTLP_PROTOCOL spells them.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Option changes how a receiver answers.
type Option func(*options)

type options struct {
	failStatus int
	hang       bool
	discard    bool
	pki        *PKI
}

// FailWith makes every export fail: HTTP receivers answer with this status
// code, gRPC receivers with the matching gRPC code (500 is Internal, 503
// Unavailable, 400 InvalidArgument, 429 ResourceExhausted, others Unknown).
// Nothing is stored.
func FailWith(httpStatus int) Option { return func(o *options) { o.failStatus = httpStatus } }

// Hang makes every export block until the client gives up or the receiver
// is closed, as a collector that accepts connections but never answers.
func Hang() Option { return func(o *options) { o.hang = true } }

// Discard makes the receiver read and acknowledge requests without
// decoding or keeping them, so that a benchmark sharing the process with
// it measures the exporting side, as with a collector on another machine.
// Only Requests and Headers are recorded.
func Discard() Option { return func(o *options) { o.discard = true } }

// MutualTLS makes an HTTP receiver serve HTTPS with pki's server
// certificate and accept only clients presenting pki's client certificate.
// Env then also names pki's files in the OTEL_EXPORTER_OTLP_CERTIFICATE,
// _CLIENT_CERTIFICATE and _CLIENT_KEY variables.
func MutualTLS(pki *PKI) Option { return func(o *options) { o.pki = pki } }

// Receiver is an in-process OTLP collector. It is safe for concurrent use.
type Receiver struct {
	protocol string
	endpoint string
	opts     options
	closing  chan struct{}

	mu       sync.Mutex
	requests int
	headers  []http.Header
	spans    []*tracepb.ResourceSpans
	metrics  []*metricpb.ResourceMetrics
	logs     []*logspb.ResourceLogs
}

// NewHTTP starts an OTLP/HTTP receiver (protobuf bodies, optionally gzip)
// on 127.0.0.1 serving /v1/traces, /v1/metrics and /v1/logs. It stops when
// the test ends.
func NewHTTP(tb testing.TB, opts ...Option) *Receiver {
	tb.Helper()
	ln := listen(tb)
	r := newReceiver(ProtocolHTTP, "http://"+ln.Addr().String(), opts)
	if r.opts.pki != nil {
		ln = tls.NewListener(ln, r.opts.pki.ServerTLS)
		r.endpoint = "https://" + ln.Addr().String()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/traces", r.httpHandler(func(body []byte) error {
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			return err
		}
		r.addSpans(req.GetResourceSpans())
		return nil
	}, &coltracepb.ExportTraceServiceResponse{}))
	mux.HandleFunc("POST /v1/metrics", r.httpHandler(func(body []byte) error {
		var req colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			return err
		}
		r.addMetrics(req.GetResourceMetrics())
		return nil
	}, &colmetricpb.ExportMetricsServiceResponse{}))
	mux.HandleFunc("POST /v1/logs", r.httpHandler(func(body []byte) error {
		var req collogspb.ExportLogsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			return err
		}
		r.addLogs(req.GetResourceLogs())
		return nil
	}, &collogspb.ExportLogsServiceResponse{}))
	// TLS handshake failures are the client's to report, not the server's.
	srv := &http.Server{Handler: mux, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		close(r.closing)
		_ = srv.Close()
	})
	return r
}

// NewGRPC starts an OTLP/gRPC receiver on 127.0.0.1 registering the
// collector's TraceService, MetricsService and LogsService. It stops when
// the test ends.
func NewGRPC(tb testing.TB, opts ...Option) *Receiver {
	tb.Helper()
	ln := listen(tb)
	r := newReceiver(ProtocolGRPC, "http://"+ln.Addr().String(), opts)
	if r.opts.pki != nil {
		tb.Fatal("otlptest: MutualTLS is supported by HTTP receivers only")
	}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, &traceService{r: r})
	colmetricpb.RegisterMetricsServiceServer(srv, &metricsService{r: r})
	collogspb.RegisterLogsServiceServer(srv, &logsService{r: r})
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		close(r.closing)
		srv.Stop()
	})
	return r
}

func listen(tb testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("otlptest: listen on 127.0.0.1: %v", err)
	}
	return ln
}

func newReceiver(protocol, endpoint string, opts []Option) *Receiver {
	r := &Receiver{protocol: protocol, endpoint: endpoint, closing: make(chan struct{})}
	for _, o := range opts {
		o(&r.opts)
	}
	return r
}

// Endpoint is the receiver's base URL, e.g. "http://127.0.0.1:41234", as
// OTEL_EXPORTER_OTLP_ENDPOINT expects it.
func (r *Receiver) Endpoint() string { return r.endpoint }

// Protocol is ProtocolHTTP or ProtocolGRPC.
func (r *Receiver) Protocol() string { return r.protocol }

// Env returns the OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL
// settings that point an exporter at this receiver, and with MutualTLS the
// certificate settings.
func (r *Receiver) Env() map[string]string {
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": r.endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL": r.protocol,
	}
	if p := r.opts.pki; p != nil {
		env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = p.CAFile
		env["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"] = p.ClientCertFile
		env["OTEL_EXPORTER_OTLP_CLIENT_KEY"] = p.ClientKeyFile
	}
	return env
}

// Requests counts the export requests that reached the receiver, failed
// and hanging ones included.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Headers returns the headers (gRPC metadata for gRPC) of every request
// received, in arrival order.
func (r *Receiver) Headers() []http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]http.Header, len(r.headers))
	for i, h := range r.headers {
		out[i] = h.Clone()
	}
	return out
}

// Reset forgets everything received so far, for benchmarks that reuse a
// receiver across iterations.
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = 0
	r.headers, r.spans, r.metrics, r.logs = nil, nil, nil, nil
}

// SpanCount is the number of spans received, cheaper than len(Spans()).
func (r *Receiver) SpanCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, rs := range r.spans {
		for _, ss := range rs.GetScopeSpans() {
			n += len(ss.GetSpans())
		}
	}
	return n
}

// arrive counts a request and decides how to answer it: nil means store
// and succeed, otherwise the failure to return. A hanging receiver blocks
// here until ctx ends or the receiver closes.
func (r *Receiver) arrive(ctx context.Context, h http.Header) (failStatus int, err error) {
	r.mu.Lock()
	r.requests++
	r.headers = append(r.headers, h)
	r.mu.Unlock()
	if r.opts.hang {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-r.closing:
			return 0, errors.New("otlptest: receiver closed")
		}
	}
	if r.opts.failStatus != 0 {
		return r.opts.failStatus, fmt.Errorf("otlptest: configured to fail with %d", r.opts.failStatus)
	}
	return 0, nil
}

func (r *Receiver) httpHandler(store func([]byte) error, resp proto.Message) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		code, err := r.arrive(req.Context(), req.Header.Clone())
		if err != nil {
			if code == 0 {
				return // hung until the client left; nobody reads an answer
			}
			http.Error(w, err.Error(), code)
			return
		}
		if ct := req.Header.Get("Content-Type"); ct != "application/x-protobuf" {
			http.Error(w, "otlptest: only application/x-protobuf bodies are supported, got "+ct, http.StatusUnsupportedMediaType)
			return
		}
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, "otlptest: gzip body: "+err.Error(), http.StatusBadRequest)
				return
			}
			defer zr.Close()
			body = zr
		}
		var buf bytes.Buffer
		if req.ContentLength > 0 && body == io.Reader(req.Body) {
			// One allocation of the right size instead of ReadAll's
			// doubling: batches of spans run to megabytes.
			buf.Grow(int(min(req.ContentLength, 64<<20)) + bytes.MinRead)
		}
		_, err = buf.ReadFrom(body)
		data := buf.Bytes()
		if err != nil {
			http.Error(w, "otlptest: read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if r.opts.discard {
			store = func([]byte) error { return nil }
		}
		if err := store(data); err != nil {
			http.Error(w, "otlptest: decode protobuf body: "+err.Error(), http.StatusBadRequest)
			return
		}
		out, err := proto.Marshal(resp)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = io.Copy(w, bytes.NewReader(out))
	}
}

// grpcArrive is arrive for gRPC calls, mapping failures to gRPC statuses.
func (r *Receiver) grpcArrive(ctx context.Context) error {
	h := http.Header{}
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		for k, vs := range md {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
	}
	code, err := r.arrive(ctx, h)
	if err == nil {
		return nil
	}
	if code == 0 {
		return status.Error(codes.Canceled, err.Error())
	}
	return status.Error(grpcCode(code), err.Error())
}

func grpcCode(httpStatus int) codes.Code {
	switch httpStatus {
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusTooManyRequests:
		return codes.ResourceExhausted
	case http.StatusInternalServerError:
		return codes.Internal
	case http.StatusServiceUnavailable:
		return codes.Unavailable
	}
	return codes.Unknown
}

type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	r *Receiver
}

func (s *traceService) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	if err := s.r.grpcArrive(ctx); err != nil {
		return nil, err
	}
	s.r.addSpans(req.GetResourceSpans())
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

type metricsService struct {
	colmetricpb.UnimplementedMetricsServiceServer
	r *Receiver
}

func (s *metricsService) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	if err := s.r.grpcArrive(ctx); err != nil {
		return nil, err
	}
	s.r.addMetrics(req.GetResourceMetrics())
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

type logsService struct {
	collogspb.UnimplementedLogsServiceServer
	r *Receiver
}

func (s *logsService) Export(ctx context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	if err := s.r.grpcArrive(ctx); err != nil {
		return nil, err
	}
	s.r.addLogs(req.GetResourceLogs())
	return &collogspb.ExportLogsServiceResponse{}, nil
}

func (r *Receiver) addSpans(rs []*tracepb.ResourceSpans) {
	if r.opts.discard {
		return
	}
	r.mu.Lock()
	r.spans = append(r.spans, rs...)
	r.mu.Unlock()
}

func (r *Receiver) addMetrics(rm []*metricpb.ResourceMetrics) {
	if r.opts.discard {
		return
	}
	r.mu.Lock()
	r.metrics = append(r.metrics, rm...)
	r.mu.Unlock()
}

func (r *Receiver) addLogs(rl []*logspb.ResourceLogs) {
	if r.opts.discard {
		return
	}
	r.mu.Lock()
	r.logs = append(r.logs, rl...)
	r.mu.Unlock()
}
