package telemetry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Exporter protocols accepted in OTEL_EXPORTER_OTLP_PROTOCOL and its
// per-signal variants. "console" is Hotpass's own: readable output on
// stderr and no network at all.
const (
	ProtocolGRPC    = "grpc"
	ProtocolHTTP    = "http/protobuf"
	ProtocolConsole = "console"
)

// Signal names, as they appear in per-signal variable names (lowercased)
// and in Exporter.Signal.
const (
	SignalTraces  = "traces"
	SignalMetrics = "metrics"
	SignalLogs    = "logs"
)

var signals = [...]string{SignalTraces, SignalMetrics, SignalLogs}

// Default OTLP endpoints from the OpenTelemetry specification.
const (
	defaultHTTPEndpoint = "http://localhost:4318"
	defaultGRPCEndpoint = "http://localhost:4317"
)

// exporterConfig is how one signal is exported.
type exporterConfig struct {
	signal   string
	protocol string // ProtocolGRPC, ProtocolHTTP, ProtocolConsole, or "" for none
	// endpoint is the full URL to send to: with the signal path for HTTP,
	// the host's URL for gRPC; empty for console.
	endpoint string
	headers  map[string]string
	// gzip and tls come from OTEL_EXPORTER_OTLP_COMPRESSION and the
	// certificate variables; tls is nil when no certificate is set.
	gzip bool
	tls  *tls.Config
}

// envConfig is everything Setup reads from the environment.
type envConfig struct {
	disabled      bool
	serviceName   string
	resourceAttrs []attribute.KeyValue
	sampler       sdktrace.Sampler
	exporters     []exporterConfig
}

// parseEnv reads and validates the OTEL_* variables Hotpass honours. It
// reports every mistake at once, each naming its variable, because the SDK
// would ignore most of them silently and export nowhere.
func parseEnv(getenv func(string) string) (*envConfig, error) {
	var errs []error
	cfg := &envConfig{}
	if v := strings.TrimSpace(getenv("OTEL_SDK_DISABLED")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("OTEL_SDK_DISABLED=%q: want true or false", v))
		}
		cfg.disabled = b
	}
	cfg.serviceName = strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	attrs, err := parseResourceAttributes(getenv("OTEL_RESOURCE_ATTRIBUTES"))
	if err != nil {
		errs = append(errs, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err))
	}
	cfg.resourceAttrs = attrs
	cfg.sampler, err = parseSampler(getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG"))
	if err != nil {
		errs = append(errs, err)
	}
	for _, sig := range signals {
		ec, err := parseExporter(getenv, sig)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.exporters = append(cfg.exporters, ec)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("telemetry configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// lookup returns the per-signal variable's value if set, else the generic
// one's, with the name of the variable it came from.
func lookup(getenv func(string) string, sig, suffix string) (name, value string) {
	name = "OTEL_EXPORTER_OTLP_" + strings.ToUpper(sig) + "_" + suffix
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return name, v
	}
	name = "OTEL_EXPORTER_OTLP_" + suffix
	return name, strings.TrimSpace(getenv(name))
}

func parseExporter(getenv func(string) string, sig string) (exporterConfig, error) {
	ec := exporterConfig{signal: sig}
	var errs []error
	selName := "OTEL_" + strings.ToUpper(sig) + "_EXPORTER"
	switch sel := strings.TrimSpace(getenv(selName)); sel {
	case "", "otlp":
	case "none":
		return ec, nil
	case "console":
		ec.protocol = ProtocolConsole
		return ec, nil
	default:
		return ec, fmt.Errorf("%s=%q: unknown exporter; use otlp, console or none", selName, sel)
	}

	protoName, proto := lookup(getenv, sig, "PROTOCOL")
	switch proto {
	case "":
		ec.protocol = ProtocolHTTP
	case ProtocolGRPC, ProtocolHTTP, ProtocolConsole:
		ec.protocol = proto
	default:
		errs = append(errs, fmt.Errorf("%s=%q: unknown protocol; accepted values are %s, %s and %s",
			protoName, proto, ProtocolGRPC, ProtocolHTTP, ProtocolConsole))
	}

	signalName := "OTEL_EXPORTER_OTLP_" + strings.ToUpper(sig) + "_ENDPOINT"
	genericName := "OTEL_EXPORTER_OTLP_ENDPOINT"
	var endpointErr error
	if v := strings.TrimSpace(getenv(signalName)); v != "" {
		// A per-signal endpoint is the full URL, used as it is.
		ec.endpoint, endpointErr = parseEndpoint(signalName, v)
	} else if v := strings.TrimSpace(getenv(genericName)); v != "" {
		ec.endpoint, endpointErr = parseEndpoint(genericName, v)
		if endpointErr == nil && ec.protocol == ProtocolHTTP {
			ec.endpoint = strings.TrimSuffix(ec.endpoint, "/") + "/v1/" + sig
		}
	} else if ec.protocol == ProtocolGRPC {
		ec.endpoint = defaultGRPCEndpoint
	} else {
		ec.endpoint = defaultHTTPEndpoint + "/v1/" + sig
	}
	if endpointErr != nil {
		errs = append(errs, endpointErr)
	}

	hdrName, hdrValue := lookup(getenv, sig, "HEADERS")
	headers, err := parseHeaders(hdrValue)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", hdrName, err))
	}
	ec.headers = headers

	compName, comp := lookup(getenv, sig, "COMPRESSION")
	switch comp {
	case "", "none":
	case "gzip":
		ec.gzip = true
	default:
		errs = append(errs, fmt.Errorf("%s=%q: unknown compression; use gzip or none", compName, comp))
	}

	tlsCfg, err := parseTLS(getenv, sig)
	if err != nil {
		errs = append(errs, err)
	}
	if tlsCfg != nil && strings.HasPrefix(ec.endpoint, "http://") && ec.protocol != ProtocolConsole {
		errs = append(errs, fmt.Errorf("%s: certificates are set but the endpoint %s is plain http; use https:// or unset the certificate variables", sig, ec.endpoint))
	}
	ec.tls = tlsCfg
	if ec.protocol == ProtocolConsole {
		ec.endpoint, ec.headers, ec.gzip, ec.tls = "", nil, false, nil
	}
	return ec, errors.Join(errs...)
}

// parseTLS builds the TLS settings from OTEL_EXPORTER_OTLP_CERTIFICATE (CA
// certificates to trust) and OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE with
// OTEL_EXPORTER_OTLP_CLIENT_KEY (mutual TLS), or their per-signal
// variants. It returns nil when none is set.
func parseTLS(getenv func(string) string, sig string) (*tls.Config, error) {
	caName, caFile := lookup(getenv, sig, "CERTIFICATE")
	certName, certFile := lookup(getenv, sig, "CLIENT_CERTIFICATE")
	keyName, keyFile := lookup(getenv, sig, "CLIENT_KEY")
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	var errs []error
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s=%q: cannot read the CA certificate file: %w", caName, caFile, err))
		default:
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("%s=%q: the file holds no PEM certificate; give a PEM file beginning with -----BEGIN CERTIFICATE-----", caName, caFile))
			}
			cfg.RootCAs = pool
		}
	}
	switch {
	// The missing half is named after the variable that is set, per-signal
	// or not.
	case certFile != "" && keyFile == "":
		errs = append(errs, fmt.Errorf("%s is set but %s is not; mutual TLS needs both",
			certName, strings.Replace(certName, "CLIENT_CERTIFICATE", "CLIENT_KEY", 1)))
	case certFile == "" && keyFile != "":
		errs = append(errs, fmt.Errorf("%s is set but %s is not; mutual TLS needs both",
			keyName, strings.Replace(keyName, "CLIENT_KEY", "CLIENT_CERTIFICATE", 1)))
	case certFile != "":
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q, %s=%q: cannot load the client certificate and key: %w", certName, certFile, keyName, keyFile, err))
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// parseEndpoint checks that an endpoint is an absolute http(s) URL. The
// exporters would otherwise read "localhost:4318" as a URL whose scheme is
// "localhost" and send nothing anywhere.
func parseEndpoint(name, v string) (string, error) {
	if !strings.Contains(v, "://") {
		return "", fmt.Errorf("%s=%q: the endpoint has no scheme; add http:// or https:// (e.g. http://%s)", name, v, v)
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", fmt.Errorf("%s=%q: not a URL: %w", name, v, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%s=%q: scheme %q is not supported; use http:// or https://", name, v, u.Scheme)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%s=%q: the endpoint has no host; write e.g. http://localhost:4318", name, v)
	}
	return u.String(), nil
}

