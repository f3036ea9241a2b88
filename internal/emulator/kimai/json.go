package kimai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// kv is one member of an ordered JSON object.
type kv struct {
	k string
	v any
}

// obj is a JSON object that keeps its keys in the order Kimai's serializer writes them.
type obj []kv

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := marshal(m.v)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", m.k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// get returns the value of key k.
func (o obj) get(k string) (any, bool) {
	for _, m := range o {
		if m.k == k {
			return m.v, true
		}
	}
	return nil, false
}

// without returns o minus the named keys.
func (o obj) without(keys ...string) obj {
	out := make(obj, 0, len(o))
outer:
	for _, m := range o {
		for _, k := range keys {
			if m.k == k {
				continue outer
			}
		}
		out = append(out, m)
	}
	return out
}

// float is a PHP float: json_encode with JSON_PRESERVE_ZERO_FRACTION writes 2016.0, not 2016.
type float float64

// MarshalJSON keeps a zero fraction.
func (f float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("0.0"), nil
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return []byte(strconv.FormatFloat(v, 'f', 1, 64)), nil
	}
	return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
}

// nullStr is a string Kimai stores as NULL when empty.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// phpJSON encodes v as PHP's json_encode with JSON_UNESCAPED_SLASHES does: non-ASCII characters
// become \uXXXX escapes (surrogate pairs beyond the BMP).
func phpJSON(v any) ([]byte, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for len(raw) > 0 {
		r, n := utf8.DecodeRune(raw)
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(raw[0])
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		raw = raw[n:]
	}
	return b.Bytes(), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := phpJSON(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":500,"message":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errBody is FOSRest's exception body with APP_DEBUG=0: the status and its reason phrase.
func errBody(status int) obj {
	return obj{{"code", status}, {"message", http.StatusText(status)}}
}

// fail answers with FOSRest's exception body for status.
func (c *call) fail(status int) {
	c.status, c.code = status, strconv.Itoa(status)
	writeJSON(c.w, status, errBody(status))
}

// reply answers 200 (or status) with v.
func (c *call) reply(status int, v any) {
	c.status = status
	writeJSON(c.w, status, v)
}

// noContent answers 204 with an empty body.
func (c *call) noContent() {
	c.status = http.StatusNoContent
	c.w.WriteHeader(http.StatusNoContent)
}

// gone is the 410 of the removed "POST /api/{customers|projects|activities}/{id}/team" endpoints.
func (e *Emulator) gone(c *call) {
	c.status, c.code = http.StatusGone, "410"
	writeJSON(c.w, http.StatusGone, obj{{"code", 410}, {"message", `This endpoint was removed, use "POST /api/teams/" instead.`}})
}
