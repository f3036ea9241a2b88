package record

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// fuzzRec is the record type the fuzz test decodes, one field per kind of the fast path.
type fuzzRec struct {
	Name  string    `expr:"name" json:"name"`
	N     int64     `expr:"n" json:"n"`
	Small int32     `expr:"small" json:"small"`
	F     float64   `expr:"f" json:"f"`
	B     bool      `expr:"b" json:"b"`
	At    time.Time `expr:"at" json:"at"`
}

var fuzzNames = []string{"name", "n", "small", "f", "b", "at"}

// exactKeys reports whether every key of the JSON object data is one of the record's names
// exactly (encoding/json also matches keys case-insensitively, which the decoder does not).
func exactKeys(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return false
	}
	for k := range m {
		for _, n := range fuzzNames {
			if k != n && strings.EqualFold(k, n) {
				return false
			}
		}
	}
	return true
}

// FuzzDecodeJSON checks the hand-written scanner against encoding/json: it never panics, and
// a line encoding/json decodes into the record (with keys spelt exactly) decodes to the same
// record.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"王","n":12,"small":-3,"f":1.5,"b":true,"at":"2026-10-15T09:01:02+08:00"}`,
		`{"name":"a\"b\\c\u00e9","n":0,"other":{"x":[1,2,{"y":"}"}]},"b":false}`,
		`{"name":null,"n":null}`,
		`{"name":"x","name":null}`,
		` { "f" : 1e3 , "n" : -9223372036854775808 } `,
		`{"small":2147483647}`,
		`{}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	dec := NewDecoder(reflect.TypeFor[fuzzRec](), time.UTC, func(string) bool { return true })
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := dec.DecodeJSON(data, NewInterner())
		if bytes.ContainsAny(data, "\n") || !exactKeys(data) {
			return
		}
		var want fuzzRec
		if json.Unmarshal(data, &want) != nil {
			return
		}
		if string(bytes.Trim(data, " \t\r")) == "null" {
			// encoding/json decodes null into a struct as nothing at all; a line of null is
			// no record, and the decoder refuses it.
			if err == nil {
				t.Fatalf("%q decodes, want an error", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("encoding/json decodes %q, the decoder fails: %v", data, err)
		}
		if d := cmp.Diff(&want, got.(*fuzzRec)); d != "" {
			t.Fatalf("%q decodes differently (-encoding/json +decoder):\n%s", data, d)
		}
	})
}

// TestRoundTrip checks that what AppendJSON writes, DecodeJSON reads back.
func TestRoundTrip(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	dec := NewDecoder(reflect.TypeFor[fuzzRec](), loc, func(string) bool { return true })
	for _, rec := range []fuzzRec{
		{},
		{Name: "张三 \"q\" \\ \n\t\x01", N: -1 << 63, Small: 1<<31 - 1, F: 0.1, B: true, At: time.Date(2026, 10, 15, 9, 1, 2, 0, loc)},
	} {
		line := AppendJSON(nil, reflect.ValueOf(rec))
		got, err := dec.DecodeJSON(line, nil)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if d := cmp.Diff(&rec, got.(*fuzzRec)); d != "" {
			t.Errorf("%s (-want +got):\n%s", line, d)
		}
	}
}

// TestInterner checks that an interned string equals the original, does not alias its buffer,
// and is shared by the strings equal to it.
func TestInterner(t *testing.T) {
	in := NewInterner()
	var all []string
	for _, s := range []string{"", "0", "\xff", "\x00", "1000007", "王伟", "abcdefghijklmnop", "abcdefghijklmnoq",
		"abcdefghijklmnopq", "abcdefghijklmnopr", strings.Repeat("x", 32), strings.Repeat("x", 33), "10000070", "1000007\x00"} {
		buf := []byte(s)
		got := in.str(unsafe.String(unsafe.SliceData(buf), len(buf)))
		for i := range buf {
			buf[i] ^= 0xff // the interned string must not change with the buffer
		}
		if got != s {
			t.Errorf("str(%q) = %q", s, got)
		}
		again := in.str(strings.Clone(s))
		if again != s {
			t.Errorf("str(%q) again = %q", s, again)
		}
		if len(s) > 1 && len(s) <= maxInternedLen && unsafe.StringData(again) != unsafe.StringData(got) {
			t.Errorf("str(%q) twice: not shared", s)
		}
		all = append(all, got)
	}
	for i, s := range all {
		for j, u := range all {
			if i != j && s == u {
				t.Errorf("strings %d and %d are both %q", i, j, s)
			}
		}
	}
}
