package record

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type selfMarshaled struct{ X int }

func (s selfMarshaled) MarshalJSON() ([]byte, error) { return []byte(`"marshaled"`), nil }

type node struct {
	Name string `expr:"name"`
	Next *node  `expr:"next"`
}

// TestJSONEncoderAsAppendJSON checks that an encoder appends what AppendJSON appends, for
// values of its type and of other types.
func TestJSONEncoderAsAppendJSON(t *testing.T) {
	type inner struct {
		At   time.Time     `expr:"at"`
		Took time.Duration `expr:"took"`
	}
	type rec struct {
		ID      int    `expr:"id"`
		Who     string `expr:"who"`
		hidden  int
		Note    string `expr:"note"`
		Score   float64
		OK      bool     `expr:"ok"`
		Tags    []string `expr:"tags"`
		In      inner    `expr:"in"`
		Ptr     *inner   `expr:"ptr"`
		Any     any      `expr:"any"`
		Self    selfMarshaled
		Raw     json.RawMessage `expr:"raw"`
		Nums    map[string]int  `expr:"nums"`
		Unsized uint8
	}
	at := time.Date(2026, 12, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	full := &rec{ID: 7, Who: "王伟 \"x\"\n", hidden: 3, Note: "\u2028", Score: 1.5, OK: true,
		Tags: []string{"a", "b"}, In: inner{At: at, Took: 90 * time.Minute}, Ptr: &inner{At: at},
		Any: map[string]any{"k": 1}, Raw: json.RawMessage(`{"a":1}`), Nums: map[string]int{"n": 2}, Unsized: 9}
	long := &node{Name: "a"}
	for p, i := long, 0; i < 2*maxEncoderDepth; i++ {
		p.Next = &node{Name: string(rune('b' + i))}
		p = p.Next
	}
	for _, tc := range []struct {
		name string
		typ  reflect.Type
		v    any
	}{
		{"full", reflect.TypeFor[*rec](), full},
		{"zero", reflect.TypeFor[*rec](), &rec{}},
		{"nil pointer", reflect.TypeFor[*rec](), (*rec)(nil)},
		{"struct value", reflect.TypeFor[rec](), *full},
		{"another type", reflect.TypeFor[*rec](), &inner{At: at}},
		{"a scalar", reflect.TypeFor[*rec](), 42},
		{"nested beyond the depth", reflect.TypeFor[*node](), long},
		{"time", reflect.TypeFor[time.Time](), at},
		{"no type", nil, full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := reflect.ValueOf(tc.v)
			want := string(AppendJSON(nil, v))
			got := string(NewJSONEncoder(tc.typ).Append([]byte("prefix "), v))
			if diff := cmp.Diff("prefix "+want, got); diff != "" {
				t.Errorf("Append (-AppendJSON +encoder):\n%s", diff)
			}
		})
	}
}

// BenchmarkJSONEncoder compares an encoder with AppendJSON on an output record of the transform
// benchmark.
func BenchmarkJSONEncoder(b *testing.B) {
	type out struct {
		UID     string `expr:"uid"`
		Day     string `expr:"day"`
		First   int64  `expr:"first"`
		Last    int64  `expr:"last"`
		Seconds int64  `expr:"seconds"`
	}
	v := reflect.ValueOf(&out{UID: "1000007", Day: "2026-10-01", First: 1790821012, Last: 1790869990, Seconds: 48978})
	enc := NewJSONEncoder(v.Type())
	for _, bc := range []struct {
		name string
		app  func([]byte, reflect.Value) []byte
	}{{"encoder", enc.Append}, {"AppendJSON", AppendJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var buf []byte
			for b.Loop() {
				buf = bc.app(buf[:0], v)
			}
		})
	}
}
