//go:build unix

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/didi"
	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/sandbox"
	"github.com/specpipe/specpipe/internal/state"
)

// The process-level tests share one build of the pipe binary.
var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pipeBinary builds the pipe command once per test binary.
func pipeBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "pipe-bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "pipe")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build pipe: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// sandboxEnv is the process environment of a pipe run against sb.
func sandboxEnv(sb *sandbox.Sandbox) []string {
	env := os.Environ()
	for _, v := range sb.Env() {
		env = append(env, v.Name+"="+v.Value)
	}
	return env
}

// proc is a started pipe process.
type proc struct {
	cmd *exec.Cmd
	out strings.Builder
}

func startPipe(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(pipeBinary(t), args...)}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait returns the process's exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok && !ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
		return ee.ExitCode()
	}
	t.Fatalf("%v: %v\n%s", p.cmd.Args, err, p.out.String())
	return -1
}

func countPosts(km *kimai.Emulator) int {
	n := 0
	for _, j := range km.Journal.Entries() {
		if j.Method == http.MethodPost && j.Path == "/api/timesheets" {
			n++
		}
	}
	return n
}

func TestTwoRunsTogetherOneExits4(t *testing.T) {
	sb := startSandbox(t)
	sb.Kimai.Faults.Set(emukit.FaultConfig{Latency: 15 * time.Millisecond}) // a run takes a second or two
	db := filepath.Join(t.TempDir(), "state.db")
	env := sandboxEnv(sb)
	before := len(sb.Kimai.Timesheets())
	a := startPipe(t, env, "run", "testdata/book.yaml", "--state", db, "--log-level", "warn")
	b := startPipe(t, env, "run", "testdata/book.yaml", "--state", db, "--log-level", "warn")
	codes := []int{a.wait(t), b.wait(t)}
	slices.Sort(codes)
	if codes[0] != exitOK || codes[1] != exitLocked {
		t.Fatalf("exit codes %v, want one 0 and one 4\n--- a:\n%s\n--- b:\n%s", codes, a.out.String(), b.out.String())
	}
	locked := a.out.String()
	if strings.Contains(b.out.String(), "locked by pid") {
		locked = b.out.String()
	}
	if !strings.Contains(locked, "locked by pid") {
		t.Errorf("the run that exits 4 does not name the holder:\n%s", locked)
	}
	written := len(sb.Kimai.Timesheets()) - before
	if written < 50 || countPosts(sb.Kimai) != written {
		t.Errorf("Kimai got %d posts for %d new timesheets; want one run's worth (~100), each once", countPosts(sb.Kimai), written)
	}
}

// TestSharedKQAPIAccountAcrossProcesses runs two different pipelines that share a kqapi account
// as two processes at once: their calls keep the account's interval between them, because the
// pipelines of one directory share the state file and its rate clocks.
func TestSharedKQAPIAccountAcrossProcesses(t *testing.T) {
	const interval = 250 * time.Millisecond
	sb := startSandbox(t) // the emulator's own interval: 10ms
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "days.jsonl"), `{"day": "2026-10-12"}
{"day": "2026-10-13"}
{"day": "2026-10-14"}
{"day": "2026-10-15"}
`)
	for _, name := range []string{"alpha", "beta"} {
		writeTestFile(t, filepath.Join(dir, name+".yaml"), `
name: `+name+`
connections:
  kq: {api: kqapi, min_interval: {account: `+interval.String()+`}}
steps:
  - id: days
    read: {file: days.jsonl, fields: {day: date}}
  - id: punches
    call: {conn: kq, op: recordlog, for_each: true, pages: first, params: {start: r.day, end: r.day}}
  - id: none
    filter: r.atten_uid == "nobody"
`)
	}
	env := sandboxEnv(sb)
	start := sb.KQAPI.Journal.Len()
	a := startPipe(t, env, "run", filepath.Join(dir, "alpha.yaml"), "--log-level", "warn")
	b := startPipe(t, env, "run", filepath.Join(dir, "beta.yaml"), "--log-level", "warn")
	if ca, cb := a.wait(t), b.wait(t); ca != exitOK || cb != exitOK {
		t.Fatalf("exit %d and %d\n--- alpha:\n%s\n--- beta:\n%s", ca, cb, a.out.String(), b.out.String())
	}
	var times []time.Time
	for _, e := range sb.KQAPI.Journal.Entries()[start:] {
		if e.Identity == kqapi.SandboxAccount {
			times = append(times, e.Time)
		}
	}
	if len(times) < 8 {
		t.Fatalf("kqapi saw %d calls of the account, want at least 8", len(times))
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	// Calls leave at their reserved slots, but one delayed on its way (a loaded machine) comes
	// closer to the next: the test leaves 20% of the interval for that. Without shared rate
	// clocks the two processes' calls come milliseconds apart.
	least := time.Duration(1 << 62)
	for i := 1; i < len(times); i++ {
		least = min(least, times[i].Sub(times[i-1]))
	}
	if least < interval*8/10 {
		t.Errorf("two calls of the account came %v apart; want at least %v (%d calls)", least, interval*8/10, len(times))
	}
	if _, err := os.Stat(filepath.Join(dir, defaultStateFile)); err != nil {
		t.Errorf("the pipelines of a directory share %s: %v", defaultStateFile, err)
	}
}

