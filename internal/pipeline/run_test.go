package pipeline

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state"
)

// memLedger is a Ledger in memory, as the state store will be, safe for the concurrent writes
// of a step.
type memLedger struct {
	mu      sync.Mutex
	entries map[string]state.Entry
	calls   []string
}

func (m *memLedger) id(p, s, k string) string { return p + "|" + s + "|" + k }

func (m *memLedger) Get(_ context.Context, p, s, k string) (state.Entry, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "get "+k)
	e, ok := m.entries[m.id(p, s, k)]
	return e, ok, nil
}

func (m *memLedger) Intend(_ context.Context, e state.Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "intend "+e.Key)
	m.entries[m.id(e.Pipeline, e.Step, e.Key)] = e
	return nil
}

func (m *memLedger) Done(_ context.Context, p, s, k, target, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "done "+k+" "+target)
	e := m.entries[m.id(p, s, k)]
	e.Status, e.TargetID, e.PayloadHash = state.StatusDone, target, hash
	m.entries[m.id(p, s, k)] = e
	return nil
}

func (m *memLedger) Fail(_ context.Context, p, s, k string, payload []byte, msg string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "fail "+k)
	e := m.entries[m.id(p, s, k)]
	e.Status, e.Error = state.StatusFailed, msg
	m.entries[m.id(p, s, k)] = e
	return nil
}

// callsByKey groups a memLedger's calls ("get KEY", "done KEY ID") by key, in order.
func callsByKey(calls []string) map[string][]string {
	out := map[string][]string{}
	for _, c := range calls {
		verb, rest, _ := strings.Cut(c, " ")
		key, arg, _ := strings.Cut(rest, " ")
		if arg != "" {
			verb += " " + arg
		}
		out[key] = append(out[key], verb)
	}
	return out
}

func TestLedgerSkipsWhatWasWritten(t *testing.T) {
	s := newSandbox(t)
	_, tmp := writePipeline(t, "")
	in := filepath.Join(tmp, "projects.jsonl")
	writeFile(t, in, `{"name": "Alpha", "customer": "1"}
{"name": "Beta", "customer": "9999"}
`)
	path, _ := writePipeline(t, `
name: projects
connections:
  kimai: {api: kimai, base_url: "${KIMAI_URL}", token: "${KIMAI_TOKEN}"}
steps:
  - id: projects
    read: {file: "`+in+`", fields: {name: string, customer: int}}
  - id: create
    write: {conn: kimai, op: createProject, key: "'p-' + r.name", params: {name: r.name, customer: r.customer}}
`)
	p := mustLoad(t, path, s.loadOpts())
	lg := &memLedger{entries: map[string]state.Entry{}}
	o := s.runOpts()
	o.Ledger = lg
	before := len(s.kimai.Projects())
	sum := mustRun(t, p, o)
	if got := sum.Steps[1]; got.Written != 1 || got.Failed != 1 {
		t.Errorf("first run: %+v", got)
	}
	alpha := lg.entries["projects|create|p-Alpha"]
	if alpha.Status != state.StatusDone || alpha.TargetID == "" || alpha.PayloadHash == "" || !strings.Contains(string(alpha.Payload), `"name":"Alpha"`) {
		t.Errorf("ledger entry of Alpha: %+v", alpha)
	}
	if beta := lg.entries["projects|create|p-Beta"]; beta.Status != state.StatusFailed || !strings.Contains(beta.Error, "customer") {
		t.Errorf("ledger entry of Beta: %+v", beta)
	}
	// Each record's ledger calls are in order (its writes may be in flight beside each other).
	wantCalls := map[string][]string{"p-Alpha": {"get", "intend", "done " + alpha.TargetID}, "p-Beta": {"get", "intend", "fail"}}
	if d := cmp.Diff(wantCalls, callsByKey(lg.calls)); d != "" {
		t.Errorf("ledger calls (-want +got):\n%s", d)
	}
	// The second run skips Alpha (done) and tries Beta again (failed).
	sum = mustRun(t, p, o)
	if got := sum.Steps[1]; got.Skipped != 1 || got.Written != 0 || got.Failed != 1 {
		t.Errorf("second run: %+v", got)
	}
	if n := len(s.kimai.Projects()); n != before+1 {
		t.Errorf("Kimai has %d projects, want %d", n, before+1)
	}
	// A write whose outcome an earlier run never learnt is not sent again.
	e := lg.entries["projects|create|p-Alpha"]
	e.Status = state.StatusIntent
	lg.entries["projects|create|p-Alpha"] = e
	sum = mustRun(t, p, o)
	if got := sum.Steps[1]; got.Written != 0 || got.Failed != 2 || !strings.Contains(sum.Failed[0].Reason, "outcome is unknown") {
		t.Errorf("third run: %+v %+v", got, sum.Failed)
	}
	if n := len(s.kimai.Projects()); n != before+1 {
		t.Errorf("Kimai has %d projects, want %d", n, before+1)
	}
}

