package otlpspan

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// official sends spans through go.opentelemetry.io's otlptracehttp
// exporter to a server in the test and returns the request it received:
// the reference this package's encoding must match.
type official struct {
	exp  *otlptrace.Exporter
	mu   sync.Mutex
	body []byte
}

func newOfficial(tb testing.TB) *official {
	tb.Helper()
	o := &official{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		o.body = b
		o.mu.Unlock()
	}))
	tb.Cleanup(srv.Close)
	exp, err := otlptracehttp.New(context.Background(), otlptracehttp.WithEndpointURL(srv.URL+"/v1/traces"),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = exp.Shutdown(context.Background()) })
	o.exp = exp
	return o
}

func (o *official) request(tb testing.TB, spans []sdktrace.ReadOnlySpan) *coltracepb.ExportTraceServiceRequest {
	tb.Helper()
	if err := o.exp.ExportSpans(context.Background(), spans); err != nil {
		tb.Fatalf("official exporter: %v", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(o.body, &req); err != nil {
		tb.Fatalf("decoding the official exporter's request: %v", err)
	}
	return &req
}

// ours decodes AppendRequest's bytes with the official message types.
func ours(tb testing.TB, spans []sdktrace.ReadOnlySpan) *coltracepb.ExportTraceServiceRequest {
	tb.Helper()
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(AppendRequest(nil, spans), &req); err != nil {
		tb.Fatalf("decoding AppendRequest's bytes: %v", err)
	}
	return &req
}

// normalise puts both requests in one order (the official exporter groups
// resources through a map) and fills in what the official exporter leaves
// out: a link's trace state, which OTLP has a field for.
func normalise(req *coltracepb.ExportTraceServiceRequest, spans []sdktrace.ReadOnlySpan, addLinkState bool) {
	key := func(m proto.Message) string { return prototext.Format(m) }
	slices.SortStableFunc(req.ResourceSpans, func(a, b *tracepb.ResourceSpans) int {
		return strings.Compare(key(a.GetResource()), key(b.GetResource()))
	})
	for _, rs := range req.ResourceSpans {
		slices.SortStableFunc(rs.ScopeSpans, func(a, b *tracepb.ScopeSpans) int {
			return strings.Compare(key(a.GetScope())+a.GetSchemaUrl(), key(b.GetScope())+b.GetSchemaUrl())
		})
		if !addLinkState {
			continue
		}
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				for _, s := range spans {
					sid := s.SpanContext().SpanID()
					if string(sid[:]) != string(sp.SpanId) {
						continue
					}
					for i, l := range s.Links() {
						sp.Links[i].TraceState = l.SpanContext.TraceState().String()
					}
				}
			}
		}
	}
}

func assertSameRequest(tb testing.TB, o *official, spans []sdktrace.ReadOnlySpan) {
	tb.Helper()
	want := o.request(tb, spans)
	got := ours(tb, spans)
	normalise(want, spans, true)
	normalise(got, spans, false)
	if !proto.Equal(got, want) {
		tb.Errorf("AppendRequest differs from the official exporter\n--- got\n%s\n--- want\n%s",
			prototext.Format(got), prototext.Format(want))
	}
}

func traceState(tb testing.TB, s string) trace.TraceState {
	ts, err := trace.ParseTraceState(s)
	if err != nil {
		tb.Fatal(err)
	}
	return ts
}

func spanContext(tb testing.TB, tid, sid byte, state string, flags trace.TraceFlags, remote bool) trace.SpanContext {
	var cfg trace.SpanContextConfig
	for i := range cfg.TraceID {
		cfg.TraceID[i] = tid + byte(i)
	}
	for i := range cfg.SpanID {
		cfg.SpanID[i] = sid + byte(i)
	}
	if state != "" {
		cfg.TraceState = traceState(tb, state)
	}
	cfg.TraceFlags, cfg.Remote = flags, remote
	return trace.NewSpanContext(cfg)
}

