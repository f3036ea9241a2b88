package pipeline

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/step"
)

// stopKind is a step kind of these tests: stop: EXPR stops the run (an error that is not a
// record's failure) at the first record for which the expression is true.
func stopKind() step.Kind {
	return step.Kind{Name: "stop", Doc: "stop the run", Compile: func(c step.Compiler, n *yaml.Node) (step.Step, reflect.Type) {
		p := c.Compile(n, c.RecScope(), eval.WantBool)
		if p == nil {
			return nil, c.In()
		}
		return &stopStep{p: p}, c.In()
	}}
}

type stopStep struct{ p *eval.Program }

type stopRun struct {
	s  *stopStep
	ev *eval.Evaluator
}

func (s *stopStep) Start(e step.Env) (step.Run, error) { return &stopRun{s: s, ev: e.Eval()}, nil }

func (r *stopRun) Process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	if stop, err := r.ev.Bool(r.s.p); err != nil || stop {
		return errors.New("the test stops the run")
	}
	return emit(rec)
}

func (r *stopRun) Finish(func(any) error) error { return nil }

// TestOutputKeptWhenRunStops: a run that stops keeps every report of the run before as it was
// (they were truncated to 0 bytes), split files included, and leaves no temporary file.
func TestOutputKeptWhenRunStops(t *testing.T) {
	src := `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: all
    output: {file: "{{tmp}}/out/all.csv", fields: {id: r.atten_id}}
  - id: split
    output: {file: "{{tmp}}/out/by-{split}.jsonl", split_by: r.atten_date, fields: {id: r.atten_id}}
  - id: stop
    stop: STOP
`
	opts := testOpts()
	opts.kinds = append(step.Kinds(), stopKind())
	path, tmp := writePipeline(t, strings.Replace(src, "STOP", "false", 1))
	mustRun(t, mustLoad(t, path, opts), RunOptions{})
	before := dirFiles(t, filepath.Join(tmp, "out"))
	if len(before) < 2 || before["all.csv"] == "" {
		t.Fatalf("the first run wrote %v", before)
	}
	again := strings.NewReplacer("{{testdata}}", mustAbs(t, "testdata"), "{{tmp}}", tmp, "STOP", `r.atten_id == "3"`).Replace(src)
	writeFile(t, path, again)
	if _, err := mustLoad(t, path, opts).Run(t.Context(), RunOptions{}); err == nil {
		t.Fatal("the second run did not stop")
	}
	if d := cmp.Diff(before, dirFiles(t, filepath.Join(tmp, "out"))); d != "" {
		t.Errorf("the reports after a stopped run (-before +after):\n%s", d)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// dirFiles is every file in dir (hidden ones too) by name, with its contents.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// TestOutputSplitNames: every split_by key gets a file of its own, whatever its text: keys
// that a file name cannot hold as they are (dots, separators, empty, too long, bidi controls)
// are shortened or cleaned and get a stable hash, and distinct keys never share a file.
func TestOutputSplitNames(t *testing.T) {
	long := strings.Repeat("研发中心", 20) // 80 CJK characters, 240 bytes
	keys := []string{"..", ".", "", "a/b", "a_b", "a\\b", long, long + "x", "R&D\u202egpj.exe", "plain"}
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(`{"k": ` + strconvQuote(k) + "}\n")
	}
	path, tmp := writePipeline(t, `
steps:
  - id: keys
    read: {file: "{{tmp}}/keys.jsonl", fields: {k: string}}
  - id: split
    output: {file: "{{tmp}}/out/summary-{split}.jsonl", split_by: r.k}
`)
	writeFile(t, filepath.Join(tmp, "keys.jsonl"), b.String())
	for range 2 { // the same names twice: the hash is stable
		sum := mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
		if len(sum.Failed) != 0 {
			t.Fatalf("records failed: %v", sum.Failed)
		}
	}
	files := dirFiles(t, filepath.Join(tmp, "out"))
	if len(files) != len(keys) {
		t.Errorf("%d keys wrote %d files: %v", len(keys), len(files), slices.Sorted(mapKeys(files)))
	}
	for name, body := range files {
		if strings.Count(body, "\n") != 1 {
			t.Errorf("%s holds %q, want one record", name, body)
		}
		if len(name) > 200 {
			t.Errorf("%s: %d bytes, too long for a file name", name, len(name))
		}
		if strings.HasPrefix(name, ".") || strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) || unicode.IsControl(r) }) {
			t.Errorf("file name %q is hidden or holds a control character", name)
		}
	}
	if _, ok := files["summary-plain.jsonl"]; !ok {
		t.Errorf("a plain key's file is not summary-plain.jsonl: %v", slices.Sorted(mapKeys(files)))
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestOutputMode: reports hold names and attendance, so they are 0600 unless the output's
// mode: widens them.
func TestOutputMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	path, tmp := writePipeline(t, `
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: private
    output: {file: "{{tmp}}/private.csv", fields: {id: r.atten_id}}
  - id: shared
    output: {file: "{{tmp}}/shared-{split}.csv", split_by: r.atten_date, mode: "0640", fields: {id: r.atten_id}}
`)
	mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
	files, _ := filepath.Glob(filepath.Join(tmp, "*.csv"))
	if len(files) < 2 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if strings.Contains(f, "shared-") {
			want = 0o640
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(f), fi.Mode().Perm(), want)
		}
	}
}

