package telemetry_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// Valid settings resolve to the exporters the OpenTelemetry specification
// prescribes: generic endpoints get the signal path appended for HTTP,
// per-signal ones are used as they are, per-signal settings win.
func TestSetupResolvesExporters(t *testing.T) {
	t.Parallel()
	http := func(sig, url string) telemetry.Exporter {
		return telemetry.Exporter{Signal: sig, Protocol: telemetry.ProtocolHTTP, Endpoint: url}
	}
	grpc := func(sig, url string) telemetry.Exporter {
		return telemetry.Exporter{Signal: sig, Protocol: telemetry.ProtocolGRPC, Endpoint: url}
	}
	tests := []struct {
		name string
		env  map[string]string
		want []telemetry.Exporter
	}{
		{"defaults", nil, []telemetry.Exporter{
			http("traces", "http://localhost:4318/v1/traces"), http("metrics", "http://localhost:4318/v1/metrics"), http("logs", "http://localhost:4318/v1/logs")}},
		{"grpc default endpoint", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, []telemetry.Exporter{
			grpc("traces", "http://localhost:4317"), grpc("metrics", "http://localhost:4317"), grpc("logs", "http://localhost:4317")}},
		{"generic endpoint with path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example.com:443/otlp/"}, []telemetry.Exporter{
			http("traces", "https://otel.example.com:443/otlp/v1/traces"), http("metrics", "https://otel.example.com:443/otlp/v1/metrics"),
			http("logs", "https://otel.example.com:443/otlp/v1/logs")}},
		{"per-signal endpoint and protocol win", map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://collector:4318",
			"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "http://tempo:4318/custom/path",
			"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://mimir:4317",
			"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL":    "console",
			"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT":    "http://ignored:1",
			"OTEL_EXPORTER_OTLP_TRACES_HEADERS":   "a=b",
			"OTEL_EXPORTER_OTLP_PROTOCOL":         "http/protobuf",
		}, []telemetry.Exporter{
			http("traces", "http://tempo:4318/custom/path"), grpc("metrics", "http://mimir:4317"),
			{Signal: "logs", Protocol: telemetry.ProtocolConsole}}},
		{"exporter none and console", map[string]string{"OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "console"}, []telemetry.Exporter{
			http("traces", "http://localhost:4318/v1/traces"), {Signal: "metrics", Protocol: telemetry.ProtocolConsole}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: getenv(tc.env), Stderr: &syncBuffer{}})
			if err != nil {
				t.Fatal(err)
			}
			// Nothing was recorded; a cancelled context makes Shutdown skip
			// any attempt to reach the (absent) collectors.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			defer func() { _ = tel.Shutdown(ctx) }()
			if got := tel.Exporters(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("exporters\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// Mistakes the SDK would ignore and that leave nowhere to export to (an
// endpoint, headers, certificates) are errors that name the variable, the
// entry at fault and how to fix it, and never echo header values. Enum
// values are lenient instead (TestSetupIsLenientWhereTheSpecSaysSo).
func TestSetupRejectsBadSettings(t *testing.T) {
	t.Parallel()
	pki := otlptest.NewPKI(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	const https = "https://collector:4318"
	tests := []struct {
		name    string
		env     map[string]string
		want    []string
		notWant string
	}{
		{"header without =", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc,tokenXYZ"},
			[]string{"OTEL_EXPORTER_OTLP_HEADERS", `entry 2 of 2 has no "="`}, "tokenXYZ"},
		{"header with bad encoding", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS": "authorization=Bearer%zzsecret"},
			[]string{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "entry 1 of 1 (authorization)", "not valid URL encoding"}, "secret"},
		{"header with empty key", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "=v"}, []string{"entry 1 of 1 has an empty key"}, ""},
		{"header with bad key", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "bad key=v"}, []string{`"bad key" is not a valid header name`}, ""},
		{"header written with a colon", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "Authorization: Basic dXNlcjpzM2NyZXQtdG9rZW4="},
			[]string{"entry 1 of 1", "Authorization=", "not a valid header name"}, "dXNlcjpzM2NyZXQtdG9rZW4"},
		{"endpoint without scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318"},
			[]string{`OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4318"`, "add http:// or https://"}, ""},
		{"per-signal endpoint without scheme", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "10.0.0.1:4317/v1/metrics"},
			[]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "add http:// or https://"}, ""},
		{"unsupported scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "unix:///tmp/otel.sock"}, []string{`scheme "unix" is not supported`}, ""},
		{"endpoint without host", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http:///v1"}, []string{"has no host"}, ""},
		{"bad resource attributes", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=data,oops"}, []string{"OTEL_RESOURCE_ATTRIBUTES", "entry 2 of 2"}, ""},
		{"missing CA file", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": https, "OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem"},
			[]string{`OTEL_EXPORTER_OTLP_CERTIFICATE="/nonexistent/ca.pem"`, "cannot read the CA certificate file"}, ""},
		{"CA file without a certificate", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": https, "OTEL_EXPORTER_OTLP_CERTIFICATE": notPEM},
			[]string{"OTEL_EXPORTER_OTLP_CERTIFICATE", "holds no PEM certificate"}, ""},
		{"client certificate without key", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": https, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": pki.ClientCertFile},
			[]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set but OTEL_EXPORTER_OTLP_CLIENT_KEY is not"}, ""},
		{"client key without certificate", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": https, "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY": pki.ClientKeyFile},
			[]string{"OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY is set but OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE is not"}, ""},
		{"key not matching", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": https,
			"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": pki.ClientCertFile, "OTEL_EXPORTER_OTLP_CLIENT_KEY": notPEM},
			[]string{"cannot load the client certificate and key"}, ""},
		{"certificates with a plain http endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
			"OTEL_EXPORTER_OTLP_CERTIFICATE": pki.CAFile},
			[]string{"endpoint http://collector:4318/v1/traces is plain http", "use https://"}, ""},
		{"every mistake at once", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318", "OTEL_EXPORTER_OTLP_HEADERS": "x"},
			[]string{"collector:4318", "OTEL_EXPORTER_OTLP_HEADERS"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: getenv(tc.env)})
			if err == nil {
				_ = tel.Shutdown(context.Background())
				t.Fatal("Setup accepted the settings")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error leaks %q:\n%v", tc.notWant, err)
			}
		})
	}
}

// Without Enabled, or with OTEL_SDK_DISABLED, Setup builds nothing, even
// from settings that would be invalid.
func TestSetupDisabledIsNoop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  telemetry.Config
	}{
		{"not enabled", telemetry.Config{Getenv: getenv(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "bogus"})}},
		{"OTEL_SDK_DISABLED", telemetry.Config{Enabled: true, Getenv: getenv(map[string]string{"OTEL_SDK_DISABLED": "true"})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tel, err := telemetry.Setup(context.Background(), tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if tel.Enabled() || len(tel.Exporters()) != 0 {
				t.Errorf("Enabled()=%v Exporters()=%v, want a no-op", tel.Enabled(), tel.Exporters())
			}
			obs := telemetry.NewRunObserver(tel, "p")
			feed(obs, sampleRun())
			if id := obs.TraceID(); id != "" {
				t.Errorf("no-op run has trace id %q", id)
			}
			if err := tel.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}
