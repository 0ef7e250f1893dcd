package otlptest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// EnvCollector names the variable that holds the path of an OpenTelemetry
// Collector binary with the OTLP receiver, the file exporter and the
// bearer token extension (`make otelcol` builds one and `make test` sets
// the variable).
const EnvCollector = "HOTPASS_OTELCOL"

// CollectorBinary returns the collector binary named by EnvCollector. When
// there is none the test is skipped, or fails under CI=true, where the real
// collector is part of the suite.
func CollectorBinary(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv(EnvCollector)
	if bin == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("otlptest: %s is not set; under CI the tests need the real collector (make otelcol builds it)", EnvCollector)
		}
		tb.Skipf("otlptest: %s is not set: run `make otelcol` (or `make test`) to build the real collector", EnvCollector)
	}
	if _, err := os.Stat(bin); err != nil {
		tb.Fatalf("otlptest: %s=%s: %v (make otelcol builds it)", EnvCollector, bin, err)
	}
	return bin
}

// CollectorOptions configure a Collector's receivers.
type CollectorOptions struct {
	// PKI, when set, makes both receivers require TLS with a client
	// certificate signed by its CA.
	PKI *PKI
	// Token, when set, makes both receivers require
	// "Authorization: Bearer <Token>".
	Token string
	// BasePath prefixes the HTTP receiver's /v1/traces, /v1/metrics and
	// /v1/logs paths, as when the collector sits behind a proxy.
	BasePath string
}

// Collector is a real OpenTelemetry Collector process receiving OTLP over
// gRPC and HTTP and writing what it receives as OTLP JSON lines, one file
// per signal, which Received reads back.
type Collector struct {
	tb       testing.TB
	bin      string
	dir      string
	opts     CollectorOptions
	grpcAddr string
	httpAddr string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	output *bytes.Buffer
}

// StartCollector writes a configuration for o, starts the collector at bin
// and waits until both receivers accept connections. It is stopped when
// the test ends.
func StartCollector(tb testing.TB, bin string, o CollectorOptions) *Collector {
	tb.Helper()
	c := &Collector{tb: tb, bin: bin, dir: tb.TempDir(), opts: o, grpcAddr: freeAddr(tb), httpAddr: freeAddr(tb)}
	if err := os.WriteFile(filepath.Join(c.dir, "config.yaml"), []byte(c.config()), 0o600); err != nil {
		tb.Fatalf("otlptest: collector config: %v", err)
	}
	c.Start()
	tb.Cleanup(c.Stop)
	return c
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(tb testing.TB) string {
	ln := listen(tb)
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		tb.Fatalf("otlptest: %v", err)
	}
	return addr
}

func (c *Collector) file(signal string) string { return filepath.Join(c.dir, signal+".jsonl") }

func (c *Collector) config() string {
	var tls, auth, ext, svcExt string
	if p := c.opts.PKI; p != nil {
		tls = fmt.Sprintf("\n        tls:\n          cert_file: %q\n          key_file: %q\n          client_ca_file: %q", p.ServerCertFile, p.ServerKeyFile, p.CAFile)
	}
	if c.opts.Token != "" {
		auth = "\n        auth:\n          authenticator: bearertokenauth"
		ext = fmt.Sprintf("extensions:\n  bearertokenauth:\n    token: %q\n", c.opts.Token)
		svcExt = "  extensions: [bearertokenauth]\n"
	}
	base := strings.TrimSuffix(c.opts.BasePath, "/")
	var b strings.Builder
	b.WriteString(ext)
	fmt.Fprintf(&b, `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %q%s%s
      http:
        endpoint: %q
        traces_url_path: %q
        metrics_url_path: %q
        logs_url_path: %q%s%s
exporters:
`, c.grpcAddr, tls, auth, c.httpAddr, base+"/v1/traces", base+"/v1/metrics", base+"/v1/logs", tls, auth)
	for _, s := range []string{"traces", "metrics", "logs"} {
		fmt.Fprintf(&b, "  file/%s:\n    path: %q\n    flush_interval: 50ms\n", s, c.file(s))
	}
	b.WriteString("service:\n" + svcExt + "  telemetry:\n    metrics:\n      level: none\n  pipelines:\n")
	for _, s := range []string{"traces", "metrics", "logs"} {
		fmt.Fprintf(&b, "    %s:\n      receivers: [otlp]\n      exporters: [file/%s]\n", s, s)
	}
	return b.String()
}

