package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
)

// Handler wraps h so that every record it handles is redacted by r first: the message,
// attribute keys, string values, error values (as by [Redactor.Error]) and, inside groups,
// the same at every depth. Values of other kinds (LogValuers are resolved first) whose
// printed or JSON form holds a secret are replaced by their redacted printed form. Attributes
// given to WithAttrs are redacted too.
func Handler(h slog.Handler, r *Redactor) slog.Handler {
	return &handler{h: h, r: r}
}

type handler struct {
	h slog.Handler
	r *Redactor
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.String(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &handler{h: h.h.WithAttrs(red), r: h.r}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{h: h.h.WithGroup(h.r.String(name)), r: h.r}
}

// attr returns a with its key and value redacted.
func (h *handler) attr(a slog.Attr) slog.Attr {
	a.Key = h.r.String(a.Key)
	a.Value = h.value(a.Value.Resolve())
	return a
}

func (h *handler) value(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(h.r.String(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		red := make([]slog.Attr, len(attrs))
		for i, a := range attrs {
			red[i] = h.attr(a)
		}
		return slog.GroupValue(red...)
	case slog.KindAny:
		return h.any(v)
	default: // numbers, booleans, durations and times print no secrets
		return v
	}
}

// any redacts a value of kind Any.
func (h *handler) any(v slog.Value) slog.Value {
	x := v.Any()
	switch x := x.(type) {
	case nil:
		return v
	case error:
		return slog.AnyValue(h.r.Error(x))
	case []byte:
		if s := string(x); h.r.Contains(s) {
			return slog.StringValue(h.r.String(s))
		}
		return v
	}
	printed := fmt.Sprintf("%+v", x)
	if h.r.Contains(printed) {
		return slog.StringValue(h.r.String(printed))
	}
	if b, err := json.Marshal(x); err == nil && h.r.Contains(string(b)) {
		return slog.StringValue(h.r.String(string(b)))
	}
	return v
}
