package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompileOnceBindPerRun checks that a pipeline is parsed and type-checked once: after
// Compile the file may go, and each Bind gives a pipeline of its own params and environment
// that runs with them, sharing the compiled steps.
func TestCompileOnceBindPerRun(t *testing.T) {
	path, tmp := writePipeline(t, `
timezone: Asia/Shanghai
connections:
  kq: {api: kqapi, base_url: "${KQ_URL:-http://127.0.0.1:1}", account: acct, key: "${KEY}"}
params:
  status: {type: string, default: "'0'"}
  day: {type: date}
steps:
  - id: punches
    read: {file: "{{testdata}}/punches.jsonl", type: kqapi.Punch}
  - id: some
    filter: r.atten_status == params.status && day(r.atten_time) == day(params.day)
  - id: out
    output: {file: "{{tmp}}/out-{split}.jsonl", split_by: params.status, fields: {id: r.atten_id}}
`)
	c, err := Compile(path, testOpts())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"KEY": "k1"}
	getenv := func(k string) string { return env[k] }
	if err := c.Check(Binding{Getenv: getenv}); err != nil {
		t.Errorf("Check without day: %v", err)
	}
	if _, err := c.Bind(Binding{Getenv: getenv}); err == nil || !strings.Contains(err.Error(), "param day has no default") {
		t.Errorf("Bind without day: %v, want the missing param", err)
	}
	p1, err := c.Bind(Binding{Params: map[string]string{"day": "2026-11-20"}, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	env["KEY"], env["KQ_URL"] = "k2", "http://127.0.0.1:2"
	p2, err := c.Bind(Binding{Params: map[string]string{"day": "2026-11-21", "status": "1"}, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if p1.steps[1] != p2.steps[1] {
		t.Error("two binds compiled the steps again")
	}
	if got := []string{p1.conns[0].settings.Credentials["key"], p1.conns[0].settings.BaseURL, p2.conns[0].settings.Credentials["key"], p2.conns[0].settings.BaseURL}; !cmp.Equal(got, []string{"k1", "http://127.0.0.1:1", "k2", "http://127.0.0.1:2"}) {
		t.Errorf("settings of the two binds: %v", got)
	}
	s1, s2 := mustRun(t, p1, RunOptions{}), mustRun(t, p2, RunOptions{})
	if s1.Steps[1].Out != 5 || s2.Steps[1].Out != 0 {
		t.Errorf("filtered %d and %d records, want 5 (2026-11-20, status 0) and 0 (2026-11-21, status 1)", s1.Steps[1].Out, s2.Steps[1].Out)
	}
	if _, err := os.Stat(filepath.Join(tmp, "out-0.jsonl")); err != nil {
		t.Errorf("the first run's output: %v", err)
	}
}
