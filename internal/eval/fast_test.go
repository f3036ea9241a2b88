package eval

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// TestFast: the expressions with closures give what expr's VM gives, on the records they were
// compiled for and (through the VM) on others; the others have no closure.
func TestFast(t *testing.T) {
	type edge struct {
		At time.Time `expr:"atten_time"`
	}
	type rec struct {
		UID    string        `expr:"atten_uid"`
		Status string        `expr:"atten_status"`
		N      int           `expr:"n"`
		OK     bool          `expr:"ok"`
		At     time.Time     `expr:"atten_time"`
		D      time.Duration `expr:"d"`
		First  *edge         `expr:"first"`
		Last   *edge         `expr:"last"`
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 2, 30, 0, 0, loc)
	full := &rec{UID: "11001", Status: "0", N: 3, OK: true, At: at, D: 90 * time.Second,
		First: &edge{At: at}, Last: &edge{At: at.Add(9*time.Hour + 59*time.Second)}}
	noEdges := &rec{UID: "11002", Status: "1", At: at.Add(2 * time.Hour)}
	sc := Scope{Vars: map[string]reflect.Type{"r": reflect.TypeFor[*rec]()}}
	for _, tc := range []struct {
		src  string
		fast bool
	}{
		{`r.atten_uid`, true},
		{`r.atten_status == "0"`, true},
		{`r.atten_status != "0"`, true},
		{`"0" == r.atten_status`, true},
		{`r.n == 3 && r.ok`, true},
		{`!r.ok || r.n != 3`, true},
		{`not r.ok`, true},
		{`r.atten_time`, true},
		{`workday(r.atten_time)`, true},
		{`day(r.atten_time)`, true},
		{`to_unix(r.first.atten_time)`, true},
		{`seconds(r.last.atten_time - r.first.atten_time)`, true},
		{`r.last.atten_time - r.first.atten_time`, true},
		{`r.d`, true},
		{`workday(r.atten_time, "06:00")`, false},
		{`r.atten_uid + "x"`, false},
		{`r?.atten_uid`, false},
		{`r.n + 1`, false},
		{`len(r.atten_uid)`, false},
	} {
		d := &yamlx.Decoder{File: "p.yaml"}
		c := NewCompiler(d, []byte(tc.src), Funcs{Loc: loc, Now: time.Now, Boundary: 4 * time.Hour})
		p := c.Compile(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: tc.src, Line: 1, Column: 1}, sc, WantAny)
		if err := d.Errs.Err(); err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := p.fast != nil; got != tc.fast {
			t.Errorf("%s: has a closure: %v, want %v", tc.src, got, tc.fast)
		}
		for _, r := range []any{full, noEdges, (*rec)(nil), struct{ X int }{1}} {
			ev := NewEvaluator(map[string]any{})
			ev.Set("r", r)
			want, wantErr := ev.runVM(p)
			got, gotErr := ev.Run(p)
			if diff := cmp.Diff(want, got); diff != "" || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s on %#v: Run = %v, %v; the VM gives %v, %v (-vm +run):\n%s", tc.src, r, got, gotErr, want, wantErr, diff)
			}
			if gotErr != nil && wantErr != nil && gotErr.Error() != wantErr.Error() {
				t.Errorf("%s on %#v: error %q, the VM's %q", tc.src, r, gotErr, wantErr)
			}
			if p.Out == reflect.TypeFor[bool]() {
				b, err := ev.Bool(p)
				if (err == nil) != (wantErr == nil) || (err == nil && b != want) {
					t.Errorf("%s on %#v: Bool = %v, %v; the VM gives %v, %v", tc.src, r, b, err, want, wantErr)
				}
			}
			dst := reflect.New(p.Out).Elem()
			err := ev.RunInto(p, dst)
			if wantErr == nil && want != nil && !reflect.TypeOf(want).AssignableTo(p.Out) {
				wantErr = errors.New("not of the field's type") // a record of another type
			}
			wantV := want
			if want == nil {
				wantV = reflect.Zero(p.Out).Interface() // nil leaves the field as it is
			}
			if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(dst.Interface(), wantV)) {
				t.Errorf("%s on %#v: RunInto = %v, %v; the VM gives %v, %v", tc.src, r, dst, err, want, wantErr)
			}
		}
	}
}

// TestWorkdayCache: an evaluator's cached work days are those workday computes, for times in
// order and not, across daylight saving changes and boundaries.
func TestWorkdayCache(t *testing.T) {
	for _, zone := range []string{"Asia/Shanghai", "America/New_York", "Europe/London", "America/Santiago"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []time.Duration{0, time.Hour, 150 * time.Minute, 4 * time.Hour, 23 * time.Hour} {
			f := &Funcs{Loc: loc, Boundary: b}
			ev := NewEvaluator(map[string]any{})
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			// In order, a step of 7 minutes 13 seconds over the year, then jumps back and forth.
			var times []time.Time
			for at := start; at.Year() == 2026; at = at.Add(7*time.Minute + 13*time.Second) {
				times = append(times, at)
			}
			for i := 0; i < 20000; i++ {
				times = append(times, start.Add(time.Duration((i*7919*104729)%(365*86400))*time.Second))
			}
			// A month in any order (the transform benchmark's punches), then March's daylight
			// saving change in any order, then more days than the cache holds.
			for i := 0; i < 20000; i++ {
				times = append(times, start.Add(time.Duration((i*104729)%(31*86400))*time.Second))
				times = append(times, start.AddDate(0, 2, 0).Add(time.Duration((i*7919)%(31*86400))*time.Second+time.Duration(i)))
			}
			for i := 0; i < 5000; i++ {
				times = append(times, start.Add(time.Duration((i*7919)%(200*86400))*time.Second))
			}
			for _, at := range times {
				if got, want := ev.workday(f, at), workday(at, b, loc); got != want {
					t.Fatalf("%s boundary %v: %v: cached %s, want %s", zone, b, at, got, want)
				}
			}
		}
	}
}
