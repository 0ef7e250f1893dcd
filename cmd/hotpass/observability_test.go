package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// TestRunObservability exports a run to an in-process OTLP receiver and
// checks the trace, the metrics and that the summary names the trace.
func TestRunObservability(t *testing.T) {
	for _, proto := range []string{"http", "grpc"} {
		t.Run(proto, func(t *testing.T) {
			var r *otlptest.Receiver
			if proto == "http" {
				r = otlptest.NewHTTP(t)
			} else {
				r = otlptest.NewGRPC(t)
			}
			for k, v := range r.Env() {
				t.Setenv(k, v)
			}
			state := t.TempDir()
			stdout, stderr, code := cli(t, "run", "--no-progress", "--enable-observability", "--state-dir", state, "testdata/good/observed.yaml")
			if code != exitFailed {
				t.Fatalf("exit code = %d\n%s\n%s", code, stdout, stderr)
			}
			runs := r.SpansNamed("hotpass.run")
			if len(runs) != 1 {
				t.Fatalf("got %d hotpass.run spans, want 1", len(runs))
			}
			trace := runs[0].TraceIDHex()
			if !strings.Contains(stdout, "trace: "+trace) {
				t.Errorf("summary does not name trace %s:\n%s", trace, stdout)
			}
			tasks := r.SpansNamed("hotpass.task")
			// One span per attempt: boom is tried twice.
			if len(tasks) != 5 {
				t.Errorf("got %d hotpass.task spans, want 5 (one per attempt)", len(tasks))
			}
			for _, s := range tasks {
				if s.TraceIDHex() != trace || s.ParentIDHex() != runs[0].SpanIDHex() {
					t.Errorf("task span %v is not a child of the run span", s.Attrs())
				}
			}
			names := strings.Join(r.MetricNames(), ",")
			for _, m := range []string{"hotpass.pipeline.duration", "hotpass.task.duration", "hotpass.records.processed", "hotpass.task.retries"} {
				if !strings.Contains(names, m) {
					t.Errorf("metric %s not exported; got %s", m, names)
				}
			}
			if pts := r.Find("hotpass.pipeline.duration", map[string]any{"hotpass.status": "failed"}); len(pts) != 1 {
				t.Errorf("pipeline duration with status failed: %d points", len(pts))
			}
			if pts := r.Find("hotpass.records.processed", map[string]any{"hotpass.task.id": "load"}); len(pts) != 1 || pts[0].Value != 2.0 {
				t.Errorf("records processed by load: %+v, want one point of 2", pts)
			}
			// The run history keeps the trace id too.
			id := regexp.MustCompile(`run (\S+) failed`).FindStringSubmatch(stdout)
			if id == nil {
				t.Fatalf("no run id in:\n%s", stdout)
			}
			show, _, _ := cli(t, "runs", "show", "--state-dir", state, id[1])
			if !strings.Contains(show, trace) {
				t.Errorf("runs show does not name the trace:\n%s", show)
			}
		})
	}
}

// TestRunObservabilityBadSettings rejects invalid OTEL_* settings before
// anything runs, with exit status 2.
func TestRunObservabilityBadSettings(t *testing.T) {
	tests := []struct{ env, value, want string }{
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318", "http://"},
		{"OTEL_EXPORTER_OTLP_HEADERS", "novalue", "OTEL_EXPORTER_OTLP_HEADERS"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(tt.env, tt.value)
			state := t.TempDir()
			_, stderr, code := cli(t, "run", "--no-progress", "--enable-observability", "--state-dir", state, "testdata/good/diamond.yaml")
			if code != exitInvalid || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 mentioning %q", code, stderr, tt.want)
			}
			// Said once, although every signal reads the variable.
			if n := strings.Count(stderr, tt.env); n != 1 {
				t.Errorf("the setting is named %d times, want once:\n%s", n, stderr)
			}
			// The run was refused before it started: no record of it.
			stdout, _, _ := cli(t, "runs", "ls", "--state-dir", state)
			if !strings.Contains(stdout, "no runs") {
				t.Errorf("a refused run left a record:\n%s", stdout)
			}
		})
	}
}

