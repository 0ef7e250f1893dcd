package telemetry_test

import (
	"context"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hotpass/hotpass/internal/telemetry"
	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

func httpExporters(sigs ...string) []telemetry.Exporter {
	var out []telemetry.Exporter
	for _, s := range sigs {
		out = append(out, telemetry.Exporter{Signal: s, Protocol: telemetry.ProtocolHTTP, Endpoint: "http://localhost:4318/v1/" + s})
	}
	return out
}

// Enum values are case-insensitive, and an unknown or unsupported value is
// a warning naming the variable, after which the default applies: the
// OpenTelemetry specification never lets configuration fail a run.
func TestSetupIsLenientWhereTheSpecSaysSo(t *testing.T) {
	t.Parallel()
	all := httpExporters("traces", "metrics", "logs")
	grpc := []telemetry.Exporter{
		{Signal: "traces", Protocol: telemetry.ProtocolGRPC, Endpoint: "http://localhost:4317"},
		{Signal: "metrics", Protocol: telemetry.ProtocolGRPC, Endpoint: "http://localhost:4317"},
		{Signal: "logs", Protocol: telemetry.ProtocolGRPC, Endpoint: "http://localhost:4317"},
	}
	tests := []struct {
		name  string
		env   map[string]string
		want  []telemetry.Exporter
		warns []string // "" entries: no warning at all
	}{
		{"enum values in any case", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "GRPC", "OTEL_TRACES_EXPORTER": "OTLP",
			"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP", "OTEL_TRACES_SAMPLER": "ParentBased_TraceIdRatio", "OTEL_TRACES_SAMPLER_ARG": "0.5",
			"OTEL_SDK_DISABLED": "FALSE"}, grpc, nil},
		{"http/json", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, all,
			[]string{`OTEL_EXPORTER_OTLP_PROTOCOL="http/json"`, "using http/protobuf"}},
		{"unknown per-signal protocol", map[string]string{"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "udp"}, all,
			[]string{`OTEL_EXPORTER_OTLP_LOGS_PROTOCOL="udp"`}},
		{"prometheus", map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}, all,
			[]string{`OTEL_METRICS_EXPORTER="prometheus"`, "using otlp"}},
		{"exporter list", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,console"}, all,
			[]string{`OTEL_TRACES_EXPORTER="otlp,console"`, "one exporter"}},
		{"unknown exporter", map[string]string{"OTEL_LOGS_EXPORTER": "zipkin"}, all, []string{`OTEL_LOGS_EXPORTER="zipkin"`}},
		{"unknown sampler", map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, all,
			[]string{`OTEL_TRACES_SAMPLER="jaeger_remote"`, "parentbased_always_on"}},
		{"bad sampler argument", map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, all,
			[]string{`OTEL_TRACES_SAMPLER_ARG="1.5"`, "between 0 and 1"}},
		{"unknown compression", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "brotli"}, all,
			[]string{`OTEL_EXPORTER_OTLP_TRACES_COMPRESSION="brotli"`, "none"}},
		{"OTEL_SDK_DISABLED other than true", map[string]string{"OTEL_SDK_DISABLED": "yes please"}, all,
			[]string{`OTEL_SDK_DISABLED="yes please"`}},
		{"timeout not in milliseconds", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "10s"}, all,
			[]string{`OTEL_EXPORTER_OTLP_TIMEOUT="10s"`, "milliseconds"}},
		{"negative queue size", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "-5"}, all, []string{`OTEL_BSP_MAX_QUEUE_SIZE="-5"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr syncBuffer
			tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Getenv: getenv(tc.env), Stderr: &stderr})
			if err != nil {
				t.Fatalf("Setup failed: %v", err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			defer func() { _ = tel.Shutdown(ctx) }()
			if !tel.Enabled() {
				t.Error("telemetry is off")
			}
			if got := tel.Exporters(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("exporters\n got %+v\nwant %+v", got, tc.want)
			}
			out := stderr.String()
			if len(tc.warns) == 0 && out != "" {
				t.Errorf("unexpected output: %s", out)
			}
			for _, w := range tc.warns {
				if !strings.Contains(out, w) {
					t.Errorf("warning lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// OTEL_SDK_DISABLED is true only for "true" in any case, and then wins
// over every other setting, broken ones included.
func TestSDKDisabledWinsOverEverything(t *testing.T) {
	t.Parallel()
	broken := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "localhost:4318", "OTEL_EXPORTER_OTLP_HEADERS": "x"}
	for _, v := range []string{"true", "TRUE", "True", " true "} {
		tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true,
			Getenv: getenv(broken, map[string]string{"OTEL_SDK_DISABLED": v})})
		if err != nil || tel.Enabled() {
			t.Errorf("OTEL_SDK_DISABLED=%q: Setup = enabled %v, %v; want a no-op without error", v, tel.Enabled(), err)
		}
	}
	for _, v := range []string{"1", "yes", "false"} {
		var stderr syncBuffer
		tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr,
			Getenv: getenv(map[string]string{"OTEL_SDK_DISABLED": v})})
		if err != nil || !tel.Enabled() {
			t.Errorf("OTEL_SDK_DISABLED=%q: Setup = enabled %v, %v; want telemetry on", v, tel.Enabled(), err)
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = tel.Shutdown(ctx)
	}
}

// OTEL_BSP_* come through Config.Getenv like every other variable: the
// SDK would read them from the process environment.
func TestBatchSettingsFromGetenv(t *testing.T) {
	t.Parallel()
	recv := otlptest.NewHTTP(t)
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &syncBuffer{},
		Getenv: getenv(recv.Env(), map[string]string{
			"OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "2", "OTEL_BSP_SCHEDULE_DELAY": "60000",
		})})
	if err != nil {
		t.Fatal(err)
	}
	feed(telemetry.NewRunObserver(tel, "p"), sampleRun())
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := recv.SpanCount(); n != 6 {
		t.Fatalf("%d spans arrived, want 6", n)
	}
	if n := recv.Requests(); n < 3 {
		t.Errorf("6 spans came in %d requests, want batches of at most 2 (3 requests or more)", n)
	}
}

// OTEL_TRACES_EXPORTER=console is the standard way; each span is printed
// as it ends. OTEL_EXPORTER_OTLP_PROTOCOL=console still works, with one
// deprecation notice.
func TestConsoleExporterSelection(t *testing.T) {
	t.Parallel()
	t.Run("OTEL_TRACES_EXPORTER", func(t *testing.T) {
		t.Parallel()
		var stderr syncBuffer
		tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr, Getenv: getenv(map[string]string{
			"OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
		})})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tel.Shutdown(context.Background()) }()
		_, span := tel.Tracer().Start(context.Background(), "probe-span")
		span.End()
		// No flush: the span is printed as it ends.
		if out := stderr.String(); !strings.Contains(out, `"Name": "probe-span"`) {
			t.Errorf("the ended span is not on the console yet:\n%s", out)
		}
		if out := stderr.String(); strings.Contains(out, "deprecated") {
			t.Errorf("the standard variable drew a deprecation notice:\n%s", out)
		}
	})
	t.Run("OTEL_EXPORTER_OTLP_PROTOCOL", func(t *testing.T) {
		t.Parallel()
		var stderr syncBuffer
		tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &stderr, Getenv: getenv(map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "console",
		})})
		if err != nil {
			t.Fatal(err)
		}
		if len(tel.Exporters()) != 3 {
			t.Errorf("exporters %+v, want console for every signal", tel.Exporters())
		}
		_ = tel.Shutdown(context.Background())
		var notices []string
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(l, "deprecated") {
				notices = append(notices, l)
			}
		}
		if len(notices) != 1 || !strings.Contains(notices[0], "OTEL_EXPORTER_OTLP_PROTOCOL=console") || !strings.Contains(notices[0], "OTEL_TRACES_EXPORTER=console") {
			t.Errorf("deprecation notices %q, want one line naming the replacement", notices)
		}
	})
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Resource and span attributes follow the semantic conventions:
// deployment.environment.name, service.instance.id, error.type.
func TestSemanticConventions(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, cfg telemetry.Config, env map[string]string) *otlptest.Receiver {
		recv := otlptest.NewHTTP(t)
		cfg.Enabled, cfg.Stderr = true, &syncBuffer{}
		cfg.Getenv = getenv(recv.Env(), env)
		tel, err := telemetry.Setup(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		feed(telemetry.NewRunObserver(tel, "p"), sampleRun())
		if err := tel.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		return recv
	}
	t.Run("resource", func(t *testing.T) {
		t.Parallel()
		a := run(t, telemetry.Config{Environment: "prod"}, nil).SpansNamed(telemetry.SpanRun)[0].Resource
		b := run(t, telemetry.Config{}, map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging"}).SpansNamed(telemetry.SpanRun)[0].Resource
		c := run(t, telemetry.Config{}, map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.instance.id=pod-7,deployment.environment.name=qa"}).SpansNamed(telemetry.SpanRun)[0].Resource
		if a["deployment.environment.name"] != "prod" || b["deployment.environment.name"] != "staging" || c["deployment.environment.name"] != "qa" {
			t.Errorf("deployment.environment.name = %v, %v, %v; want prod, staging, qa", a["deployment.environment.name"], b["deployment.environment.name"], c["deployment.environment.name"])
		}
		id, _ := a["service.instance.id"].(string)
		if !uuidRE.MatchString(id) {
			t.Errorf("service.instance.id = %q, want a random UUID", id)
		}
		if b["service.instance.id"] != id {
			t.Errorf("service.instance.id differs within one process: %q and %q", id, b["service.instance.id"])
		}
		if c["service.instance.id"] != "pod-7" {
			t.Errorf("service.instance.id = %v, want the one OTEL_RESOURCE_ATTRIBUTES gives", c["service.instance.id"])
		}
	})
	t.Run("error.type and metric names", func(t *testing.T) {
		t.Parallel()
		recv := run(t, telemetry.Config{}, nil)
		for _, s := range recv.Spans() {
			a := s.Attrs()
			failed := a[telemetry.AttrStatus] == "failed" || a[telemetry.AttrStatus] == "retrying"
			if got := a["error.type"]; failed && got != "hotpass.failed" || !failed && got != nil {
				t.Errorf("span %s %v (status %v): error.type = %v", s.GetName(), a[telemetry.AttrTaskID], a[telemetry.AttrStatus], got)
			}
		}
		for _, name := range []string{telemetry.MetricTaskDuration, telemetry.MetricPipelineDuration} {
			pts := recv.Points(name)
			if len(pts) == 0 {
				t.Errorf("no %s points", name)
			}
			for _, p := range pts {
				failed := p.Attrs[telemetry.AttrStatus] == "failed"
				if got := p.Attrs["error.type"]; failed && got != "hotpass.failed" || !failed && got != nil {
					t.Errorf("%s point %v: error.type = %v", name, p.Attrs, got)
				}
			}
		}
		values := func(name string) map[string]float64 {
			out := map[string]float64{}
			for _, p := range recv.Points(name) {
				out[p.Attrs[telemetry.AttrTaskID].(string)] = p.Value
			}
			return out
		}
		newPts, oldPts := values("hotpass.task.output.records"), values("hotpass.records.processed")
		if len(newPts) != 2 || !reflect.DeepEqual(newPts, oldPts) {
			t.Errorf("hotpass.task.output.records %v and the deprecated hotpass.records.processed %v, want the same two points", newPts, oldPts)
		}
		if pts := recv.Points("hotpass.records.processed"); len(pts) == 0 || !strings.Contains(pts[0].Description, "Deprecated") {
			t.Errorf("the old name is not marked deprecated: %+v", pts)
		}
	})
}

// A User-Agent given in OTEL_EXPORTER_OTLP_HEADERS is sent before the
// exporter's own rather than in its place, for every signal over HTTP.
func TestUserAgentHeaderKeepsTheExporters(t *testing.T) {
	t.Parallel()
	recv := otlptest.NewHTTP(t)
	tel, err := telemetry.Setup(context.Background(), telemetry.Config{Enabled: true, Stderr: &syncBuffer{}, ServiceVersion: "1.2.3",
		Getenv: getenv(recv.Env(), map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "User-Agent=acme-etl%2F2.1"})})
	if err != nil {
		t.Fatal(err)
	}
	feed(telemetry.NewRunObserver(tel, "p"), sampleRun())
	tel.Logger().Info("hello")
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	hs := recv.Headers()
	if len(hs) < 3 {
		t.Fatalf("%d requests, want one per signal at least", len(hs))
	}
	for _, h := range hs {
		ua := h.Get("User-Agent")
		if !strings.HasPrefix(ua, "acme-etl/2.1 ") || !strings.Contains(ua, "exporter") {
			t.Errorf("User-Agent %q, want the given product followed by the exporter's own", ua)
		}
	}
}
