// Package otlpspan exports spans over OTLP/HTTP with protobuf encoding.
//
// It sends what go.opentelemetry.io/otel's otlptracehttp exporter sends,
// with the same headers, compression, TLS, retry and partial-success
// handling, but writes the ExportTraceServiceRequest bytes straight from
// the SDK's read-only spans. The official exporter first copies every span
// into generated protobuf structs and then marshals those; for runs of
// many short tasks that copy and its garbage were most of what exporting
// cost.
package otlpspan

import (
	"math"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers from opentelemetry-proto (collector/trace/v1,
// trace/v1, common/v1, resource/v1).
const (
	requestResourceSpans = 1

	resourceSpansResource   = 1
	resourceSpansScopeSpans = 2
	resourceSpansSchemaURL  = 3

	resourceAttributes = 1

	scopeSpansScope     = 1
	scopeSpansSpans     = 2
	scopeSpansSchemaURL = 3

	scopeName       = 1
	scopeVersion    = 2
	scopeAttributes = 3

	spanTraceID           = 1
	spanSpanID            = 2
	spanTraceState        = 3
	spanParentSpanID      = 4
	spanName              = 5
	spanKind              = 6
	spanStartTime         = 7
	spanEndTime           = 8
	spanAttributes        = 9
	spanDroppedAttributes = 10
	spanEvents            = 11
	spanDroppedEvents     = 12
	spanLinks             = 13
	spanDroppedLinks      = 14
	spanStatus            = 15
	spanFlags             = 16

	eventTime              = 1
	eventName              = 2
	eventAttributes        = 3
	eventDroppedAttributes = 4

	linkTraceID           = 1
	linkSpanID            = 2
	linkTraceState        = 3
	linkAttributes        = 4
	linkDroppedAttributes = 5
	linkFlags             = 6

	statusMessage = 2
	statusCode    = 3

	keyValueKey   = 1
	keyValueValue = 2

	anyString = 1
	anyBool   = 2
	anyInt    = 3
	anyDouble = 4
	anyArray  = 5
	anyKVList = 6
	anyBytes  = 7

	arrayValues  = 1
	kvlistValues = 1
)

// OTLP status codes; they differ from the Go API's codes.Code values.
const (
	otlpStatusOK    = 1
	otlpStatusError = 2
)

// Span flag bits defined by OTLP above the eight W3C trace flag bits.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// AppendRequest appends to b the protobuf encoding of an
// opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest holding
// spans, grouped by resource and then by instrumentation scope in the
// order each first appears. Strings that are not valid UTF-8 are sent with
// U+FFFD in place of the bad bytes, since protobuf string fields must be
// UTF-8 and a collector rejects the whole request otherwise.
func AppendRequest(b []byte, spans []sdktrace.ReadOnlySpan) []byte {
	e := encoder{b: b}
	for _, g := range group(spans) {
		e.resourceSpans(g)
	}
	return e.b
}

// resourceGroup is the spans of one resource, by scope.
type resourceGroup struct {
	res    *resource.Resource
	scopes []scopeGroup
}

type scopeGroup struct {
	scope instrumentation.Scope
	spans []sdktrace.ReadOnlySpan
}

// group splits spans by resource and scope. Spans from one tracer
// provider share one resource and, usually, one scope, which is checked
// first so that the common batch is grouped without maps or copies.
func group(spans []sdktrace.ReadOnlySpan) []resourceGroup {
	if len(spans) == 0 {
		return nil
	}
	if spans[0] != nil {
		res, scope := spans[0].Resource(), spans[0].InstrumentationScope()
		uniform := true
		for _, s := range spans[1:] {
			if s == nil || s.Resource() != res || s.InstrumentationScope() != scope {
				uniform = false
				break
			}
		}
		if uniform {
			return []resourceGroup{{res: res, scopes: []scopeGroup{{scope: scope, spans: spans}}}}
		}
	}

	type scopeKey struct {
		res   attribute.Distinct
		scope instrumentation.Scope
	}
	var groups []resourceGroup
	resIndex := map[attribute.Distinct]int{}
	scopeIndex := map[scopeKey][2]int{}
	for _, s := range spans {
		if s == nil {
			continue
		}
		r := s.Resource()
		rk := r.Equivalent()
		ri, ok := resIndex[rk]
		if !ok {
			ri = len(groups)
			resIndex[rk] = ri
			groups = append(groups, resourceGroup{res: r})
		}
		sk := scopeKey{rk, s.InstrumentationScope()}
		at, ok := scopeIndex[sk]
		if !ok {
			at = [2]int{ri, len(groups[ri].scopes)}
			scopeIndex[sk] = at
			groups[ri].scopes = append(groups[ri].scopes, scopeGroup{scope: sk.scope})
		}
		sg := &groups[at[0]].scopes[at[1]]
		sg.spans = append(sg.spans, s)
	}
	return groups
}

// encoder appends protobuf fields to b. A nested message is written in
// place after a one-byte length, which is widened afterwards in the rare
// case the message is 128 bytes or longer (then the body moves right by a
// byte or two), so nothing is encoded twice and no sizes are precomputed.
type encoder struct {
	b []byte
}

// open starts a length-delimited field and returns where its body begins.
func (e *encoder) open(field protowire.Number) int {
	e.b = protowire.AppendTag(e.b, field, protowire.BytesType)
	e.b = append(e.b, 0)
	return len(e.b)
}

// close ends the field opened at start, writing its length.
func (e *encoder) close(start int) {
	n := len(e.b) - start
	if n < 0x80 {
		e.b[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for i := 0; i < extra; i++ {
		e.b = append(e.b, 0)
	}
	copy(e.b[start+extra:], e.b[start:start+n])
	protowire.AppendVarint(e.b[:start-1], uint64(n))
}

func (e *encoder) string(field protowire.Number, s string) {
	if s == "" {
		return
	}
	e.stringAlways(field, s)
}

// stringAlways writes s even when empty, as a oneof member must be.
func (e *encoder) stringAlways(field protowire.Number, s string) {
	e.b = protowire.AppendTag(e.b, field, protowire.BytesType)
	if utf8.ValidString(s) {
		e.b = protowire.AppendString(e.b, s)
		return
	}
	e.b = protowire.AppendString(e.b, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func (e *encoder) bytes(field protowire.Number, v []byte) {
	e.b = protowire.AppendTag(e.b, field, protowire.BytesType)
	e.b = protowire.AppendBytes(e.b, v)
}

func (e *encoder) uint(field protowire.Number, v uint64) {
	if v == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, field, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, v)
}

func (e *encoder) fixed64(field protowire.Number, v uint64) {
	if v == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, field, protowire.Fixed64Type)
	e.b = protowire.AppendFixed64(e.b, v)
}

func (e *encoder) fixed32(field protowire.Number, v uint32) {
	if v == 0 {
		return
	}
	e.b = protowire.AppendTag(e.b, field, protowire.Fixed32Type)
	e.b = protowire.AppendFixed32(e.b, v)
}

func (e *encoder) resourceSpans(g resourceGroup) {
	rs := e.open(requestResourceSpans)
	if g.res != nil {
		r := e.open(resourceSpansResource)
		it := g.res.Iter()
		for it.Next() {
			e.keyValue(resourceAttributes, it.Attribute())
		}
		e.close(r)
	}
	for _, sg := range g.scopes {
		ss := e.open(resourceSpansScopeSpans)
		if sg.scope != (instrumentation.Scope{}) {
			sc := e.open(scopeSpansScope)
			e.string(scopeName, sg.scope.Name)
			e.string(scopeVersion, sg.scope.Version)
			it := sg.scope.Attributes.Iter()
			for it.Next() {
				e.keyValue(scopeAttributes, it.Attribute())
			}
			e.close(sc)
		}
		for _, s := range sg.spans {
			e.span(s)
		}
		e.string(scopeSpansSchemaURL, sg.scope.SchemaURL)
		e.close(ss)
	}
	if g.res != nil {
		e.string(resourceSpansSchemaURL, g.res.SchemaURL())
	}
	e.close(rs)
}

func (e *encoder) span(s sdktrace.ReadOnlySpan) {
	at := e.open(scopeSpansSpans)
	sc := s.SpanContext()
	tid, sid := sc.TraceID(), sc.SpanID()
	e.bytes(spanTraceID, tid[:])
	e.bytes(spanSpanID, sid[:])
	if ts := sc.TraceState(); ts.Len() > 0 {
		e.string(spanTraceState, ts.String())
	}
	parent := s.Parent()
	if psid := parent.SpanID(); psid.IsValid() {
		e.bytes(spanParentSpanID, psid[:])
	}
	e.string(spanName, s.Name())
	e.uint(spanKind, uint64(otlpKind(s.SpanKind())))
	e.fixed64(spanStartTime, unixNano(s.StartTime().UnixNano()))
	e.fixed64(spanEndTime, unixNano(s.EndTime().UnixNano()))
	for _, kv := range s.Attributes() {
		e.keyValue(spanAttributes, kv)
	}
	e.uint(spanDroppedAttributes, uint64(clamp32(s.DroppedAttributes())))
	for _, ev := range s.Events() {
		ea := e.open(spanEvents)
		e.fixed64(eventTime, unixNano(ev.Time.UnixNano()))
		e.string(eventName, ev.Name)
		for _, kv := range ev.Attributes {
			e.keyValue(eventAttributes, kv)
		}
		e.uint(eventDroppedAttributes, uint64(clamp32(ev.DroppedAttributeCount)))
		e.close(ea)
	}
	e.uint(spanDroppedEvents, uint64(clamp32(s.DroppedEvents())))
	for _, l := range s.Links() {
		la := e.open(spanLinks)
		ltid, lsid := l.SpanContext.TraceID(), l.SpanContext.SpanID()
		e.bytes(linkTraceID, ltid[:])
		e.bytes(linkSpanID, lsid[:])
		if ts := l.SpanContext.TraceState(); ts.Len() > 0 {
			e.string(linkTraceState, ts.String())
		}
		for _, kv := range l.Attributes {
			e.keyValue(linkAttributes, kv)
		}
		e.uint(linkDroppedAttributes, uint64(clamp32(l.DroppedAttributeCount)))
		e.fixed32(linkFlags, flags(l.SpanContext.TraceFlags(), l.SpanContext.IsRemote()))
		e.close(la)
	}
	e.uint(spanDroppedLinks, uint64(clamp32(s.DroppedLinks())))
	// The status is always present, as the official exporter sends it.
	st := s.Status()
	sa := e.open(spanStatus)
	e.string(statusMessage, st.Description)
	switch st.Code {
	case codes.Ok:
		e.uint(statusCode, otlpStatusOK)
	case codes.Error:
		e.uint(statusCode, otlpStatusError)
	}
	e.close(sa)
	e.fixed32(spanFlags, flags(sc.TraceFlags(), parent.IsRemote()))
	e.close(at)
}

func (e *encoder) keyValue(field protowire.Number, kv attribute.KeyValue) {
	at := e.open(field)
	e.string(keyValueKey, string(kv.Key))
	e.anyValue(keyValueValue, kv.Value)
	e.close(at)
}

// anyValue writes an AnyValue message. Its oneof member is written even
// when zero (false, 0, ""), because presence is what names the type.
func (e *encoder) anyValue(field protowire.Number, v attribute.Value) {
	at := e.open(field)
	switch v.Type() {
	case attribute.BOOL:
		e.b = protowire.AppendTag(e.b, anyBool, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, protowire.EncodeBool(v.AsBool()))
	case attribute.INT64:
		e.b = protowire.AppendTag(e.b, anyInt, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(v.AsInt64()))
	case attribute.FLOAT64:
		e.b = protowire.AppendTag(e.b, anyDouble, protowire.Fixed64Type)
		e.b = protowire.AppendFixed64(e.b, math.Float64bits(v.AsFloat64()))
	case attribute.STRING:
		e.stringAlways(anyString, v.AsString())
	case attribute.BYTESLICE:
		e.bytes(anyBytes, v.AsByteSlice())
	case attribute.BOOLSLICE:
		appendArray(e, v.AsBoolSlice(), attribute.BoolValue)
	case attribute.INT64SLICE:
		appendArray(e, v.AsInt64Slice(), attribute.Int64Value)
	case attribute.FLOAT64SLICE:
		appendArray(e, v.AsFloat64Slice(), attribute.Float64Value)
	case attribute.STRINGSLICE:
		appendArray(e, v.AsStringSlice(), attribute.StringValue)
	case attribute.SLICE:
		appendArray(e, v.AsSlice(), func(x attribute.Value) attribute.Value { return x })
	case attribute.MAP:
		kvl := e.open(anyKVList)
		for _, kv := range v.AsMap() {
			e.keyValue(kvlistValues, kv)
		}
		e.close(kvl)
	case attribute.EMPTY:
		// An empty AnyValue: no member set.
	default:
		e.stringAlways(anyString, "INVALID")
	}
	e.close(at)
}

func otlpKind(k trace.SpanKind) int {
	switch k {
	case trace.SpanKindInternal, trace.SpanKindServer, trace.SpanKindClient,
		trace.SpanKindProducer, trace.SpanKindConsumer:
		// The API's numbering is OTLP's.
		return int(k)
	}
	return 0
}

// flags is the OTLP span flags word: the W3C trace flags, and whether the
// parent (or linked) context is known to be remote.
func flags(tf trace.TraceFlags, remote bool) uint32 {
	f := uint32(tf) | flagHasIsRemote
	if remote {
		f |= flagIsRemote
	}
	return f
}

func unixNano(ns int64) uint64 {
	if ns < 0 {
		return 0
	}
	return uint64(ns)
}

func clamp32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if int64(n) > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(n)
}

// appendArray writes xs as an ArrayValue, each element through value.
func appendArray[T any](e *encoder, xs []T, value func(T) attribute.Value) {
	arr := e.open(anyArray)
	for _, x := range xs {
		e.anyValue(arrayValues, value(x))
	}
	e.close(arr)
}