// TestDidiTokenAcrossRuns: runs within the token's life authorize once; after the token expired
// (the emulator's clock moves 31 minutes) a run authorizes again, once.
func TestDidiTokenAcrossRuns(t *testing.T) {
	clk := emukit.NewFakeClock(time.Now())
	dd, err := didi.New(didi.Options{Clock: clk, TimestampWindow: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(dd)
	defer srv.Close()
	dir := t.TempDir()
	path := filepath.Join(dir, "centers.yaml")
	writeTestFile(t, path, `
name: centers
connections:
  didi: {api: didi}
steps:
  - id: centers
    call: {conn: didi, op: budgetCenterGet, params: {offset: 0, length: 100}}
  - id: none
    filter: r.name == "nobody"
`)
	env := map[string]string{"DIDI_BASE_URL": srv.URL, "DIDI_CLIENT_ID": didi.SandboxClientID,
		"DIDI_CLIENT_SECRET": didi.SandboxClientSecret, "DIDI_SIGN_KEY": didi.SandboxSignKey, "DIDI_COMPANY_ID": didi.SandboxCompanyID}
	getenv := func(k string) string { return env[k] }
	authorizes := func() int {
		n := 0
		for _, e := range dd.Journal.Entries() {
			if strings.HasSuffix(e.Path, "/Auth/authorize") {
				n++
			}
		}
		return n
	}
	for i, step := range []struct {
		advance time.Duration
		want    int
	}{
		{0, 1}, {5 * time.Minute, 1}, {10 * time.Minute, 1}, // three runs within 30 minutes
		{31 * time.Minute, 2}, // expired: authorized again
		{time.Minute, 2},      // the new token is cached
	} {
		clk.Advance(step.advance)
		code, out, stderr := pipe(t, getenv, "run", path, "--log-level", "warn")
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, stderr)
		}
		if got := authorizes(); got != step.want {
			t.Errorf("after run %d: %d authorize calls, want %d", i+1, got, step.want)
		}
		if strings.Contains(out+stderr, didi.SandboxClientSecret) || strings.Contains(out+stderr, didi.SandboxSignKey) {
			t.Errorf("run %d: a secret reached the output", i+1)
		}
	}
	code, out, _ := pipe(t, getenv, "state", path)
	if code != exitOK || strings.Contains(out, "access_token") || !strings.Contains(out, "pipeline centers") {
		t.Errorf("pipe state: exit %d\n%s", code, out)
	}
}

