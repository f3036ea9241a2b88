package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

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
	if d := cmp.Diff([]string{"by-x_2026-11-20~1fd7bed7.csv", "by-x_2026-11-21~e0020773.csv"}, names); d != "" {
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
}