// TestRunObservabilityUnknownProtocol: an unknown enum value is a
// warning and the default applies; the run goes on and exports.
func TestRunObservabilityUnknownProtocol(t *testing.T) {
	r := otlptest.NewHTTP(t)
	for k, v := range r.Env() {
		t.Setenv(k, v)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "udp")
	_, stderr, code := cli(t, "run", "--no-progress", "--enable-observability", "--state-dir", t.TempDir(), "testdata/good/diamond.yaml")
	if code != exitOK || !strings.Contains(stderr, `OTEL_EXPORTER_OTLP_PROTOCOL="udp"`) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 0 and a warning naming the variable", code, stderr)
	}
	if len(r.SpansNamed("hotpass.run")) != 1 {
		t.Errorf("the run span did not arrive over the default protocol")
	}
}

// TestRunObservabilityUnreachable runs against a closed port and against a
// collector that accepts connections but never answers: each run still
// succeeds, prints only a warning, and the command returns within 6 s
// (telemetry gives up after 5 s in total).
func TestRunObservabilityUnreachable(t *testing.T) {
	targets := []struct {
		name     string
		endpoint func(t *testing.T) string
	}{
		{"closed port", func(t *testing.T) string { return "http://127.0.0.1:1" }},
		{"hanging collector", func(t *testing.T) string { return otlptest.NewHTTP(t, otlptest.Hang()).Endpoint() }},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", tc.endpoint(t))
			start := time.Now()
			stdout, stderr, code := cli(t, "run", "--no-progress", "--enable-observability", "--state-dir", t.TempDir(), "testdata/good/diamond.yaml")
			took := time.Since(start)
			if code != exitOK {
				t.Fatalf("exit code = %d\n%s\n%s", code, stdout, stderr)
			}
			if !strings.Contains(stderr, "warning: telemetry") {
				t.Errorf("no warning about the unusable collector:\n%s", stderr)
			}
			if strings.Contains(stderr, "telemetry: telemetry:") {
				t.Errorf("the warning repeats its prefix:\n%s", stderr)
			}
			if took > 6*time.Second {
				t.Errorf("the run took %v to return; an unusable collector may cost at most 5 s", took)
			}
		})
	}
}

// TestBackfillObservability: a backfill is one trace, each replayed run a
// linked child trace, and every run counts in hotpass.backfill.runs.
func TestBackfillObservability(t *testing.T) {
	r := otlptest.NewHTTP(t)
	for k, v := range r.Env() {
		t.Setenv(k, v)
	}
	dir := backfillDir(t)
	_, stderr, code := cli(t, "--state-dir", filepath.Join(dir, "state"), "backfill", "--config", filepath.Join(dir, "backfill.yaml"),
		"--no-progress", "--enable-observability")
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (one run of the fixture fails)\n%s", code, stderr)
	}
	parents := r.SpansNamed("hotpass.backfill")
	if len(parents) != 1 {
		t.Fatalf("got %d hotpass.backfill spans, want 1", len(parents))
	}
	runs := r.SpansNamed("hotpass.run")
	if len(runs) < 2 {
		t.Fatalf("got %d child run spans, want one per replayed run", len(runs))
	}
	for _, s := range runs {
		if s.TraceIDHex() == parents[0].TraceIDHex() || len(s.GetLinks()) == 0 {
			t.Errorf("child run span is not a separate trace linked to the backfill")
		}
	}
	total := 0.0
	for _, p := range r.Points("hotpass.backfill.runs") {
		total += p.Value
	}
	if total != 4 {
		t.Errorf("hotpass.backfill.runs total = %v, want 4 (one per planned run)", total)
	}
}

// TestRunObservabilityGRPCQuiet: exporting over gRPC without compression
// prints nothing of the exporters' own on stderr (they once complained of
// an "invalid compression type" for the absent compressor).
func TestRunObservabilityGRPCQuiet(t *testing.T) {
	bin := hotpassBinary(t)
	r := otlptest.NewGRPC(t)
	cmd := exec.Command(bin, "run", "--no-progress", "--enable-observability", "--state-dir", t.TempDir(), "testdata/good/diamond.yaml")
	cmd.Env = os.Environ()
	for k, v := range r.Env() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	if len(r.SpansNamed("hotpass.run")) != 1 {
		t.Error("the run span did not arrive over gRPC")
	}
	if strings.Contains(stderr.String(), "compression") {
		t.Errorf("stderr speaks of compression:\n%s", stderr.String())
	}
}