// TestRejectedRecordRetry: Kimai rejects one person's timesheets (an activity it does not have);
// they are kept as failed with Kimai's field message, the rest is booked, exit 1; a rerun does
// not send them again; once the activity exists, pipe retry sends them, once.
func TestRejectedRecordRetry(t *testing.T) {
	sb := startSandbox(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "book.yaml")
	src, err := os.ReadFile("testdata/book.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, path, strings.Replace(string(src), "        activity: 1\n", "        activity: 'r.person == \"1100207\" ? 77 : 1'\n", 1))
	getenv := sb.Getenv
	before := len(sb.Kimai.Timesheets())

	code, out, stderr := pipe(t, getenv, "run", path, "--log-level", "error")
	if code != exitFailed {
		t.Fatalf("run: exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	booked := len(sb.Kimai.Timesheets()) - before
	if booked < 50 {
		t.Fatalf("the run booked %d timesheets; the other records must go through", booked)
	}
	code, out, _ = pipe(t, getenv, "failed", path)
	if code != exitOK || !strings.Contains(out, "book key 1100207/2026-10-14") || !strings.Contains(out, "activity: ") || !strings.Contains(out, "pipe retry") {
		t.Fatalf("pipe failed: exit %d\n%s", code, out)
	}
	code, out, _ = pipe(t, getenv, "state", path)
	if code != exitOK || !strings.Contains(out, "1 failed") || !strings.Contains(out, fmt.Sprintf("%d done", booked)) {
		t.Errorf("pipe state: exit %d\n%s", code, out)
	}

	// A rerun sends nothing: the failed record waits for pipe retry.
	posts := countPosts(sb.Kimai)
	if code, out, stderr = pipe(t, getenv, "run", path, "--log-level", "error"); code != exitFailed || countPosts(sb.Kimai) != posts {
		t.Fatalf("rerun: exit %d, %d posts (want 1, none)\n%s\n%s", code, countPosts(sb.Kimai)-posts, out, stderr)
	}

	// Retrying before the cause is fixed fails again; after it, the record is sent once.
	if code, out, _ = pipe(t, getenv, "retry", path, "--log-level", "error"); code != exitFailed || !strings.Contains(out, "1 still failed") {
		t.Fatalf("retry before the fix: exit %d\n%s", code, out)
	}
	if _, err := sb.Kimai.AddActivity(kimai.Activity{ID: 77, Name: "考勤", Visible: true}); err != nil {
		t.Fatal(err)
	}
	posts = countPosts(sb.Kimai)
	code, out, stderr = pipe(t, getenv, "retry", path, "--log-level", "error")
	if code != exitOK || !strings.Contains(out, "0 still failed") {
		t.Fatalf("retry: exit %d\n%s\n%s", code, out, stderr)
	}
	if n := countPosts(sb.Kimai) - posts; n != 1 {
		t.Errorf("retry sent %d timesheets, want 1", n)
	}
	if n := len(sb.Kimai.Timesheets()) - before; n != booked+1 {
		t.Errorf("Kimai holds %d new timesheets, want %d", n, booked+1)
	}
	if code, out, _ = pipe(t, getenv, "retry", path); code != exitOK || !strings.Contains(out, "no failed records") {
		t.Errorf("retry with nothing failed: exit %d\n%s", code, out)
	}
}

// TestIncrementalRuns: a pipeline with incremental: runs the days from its checkpoint, at most
// max_days a run, re-reading one day, and a run with the day given leaves the checkpoint alone.
func TestIncrementalRuns(t *testing.T) {
	sb := startSandbox(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "book.yaml")
	src, err := os.ReadFile("testdata/book.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, path, string(src)+`
incremental: {param: day, start: "date('2026-10-12')", until: "date('2026-10-15')", max_days: 2, reread_days: 1}
`)
	getenv := sb.Getenv
	checkpoint := func() string {
		_, out, _ := pipe(t, getenv, "state", path)
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "checkpoints:") {
				return strings.TrimSpace(l)
			}
		}
		return out
	}
	for i, want := range []struct {
		days       []string
		checkpoint string
	}{
		{[]string{"day 2026-10-12", "day 2026-10-13"}, "incremental=2026-10-13"},
		{[]string{"day 2026-10-13", "day 2026-10-14", "day 2026-10-15"}, "incremental=2026-10-15"},
		{[]string{"day 2026-10-15"}, "incremental=2026-10-15"}, // up to date: the re-read day only
	} {
		posts := countPosts(sb.Kimai)
		code, out, stderr := pipe(t, getenv, "run", path, "--log-level", "warn")
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, stderr)
		}
		var days []string
		for _, l := range strings.Split(out, "\n") {
			if _, d, ok := strings.Cut(l, "): "); ok && strings.HasPrefix(d, "day ") {
				days = append(days, d)
			}
		}
		if !slices.Equal(days, want.days) {
			t.Errorf("run %d ran %v, want %v\n%s", i+1, days, want.days, out)
		}
		if got := checkpoint(); !strings.Contains(got, want.checkpoint) {
			t.Errorf("after run %d: %s, want %s", i+1, got, want.checkpoint)
		}
		if i == 2 && countPosts(sb.Kimai) != posts {
			t.Errorf("the re-read of a synced day sent %d writes", countPosts(sb.Kimai)-posts)
		}
	}
	// A day given on the command line is a manual run: the checkpoint stays.
	if code, out, stderr := pipe(t, getenv, "run", path, "--param", "day=2026-10-20"); code != exitOK {
		t.Fatalf("manual run: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := checkpoint(); !strings.Contains(got, "incremental=2026-10-15") {
		t.Errorf("after a manual run: %s", got)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestStateShowsLockAndRuns(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	if code, out, stderr := pipe(t, sb.Getenv, "state", "testdata/book.yaml", "--state", db); code != exitOK || !strings.Contains(out, "no state yet") {
		t.Fatalf("state before any run: exit %d\n%s\n%s", code, out, stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("pipe state created a state file")
	}
	if code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	s, err := state.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	release, err := s.Lock(t.Context(), "book")
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	code, out, _ := pipe(t, sb.Getenv, "state", "testdata/book.yaml", "--state", db)
	for _, want := range []string{"pipeline book", "0 pending", "0 failed", fmt.Sprintf("lock: held by pid %d", os.Getpid()), "last runs:", "skipped 0, failed 0"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("pipe state: exit %d, output lacks %q:\n%s", code, want, out)
		}
	}
	if strings.Contains(out, "sandbox-admin-token") || strings.Contains(out, "sandbox-key") {
		t.Error("pipe state printed a secret")
	}
}

// TestRetryHint: pipe failed tells how to send the failed records again; for an incremental
// pipeline the retry must name the days, or it reads only the days after the checkpoint (the
// newcomer's retry met none of its 112 failed records).
func TestRetryHint(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *pipeline.Incremental
		want string
	}{
		{"not incremental", nil, "fix the cause, then: pipe retry p.yaml"},
		{"one run per day", &pipeline.Incremental{Param: "day"},
			"fix the cause, then send them again with the days they failed on: pipe retry p.yaml --param day=DAY (without --param a retry reads only the days after the checkpoint)"},
		{"one run per window", &pipeline.Incremental{From: "from", To: "to"},
			"fix the cause, then send them again with the days they failed on: pipe retry p.yaml --param from=DAY --param to=DAY (without --param a retry reads only the days after the checkpoint)"},
	} {
		if got := retryHint("p.yaml", tc.in); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
