package redact

import (
	"context"
	"fmt"
	"log/slog"
)

// Masker is what Handler masks with: a *Redactor, or any type with its
// String and Empty methods (the engine's Redactor interface).
type Masker interface {
	String(s string) string
	Empty() bool
}

// Handler wraps h so that the message and every attribute of a record reach
// h with r's secrets masked. Masking must come before h encodes the record:
// a text or JSON handler quotes and escapes a value holding a space, a
// quote or a control character, and the escaped secret no longer matches
// a mask applied to the encoded line. Values of kinds other than strings
// (errors, Stringers, anything formatted as text) are masked in their text
// form; numbers, booleans, times and durations pass as they are.
func Handler(h slog.Handler, r Masker) slog.Handler {
	if r == nil {
		return h
	}
	return &handler{next: h, red: r}
}

type handler struct {
	next slog.Handler
	red  Masker
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	if h.red.Empty() {
		return h.next.Handle(ctx, rec)
	}
	return h.handleWith(ctx, rec, nil)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	// Secrets may be added after the logger is built: mask at Handle time
	// too by keeping the attributes behind this handler.
	return &handlerWithAttrs{handler: handler{next: h.next, red: h.red}, attrs: as}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{next: h.next.WithGroup(name), red: h.red}
}

// handlerWithAttrs holds attributes given to WithAttrs and masks them with
// each record, since secrets recorded later must be masked in them too.
type handlerWithAttrs struct {
	handler
	attrs []slog.Attr
}

func (h *handlerWithAttrs) Handle(ctx context.Context, rec slog.Record) error {
	return h.handleWith(ctx, rec, h.maskedAttrs())
}

func (h *handlerWithAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	all := append(append([]slog.Attr(nil), h.attrs...), as...)
	return &handlerWithAttrs{handler: h.handler, attrs: all}
}

func (h *handlerWithAttrs) WithGroup(name string) slog.Handler {
	// The held attributes belong outside the group: hand them on first.
	return &handler{next: h.next.WithAttrs(h.maskedAttrs()).WithGroup(name), red: h.red}
}

func (h *handlerWithAttrs) maskedAttrs() []slog.Attr {
	out := make([]slog.Attr, len(h.attrs))
	for i, a := range h.attrs {
		out[i] = h.attr(a)
	}
	return out
}

// handleWith is Handle with attributes placed before the record's own.
func (h *handler) handleWith(ctx context.Context, rec slog.Record, first []slog.Attr) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.red.String(rec.Message), rec.PC)
	out.AddAttrs(first...)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// attr masks one attribute, recursing into groups.
func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.red.String(v.String()))
	case slog.KindGroup:
		gs := v.Group()
		out := make([]slog.Attr, len(gs))
		for i, g := range gs {
			out[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.red.String(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.red.String(x.String()))
		case []byte:
			return slog.String(a.Key, h.red.String(string(x)))
		default:
			return slog.String(a.Key, h.red.String(fmt.Sprint(x)))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