// TestOutputCSVCells: CSV cells are safe to open in a spreadsheet (a formula gets a leading
// quote, a negative number stays a number, NUL bytes go), decimals are plain values, and a list
// is JSON only in a column that asks for it with json().
func TestOutputCSVCells(t *testing.T) {
	path, tmp := writePipeline(t, `
steps:
  - id: centers
    read: {file: "{{tmp}}/centers.jsonl", type: didi.BudgetCenter}
  - id: out
    output:
      file: "{{tmp}}/centers.csv"
      fields: {name: r.name, total: r.total_quota, available: r.available_quota, n: -r.member_num, leaders: json(r.leader_item_list)}
`)
	writeFile(t, filepath.Join(tmp, "centers.jsonl"),
		`{"id": "1", "name": "=HYPERLINK(\"http://evil\")", "total_quota": "0.00", "available_quota": "-12.50", "member_num": 3, "leader_item_list": [{"leader_id": "7"}]}`+"\n"+
			`{"id": "2", "name": "-3.5", "total_quota": "100", "available_quota": "0", "member_num": 0, "leader_item_list": []}`+"\n"+
			`{"id": "3", "name": "R&D\u0000", "total_quota": "1.5", "available_quota": "1.5", "member_num": 1}`+"\n")
	mustRun(t, mustLoad(t, path, testOpts()), RunOptions{})
	b, err := os.ReadFile(filepath.Join(tmp, "centers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := `name,total,available,n,leaders
"'=HYPERLINK(""http://evil"")",0.00,-12.50,-3,"[{""leader_id"":""7"",""leader_name"":"""",""leader_type"":""""}]"
-3.5,100,0,0,[]
R&D,1.5,1.5,-1,null
`
	if d := cmp.Diff(want, string(b)); d != "" {
		t.Errorf("centers.csv (-want +got):\n%s", d)
	}
}

// TestOutputCSVListColumn: a list or an object in a CSV column is an error at its expression,
// naming json(); a whole record with a list field too.
func TestOutputCSVListColumn(t *testing.T) {
	for _, tt := range []struct{ out, want string }{
		{`{file: c.csv, fields: {leaders: r.leader_item_list}}`, "column leaders is a list"},
		{`{file: c.csv}`, "column leader_item_list is a list"},
	} {
		path, _ := writePipeline(t, "steps:\n  - id: c\n    read: {file: c.jsonl, type: didi.BudgetCenter}\n  - id: out\n    output: "+tt.out+"\n")
		errs := strings.Join(loadErrors(t, path, testOpts(), true), "\n")
		if !strings.Contains(errs, tt.want) || !strings.Contains(errs, "json(") {
			t.Errorf("%s: errors %q, want one containing %q and json(", tt.out, errs, tt.want)
		}
	}
}
