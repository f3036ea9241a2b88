package pipeline

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/eval"
)

// The transform of the benchmark: read punches, keep normal ones, pair the first and last punch
// per person and work day (04:00 boundary, Shanghai), output JSON lines.
const pairsPipeline = `
timezone: Asia/Shanghai
day_boundary: "04:00"
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: normal
    filter: r.atten_status == "0"
  - id: days
    group:
      by: {person: r.atten_uid, day: workday(r.atten_time)}
      order: r.atten_time
  - id: pairs
    map:
      person: r.person
      day: r.day
      first: format(r.first.atten_time, "15:04")
      last: format(r.last.atten_time, "2006-01-02 15:04")
      seconds: seconds(r.last.atten_time - r.first.atten_time)
      punches: r.count
  - id: out
    output: {file: "{{tmp}}/pairs.jsonl"}
`

func TestReadFilterGroupMapOutput(t *testing.T) {
	path, tmp := writePipeline(t, pairsPipeline)
	p := mustLoad(t, path, testOpts())
	s := mustRun(t, p, RunOptions{})
	got := readJSONL(t, filepath.Join(tmp, "pairs.jsonl"))
	want := []map[string]any{
		{"person": "1001", "day": "2026-11-20", "first": "08:59", "last": "2026-11-21 02:30", "seconds": float64(63060), "punches": float64(4)},
		{"person": "1002", "day": "2026-11-20", "first": "09:10", "last": "2026-11-20 17:50", "seconds": float64(31200), "punches": float64(2)},
		{"person": "1001", "day": "2026-11-21", "first": "09:00", "last": "2026-11-21 09:00", "seconds": float64(0), "punches": float64(1)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pairs (-want +got):\n%s", d)
	}
	wantSteps := []StepSummary{
		{ID: "punches", Kind: "read", In: 8, Out: 8},
		{ID: "normal", Kind: "filter", In: 8, Out: 7},
		{ID: "days", Kind: "group", In: 7, Out: 3},
		{ID: "pairs", Kind: "map", In: 3, Out: 3},
		{ID: "out", Kind: "output", In: 3, Out: 3},
	}
	if d := cmp.Diff(wantSteps, s.Steps); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if s.FailedRecords() != 0 {
		t.Errorf("%d records failed, want 0", s.FailedRecords())
	}
	// The group keeps no records: no expression reads them.
	if p.steps[2].impl.(interface{ KeepsRecords() bool }).KeepsRecords() {
		t.Errorf("group keeps every record although no expression reads records")
	}
	// Only the fields the expressions read are decoded.
	names := p.steps[0].impl.(interface{ DecodedFields() []string }).DecodedFields()
	if d := cmp.Diff([]string{"atten_status", "atten_time", "atten_uid"}, names); d != "" {
		t.Errorf("decoded fields (-want +got):\n%s", d)
	}
}

func TestGroupRecordsAndCSV(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: people
    group: {by: {person: r.atten_uid}}
  - id: lists
    map:
      person: r.person
      ids: join(map(r.records, .atten_id), "+")
      name: r.first.realname
  - id: out
    output: {file: "{{tmp}}/people.csv"}
`)
	p := mustLoad(t, path, testOpts())
	mustRun(t, p, RunOptions{})
	if !p.steps[1].impl.(interface{ KeepsRecords() bool }).KeepsRecords() {
		t.Errorf("group keeps no records although an expression reads them")
	}
	f, err := os.Open(filepath.Join(tmp, "people.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"person", "ids", "name"}, {"1001", "1+3+4+6+7+8", "Li Lei"}, {"1002", "2+5", "Han Meimei"}}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("csv (-want +got):\n%s", d)
	}
}

func TestReadCSVFieldsLookup(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
steps:
  - id: users
    read:
      file: "{{testdata}}/users.csv"
      fields: {account: string, kimai_user: int, hours: float}
  - id: user_by_account
    lookup: {key: r.account}
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: known
    filter: has_key("user_by_account", r.atten_uid) && r.atten_id in ["1", "2"]
  - id: out
    output:
      file: "{{tmp}}/joined.jsonl"
      fields:
        id: r.atten_id
        user: lookup("user_by_account", r.atten_uid).kimai_user
        hours: lookup("user_by_account", r.atten_uid).hours * 2
        missing: lookup("user_by_account", "nobody").kimai_user
        at: r.atten_time
`)
	p := mustLoad(t, path, testOpts())
	s := mustRun(t, p, RunOptions{})
	got := readJSONL(t, filepath.Join(tmp, "joined.jsonl"))
	want := []map[string]any{
		{"id": "1", "user": float64(7), "hours": float64(17), "missing": float64(0), "at": "2026-11-20T08:59:00+08:00"},
		{"id": "2", "user": float64(8), "hours": float64(14), "missing": float64(0), "at": "2026-11-20T09:10:00+08:00"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("joined (-want +got):\n%s", d)
	}
	if s.Steps[1].In != 2 || s.Steps[1].Out != 0 {
		t.Errorf("lookup step: in %d out %d, want 2, 0", s.Steps[1].In, s.Steps[1].Out)
	}
}

func TestBadRecordsFailAndRunGoesOn(t *testing.T) {
	_, tmp := writePipeline(t, "")
	in := filepath.Join(tmp, "in.jsonl")
	os.WriteFile(in, []byte(`{"n": "1", "d": "2"}
not json
{"n": "x", "d": "1"}

{"n": "4", "d": "0"}
`), 0o600)
	path, _ := writePipeline(t, `
steps:
  - id: nums
    read: {file: "`+in+`", fields: {n: int, d: int}}
  - id: q
    map: {q: r.n / r.d}
  - id: ok
    filter: r.q > 0
`)
	p := mustLoad(t, path, testOpts())
	s := mustRun(t, p, RunOptions{})
	if s.FailedRecords() == 0 {
		t.Errorf("no record failed, want some")
	}
	var reasons []string
	for _, f := range s.Failed {
		reasons = append(reasons, f.Step+": "+f.Reason)
	}
	if len(reasons) != 2 || !strings.Contains(reasons[0], ":2: not a JSON object") || !strings.Contains(reasons[1], `want a whole number, got "x"`) {
		t.Errorf("failed records: %q", reasons)
	}
	// 4/0 is +Inf in expr (floats), so every decoded record passes the map; the filter keeps 2.
	want := []StepSummary{{ID: "nums", Kind: "read", In: 4, Out: 2, Failed: 2}, {ID: "q", Kind: "map", In: 2, Out: 2}, {ID: "ok", Kind: "filter", In: 2, Out: 2}}
	if d := cmp.Diff(want, s.Steps); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
}

func TestParamsDefaultsAndOverrides(t *testing.T) {
	src := `
timezone: Asia/Shanghai
params:
  day: {type: date, default: "today() - duration('24h')"}
  who: {type: string, default: "'1001'"}
  limit: {type: int, default: 2}
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: that_day
    filter: r.atten_uid == params.who && day(r.atten_time) == day(params.day) && int(r.atten_id) <= params.limit * 10
  - id: out
    output: {file: "{{tmp}}/out.jsonl", fields: {id: r.atten_id}}
`
	tests := []struct {
		name   string
		params map[string]string
		want   []string
	}{
		{"defaults", nil, []string{"1", "3", "4", "6"}},
		{"overrides", map[string]string{"day": "2026-11-21", "who": "1001", "limit": "1"}, []string{"7", "8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, tmp := writePipeline(t, src)
			o := testOpts()
			o.Params = tt.params
			p := mustLoad(t, path, o)
			mustRun(t, p, RunOptions{})
			var got []string
			for _, m := range readJSONL(t, filepath.Join(tmp, "out.jsonl")) {
				got = append(got, m["id"].(string))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ids (-want +got):\n%s", d)
			}
		})
	}
}

func TestGroupByTimeAndBool(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: g
    group:
      by: {d: start_of_day(r.atten_time), normal: r.atten_status == "0"}
  - id: m
    map: {d: 'format(r.d, "01-02")', normal: r.normal, n: r.count, first: r.first.atten_id, last: r.last.atten_id}
  - id: out
    output: {file: "{{tmp}}/g.csv"}
`)
	p := mustLoad(t, path, testOpts())
	mustRun(t, p, RunOptions{})
	b, err := os.ReadFile(filepath.Join(tmp, "g.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := "d,normal,n,first,last\n11-20,true,5,1,6\n11-20,false,1,3,3\n11-21,true,2,7,8\n"
	if d := cmp.Diff(want, string(b)); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
}

// TestEveryKindDocumented checks that every step kind and function has a doc line and a
// section or row in docs/pipelines.md.
func TestEveryKindDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/pipelines.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range StepKinds() {
		if k.Doc == "" || !strings.Contains(doc, "### "+k.Name+"\n") {
			t.Errorf("step kind %s: no doc line or no section in docs/pipelines.md", k.Name)
		}
	}
	for _, f := range eval.Functions() {
		if f.Doc == "" || !strings.Contains(doc, "`"+f.Name+"(") {
			t.Errorf("function %s: no doc line or not in docs/pipelines.md", f.Name)
		}
	}
}

func TestReadCSVMissingColumn(t *testing.T) {
	path, _ := writePipeline(t, `
steps:
  - id: users
    read: {file: "{{testdata}}/users.csv", fields: {account: string, kimai_id: int}}
  - id: big
    filter: r.kimai_id > 7
`)
	p := mustLoad(t, path, testOpts())
	_, err := p.Run(context.Background(), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "the header has no column kimai_id (columns: account, kimai_user, hours)") || !IsConfigError(err) {
		t.Errorf("run: %v (a configuration error: %v)", err, IsConfigError(err))
	}
}

func TestGroupTextOrder(t *testing.T) {
	path, tmp := writePipeline(t, `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: g
    group:
      by: {person: r.atten_uid}
      order: string(10 - int(r.atten_id))
  - id: m
    map: {person: r.person, first: r.first.atten_id, last: r.last.atten_id}
  - id: out
    output: {file: "{{tmp}}/g.jsonl"}
`)
	mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
	got := readJSONL(t, filepath.Join(tmp, "g.jsonl"))
	want := []map[string]any{{"person": "1001", "first": "8", "last": "1"}, {"person": "1002", "first": "5", "last": "2"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
}
