package record

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDecodeJSONKeys checks the key table against refDecodeJSON, which looks keys up in the
// map: names of every length up to 40 (some alike in their first 16 bytes), non-ASCII names,
// keys that differ from a name in one byte, escaped keys, and decoders with so many names that
// no perfect table is found.
func TestDecodeJSONKeys(t *testing.T) {
	var names []string
	for n := 1; n <= 40; n++ {
		names = append(names, strings.Repeat("k", n-1)+"a", strings.Repeat("k", n-1)+"b")
	}
	names = append(names, "王", "ключ", "x\u00e9", "abcdefghijklmnopq1", "abcdefghijklmnopq2")
	for _, count := range []int{3, len(names), 5000} {
		all := slices.Clone(names[:min(count, len(names))])
		for i := len(all); i < count; i++ {
			all = append(all, fmt.Sprintf("field%d", i))
		}
		types := make([]reflect.Type, len(all))
		for i := range types {
			types[i] = reflect.TypeFor[string]()
		}
		typ := StructOf(all, types)
		wanted := map[string]bool{}
		for i, n := range all {
			if i%3 != 1 {
				wanted[n] = true
			}
		}
		dec := NewDecoder(typ, time.UTC, func(n string) bool { return wanted[n] })
		if count == 5000 && dec.slots != nil {
			t.Errorf("%d names: a perfect table of %d slots", count, len(dec.slots))
		}
		if count < 5000 && dec.slots == nil {
			t.Errorf("%d names: no perfect table", count)
		}
		b := []byte("{")
		for i, n := range all {
			b = AppendJSONString(b, n)
			b = append(b, ':')
			b = AppendJSONString(b, fmt.Sprint("v", i))
			// A key one byte off, and the name with its first letter escaped.
			b = AppendJSONString(append(b, ','), n[:len(n)-1]+"z")
			b = append(b, `:"off",`...)
			if i%7 == 0 && n[0] < 0x80 {
				b = fmt.Appendf(b, "\"\\u%04x%s\":\"esc%d\",", n[0], n[1:], i)
			}
		}
		b = append(b, `"":1}`...)
		want, err := dec.refDecodeJSON(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dec.DecodeJSON(b, NewInterner())
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%d names (-before +now):\n%s", count, d)
		}
	}
}