func TestResolveAndFanOut(t *testing.T) {
	s := newSandbox(t)
	_, tmp := writePipeline(t, "")
	in := filepath.Join(tmp, "ids.jsonl")
	writeFile(t, in, `{"id": "3", "project": "ATT"}
{"id": "999", "project": "ATT"}
{"id": "4", "project": "NOPE"}
{"id": "5", "project": "0002"}
`)
	path, _ := writePipeline(t, `
connections:
  kimai: {api: kimai, base_url: "${KIMAI_URL}", token: "${KIMAI_TOKEN}"}
steps:
  - id: project
    resolve: {conn: kimai, op: listProjects, key: item.number}
  - id: ids
    read: {file: "`+in+`", fields: {id: int, project: string}}
  - id: with_project
    map:
      id: r.id
      project: resolve("project", r.project)
  - id: users
    call: {conn: kimai, op: getUser, for_each: true, params: {id: r.id}}
  - id: out
    output: {file: "{{tmp}}/users.jsonl", fields: {id: r.id, name: r.username}}
`)
	p := mustLoad(t, path, s.loadOpts())
	sum := mustRun(t, p, s.runOpts())
	var reasons []string
	for _, f := range sum.Failed {
		reasons = append(reasons, f.Step+": "+f.Reason)
	}
	if len(reasons) != 2 || !strings.HasPrefix(reasons[0], "users: kimai.getUser: HTTP 404") ||
		!strings.HasPrefix(reasons[1], `with_project: `) || !strings.Contains(reasons[1], `resolve project: kimai.listProjects lists no item with key "NOPE"`) {
		t.Errorf("failures:\n%s", strings.Join(reasons, "\n"))
	}
	got := readJSONL(t, filepath.Join(filepath.Dir(path), "users.jsonl"))
	want := []map[string]any{{"id": float64(3), "name": "u1100207"}, {"id": float64(5), "name": s.kimai.Users()[4].Username}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("users (-want +got):\n%s", d)
	}
	// The list call of the resolve is made once for the run.
	if n := sum.Calls["kimai"]; n != 1+3 {
		t.Errorf("kimai calls %d, want 4 (one list, three users)", n)
	}
}

