package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestMonthRanges(t *testing.T) {
	loc := mustZone(t, "Asia/Shanghai")
	tests := []struct {
		from, to string
		want     []string
	}{
		{"2026-10-15 00:00:00", "2026-10-15 00:00:00", []string{"2026-10-15..2026-10-15"}},
		{"2026-10-30 00:00:00", "2026-11-01 00:00:00", []string{"2026-10-30..2026-10-31", "2026-11-01..2026-11-01"}},
		{"2026-01-31 00:00:00", "2026-03-01 00:00:00", []string{"2026-01-31..2026-01-31", "2026-02-01..2026-02-28", "2026-03-01..2026-03-01"}},
		{"2026-12-31 00:00:00", "2027-01-01 00:00:00", []string{"2026-12-31..2026-12-31", "2027-01-01..2027-01-01"}},
		{"2026-10-15 00:00:00", "2026-10-14 00:00:00", []string{}},
		// A time of day counts for its day in the zone.
		{"2026-10-15 23:30:00", "2026-11-01 00:10:00", []string{"2026-10-15..2026-10-31", "2026-11-01..2026-11-01"}},
	}
	for _, tt := range tests {
		got, err := monthRanges(mustTime(t, tt.from, loc), mustTime(t, tt.to, loc), loc)
		if err != nil {
			t.Fatalf("month_ranges(%s, %s): %v", tt.from, tt.to, err)
		}
		gs := []string{}
		for _, r := range got {
			if r.Start.Location() != loc || r.Start.Hour() != 0 || r.End.Hour() != 0 {
				t.Errorf("month_ranges(%s, %s): %v is not midnights in the zone", tt.from, tt.to, r)
			}
			gs = append(gs, r.Start.Format(time.DateOnly)+".."+r.End.Format(time.DateOnly))
		}
		if d := cmp.Diff(tt.want, gs); d != "" {
			t.Errorf("month_ranges(%s, %s) (-want +got):\n%s", tt.from, tt.to, d)
		}
	}
	if _, err := monthRanges(mustTime(t, "2000-01-01 00:00:00", loc), mustTime(t, "2026-01-01 00:00:00", loc), loc); err == nil {
		t.Error("month_ranges over 26 years: no error")
	}
	ds, err := days(mustTime(t, "2026-10-30 00:00:00", loc), mustTime(t, "2026-11-02 00:00:00", loc), loc)
	if err != nil || len(ds) != 4 || ds[3].Format(time.DateOnly) != "2026-11-02" {
		t.Errorf("days: %v %v", ds, err)
	}
}

func TestEachStep(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
params:
  from: {type: date, default: "date('2026-10-30')"}
  to: {type: date, default: "date('2026-11-01')"}
steps:
  - id: ranges
    each: 'month_ranges(params.from, params.to + duration("24h"))'
  - id: out
    output: {file: "{{tmp}}/ranges.csv", fields: {start: 'day(r.start)', end: 'day(r.end)'}}
  - id: days
    each: days(params.from, params.to)
  - id: out2
    output: {file: "{{tmp}}/days.csv", fields: {day: day(r)}}
`)
	sum := mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
	for _, c := range []struct{ file, want string }{
		{"ranges.csv", "start,end\n2026-10-30,2026-10-31\n2026-11-01,2026-11-02\n"},
		{"days.csv", "day\n2026-10-30\n2026-10-31\n2026-11-01\n"},
	} {
		b, err := os.ReadFile(filepath.Join(tmp, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(c.want, string(b)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.file, d)
		}
	}
	if st := sum.Steps[0]; st.In != 2 || st.Out != 2 {
		t.Errorf("each counts in %d, out %d; want 2, 2", st.In, st.Out)
	}
}

func TestEachErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"each: '1 + 2'", "is a int; want a list"},
		{"each: '[1, \"a\"]'", "no type known"},
		{"each: 'r.start'", "unknown name r"},
	}
	for _, tt := range tests {
		path, _ := writePipeline(t, "steps:\n  - id: s\n    "+tt.src+"\n")
		errs := loadErrors(t, path, testOpts(), true)
		if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), tt.want) {
			t.Errorf("%s: errors %q, want one containing %q", tt.src, errs, tt.want)
		}
	}
}

func TestOutputSplitByAndWhen(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: split
    output:
      file: "{{tmp}}/out/by-{split}.csv"
      split_by: '"x/" + day(r.atten_time)'
      fields: {id: r.atten_id}
  - id: odd
    output: {file: "{{tmp}}/odd.jsonl", when: 'r.atten_status != "0"', fields: {id: r.atten_id}}
  - id: all
    output: {file: "{{tmp}}/all.csv", fields: {id: r.atten_id}}
`)
	sum := mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
	files, _ := filepath.Glob(filepath.Join(tmp, "out", "*"))
	var names []string
	total := 0
	for _, f := range files {
		names = append(names, filepath.Base(f))
		b, _ := os.ReadFile(f)
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if lines[0] != "id" {
			t.Errorf("%s: header %q", f, lines[0])
		}
		total += len(lines) - 1
	}
	if d := cmp.Diff([]string{"by-x_2026-11-20.csv", "by-x_2026-11-21.csv"}, names); d != "" {
		t.Errorf("split files (-want +got):\n%s", d)
	}
	all := sum.Steps[len(sum.Steps)-1]
	if int64(total) != all.In || all.In == 0 {
		t.Errorf("split files hold %d rows, want every one of the %d records", total, all.In)
	}
	odd, err := os.ReadFile(filepath.Join(tmp, "odd.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(odd), "\n"); n == 0 || int64(n) >= all.In {
		t.Errorf("when wrote %d of %d records, want some but not all", n, all.In)
	}
	if st := sum.Steps[2]; st.In != st.Out {
		t.Errorf("an output with when passes every record on: in %d, out %d", st.In, st.Out)
	}
}

func TestOutputSplitErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"output: {file: a.csv, split_by: r.atten_uid}", "needs {split}"},
		{"output: {file: 'a-{split}.csv'}", "no split_by"},
		{"output: {file: a.csv, when: r.atten_uid}", "bool"},
	}
	for _, tt := range tests {
		path, _ := writePipeline(t, "steps:\n  - id: p\n    read: {file: \"{{testdata}}/punches.jsonl\", type: kqapi.Punch}\n  - id: s\n    "+tt.src+"\n")
		errs := loadErrors(t, path, testOpts(), true)
		if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), tt.want) {
			t.Errorf("%s: errors %q, want one containing %q", tt.src, errs, tt.want)
		}
	}
	if got := fileKey("../a/b\x01"); got != "_a_b_" {
		t.Errorf("fileKey = %q", got)
	}
}
