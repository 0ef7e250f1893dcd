package telemetry

import (
	"strings"
	"testing"
	"time"
)

// Timeouts, batching and the metric interval come from the environment
// (through the Getenv given), in milliseconds, with the specification's
// defaults; a bad value warns and keeps the default.
func TestEnvTimeoutsAndBatching(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c *envConfig)
		warn  string
	}{
		{"defaults", nil, func(t *testing.T, c *envConfig) {
			for _, ec := range c.exporters {
				if ec.timeout != 10*time.Second {
					t.Errorf("%s timeout %v, want the specification's 10s", ec.signal, ec.timeout)
				}
			}
			if c.bsp != (batchConfig{delay: 5 * time.Second, timeout: 30 * time.Second, queue: 16384, batch: 2048}) {
				t.Errorf("span batching %+v", c.bsp)
			}
			if c.blrp != (batchConfig{delay: time.Second, timeout: 30 * time.Second, queue: 2048, batch: 512}) {
				t.Errorf("log batching %+v", c.blrp)
			}
			if c.metricInterval != time.Minute || c.metricTimeout != 30*time.Second {
				t.Errorf("metric interval %v, timeout %v", c.metricInterval, c.metricTimeout)
			}
		}, ""},
		{"generic and per-signal timeouts", map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "2000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "500"},
			func(t *testing.T, c *envConfig) {
				want := map[string]time.Duration{SignalTraces: 500 * time.Millisecond, SignalMetrics: 2 * time.Second, SignalLogs: 2 * time.Second}
				for _, ec := range c.exporters {
					if ec.timeout != want[ec.signal] {
						t.Errorf("%s timeout %v, want %v", ec.signal, ec.timeout, want[ec.signal])
					}
				}
			}, ""},
		{"batching and interval", map[string]string{
			"OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "4000", "OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10",
			"OTEL_BLRP_SCHEDULE_DELAY": "300", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "7",
			"OTEL_METRIC_EXPORT_INTERVAL": "15000", "OTEL_METRIC_EXPORT_TIMEOUT": "3000"},
			func(t *testing.T, c *envConfig) {
				if c.bsp != (batchConfig{delay: 250 * time.Millisecond, timeout: 4 * time.Second, queue: 100, batch: 10}) {
					t.Errorf("span batching %+v", c.bsp)
				}
				if c.blrp.delay != 300*time.Millisecond || c.blrp.batch != 7 {
					t.Errorf("log batching %+v", c.blrp)
				}
				if c.metricInterval != 15*time.Second || c.metricTimeout != 3*time.Second {
					t.Errorf("metric interval %v, timeout %v", c.metricInterval, c.metricTimeout)
				}
			}, ""},
		{"batch larger than the queue", map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "500"},
			func(t *testing.T, c *envConfig) {
				if c.bsp.batch != 100 {
					t.Errorf("batch %d, want it capped at the queue size", c.bsp.batch)
				}
			}, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"},
		{"bad values keep the defaults", map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT": "soon", "OTEL_METRIC_EXPORT_INTERVAL": "0"},
			func(t *testing.T, c *envConfig) {
				if c.exporters[1].timeout != 10*time.Second || c.metricInterval != time.Minute {
					t.Errorf("metrics timeout %v, interval %v; want the defaults", c.exporters[1].timeout, c.metricInterval)
				}
			}, `OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseEnv(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
			got := strings.Join(c.warnings, "\n")
			if tc.warn == "" && got != "" || !strings.Contains(got, tc.warn) {
				t.Errorf("warnings %q, want one about %q", got, tc.warn)
			}
		})
	}
}

// Whatever the enum and number variables hold, parseEnv warns at most:
// the specification lets none of them fail a run.
func FuzzParseEnvLenient(f *testing.F) {
	f.Add("grpc", "otlp,console", "traceidratio", "0.5", "gzip", "10000", "512", "TRUE")
	f.Add("http/json", "prometheus", "jaeger_remote", "1.5", "brotli", "10s", "-5", "yes")
	f.Add("", "", "", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, protocol, exporter, sampler, arg, compression, timeout, size, disabled string) {
		env := map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": protocol, "OTEL_TRACES_EXPORTER": exporter, "OTEL_METRICS_EXPORTER": exporter,
			"OTEL_TRACES_SAMPLER": sampler, "OTEL_TRACES_SAMPLER_ARG": arg, "OTEL_EXPORTER_OTLP_COMPRESSION": compression,
			"OTEL_EXPORTER_OTLP_TIMEOUT": timeout, "OTEL_METRIC_EXPORT_INTERVAL": timeout, "OTEL_BSP_MAX_QUEUE_SIZE": size,
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": size, "OTEL_BLRP_SCHEDULE_DELAY": timeout, "OTEL_SDK_DISABLED": disabled,
		}
		c, err := parseEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("parseEnv failed: %v", err)
		}
		if c.disabled != strings.EqualFold(strings.TrimSpace(disabled), "true") {
			t.Fatalf("OTEL_SDK_DISABLED=%q gave disabled=%v", disabled, c.disabled)
		}
		if c.disabled {
			return
		}
		if c.sampler == nil || len(c.exporters) != 3 || c.bsp.batch > c.bsp.queue || c.bsp.batch <= 0 || c.metricInterval <= 0 {
			t.Fatalf("incomplete configuration: %+v", c)
		}
		for _, ec := range c.exporters {
			if ec.timeout <= 0 {
				t.Fatalf("%s timeout %v", ec.signal, ec.timeout)
			}
			switch ec.protocol {
			case "", ProtocolConsole, ProtocolGRPC, ProtocolHTTP:
			default:
				t.Fatalf("%s protocol %q", ec.signal, ec.protocol)
			}
		}
	})
}
