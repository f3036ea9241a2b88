package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	kimaiemu "github.com/specpipe/specpipe/internal/emulator/kimai"
	kqemu "github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// attendancePipeline reads a day of punches from kqapi, pairs the first and last normal punch
// per person and work day, and books them as Kimai timesheets of the person's Kimai user (found
// by accountNumber) on the project whose number is ATT (resolved to its ID).
const attendancePipeline = `
name: attendance
timezone: Asia/Shanghai
day_boundary: "04:00"
connections:
  kq:
    api: kqapi
    base_url: ${KQ_URL}
    account: ${KQAPI_ACCOUNT}
    key: ${KQAPI_KEY}
  kimai:
    api: kimai
    base_url: ${KIMAI_URL}
    token: ${KIMAI_TOKEN}
params:
  day: {type: date, default: "date('2026-10-15')"}
steps:
  - id: users
    call: {conn: kimai, op: listUsers}
  - id: with_account
    filter: r.accountNumber != ""
  - id: user_by_account
    lookup: {key: r.accountNumber}
  - id: project
    resolve: {conn: kimai, op: listProjects, key: item.number, value: item.id}
  - id: punches
    call: {conn: kq, op: recordlog, params: {start: params.day, end: params.day}}
  - id: normal
    filter: >-
      r.atten_status == "0" && has_key("user_by_account", r.atten_uid)
      && workday(r.atten_time) == day(params.day)
  - id: days
    group:
      by: {person: r.atten_uid, day: workday(r.atten_time)}
      order: r.atten_time
  - id: pairs
    filter: r.count >= 2
  - id: book
    write:
      conn: kimai
      op: createTimesheet
      key: r.person + "/" + r.day
      params:
        user: lookup("user_by_account", r.person).id
        project: resolve("project", "ATT")
        activity: 1
        begin: r.first.atten_time
        end: r.last.atten_time
        description: '"attendance " + r.day'
`

