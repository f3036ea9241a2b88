// Package wire holds the small helpers generated clients call to move values between Go and the
// vendors' JSON: lenient lists and maps (PHP sends [] for an empty object), dates and times in the
// API's zone, and request parameters. It is unit-tested here once, so generated code stays thin.
package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/scalar"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// Empty reports whether b is a JSON value that stands for "nothing" where an object or list is
// expected: null, "", [] (PHP's empty array) or {}.
func Empty(b []byte) bool {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "", "null", `""`, "[]", "{}", "false", "0", `"0"`:
		return true
	}
	return false
}

// List is a JSON list that also accepts null, "", {} and false as empty.
type List[T any] []T

// UnmarshalJSON implements json.Unmarshaler.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	if Empty(b) {
		*l = nil
		return nil
	}
	var s []T
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*l = s
	return nil
}

// Map is a JSON object with string keys that also accepts null, "" and [] as empty.
type Map[T any] map[string]T

// UnmarshalJSON implements json.Unmarshaler.
func (m *Map[T]) UnmarshalJSON(b []byte) error {
	if Empty(b) {
		*m = nil
		return nil
	}
	bt := bytes.TrimSpace(b)
	if len(bt) > 0 && bt[0] == '[' {
		// A PHP list where an id → value map was meant: keys are the indexes.
		var s []T
		if err := json.Unmarshal(bt, &s); err != nil {
			return err
		}
		out := make(map[string]T, len(s))
		for i, v := range s {
			out[strconv.Itoa(i)] = v
		}
		*m = out
		return nil
	}
	var x map[string]T
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*m = x
	return nil
}

// ConvertList converts every element of l with f.
func ConvertList[W, G any](l []W, f func(W) (G, error)) ([]G, error) {
	if l == nil {
		return nil, nil
	}
	out := make([]G, len(l))
	for i, w := range l {
		g, err := f(w)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out[i] = g
	}
	return out, nil
}

// ConvertMap converts every value of m with f.
func ConvertMap[W, G any](m map[string]W, f func(W) (G, error)) (map[string]G, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]G, len(m))
	for k, w := range m {
		g, err := f(w)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", k, err)
		}
		out[k] = g
	}
	return out, nil
}

// Date parses a date in loc; "", "0" and "0000-00-00" are the zero time.
func Date(s string, loc *time.Location) (time.Time, error) {
	switch strings.TrimSpace(s) {
	case "", "0", "0000-00-00":
		return time.Time{}, nil
	}
	if len(s) > 10 { // a datetime where a date was documented
		return scalar.ParseDateTime(s, loc)
	}
	return scalar.ParseDate(s, loc)
}

// DateTime parses a local datetime in loc, or one with an offset; "", "0" and "0000-00-00 00:00:00"
// are the zero time.
func DateTime(s string, loc *time.Location) (time.Time, error) {
	switch strings.TrimSpace(s) {
	case "", "0", "0000-00-00 00:00:00", "0000-00-00":
		return time.Time{}, nil
	}
	if len(s) == 10 {
		return scalar.ParseDate(s, loc)
	}
	return scalar.ParseDateTime(s, loc)
}

// UnixIn returns u in loc, or the zero time for 0.
func UnixIn(u scalar.Unix, loc *time.Location) time.Time {
	if u == 0 {
		return time.Time{}
	}
	return u.Time().In(loc)
}

func quote(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// Str is a text parameter.
func Str(name string, in transport.Location, v string) transport.Param {
	return transport.Param{Name: name, In: in, Text: v, JSON: quote(v)}
}

// Int is an integer parameter (a JSON number in a body).
func Int(name string, in transport.Location, v int64) transport.Param {
	s := strconv.FormatInt(v, 10)
	return transport.Param{Name: name, In: in, Text: s, JSON: json.RawMessage(s)}
}

// Float is a number parameter.
func Float(name string, in transport.Location, v float64) transport.Param {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	return transport.Param{Name: name, In: in, Text: s, JSON: json.RawMessage(s)}
}

// Bool is a boolean parameter: true/false in a JSON body and in the query.
func Bool(name string, in transport.Location, v bool) transport.Param {
	s := strconv.FormatBool(v)
	return transport.Param{Name: name, In: in, Text: s, JSON: json.RawMessage(s)}
}

// Decimal is an amount, sent as a JSON string ("100.00") as the vendors ask.
func Decimal(name string, in transport.Location, v scalar.Decimal) transport.Param {
	return Str(name, in, v.String())
}

// Time is a date or datetime parameter formatted with layout, in loc (nil: the time's own zone).
func Time(name string, in transport.Location, v time.Time, layout string, loc *time.Location) transport.Param {
	if loc != nil {
		v = v.In(loc)
	}
	return Str(name, in, v.Format(layout))
}

// Value is a parameter holding any JSON value (objects, lists of objects); its text is its JSON.
func Value(name string, in transport.Location, v any) (transport.Param, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return transport.Param{}, fmt.Errorf("parameter %s: %w", name, err)
	}
	return transport.Param{Name: name, In: in, Text: string(b), JSON: b}, nil
}

// Ints is a list of integers: repeated in a query (users[]=1&users[]=2), a JSON list in a body.
func Ints(name string, in transport.Location, v []int64) []transport.Param {
	if in != transport.Body {
		out := make([]transport.Param, len(v))
		for i, x := range v {
			out[i] = Int(name, in, x)
		}
		return out
	}
	p, _ := Value(name, in, v)
	return []transport.Param{p}
}

// Strs is a list of strings, like Ints.
func Strs(name string, in transport.Location, v []string) []transport.Param {
	if in != transport.Body {
		out := make([]transport.Param, len(v))
		for i, x := range v {
			out[i] = Str(name, in, x)
		}
		return out
	}
	p, _ := Value(name, in, v)
	return []transport.Param{p}
}

// Fail is an iterator that yields err once.
func Fail(err error) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) { yield(nil, err) }
}

// Any turns a typed iterator into one of any.
func Any[T any](s iter.Seq2[T, error]) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		for v, err := range s {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// Each yields the elements of a list returned by call.
func Each[T any](ctx context.Context, call func(context.Context) ([]T, error)) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		items, err := call(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// One yields the single value returned by call.
func One[T any](ctx context.Context, call func(context.Context) (T, error)) iter.Seq2[any, error] {
	return func(yield func(any, error) bool) {
		v, err := call(ctx)
		if err != nil {
			yield(nil, err)
			return
		}
		yield(v, nil)
	}
}

// Loc loads a time zone for generated code. The generated packages import time/tzdata, so the
// zones a spec names (checked when the spec was loaded) are always found; UTC is the last resort.
func Loc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Days is the number of calendar days from a to b inclusive, counted in loc (1 when equal).
func Days(a, b time.Time, loc *time.Location) int {
	ya, ma, da := a.In(loc).Date()
	yb, mb, db := b.In(loc).Date()
	da0 := time.Date(ya, ma, da, 12, 0, 0, 0, time.UTC)
	db0 := time.Date(yb, mb, db, 12, 0, 0, 0, time.UTC)
	return int(db0.Sub(da0).Hours()/24) + 1
}

// HeaderInt reads an integer response header; def when absent or malformed.
func HeaderInt(h map[string][]string, name string, def int64) int64 {
	vs := h[textprotoKey(name)]
	if len(vs) == 0 {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(vs[0]), 10, 64)
	if err != nil {
		return def
	}
	return n
}

func textprotoKey(s string) string { return textproto.CanonicalMIMEHeaderKey(s) }
