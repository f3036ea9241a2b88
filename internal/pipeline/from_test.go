package pipeline

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFromEarlierStep checks from:: a step reads the records of an earlier step by id, so one
// read (or one list call) feeds two indexes; the records are kept only until the last step
// that reads them has.
func TestFromEarlierStep(t *testing.T) {
	path, tmp := writePipeline(t, `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: by_id
    lookup: {key: r.atten_id}
  - id: first_of_person
    from: punches
    lookup: {key: r.atten_uid, on_duplicate: first}
  - id: again
    from: punches
    filter: r.atten_status == "0"
  - id: out
    output: {file: "{{tmp}}/out.jsonl", fields: {id: r.atten_id, first: 'lookup("first_of_person", r.atten_uid).atten_id', same: 'lookup("by_id", r.atten_id).atten_uid == r.atten_uid'}}
`)
	p := mustLoad(t, path, testOpts())
	sum := mustRun(t, p, RunOptions{})
	want := []StepSummary{
		{ID: "punches", Kind: "read", In: 8, Out: 8},
		{ID: "by_id", Kind: "lookup", In: 8},
		{ID: "first_of_person", Kind: "lookup", In: 8},
		{ID: "again", Kind: "filter", In: 8, Out: 7},
		{ID: "out", Kind: "output", In: 7, Out: 7},
	}
	if d := cmp.Diff(want, sum.Steps); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	recs := readJSONL(t, filepath.Join(tmp, "out.jsonl"))
	if len(recs) != 7 || recs[0]["first"] != "1" || recs[0]["same"] != true {
		t.Errorf("records %v", recs)
	}

	for _, tt := range []struct{ name, steps, want string }{
		{"unknown step", "  - id: f\n    from: punchs\n    filter: 'true'\n", `step f: from: no earlier step "punchs" (did you mean punches`},
		{"later step", "  - id: f\n    from: g\n    filter: 'true'\n  - id: g\n    from: punches\n    filter: 'true'\n", `step f: from: no earlier step "g"`},
		{"no records", "  - id: idx\n    lookup: {key: r.atten_id}\n  - id: f\n    from: idx\n    filter: 'true'\n", `step f: from: step idx (a lookup step) emits no records`},
		{"a source", "  - id: f\n    from: punches\n    read: {file: x.jsonl, type: kqapi.Punch}\n", `step f: from: a read step starts a stream of its own`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := writePipeline(t, "steps:\n  - id: punches\n    read: {file: \"{{testdata}}/punches.jsonl\", type: kqapi.Punch}\n"+tt.steps)
			if err := Validate(path, testOpts()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate: %v, want %q", err, tt.want)
			}
		})
	}
}