type sandbox struct {
	kq    *kqemu.Emulator
	kimai *kimaiemu.Emulator
	env   map[string]string
	clk   *clock.Fake
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	loc := mustZone(t, "Asia/Shanghai")
	clk := clock.NewFake(time.Date(2026, 11, 2, 10, 0, 0, 0, loc))
	kq, err := kqemu.New(kqemu.Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	ki, err := kimaiemu.New(kimaiemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kqSrv := httptest.NewServer(kq)
	t.Cleanup(kqSrv.Close)
	kiSrv := httptest.NewServer(ki)
	t.Cleanup(kiSrv.Close)
	return &sandbox{kq: kq, kimai: ki, clk: clk, env: map[string]string{
		"KQ_URL": kqSrv.URL, "KQAPI_ACCOUNT": kqemu.SandboxAccount, "KQAPI_KEY": kqemu.SandboxKey,
		"KIMAI_URL": kiSrv.URL, "KIMAI_TOKEN": "sandbox-admin-token",
	}}
}

func (s *sandbox) loadOpts() LoadOptions {
	o := testOpts()
	o.Getenv = func(k string) string { return s.env[k] }
	return o
}

func (s *sandbox) runOpts() RunOptions {
	return RunOptions{Transport: func(string, *registry.API) transport.Config {
		return transport.Config{Clock: s.clk}
	}}
}

type booking struct {
	User        int
	Begin, End  string
	Description string
}

// expectedBookings computes from the emulators' own state what the pipeline must book.
func (s *sandbox) expectedBookings(t *testing.T, day string) []booking {
	loc := mustZone(t, "Asia/Shanghai")
	users := map[string]int{}
	for _, u := range s.kimai.Users() {
		if u.AccountNumber != "" {
			users[u.AccountNumber] = u.ID
		}
	}
	type span struct{ first, last int64 }
	spans := map[string]*span{}
	for _, p := range s.kq.Punches() {
		at := time.Unix(p.Time, 0).In(loc)
		if p.Status != "0" || users[p.Account] == 0 || at.Format(time.DateOnly) != day || at.Hour() < 4 {
			continue
		}
		sp := spans[p.Account]
		if sp == nil {
			spans[p.Account] = &span{p.Time, p.Time}
			continue
		}
		sp.first, sp.last = min(sp.first, p.Time), max(sp.last, p.Time)
	}
	var out []booking
	for acct, sp := range spans {
		if sp.first == sp.last {
			continue // one punch: no pair (the fixture has no two punches in the same second)
		}
		// Kimai rounds a timesheet's begin down and its end up to the minute (its default
		// rounding rules, which the emulator follows).
		begin := time.Unix(sp.first, 0).In(loc).Truncate(time.Minute)
		end := time.Unix(sp.last, 0).In(loc)
		if end.Second() != 0 {
			end = end.Truncate(time.Minute).Add(time.Minute)
		}
		out = append(out, booking{User: users[acct], Begin: begin.Format(time.DateTime),
			End: end.Format(time.DateTime), Description: "attendance " + day})
	}
	sortBookings(out)
	return out
}

func sortBookings(b []booking) {
	sort.Slice(b, func(i, j int) bool { return b[i].User < b[j].User })
}

func (s *sandbox) bookings(t *testing.T) []booking {
	loc := mustZone(t, "Asia/Shanghai")
	var out []booking
	for _, ts := range s.kimai.Timesheets() {
		b := booking{User: ts.User, Begin: ts.Begin.In(loc).Format(time.DateTime), Description: ts.Description}
		if ts.End != nil {
			b.End = ts.End.In(loc).Format(time.DateTime)
		}
		if ts.Project != 1 || ts.Activity != 1 {
			t.Errorf("timesheet %d: project %d activity %d, want 1 and 1", ts.ID, ts.Project, ts.Activity)
		}
		out = append(out, b)
	}
	sortBookings(out)
	return out
}

func TestEndToEndAttendanceToKimai(t *testing.T) {
	s := newSandbox(t)
	if n := len(s.kimai.Timesheets()); n != 0 {
		t.Fatalf("the Kimai fixture starts with %d timesheets, want 0", n)
	}
	path, _ := writePipeline(t, attendancePipeline)
	p := mustLoad(t, path, s.loadOpts())
	want := s.expectedBookings(t, "2026-10-15")
	if len(want) < 3 {
		t.Fatalf("the fixture gives %d bookings on the day; the test needs several", len(want))
	}

	// A dry run reads but leaves Kimai untouched, and shows every write it would send.
	var dry bytes.Buffer
	o := s.runOpts()
	o.DryRun, o.DryRunOut = true, &dry
	sum, err := p.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if n := len(s.kimai.Timesheets()); n != 0 {
		t.Errorf("the dry run wrote %d timesheets", n)
	}
	lines := strings.Split(strings.TrimSpace(dry.String()), "\n")
	if len(lines) != len(want) {
		t.Errorf("dry run shows %d writes, want %d", len(lines), len(want))
	}
	var first struct { // a dry run's line, as the write step prints it
		Step   string         `json:"step"`
		Conn   string         `json:"conn"`
		Op     string         `json:"op"`
		Key    string         `json:"key"`
		Params map[string]any `json:"params"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("dry run line %q: %v", lines[0], err)
	}
	if first.Op != "kimai.createTimesheet" || first.Conn != "kimai" || first.Params["project"] != float64(1) || !strings.HasSuffix(first.Key, "/2026-10-15") {
		t.Errorf("dry run line: %s", lines[0])
	}
	if strings.Contains(dry.String(), "sandbox-admin-token") || strings.Contains(dry.String(), kqemu.SandboxKey) {
		t.Errorf("the dry run shows a secret")
	}
	if sum.Calls["kimai"] != 2 || sum.Calls["kq"] < 2 {
		t.Errorf("dry run calls %v: want 2 to kimai (users, projects) and a page or more to kq", sum.Calls)
	}

	// The real run books exactly the expected timesheets. (Runs are 20 s apart for kqapi: a new
	// run's limiter starts empty, the shared one is the state store's.)
	s.clk.Advance(21 * time.Second)
	sum = mustRun(t, p, s.runOpts())
	if d := cmp.Diff(want, s.bookings(t)); d != "" {
		t.Errorf("Kimai timesheets (-want +got):\n%s", d)
	}
	if punches := sum.Steps[4]; punches.ID != "punches" || punches.In <= 50 || punches.In != punches.Out {
		t.Errorf("punches step %+v: want more than a page read and passed on", punches)
	}
	book := sum.Steps[len(sum.Steps)-1]
	if book.ID != "book" || book.Written != int64(len(want)) || book.Failed != 0 || sum.FailedRecords() != 0 {
		t.Errorf("write step summary %+v, %d failed", book, sum.FailedRecords())
	}
	if sum.Calls["kimai"] != 2+len(want) {
		t.Errorf("kimai calls %d, want %d", sum.Calls["kimai"], 2+len(want))
	}
	var out bytes.Buffer
	sum.Format(&out)
	for _, w := range []string{"book", "written", "API calls:", "kimai"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("summary misses %q:\n%s", w, out.String())
		}
	}
}

func TestWriteRejectedRecordsFailAndRunGoesOn(t *testing.T) {
	s := newSandbox(t)
	// Two projects: one under an existing customer ID, one under a customer *number*, which
	// Kimai rejects (a project refers to its customer by ID).
	_, tmp := writePipeline(t, "")
	in := tmp + "/projects.jsonl"
	writeFile(t, in, `{"name": "Alpha", "customer": "1"}
{"name": "Beta", "customer": "9999"}
{"name": "Gamma", "customer": "2"}
`)
	path, _ := writePipeline(t, `
connections:
  kimai: {api: kimai, base_url: "${KIMAI_URL}", token: "${KIMAI_TOKEN}"}
steps:
  - id: projects
    read: {file: "`+in+`", fields: {name: string, customer: int}}
  - id: create
    write:
      conn: kimai
      op: createProject
      key: r.name
      params: {name: r.name, customer: r.customer}
`)
	p := mustLoad(t, path, s.loadOpts())
	sum := mustRun(t, p, s.runOpts())
	if sum.FailedRecords() == 0 {
		t.Errorf("no record failed, want some")
	}
	if got := sum.Steps[1]; got.Written != 2 || got.Failed != 1 || got.In != 3 {
		t.Errorf("write summary %+v", got)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].Key != "Beta" || len(sum.Failed[0].Fields) == 0 || sum.Failed[0].Fields[0].Field != "customer" {
		t.Fatalf("failed records: %+v", sum.Failed)
	}
	var names []string
	for _, pr := range s.kimai.Projects() {
		names = append(names, pr.Name)
	}
	for _, w := range []string{"Alpha", "Gamma"} {
		if !strings.Contains(strings.Join(names, ","), w) {
			t.Errorf("project %s was not created: %v", w, names)
		}
	}
}

func TestRunCannotProceed(t *testing.T) {
	s := newSandbox(t)
	s.env["KIMAI_TOKEN"] = "wrong-token"
	path, _ := writePipeline(t, `
connections:
  kimai: {api: kimai, base_url: "${KIMAI_URL}", token: "${KIMAI_TOKEN}"}
steps:
  - id: users
    call: {conn: kimai, op: listUsers}
`)
	p := mustLoad(t, path, s.loadOpts())
	_, err := p.Run(context.Background(), s.runOpts())
	if err == nil {
		t.Fatal("a run with a wrong token succeeded")
	}
	if err == nil || IsConfigError(err) {
		t.Errorf("run error %v, want one that stops the run (not a configuration error)", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("the error shows the token: %v", err)
	}
}
