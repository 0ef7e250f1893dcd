package otlptest

import (
	"encoding/hex"
	"maps"
	"reflect"
	"slices"
	"time"

	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
)

// Span is a received span together with where it came from.
type Span struct {
	*tracepb.Span
	// Resource holds the attributes of the span's resource.
	Resource map[string]any
	// Scope is the instrumentation scope name.
	Scope string
}

// Attrs returns the span's attributes.
func (s Span) Attrs() map[string]any { return Attrs(s.GetAttributes()) }

// TraceIDHex is the span's trace id in lowercase hex.
func (s Span) TraceIDHex() string { return hex.EncodeToString(s.GetTraceId()) }

// SpanIDHex is the span's id in lowercase hex.
func (s Span) SpanIDHex() string { return hex.EncodeToString(s.GetSpanId()) }

// ParentIDHex is the parent span's id in hex, "" for a root span.
func (s Span) ParentIDHex() string { return hex.EncodeToString(s.GetParentSpanId()) }

// Spans returns every span received, in arrival order.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, rs := range r.spans {
		res := Attrs(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				out = append(out, Span{Span: sp, Resource: res, Scope: ss.GetScope().GetName()})
			}
		}
	}
	return out
}

// SpansNamed returns the received spans with this name.
func (r *Receiver) SpansNamed(name string) []Span {
	var out []Span
	for _, s := range r.Spans() {
		if s.GetName() == name {
			out = append(out, s)
		}
	}
	return out
}

// Point is one received metric data point.
type Point struct {
	// Metric, Unit and Description describe the instrument.
	Metric, Unit, Description string
	// Kind is "sum", "gauge" or "histogram".
	Kind string
	// Monotonic is set for sums that only go up (counters).
	Monotonic bool
	// Attrs are the point's attributes; Resource its resource's.
	Attrs, Resource map[string]any
	// Value is a sum's or gauge's value, or a histogram's sum.
	Value float64
	// Count is a histogram's number of observations.
	Count uint64
	// Bounds and BucketCounts are a histogram's explicit buckets.
	Bounds       []float64
	BucketCounts []uint64
	// Time is when the point was taken.
	Time time.Time
}

// AllPoints returns every data point received for the metric, in arrival
// order; with cumulative temporality a stream appears once per export.
func (r *Receiver) AllPoints(metric string) []Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Point
	for _, rm := range r.metrics {
		res := Attrs(rm.GetResource().GetAttributes())
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() == metric {
					out = append(out, points(m, res)...)
				}
			}
		}
	}
	return out
}

// Points returns the newest point of each attribute set of the metric.
// With cumulative temporality (the SDK's default) that is the running total.
func (r *Receiver) Points(metric string) []Point {
	var out []Point
	for _, p := range r.AllPoints(metric) {
		i := slices.IndexFunc(out, func(q Point) bool { return reflect.DeepEqual(q.Attrs, p.Attrs) })
		switch {
		case i < 0:
			out = append(out, p)
		case !p.Time.Before(out[i].Time):
			out[i] = p
		}
	}
	return out
}

// Find returns the newest points of the metric whose attributes include
// every key and value of attrs.
func (r *Receiver) Find(metric string, attrs map[string]any) []Point {
	var out []Point
	for _, p := range r.Points(metric) {
		if contains(p.Attrs, attrs) {
			out = append(out, p)
		}
	}
	return out
}

// MetricNames returns the sorted names of the metrics received.
func (r *Receiver) MetricNames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, rm := range r.metrics {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				seen[m.GetName()] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func points(m *metricpb.Metric, res map[string]any) []Point {
	base := Point{Metric: m.GetName(), Unit: m.GetUnit(), Description: m.GetDescription(), Resource: res}
	var out []Point
	number := func(dp *metricpb.NumberDataPoint) Point {
		p := base
		p.Attrs = Attrs(dp.GetAttributes())
		p.Time = time.Unix(0, int64(dp.GetTimeUnixNano()))
		switch v := dp.GetValue().(type) {
		case *metricpb.NumberDataPoint_AsDouble:
			p.Value = v.AsDouble
		case *metricpb.NumberDataPoint_AsInt:
			p.Value = float64(v.AsInt)
		}
		return p
	}
	switch d := m.GetData().(type) {
	case *metricpb.Metric_Sum:
		for _, dp := range d.Sum.GetDataPoints() {
			p := number(dp)
			p.Kind, p.Monotonic = "sum", d.Sum.GetIsMonotonic()
			out = append(out, p)
		}
	case *metricpb.Metric_Gauge:
		for _, dp := range d.Gauge.GetDataPoints() {
			p := number(dp)
			p.Kind = "gauge"
			out = append(out, p)
		}
	case *metricpb.Metric_Histogram:
		for _, dp := range d.Histogram.GetDataPoints() {
			p := base
			p.Kind = "histogram"
			p.Attrs = Attrs(dp.GetAttributes())
			p.Time = time.Unix(0, int64(dp.GetTimeUnixNano()))
			p.Value, p.Count = dp.GetSum(), dp.GetCount()
			p.Bounds, p.BucketCounts = dp.GetExplicitBounds(), dp.GetBucketCounts()
			out = append(out, p)
		}
	}
	return out
}

// LogRecord is a received log record together with its resource.
type LogRecord struct {
	*logspb.LogRecord
	// Resource holds the attributes of the record's resource.
	Resource map[string]any
	// Scope is the instrumentation scope name.
	Scope string
}

// Attrs returns the record's attributes.
func (l LogRecord) Attrs() map[string]any { return Attrs(l.GetAttributes()) }

// BodyString is the record's body when it is a string.
func (l LogRecord) BodyString() string { return l.GetBody().GetStringValue() }

// TraceIDHex is the record's trace id in hex, "" when it has none.
func (l LogRecord) TraceIDHex() string { return hex.EncodeToString(l.GetTraceId()) }

// SpanIDHex is the record's span id in hex, "" when it has none.
func (l LogRecord) SpanIDHex() string { return hex.EncodeToString(l.GetSpanId()) }

// Logs returns every log record received, in arrival order.
func (r *Receiver) Logs() []LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []LogRecord
	for _, rl := range r.logs {
		res := Attrs(rl.GetResource().GetAttributes())
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				out = append(out, LogRecord{LogRecord: lr, Resource: res, Scope: sl.GetScope().GetName()})
			}
		}
	}
	return out
}

// Attrs converts OTLP attributes to a map of Go values: string, bool,
// int64, float64, []byte, []any and map[string]any.
func Attrs(kvs []*commonpb.KeyValue) map[string]any {
	out := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		out[kv.GetKey()] = value(kv.GetValue())
	}
	return out
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, value(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return Attrs(x.KvlistValue.GetValues())
	}
	return nil
}

// contains reports whether every entry of want is in have. Integer values
// in want match the int64 the wire carries.
func contains(have, want map[string]any) bool {
	for k, w := range want {
		h, ok := have[k]
		if !ok {
			return false
		}
		if wi, ok := w.(int); ok {
			w = int64(wi)
		}
		if !reflect.DeepEqual(h, w) {
			return false
		}
	}
	return true
}