func TestAppendRequestMatchesOfficialExporter(t *testing.T) {
	t.Parallel()
	o := newOfficial(t)
	start := time.Date(2026, 12, 5, 10, 0, 0, 123456789, time.UTC)
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "hotpass"), attribute.String("hotpass.run_id", "r-1"))
	other := resource.NewSchemaless(attribute.String("service.name", "other"))
	scope := instrumentation.Scope{Name: "hotpass", Version: "1.2.3", SchemaURL: "https://example.com/s",
		Attributes: attribute.NewSet(attribute.Bool("scoped", true))}
	allValues := []attribute.KeyValue{
		attribute.String("s", "text"), attribute.String("empty", ""), attribute.String("unicode", "Zürich – 東京"),
		attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("zero", 0), attribute.Int64("neg", -42), attribute.Int64("big", math.MaxInt64),
		attribute.Float64("pi", math.Pi), attribute.Float64("fzero", 0), attribute.Float64("inf", math.Inf(-1)),
		attribute.StringSlice("ss", []string{"a", "", "c"}), attribute.BoolSlice("bs", []bool{true, false}),
		attribute.Int64Slice("is", []int64{1, -1, 0}), attribute.Float64Slice("fs", []float64{0.5, -2}),
		attribute.StringSlice("none", nil),
		{Key: "bytes", Value: attribute.ByteSliceValue([]byte{0, 1, 255})},
		{Key: "slice", Value: attribute.SliceValue(attribute.StringValue("x"), attribute.Int64Value(7),
			attribute.MapValue(attribute.Bool("deep", true)))},
		{Key: "map", Value: attribute.MapValue(attribute.String("k", "v"), attribute.Int("n", 3))},
		{Key: "nothing", Value: attribute.Value{}},
		attribute.String("", "empty key"),
	}
	long := strings.Repeat("long value ", 2000) // nested lengths of several varint bytes
	rich := tracetest.SpanStub{
		Name:        "task train",
		SpanContext: spanContext(t, 1, 2, "vendor=abc,other=x", trace.FlagsSampled, false),
		Parent:      spanContext(t, 1, 9, "", trace.FlagsSampled, true),
		SpanKind:    trace.SpanKindServer,
		StartTime:   start,
		EndTime:     start.Add(1500 * time.Millisecond),
		Attributes:  append(slices.Clone(allValues), attribute.String("long", long)),
		Events: []sdktrace.Event{
			{Name: "retry", Time: start.Add(time.Millisecond), Attributes: []attribute.KeyValue{attribute.Int("attempt", 2)}, DroppedAttributeCount: 3},
			{Name: "", Time: time.Time{}},
		},
		Links: []sdktrace.Link{
			{SpanContext: spanContext(t, 50, 60, "k=v", trace.FlagsSampled, true), Attributes: allValues[:3], DroppedAttributeCount: 1},
			{SpanContext: spanContext(t, 70, 80, "", 0, false)},
		},
		Status:               sdktrace.Status{Code: codes.Error, Description: "rows 3–5: bad date"},
		DroppedAttributes:    7,
		DroppedEvents:        8,
		DroppedLinks:         9,
		ChildSpanCount:       2,
		Resource:             res,
		InstrumentationScope: scope,
	}
	plain := func(name string, sid byte, code codes.Code, res *resource.Resource, scope instrumentation.Scope) tracetest.SpanStub {
		return tracetest.SpanStub{
			Name: name, SpanContext: spanContext(t, 3, sid, "", trace.FlagsSampled, false),
			Parent:    spanContext(t, 3, 1, "", trace.FlagsSampled, false),
			SpanKind:  trace.SpanKindInternal,
			StartTime: start, EndTime: start.Add(time.Second),
			Status:   sdktrace.Status{Code: code},
			Resource: res, InstrumentationScope: scope,
		}
	}
	for _, tc := range []struct {
		name  string
		stubs tracetest.SpanStubs
	}{
		{"every field", tracetest.SpanStubs{rich}},
		{"many of one scope", tracetest.SpanStubs{
			plain("a", 10, codes.Ok, res, scope), plain("b", 20, codes.Unset, res, scope), plain("c", 30, codes.Error, res, scope)}},
		{"root span, no resource, no scope", tracetest.SpanStubs{{
			Name: "root", SpanContext: spanContext(t, 4, 4, "", 0, false), StartTime: start, EndTime: start}}},
		{"kinds", tracetest.SpanStubs{
			func() tracetest.SpanStub {
				s := plain("client", 1, codes.Ok, res, scope)
				s.SpanKind = trace.SpanKindClient
				return s
			}(),
			func() tracetest.SpanStub {
				s := plain("producer", 2, codes.Ok, res, scope)
				s.SpanKind = trace.SpanKindProducer
				return s
			}(),
			func() tracetest.SpanStub {
				s := plain("consumer", 3, codes.Ok, res, scope)
				s.SpanKind = trace.SpanKindConsumer
				return s
			}(),
			func() tracetest.SpanStub {
				s := plain("unset", 4, codes.Ok, res, scope)
				s.SpanKind = trace.SpanKindUnspecified
				return s
			}(),
		}},
		{"resources and scopes interleaved", tracetest.SpanStubs{
			plain("a", 10, codes.Ok, res, scope),
			plain("b", 20, codes.Ok, other, scope),
			plain("c", 30, codes.Ok, res, instrumentation.Scope{Name: "linkage"}),
			plain("d", 40, codes.Ok, res, scope),
			plain("e", 50, codes.Ok, other, instrumentation.Scope{}),
			// Equal to res but another pointer: grouped with it.
			plain("f", 60, codes.Ok, resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
				attribute.String("service.name", "hotpass"), attribute.String("hotpass.run_id", "r-1")), scope),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertSameRequest(t, o, tc.stubs.Snapshots())
		})
	}
}