// parseHeaders parses "key=value,key2=value2" with URL-encoded values, as
// the OpenTelemetry specification defines OTEL_EXPORTER_OTLP_HEADERS.
// Errors name the entry by position and key but never echo a value: header
// values are usually credentials.
func parseHeaders(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	entries := strings.Split(s, ",")
	for i, entry := range entries {
		if strings.TrimSpace(entry) == "" {
			continue // a trailing or doubled comma adds nothing
		}
		where := fmt.Sprintf("entry %d of %d", i+1, len(entries))
		key, value, ok := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, fmt.Errorf("%s has no \"=\"; write key=value pairs separated by commas", where)
		}
		if key == "" {
			return nil, fmt.Errorf("%s has an empty key; write key=value", where)
		}
		if !validHeaderKey(key) {
			return nil, fmt.Errorf("%s: %q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~ only)", where, key)
		}
		decoded, err := url.PathUnescape(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("%s (%s): the value is not valid URL encoding; encode %% as %%25", where, key)
		}
		out[key] = decoded
	}
	return out, nil
}

// validHeaderKey reports whether k is an HTTP token (RFC 9110).
func validHeaderKey(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return k != ""
}

// parseResourceAttributes parses OTEL_RESOURCE_ATTRIBUTES:
// "key=value,key2=value2" with URL-encoded values.
func parseResourceAttributes(s string) ([]attribute.KeyValue, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []attribute.KeyValue
	entries := strings.Split(s, ",")
	for i, entry := range entries {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		key, value, ok := strings.Cut(entry, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("entry %d of %d (%q) is not key=value", i+1, len(entries), entry)
		}
		decoded, err := url.PathUnescape(strings.TrimSpace(value))
		if err != nil {
			return nil, fmt.Errorf("entry %d of %d (%s): the value is not valid URL encoding; encode %% as %%25", i+1, len(entries), key)
		}
		out = append(out, attribute.String(key, decoded))
	}
	return out, nil
}

// samplerNames are the OTEL_TRACES_SAMPLER values Hotpass accepts.
const samplerNames = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio"

func parseSampler(name, arg string) (sdktrace.Sampler, error) {
	name, arg = strings.TrimSpace(name), strings.TrimSpace(arg)
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q: want a sampling ratio between 0 and 1, e.g. 0.25", arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.TraceIDRatioBased(r), nil
	case "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return nil, err
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return nil, fmt.Errorf("OTEL_TRACES_SAMPLER=%q: unknown sampler; accepted values are %s", name, samplerNames)
}
