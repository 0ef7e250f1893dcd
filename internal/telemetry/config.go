package telemetry

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Exporter protocols accepted in OTEL_EXPORTER_OTLP_PROTOCOL and its
// per-signal variants. "console" (readable output on stderr and no network
// at all) is selected the standard way with OTEL_<SIGNAL>_EXPORTER=console;
// as a protocol value it is deprecated but still accepted.
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

// Defaults of the timing and batching variables. The timeouts, intervals
// and the log batching are the OpenTelemetry specification's; the span
// queue and batch are larger than its 2048 and 512, so that a burst of
// short tasks is not dropped while a batch is in flight.
const (
	defaultExportTimeout  = 10 * time.Second // OTEL_EXPORTER_OTLP_TIMEOUT
	defaultMetricInterval = time.Minute      // OTEL_METRIC_EXPORT_INTERVAL
	defaultMetricTimeout  = 30 * time.Second // OTEL_METRIC_EXPORT_TIMEOUT
)

var (
	defaultBSP  = batchConfig{delay: 5 * time.Second, timeout: 30 * time.Second, queue: 16384, batch: 2048}
	defaultBLRP = batchConfig{delay: time.Second, timeout: 30 * time.Second, queue: 2048, batch: 512}
)

// batchConfig is a batch processor's settings (OTEL_BSP_* for spans,
// OTEL_BLRP_* for logs).
type batchConfig struct {
	delay, timeout time.Duration
	queue, batch   int
}

// consoleProtocolNotice is printed once when console is chosen through
// the protocol variables.
const consoleProtocolNotice = "OTEL_EXPORTER_OTLP_PROTOCOL=console is deprecated and will be removed: use OTEL_TRACES_EXPORTER=console, OTEL_METRICS_EXPORTER=console and OTEL_LOGS_EXPORTER=console instead"

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
	// timeout bounds one export, retries included
	// (OTEL_EXPORTER_OTLP_TIMEOUT and its per-signal variants).
	timeout time.Duration
}

// envConfig is everything Setup reads from the environment.
type envConfig struct {
	disabled      bool
	serviceName   string
	resourceAttrs []attribute.KeyValue
	sampler       sdktrace.Sampler
	exporters     []exporterConfig
	bsp, blrp     batchConfig
	// metricInterval and metricTimeout drive the periodic metric reader.
	metricInterval, metricTimeout time.Duration
	// warnings are settings that were ignored in favour of the default,
	// each naming its variable, in order and without repeats.
	warnings []string
}

// warn records a warning once.
func (c *envConfig) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(c.warnings, w) {
		c.warnings = append(c.warnings, w)
	}
}

