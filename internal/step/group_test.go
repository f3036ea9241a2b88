package step

import (
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGroupKeys checks that keys of text and whole numbers come back from their encoding as
// they were, short (kept in the group) and long (kept beside it), and that a group keeps its
// key apart from the buffer it was made from.
func TestGroupKeys(t *testing.T) {
	type key struct {
		A string
		N int
		B string
		M int64
	}
	for _, want := range []key{
		{},
		{A: "1000007", N: -3, B: "2026-10-01", M: 1 << 40},
		{A: strings.Repeat("王", 100), N: 1, B: "", M: -1},
		{A: "x", N: 0, B: strings.Repeat("b", 127), M: 0},
		{A: "", N: 1<<62 + 5, B: strings.Repeat("c", 128), M: -(1 << 62)},
	} {
		var buf []byte
		buf = appendKey(buf, want.A)
		buf = appendKey(buf, want.N)
		buf = appendKey(buf, want.B)
		buf = appendKey(buf, want.M)
		var gr group
		gr.setKey(string(buf))
		for i := range buf {
			buf[i] = 0 // the group must not alias the buffer
		}
		var got key
		decodeKey(gr.key(), reflect.ValueOf(&got).Elem(), 4)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("key (-want +got):\n%s", diff)
		}
		if short := len(gr.key()) <= shortKey; short != (gr.shortLen >= 0) {
			t.Errorf("a key of %d bytes: kept short %v", len(gr.key()), gr.shortLen >= 0)
		}
	}
}
