package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLenientContainers(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantMap map[string]int
	}{
		{`{"16":3600,"20":1800}`, map[string]int{"16": 3600, "20": 1800}},
		{`[]`, nil}, // PHP's empty array where an object was meant
		{`null`, nil},
		{`""`, nil},
		{`[5,6]`, map[string]int{"0": 5, "1": 6}},
	} {
		var m Map[int]
		if err := json.Unmarshal([]byte(tc.in), &m); err != nil {
			t.Errorf("Map(%s): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.wantMap, map[string]int(m)); d != "" {
			t.Errorf("Map(%s) (-want +got):\n%s", tc.in, d)
		}
	}
	var l List[string]
	if err := json.Unmarshal([]byte(`{}`), &l); err != nil || l != nil {
		t.Errorf("List({}) = %v, %v; want empty", l, err)
	}
	if err := json.Unmarshal([]byte(`["a","b"]`), &l); err != nil || len(l) != 2 {
		t.Errorf("List = %v, %v", l, err)
	}
	if err := json.Unmarshal([]byte(`"x"`), &l); err == nil {
		t.Error("List of a non-empty string: want an error")
	}
}

func TestDatesAndDays(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	for _, s := range []string{"", "0", "0000-00-00"} {
		if d, err := Date(s, loc); err != nil || !d.IsZero() {
			t.Errorf("Date(%q) = %v, %v; want zero", s, d, err)
		}
	}
	d, err := DateTime("2018-08-24 09:54", loc)
	if err != nil || !d.Equal(time.Date(2018, 8, 24, 9, 54, 0, 0, loc)) {
		t.Errorf("DateTime = %v, %v", d, err)
	}
	a := time.Date(2026, 10, 1, 0, 0, 0, 0, loc)
	if got := Days(a, time.Date(2026, 10, 31, 23, 0, 0, 0, loc), loc); got != 31 {
		t.Errorf("Days(Oct 1, Oct 31) = %d, want 31", got)
	}
	if got := Days(a, a, loc); got != 1 {
		t.Errorf("Days(a, a) = %d, want 1", got)
	}
}

func TestParams(t *testing.T) {
	if p := Int("n", 1, 7); p.Text != "7" || string(p.JSON) != "7" {
		t.Errorf("Int = %+v", p)
	}
	if ps := Ints("users[]", 0, []int64{1, 2}); len(ps) != 2 || ps[1].Text != "2" {
		t.Errorf("Ints in a query = %+v", ps)
	}
	if ps := Ints("teams", 1, []int64{1, 2}); len(ps) != 1 || string(ps[0].JSON) != "[1,2]" {
		t.Errorf("Ints in a body = %+v", ps)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := time.Date(2026, 11, 20, 1, 30, 0, 0, time.UTC)
	if p := Time("t", 0, at, "2006-01-02 15:04:05", loc); p.Text != "2026-11-20 09:30:00" {
		t.Errorf("Time in the API zone = %q", p.Text)
	}
	if p := Time("t", 0, at, "2006-01-02T15:04:05", nil); p.Text != "2026-11-20T01:30:00" {
		t.Errorf("Time in its own zone = %q", p.Text)
	}
}
