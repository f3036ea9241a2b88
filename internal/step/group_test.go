package step

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
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
		kt := reflect.TypeFor[key]()
		var at []uintptr
		var progs []*eval.Program
		for i := range kt.NumField() {
			at = append(at, kt.Field(i).Offset)
			progs = append(progs, &eval.Program{Out: kt.Field(i).Type})
		}
		decodeKey(gr.key(), unsafe.Pointer(&got), at, progs, record.NewInterner())
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("key (-want +got):\n%s", diff)
		}
		if short := len(gr.key()) <= shortKey; short != (gr.shortLen >= 0) {
			t.Errorf("a key of %d bytes: kept short %v", len(gr.key()), gr.shortLen >= 0)
		}
	}
}

// TestTimeOrd checks that the order of times is UnixNano inside the years it covers and the
// ends outside them.
func TestTimeOrd(t *testing.T) {
	for _, tm := range []time.Time{
		time.Unix(0, 0), time.Unix(1790846730, 123456789), time.Unix(-1, 999999999),
		time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64),
		time.Unix(0, math.MinInt64).Add(-time.Nanosecond), time.Unix(0, math.MaxInt64).Add(time.Nanosecond),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 12, 2, 9, 0, 0, 5, time.FixedZone("CST", 8*3600)),
	} {
		want := tm.UnixNano()
		switch {
		case tm.Before(time.Unix(0, math.MinInt64)):
			want = math.MinInt64
		case tm.After(time.Unix(0, math.MaxInt64)):
			want = math.MaxInt64
		}
		if got := timeOrd(tm).n; got != want {
			t.Errorf("timeOrd(%v) = %d, want %d", tm, got, want)
		}
	}
}
