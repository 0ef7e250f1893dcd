package otlptest_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/hotpass/hotpass/internal/telemetry/otlptest"
)

// Metrics exported twice arrive twice; Points keeps the newest value of
// each attribute set (the running total) and Find matches int attributes
// against the int64 on the wire.
func TestReceiverKeepsNewestPoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		recv     func(testing.TB, ...otlptest.Option) *otlptest.Receiver
		exporter func(ctx context.Context, url string) (sdkmetric.Exporter, error)
	}{
		{"http", otlptest.NewHTTP, func(ctx context.Context, url string) (sdkmetric.Exporter, error) {
			return otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(url+"/v1/metrics"))
		}},
		{"grpc", otlptest.NewGRPC, func(ctx context.Context, url string) (sdkmetric.Exporter, error) {
			return otlpmetricgrpc.New(ctx, otlpmetricgrpc.WithEndpointURL(url))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			recv := tc.recv(t)
			exp, err := tc.exporter(ctx, recv.Endpoint())
			if err != nil {
				t.Fatal(err)
			}
			reader := sdkmetric.NewPeriodicReader(exp)
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			c, err := mp.Meter("test").Int64Counter("rows", metric.WithUnit("{row}"))
			if err != nil {
				t.Fatal(err)
			}
			shard := metric.WithAttributes(attribute.Int("shard", 1), attribute.String("kind", "a"))
			c.Add(ctx, 1, shard)
			if err := mp.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			c.Add(ctx, 2, shard)
			c.Add(ctx, 5, metric.WithAttributes(attribute.Int("shard", 2), attribute.String("kind", "a")))
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if n := len(recv.AllPoints("rows")); n != 3 {
				t.Errorf("%d points received, want 3 (two exports)", n)
			}
			got := recv.Find("rows", map[string]any{"shard": 1})
			if len(got) != 1 || got[0].Value != 3 || got[0].Kind != "sum" || !got[0].Monotonic || got[0].Unit != "{row}" {
				t.Errorf("Find(shard=1) = %+v, want one monotonic sum of 3", got)
			}
			if got := recv.Find("rows", map[string]any{"kind": "a"}); len(got) != 2 {
				t.Errorf("Find(kind=a) = %d points, want 2", len(got))
			}
			if names := recv.MetricNames(); len(names) != 1 || names[0] != "rows" {
				t.Errorf("MetricNames() = %v", names)
			}
			recv.Reset()
			if recv.Requests() != 0 || len(recv.AllPoints("rows")) != 0 {
				t.Error("Reset kept data")
			}
		})
	}
}
