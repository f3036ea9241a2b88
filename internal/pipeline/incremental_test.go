package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestIncrementalWindow(t *testing.T) {
	loc := time.UTC
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	in := &Incremental{Until: day("2026-11-20"), Start: day("2026-11-01"), MaxDays: 7, RereadDays: 3}
	for _, tc := range []struct {
		name              string
		checkpoint        string // "" none
		first, last       string
		ok                bool
		maxDays, rereadDs int
	}{
		{name: "no checkpoint: from start, at most max_days", first: "2026-11-01", last: "2026-11-07", ok: true},
		{name: "from the checkpoint, re-reading 3 days", checkpoint: "2026-11-10", first: "2026-11-08", last: "2026-11-17", ok: true},
		{name: "not past until", checkpoint: "2026-11-16", first: "2026-11-14", last: "2026-11-20", ok: true},
		{name: "up to date: only the re-read days", checkpoint: "2026-11-20", first: "2026-11-18", last: "2026-11-20", ok: true},
		{name: "up to date, no re-read: nothing", checkpoint: "2026-11-20", rereadDs: -1, ok: false},
		{name: "one day a run", checkpoint: "2026-11-10", maxDays: 1, rereadDs: -1, first: "2026-11-11", last: "2026-11-11", ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := *in
			if tc.maxDays != 0 {
				x.MaxDays = tc.maxDays
			}
			if tc.rereadDs < 0 {
				x.RereadDays = 0
			}
			var cp time.Time
			if tc.checkpoint != "" {
				cp = day(tc.checkpoint)
			}
			first, last, ok := x.Window(cp, tc.checkpoint != "")
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (%s .. %s)", ok, tc.ok, first, last)
			}
			if !ok {
				return
			}
			if got, want := first.Format("2006-01-02")+".."+last.Format("2006-01-02"), tc.first+".."+tc.last; got != want {
				t.Errorf("window %s, want %s", got, want)
			}
		})
	}
}

func TestIncrementalLoad(t *testing.T) {
	const head = `
timezone: Asia/Shanghai
params:
  day: {type: date, default: "today()"}
  from: {type: date, default: "today()"}
  to: {type: date, default: "today()"}
  n: {type: int, default: 1}
steps:
  - id: rows
    read: {file: x.jsonl, fields: {a: string}}
`
	for _, tc := range []struct {
		name, block string
		want        string // an error text; "" valid
		check       func(t *testing.T, in *Incremental)
	}{
		{name: "defaults", block: `{param: day}`, check: func(t *testing.T, in *Incremental) {
			// fixedNow is 2026-11-21 10:00 in Shanghai: until is yesterday.
			if in.Param != "day" || in.MaxDays != 31 || in.RereadDays != 0 || in.Until.Format("2006-01-02") != "2026-11-20" || !in.Start.Equal(in.Until) {
				t.Errorf("%+v", in)
			}
		}},
		{name: "range", block: `{from: from, to: to, until: "today()", start: "date('2026-11-01')", max_days: 7, reread_days: 3}`, check: func(t *testing.T, in *Incremental) {
			if in.From != "from" || in.To != "to" || in.MaxDays != 7 || in.RereadDays != 3 || in.Until.Format("2006-01-02") != "2026-11-21" || in.Start.Format("2006-01-02") != "2026-11-01" {
				t.Errorf("%+v", in)
			}
		}},
		{name: "unknown param", block: `{param: dya}`, want: `declares no param "dya"`},
		{name: "not a date", block: `{param: n}`, want: "param n has type int, want date"},
		{name: "both", block: `{param: day, from: from, to: to}`, want: "not both"},
		{name: "neither", block: `{max_days: 3}`, want: "is required"},
		{name: "bad max_days", block: `{param: day, max_days: 0}`, want: "want at least 1"},
		{name: "until not a time", block: `{param: day, until: "1 + 1"}`, want: "want a time"},
		{name: "unknown key", block: `{param: day, maxdays: 3}`, want: "maxdays"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, _ := writePipeline(t, head+"incremental: "+tc.block+"\n")
			o, err := ReadOutline(path, testOpts())
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Incremental == nil || o.Location.String() != "Asia/Shanghai" {
				t.Fatalf("outline %+v", o)
			}
			tc.check(t, o.Incremental)
		})
	}
}
