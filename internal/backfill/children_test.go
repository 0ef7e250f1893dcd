package backfill

import (
	"context"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hotpass/hotpass/engine/store"
	"github.com/hotpass/hotpass/internal/storetest"
	"github.com/hotpass/hotpass/internal/telemetry"
)

// A traced backfill's child runs go through the run path: each is in the
// run history with the backfill as parent, has a hotpass.run span in a
// trace of its own linked to the backfill's span, and is counted in
// hotpass.backfill.runs by its status.
func TestChildRunsInHistoryAndLinked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "    on_missing: skip\n")
	f.addArchive(t, "2024-01-01", "1", map[string]string{"orgs.csv": orgs})
	f.addArchive(t, "2024-01-02", "1", map[string]string{"other.csv": orgs}) // fails: no orgs.csv
	spans := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.FromRegistry(telemetry.Registry{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tel.Tracer().Start(telemetry.NewContext(context.Background(), tel), "hotpass.backfill")
	f.run(t, ctx, Selection{Start: "2024-01-01", End: "2024-01-03", Versions: []string{"1"}}, Options{})
	span.End()

	st := storetest.OpenAt(t, filepath.Join(f.state, "hotpass.db"))
	children, err := st.ListRuns(context.Background(), store.RunFilter{Parent: "backfill-parent"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]store.RunStatus{}
	for _, r := range children {
		got[r.ID] = r.Status
	}
	want := map[string]store.RunStatus{"backfill-2024-01-01-1": store.RunSucceeded, "backfill-2024-01-02-1": store.RunFailed}
	if len(got) != len(want) || got["backfill-2024-01-01-1"] != want["backfill-2024-01-01-1"] || got["backfill-2024-01-02-1"] != want["backfill-2024-01-02-1"] {
		t.Errorf("child runs in the history: %v, want %v", got, want)
	}
	if others, _ := st.ListRuns(context.Background(), store.RunFilter{Parent: "someone-else"}); len(others) != 0 {
		t.Errorf("runs of another parent: %d", len(others))
	}

	parent := span.SpanContext()
	runSpans := 0
	for _, s := range spans.Ended() {
		if s.Name() != telemetry.SpanRun {
			continue
		}
		runSpans++
		if s.SpanContext().TraceID() == parent.TraceID() {
			t.Errorf("child run span %s is in the backfill's trace; want a trace of its own", s.SpanContext().SpanID())
		}
		linked := false
		for _, l := range s.Links() {
			linked = linked || l.SpanContext.SpanID() == parent.SpanID()
		}
		if !linked {
			t.Errorf("child run span has links %v, want one to the backfill span", s.Links())
		}
	}
	if runSpans != 2 {
		t.Errorf("%d child run spans, want 2 (the missing archive runs nothing)", runSpans)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != telemetry.MetricBackfillRuns {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				status, _ := dp.Attributes.Value(attribute.Key(telemetry.AttrStatus))
				counts[status.AsString()] += dp.Value
			}
		}
	}
	if counts["succeeded"] != 1 || counts["failed"] != 1 || counts["missing"] != 1 {
		t.Errorf("hotpass.backfill.runs by status: %v, want one succeeded, failed and missing", counts)
	}
}
