package record

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSlab checks that records made by a Slab decode as DecodeJSON's, are distinct, and that a
// line that fails leaves nothing in the next record.
func TestSlab(t *testing.T) {
	dec := NewDecoder(reflect.TypeFor[benchPunch](), time.UTC, func(string) bool { return true })
	s := dec.NewSlab()
	in := NewInterner()
	var got, want []any
	for i := range 3*slabSize + 7 {
		line := []byte(`{"atten_uid":"` + string(rune('a'+i%26)) + `","atten_time":"1790846730"}`)
		if i%5 == 0 {
			bad := []byte(`{"atten_uid":"zzz","atten_device":"half","atten_time":"x"}`)
			if _, err := dec.DecodeJSONSlab(bad, in, s); err == nil {
				t.Fatalf("%s: no error", bad)
			}
		}
		r, err := dec.DecodeJSONSlab(line, in, s)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := dec.DecodeJSON(line, in)
		got, want = append(got, r), append(want, w)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-DecodeJSON +DecodeJSONSlab):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i].(*benchPunch) == got[i-1].(*benchPunch) {
			t.Fatalf("records %d and %d are one", i-1, i)
		}
	}
}
