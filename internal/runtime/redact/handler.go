package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Handler wraps h so that every record it handles is redacted first, with the secrets s knows
// at the time: the message, attribute keys, string values, error values (as by
// [Redactor.Error]) and, inside groups, the same at every depth. Values of other kinds
// (LogValuers are resolved first) whose printed or JSON form holds a secret are replaced by
// their redacted printed form. Attributes given to WithAttrs are redacted too, with the
// secrets known when WithAttrs is called.
func Handler(h slog.Handler, s *Set) slog.Handler {
	return &handler{h: h, get: s.Redactor}
}

type handler struct {
	h   slog.Handler
	get func() *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	r := h.get()
	out := slog.NewRecord(rec.Time, rec.Level, r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(r, a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	r := h.get()
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = attr(r, a)
	}
	return &handler{h: h.h.WithAttrs(red), get: h.get}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{h: h.h.WithGroup(h.get().String(name)), get: h.get}
}

// attr returns a with its key and value redacted.
func attr(r *Redactor, a slog.Attr) slog.Attr {
	a.Key = r.String(a.Key)
	a.Value = value(r, a.Value.Resolve())
	return a
}

func value(r *Redactor, v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		red := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			red[i] = attr(r, a)
		}
		return slog.GroupValue(red...)
	case slog.KindAny:
		return anyValue(r, v)
	default: // numbers, booleans, durations and times print no secrets
		return v
	}
}

// anyValue redacts a value of kind Any.
func anyValue(r *Redactor, v slog.Value) slog.Value {
	x := v.Any()
	switch x := x.(type) {
	case nil:
		return v
	case error:
		return slog.AnyValue(r.Error(x))
	case []byte:
		if s := string(x); r.Contains(s) {
			return slog.StringValue(r.String(s))
		}
		return v
	}
	printed := fmt.Sprintf("%+v", x)
	if r.Contains(printed) {
		return slog.StringValue(r.String(printed))
	}
	if b, err := json.Marshal(x); err == nil && r.Contains(string(b)) {
		return slog.StringValue(r.String(string(b)))
	}
	return v
}