// parseEnv reads the OTEL_* variables Hotpass honours. As the
// OpenTelemetry specification asks, enum values are case-insensitive and
// an unknown or unsupported value, or a malformed number, is a warning
// after which the default applies. Mistakes that leave nowhere sensible to
// export to (a malformed endpoint, headers, certificates or resource
// attributes), which the SDK would ignore silently, are errors, all
// reported at once, each naming its variable. OTEL_SDK_DISABLED=true wins
// over everything, broken settings included.
func parseEnv(getenv func(string) string) (*envConfig, error) {
	var errs []error
	cfg := &envConfig{}
	if v := strings.TrimSpace(getenv("OTEL_SDK_DISABLED")); v != "" {
		if strings.EqualFold(v, "true") {
			cfg.disabled = true
			return cfg, nil
		}
		if !strings.EqualFold(v, "false") {
			cfg.warn(`OTEL_SDK_DISABLED=%q: only "true" turns telemetry off; it stays on`, v)
		}
	}
	cfg.serviceName = strings.TrimSpace(getenv("OTEL_SERVICE_NAME"))
	attrs, err := parseResourceAttributes(getenv("OTEL_RESOURCE_ATTRIBUTES"))
	if err != nil {
		errs = append(errs, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err))
	}
	cfg.resourceAttrs = attrs
	cfg.sampler = parseSampler(cfg, getenv("OTEL_TRACES_SAMPLER"), getenv("OTEL_TRACES_SAMPLER_ARG"))
	for _, sig := range signals {
		ec, err := parseExporter(cfg, getenv, sig)
		if err != nil {
			// A generic variable (the endpoint) is wrong for every
			// signal alike: report it once.
			if !slices.ContainsFunc(errs, func(e error) bool { return e.Error() == err.Error() }) {
				errs = append(errs, err)
			}
			continue
		}
		cfg.exporters = append(cfg.exporters, ec)
	}
	cfg.bsp = parseBatch(cfg, getenv, "OTEL_BSP_", defaultBSP)
	cfg.blrp = parseBatch(cfg, getenv, "OTEL_BLRP_", defaultBLRP)
	cfg.metricInterval = parseMillis(cfg, getenv, "OTEL_METRIC_EXPORT_INTERVAL", defaultMetricInterval)
	cfg.metricTimeout = parseMillis(cfg, getenv, "OTEL_METRIC_EXPORT_TIMEOUT", defaultMetricTimeout)
	if len(errs) > 0 {
		return nil, fmt.Errorf("telemetry configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// parseMillis reads a duration in milliseconds, the unit of every OTel
// timeout and interval variable; a missing, malformed or non-positive
// value gives def.
func parseMillis(cfg *envConfig, getenv func(string) string, name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms <= 0 || ms > int64(24*time.Hour/time.Millisecond) {
		cfg.warn("%s=%q: want a positive whole number of milliseconds; using %d", name, v, def.Milliseconds())
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// parseCount reads a positive size; otherwise it gives def.
func parseCount(cfg *envConfig, getenv func(string) string, name string, def int) int {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		cfg.warn("%s=%q: want a positive whole number; using %d", name, v, def)
		return def
	}
	return n
}

// parseBatch reads a batch processor's variables under prefix
// (OTEL_BSP_ or OTEL_BLRP_).
func parseBatch(cfg *envConfig, getenv func(string) string, prefix string, def batchConfig) batchConfig {
	b := batchConfig{
		delay:   parseMillis(cfg, getenv, prefix+"SCHEDULE_DELAY", def.delay),
		timeout: parseMillis(cfg, getenv, prefix+"EXPORT_TIMEOUT", def.timeout),
		queue:   parseCount(cfg, getenv, prefix+"MAX_QUEUE_SIZE", def.queue),
		batch:   parseCount(cfg, getenv, prefix+"MAX_EXPORT_BATCH_SIZE", def.batch),
	}
	if b.batch > b.queue {
		// The specification requires the batch to fit in the queue.
		cfg.warn("%sMAX_EXPORT_BATCH_SIZE=%d is larger than %sMAX_QUEUE_SIZE=%d; using %d", prefix, b.batch, prefix, b.queue, b.queue)
		b.batch = b.queue
	}
	return b
}

// exporterNames are the OTEL_<SIGNAL>_EXPORTER values Hotpass supports.
var exporterNames = []string{"otlp", "console", "none"}

// pickExporter reads OTEL_<SIGNAL>_EXPORTER: one of exporterNames, or ""
// for the default. A list, which the specification allows, is reduced to
// its first supported entry: Hotpass sends each signal to one exporter.
func pickExporter(cfg *envConfig, name, raw string) string {
	v := strings.ToLower(strings.TrimSpace(raw))
	if v == "" || slices.Contains(exporterNames, v) {
		return v
	}
	if strings.Contains(v, ",") {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); slices.Contains(exporterNames, e) && e != "none" {
				cfg.warn("%s=%q: Hotpass sends each signal to one exporter; using %s", name, raw, e)
				return e
			}
		}
	}
	cfg.warn("%s=%q: unknown or unsupported exporter (Hotpass supports otlp, console and none); using otlp", name, raw)
	return ""
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

func parseExporter(cfg *envConfig, getenv func(string) string, sig string) (exporterConfig, error) {
	ec := exporterConfig{signal: sig, timeout: defaultExportTimeout}
	var errs []error
	selName := "OTEL_" + strings.ToUpper(sig) + "_EXPORTER"
	switch pickExporter(cfg, selName, getenv(selName)) {
	case "none":
		return ec, nil
	case "console":
		ec.protocol = ProtocolConsole
		return ec, nil
	}

	protoName, proto := lookup(getenv, sig, "PROTOCOL")
	switch p := strings.ToLower(proto); p {
	case "":
		ec.protocol = ProtocolHTTP
	case ProtocolGRPC, ProtocolHTTP:
		ec.protocol = p
	case ProtocolConsole:
		ec.protocol = p
		cfg.warn("%s", consoleProtocolNotice)
	case "http/json":
		ec.protocol = ProtocolHTTP
		cfg.warn("%s=%q: OTLP over HTTP with JSON is not supported; using http/protobuf", protoName, proto)
	default:
		ec.protocol = ProtocolHTTP
		cfg.warn("%s=%q: unknown protocol (Hotpass supports %s and %s); using %s", protoName, proto, ProtocolGRPC, ProtocolHTTP, ProtocolHTTP)
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
	switch strings.ToLower(comp) {
	case "", "none":
	case "gzip":
		ec.gzip = true
	default:
		cfg.warn("%s=%q: unknown compression (Hotpass supports gzip and none); using none", compName, comp)
	}

	timeoutName, _ := lookup(getenv, sig, "TIMEOUT")
	ec.timeout = parseMillis(cfg, getenv, timeoutName, defaultExportTimeout)

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
			if name, _, colon := strings.Cut(key, ":"); colon {
				// "Authorization: Basic <base64>=" is cut at the padding:
				// all after the colon is the credential, never echoed.
				name = strings.TrimSpace(name)
				return nil, fmt.Errorf("%s: %q is not a valid header name: write %s=value, not %s: value", where, name+": …", name, name)
			}
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

// parseSampler reads OTEL_TRACES_SAMPLER and its argument; an unknown
// sampler gives the default (parentbased_always_on), a bad ratio 1.0, the
// specification's defaults.
func parseSampler(cfg *envConfig, name, arg string) sdktrace.Sampler {
	raw := strings.TrimSpace(name)
	name, arg = strings.ToLower(raw), strings.TrimSpace(arg)
	ratio := func() float64 {
		if arg == "" {
			return 1
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			cfg.warn("OTEL_TRACES_SAMPLER_ARG=%q: want a sampling ratio between 0 and 1, e.g. 0.25; using 1.0", arg)
			return 1
		}
		return r
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample())
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(ratio())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio()))
	}
	cfg.warn("OTEL_TRACES_SAMPLER=%q: unknown or unsupported sampler (Hotpass supports %s); using parentbased_always_on", raw, samplerNames)
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}