func TestAppendRequestAppendsAndHandlesEmpty(t *testing.T) {
	t.Parallel()
	if got := AppendRequest(nil, nil); len(got) != 0 {
		t.Errorf("no spans encoded to %d bytes, want none", len(got))
	}
	if got := AppendRequest([]byte("x"), []sdktrace.ReadOnlySpan{nil}); string(got) != "x" {
		t.Errorf("a nil span changed the buffer to %q", got)
	}
	spans := tracetest.SpanStubs{{Name: "a", SpanContext: spanContext(t, 1, 1, "", 1, false)}}.Snapshots()
	prefix := []byte("prefix")
	got := AppendRequest(prefix, spans)
	if string(got[:len(prefix)]) != "prefix" {
		t.Fatalf("AppendRequest overwrote the buffer's contents: %q", got[:len(prefix)])
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(got[len(prefix):], &req); err != nil {
		t.Fatal(err)
	}
	if n := req.GetResourceSpans()[0].GetScopeSpans()[0].GetSpans()[0].GetName(); n != "a" {
		t.Errorf("name %q, want a", n)
	}
}

// Invalid UTF-8 would make a collector reject the whole request (and the
// official exporter refuses to encode it), so it is sent repaired.
func TestAppendRequestRepairsInvalidUTF8(t *testing.T) {
	t.Parallel()
	spans := tracetest.SpanStubs{{
		Name:        "bad \xff name",
		SpanContext: spanContext(t, 1, 1, "", 1, false),
		Attributes:  []attribute.KeyValue{attribute.String("k\xfe", "v\xc3"), attribute.StringSlice("ss", []string{"\x80"})},
		Status:      sdktrace.Status{Code: codes.Error, Description: "\xffoops"},
	}}.Snapshots()
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(AppendRequest(nil, spans), &req); err != nil {
		t.Fatalf("a collector could not decode the request: %v", err)
	}
	sp := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
	if sp.Name != "bad \uFFFD name" || sp.Status.Message != "\uFFFDoops" {
		t.Errorf("name %q, status %q", sp.Name, sp.Status.Message)
	}
	if kv := sp.Attributes[0]; kv.Key != "k\uFFFD" || kv.Value.GetStringValue() != "v\uFFFD" {
		t.Errorf("attribute %v", kv)
	}
	if v := sp.Attributes[1].Value.GetArrayValue().GetValues()[0].GetStringValue(); v != "\uFFFD" {
		t.Errorf("slice element %q", v)
	}
}

// FuzzAppendRequest checks arbitrary span contents against the official
// exporter's encoding (valid UTF-8) and that any content decodes.
func FuzzAppendRequest(f *testing.F) {
	f.Add("task", "key", "value", int64(3), 1.5, true, uint8(1), uint8(2), 100)
	f.Add("", "", "", int64(-1), math.NaN(), false, uint8(0), uint8(0), 0)
	f.Add("\xff", "k", strings.Repeat("v", 300), int64(math.MinInt64), math.Inf(1), true, uint8(5), uint8(1), 5000)
	o := newOfficial(f)
	f.Fuzz(func(t *testing.T, name, key, sval string, ival int64, fval float64, bval bool, kind, code uint8, events int) {
		events = min(max(events, 0)%8, 8)
		start := time.Unix(0, ival&math.MaxInt64)
		attrs := []attribute.KeyValue{
			attribute.String(key, sval), attribute.Int64(key+"i", ival), attribute.Float64(key+"f", fval),
			attribute.Bool(key+"b", bval), attribute.StringSlice(key+"s", []string{sval, name}),
		}
		stub := tracetest.SpanStub{
			Name:                 name,
			SpanContext:          spanContext(t, byte(ival), byte(ival>>8), "", trace.TraceFlags(code), false),
			Parent:               spanContext(t, byte(ival), byte(ival>>16), "", trace.FlagsSampled, bval),
			SpanKind:             trace.SpanKind(kind % 7),
			StartTime:            start,
			EndTime:              start.Add(time.Duration(ival & 0xffff)),
			Attributes:           attrs,
			Status:               sdktrace.Status{Code: codes.Code(code % 4), Description: sval},
			Resource:             resource.NewSchemaless(attribute.String("service.name", name)),
			InstrumentationScope: instrumentation.Scope{Name: key, Version: sval},
		}
		for i := 0; i < events; i++ {
			stub.Events = append(stub.Events, sdktrace.Event{Name: name, Time: start, Attributes: attrs[:i%len(attrs)]})
		}
		spans := tracetest.SpanStubs{stub, stub}.Snapshots()
		got := ours(t, spans) // must decode whatever the input
		if len(got.GetResourceSpans()) != 1 || len(got.ResourceSpans[0].GetScopeSpans()) != 1 ||
			len(got.ResourceSpans[0].ScopeSpans[0].GetSpans()) != 2 {
			t.Fatalf("two spans of one resource and scope came out as %v", prototext.Format(got))
		}
		for _, s := range []string{name, key, sval} {
			if !utf8.ValidString(s) {
				return // the official exporter cannot encode this
			}
		}
		assertSameRequest(t, o, spans)
	})
}