// Start starts the collector process (again, after Stop, on the same
// addresses and files) and waits until both receivers accept connections.
func (c *Collector) Start() {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd != nil {
		c.tb.Fatal("otlptest: collector already running")
	}
	out := &bytes.Buffer{}
	cmd := exec.Command(c.bin, "--config", filepath.Join(c.dir, "config.yaml"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.tb.Fatalf("otlptest: start collector %s: %v", c.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	c.cmd, c.exited, c.output = cmd, exited, out
	deadline := time.Now().Add(60 * time.Second)
	for _, addr := range []string{c.grpcAddr, c.httpAddr} {
		for {
			conn, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				_ = conn.Close()
				break
			}
			select {
			case <-exited:
				c.cmd = nil
				c.tb.Fatalf("otlptest: the collector exited before listening on %s:\n%s", addr, out.String())
			default:
			}
			if time.Now().After(deadline) {
				c.tb.Fatalf("otlptest: the collector does not listen on %s after 60s:\n%s", addr, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Stop ends the collector gracefully (SIGTERM), so that it flushes its
// files, and kills it if it takes more than 10 seconds.
func (c *Collector) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.cmd = nil
}

// Output returns what the current or last collector process printed.
func (c *Collector) Output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.output.String()
}

// Env returns the OTEL_EXPORTER_OTLP_* settings that point an exporter at
// the collector's receiver for protocol (ProtocolGRPC or ProtocolHTTP),
// with the certificates and the bearer header the collector requires.
func (c *Collector) Env(protocol string) map[string]string {
	scheme := "http://"
	if c.opts.PKI != nil {
		scheme = "https://"
	}
	endpoint := scheme + c.grpcAddr
	if protocol == ProtocolHTTP {
		endpoint = scheme + c.httpAddr + strings.TrimSuffix(c.opts.BasePath, "/")
	}
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
	}
	if p := c.opts.PKI; p != nil {
		env["OTEL_EXPORTER_OTLP_CERTIFICATE"] = p.CAFile
		env["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"] = p.ClientCertFile
		env["OTEL_EXPORTER_OTLP_CLIENT_KEY"] = p.ClientKeyFile
	}
	if c.opts.Token != "" {
		env["OTEL_EXPORTER_OTLP_HEADERS"] = "Authorization=Bearer " + c.opts.Token
	}
	return env
}

// Received reads what the collector has written so far into a Receiver, so
// that the same accessors (Spans, MetricNames, Logs, ...) apply. The file
// exporter flushes every 50 ms; poll with Eventually-style waits, or Stop
// the collector first.
func (c *Collector) Received() (*Receiver, error) {
	r := newReceiver("file", c.dir, nil)
	var errs []error
	errs = append(errs, readLines(c.file("traces"), func(line []byte) error {
		var d tracepb.TracesData
		if err := protojson.Unmarshal(line, &d); err != nil {
			return err
		}
		r.addSpans(d.ResourceSpans)
		return nil
	}))
	errs = append(errs, readLines(c.file("metrics"), func(line []byte) error {
		var d metricpb.MetricsData
		if err := protojson.Unmarshal(line, &d); err != nil {
			return err
		}
		r.addMetrics(d.ResourceMetrics)
		return nil
	}))
	errs = append(errs, readLines(c.file("logs"), func(line []byte) error {
		var d logspb.LogsData
		if err := protojson.Unmarshal(line, &d); err != nil {
			return err
		}
		r.addLogs(d.ResourceLogs)
		return nil
	}))
	return r, errors.Join(errs...)
}

// readLines calls fn with each non-empty line of path; a missing file has
// no lines.
func readLines(path string, fn func([]byte) error) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		line, err := hexIDsToBase64(sc.Bytes())
		if err == nil {
			err = fn(line)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// hexIDsToBase64 rewrites the trace and span ids of an OTLP/JSON document,
// which OTLP/JSON writes in hex, into the base64 the protobuf JSON mapping
// (protojson) reads for bytes fields.
func hexIDsToBase64(line []byte) ([]byte, error) {
	var doc any
	if err := json.Unmarshal(line, &doc); err != nil {
		return nil, err
	}
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && (k == "traceId" || k == "spanId" || k == "parentSpanId") {
					b, err := hex.DecodeString(s)
					if err != nil {
						return fmt.Errorf("%s %q is not hex: %w", k, s, err)
					}
					v[k] = base64.StdEncoding.EncodeToString(b)
					continue
				}
				if err := walk(x); err != nil {
					return err
				}
			}
		case []any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(doc); err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}