func TestExpressionLimits(t *testing.T) {
	_, tmp := writePipeline(t, "")
	in := filepath.Join(tmp, "n.jsonl")
	writeFile(t, in, `{"n": "10"}
{"n": "100000000"}
`)
	path, _ := writePipeline(t, `
steps:
  - id: nums
    read: {file: "`+in+`", fields: {n: int}}
  - id: big
    map: {total: "sum(map(1..r.n, # * 2))"}
`)
	p := mustLoad(t, path, testOpts())
	start := time.Now()
	sum := mustRun(t, p, RunOptions{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %s; the memory budget should stop the expression", d)
	}
	if len(sum.Failed) != 1 || !strings.Contains(sum.Failed[0].Reason, "memory budget exceeded") {
		t.Errorf("failures: %+v", sum.Failed)
	}
	if sum.Steps[1].Out != 1 {
		t.Errorf("map emitted %d, want 1", sum.Steps[1].Out)
	}
}

func TestValidateAndLoadMakeNoCall(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	path, _ := writePipeline(t, `
connections:
  kimai: {api: kimai, base_url: "`+srv.URL+`", token: "${KIMAI_TOKEN}"}
  kq: {api: kqapi, base_url: "`+srv.URL+`", account: a, key: "${KQAPI_KEY}"}
params:
  day: {type: date, default: "today()"}
steps:
  - id: users
    call: {conn: kimai, op: listUsers}
  - id: project
    resolve: {conn: kimai, op: listProjects, key: item.number}
  - id: punches
    call: {conn: kq, op: recordlog, params: {start: params.day, end: params.day}}
  - id: book
    write:
      conn: kimai
      op: createTimesheet
      key: r.atten_id
      params:
        project: resolve("project", "ATT")
        activity: 1
        begin: r.atten_time
`)
	if err := Validate(path, testOpts()); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	o := testOpts()
	o.Getenv = func(k string) string { return map[string]string{"KIMAI_TOKEN": "t", "KQAPI_KEY": "k"}[k] }
	p := mustLoad(t, path, o)
	pl, err := p.Plan()
	if err != nil {
		t.Fatal(err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("Validate, Load and Plan made %d calls", n)
	}
	want := []PlanConn{
		{Name: "kimai", API: "kimai", Calls: 2, PerRecord: true},
		{Name: "kq", API: "kqapi", Calls: 1, PerRecord: true, Interval: 20 * time.Second, Limit: "account", Wait: 20 * time.Second},
	}
	if d := cmp.Diff(want, pl.Conns); d != "" {
		t.Errorf("plan connections (-want +got):\n%s", d)
	}
	var b bytes.Buffer
	pl.Format(&b)
	for _, w := range []string{"book", "1 call per record", "kqapi.recordlog", "+1 per 50 records (pages)", "1 call per 20s (account)", "estimated duration: at least 20s"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("plan misses %q:\n%s", w, b.String())
		}
	}
}

func TestPlanUsesMinInterval(t *testing.T) {
	path, _ := writePipeline(t, `
connections:
  kq: {api: kqapi, account: a, key: "${KQAPI_KEY}", min_interval: {account: 2s}}
steps:
  - id: emps
    call: {conn: kq, op: getEmployee, pages: first}
  - id: detail
    call: {conn: kq, op: getUserDetail, for_each: true, params: {useraccount: r.account}}
  - id: deps
    call: {conn: kq, op: getDepartment}
`)
	o := testOpts()
	o.Getenv = func(string) string { return "x" }
	p := mustLoad(t, path, o)
	pl, _ := p.Plan()
	if c := pl.Conns[0]; c.Calls != 2 || c.Interval != 2*time.Second || c.Wait != 4*time.Second || !c.PerRecord {
		t.Errorf("plan of kq: %+v", c)
	}
	if pl.Estimated != 4*time.Second {
		t.Errorf("estimated %s, want 4s", pl.Estimated)
	}
}

func TestProgress(t *testing.T) {
	path, _ := writePipeline(t, pairsPipeline)
	p := mustLoad(t, path, testOpts())
	var seen []Progress
	mustRun(t, p, RunOptions{ProgressEvery: 5, Progress: func(pr Progress) { seen = append(seen, pr) }})
	if len(seen) < 2 || seen[len(seen)-1].Records != 8+7+3+3 || seen[len(seen)-1].Step != "out" {
		t.Errorf("progress: %+v", seen)
	}
}

func TestCancelledRun(t *testing.T) {
	path, _ := writePipeline(t, pairsPipeline)
	p := mustLoad(t, path, testOpts())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := p.Run(ctx, RunOptions{})
	if err == nil || IsConfigError(err) {
		t.Errorf("cancelled run: %v, want an error that stops the run", err)
	}
}
