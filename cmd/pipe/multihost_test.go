//go:build unix

package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/emukit"
	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

// The tests of this file stand for several hosts sharing one PostgreSQL state store: each pipe
// process gets its own SPECPIPE_HOST. They skip without SPECPIPE_TEST_POSTGRES; the failover and
// database restart tests also need -crash:
//
//	go test ./cmd/pipe -run 'TestHosts|TestDatabaseRestart' -crash -v

// TestHostsCronTicks: three hosts with the same crontab start the same pipeline at each tick
// (a daily job: each tick books the next day). At every tick exactly one runs; the others exit
// 4 at once, while it runs. Kimai gets each timesheet once.
func TestHostsCronTicks(t *testing.T) {
	loc := statetest.Postgres(t)
	const password = "sekret-pw"
	if u, err := url.Parse(loc); err == nil && u.User != nil {
		if _, set := u.User.Password(); !set { // the test server trusts: a password is ignored
			u.User = url.UserPassword(u.User.Username(), password)
			loc = u.String()
		}
	}
	sb := startSandbox(t)
	sb.Kimai.Faults.Set(emukit.FaultConfig{Latency: 5 * time.Millisecond}) // a run takes a second or more
	env := append(sandboxEnv(sb), envState+"="+loc)
	before := len(sb.Kimai.Timesheets())
	const hosts, ticks = 3, 3
	for tick := range ticks {
		type result struct {
			code int
			end  time.Time
			out  string
		}
		procs := make([]*proc, hosts)
		for h := range hosts {
			procs[h] = startPipe(t, append(env, envHost+"=host-"+strconv.Itoa(h)), "run", "testdata/book.yaml",
				"--param", "day=2026-10-1"+strconv.Itoa(3+tick), "--log-level", "warn")
		}
		results := make([]result, hosts)
		var wg sync.WaitGroup
		for h, p := range procs {
			wg.Go(func() {
				code := p.wait(t)
				results[h] = result{code, time.Now(), p.out.String()}
			})
		}
		wg.Wait()
		var winner *result
		for i := range results {
			if results[i].code == exitOK {
				if winner != nil {
					t.Fatalf("tick %d: two runs exited 0:\n%s\n---\n%s", tick, winner.out, results[i].out)
				}
				winner = &results[i]
			}
		}
		if winner == nil {
			t.Fatalf("tick %d: no run exited 0: %+v", tick, results)
		}
		for _, r := range results {
			if r == *winner {
				continue
			}
			if r.code != exitLocked || !strings.Contains(r.out, "locked by pid") || !strings.Contains(r.out, "on host-") {
				t.Errorf("tick %d: a second run exited %d, want 4 naming the holder's host:\n%s", tick, r.code, r.out)
			}
			if !r.end.Before(winner.end) {
				t.Errorf("tick %d: a run exited 4 after the holder had finished; want at once", tick)
			}
		}
	}
	written := len(sb.Kimai.Timesheets()) - before
	if written < 150 || countPosts(sb.Kimai) != written {
		t.Errorf("Kimai got %d posts for %d new timesheets over %d ticks; want three days' worth (~300), each once", countPosts(sb.Kimai), written, ticks)
	}
	// pipe state, from any host, shows which host ran what.
	code, out, errOut := pipe(t, func(k string) string { return map[string]string{envState: loc}[k] }, "state", "testdata/book.yaml")
	if code != exitOK {
		t.Fatalf("pipe state: exit %d\n%s", code, errOut)
	}
	if n := strings.Count(out, " on host-"); n != ticks {
		t.Errorf("pipe state shows %d runs with their host, want %d:\n%s", n, ticks, out)
	}
	if !strings.Contains(out, "lock: free") {
		t.Errorf("pipe state after the ticks does not show the lock free:\n%s", out)
	}
	if strings.Contains(out, password) || strings.Contains(errOut, password) {
		t.Errorf("pipe state shows the database password:\n%s%s", out, errOut)
	}
}

// TestHostsShareKQAPIAccount: two pipelines in different directories (as on two hosts) share a
// kqapi account through the PostgreSQL store: over more than 30 calls, no two calls of the
// account come closer than the interval.
func TestHostsShareKQAPIAccount(t *testing.T) {
	loc := statetest.Postgres(t)
	const interval = 250 * time.Millisecond // as TestSharedKQAPIAccountAcrossProcesses
	sb := startSandbox(t)                   // the emulator's own interval: 10ms
	var days strings.Builder
	for d := 1; d <= 16; d++ {
		days.WriteString(`{"day": "2026-10-` + twoDigits(d) + `"}` + "\n")
	}
	env := append(sandboxEnv(sb), envState+"="+loc)
	start := sb.KQAPI.Journal.Len()
	var procs []*proc
	for i, name := range []string{"alpha", "beta"} {
		dir := t.TempDir()
		writeTestFile(t, filepath.Join(dir, "days.jsonl"), days.String())
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
		procs = append(procs, startPipe(t, append(env, envHost+"=host-"+strconv.Itoa(i)), "run", filepath.Join(dir, name+".yaml"), "--log-level", "warn"))
	}
	for _, p := range procs {
		if code := p.wait(t); code != exitOK {
			t.Fatalf("exit %d\n%s", code, p.out.String())
		}
	}
	var times []time.Time
	for _, e := range sb.KQAPI.Journal.Entries()[start:] {
		if e.Identity == kqapi.SandboxAccount {
			times = append(times, e.Time)
		}
	}
	if len(times) < 30 {
		t.Fatalf("kqapi saw %d calls of the account, want at least 30", len(times))
	}
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	// As in TestSharedKQAPIAccountAcrossProcesses: 20% of the interval for a call delayed on
	// its way on a loaded machine.
	least := time.Duration(1 << 62)
	for i := 1; i < len(times); i++ {
		least = min(least, times[i].Sub(times[i-1]))
	}
	if least < interval*8/10 {
		var gaps []string
		for i := 1; i < len(times); i++ {
			gaps = append(gaps, times[i].Sub(times[i-1]).Round(time.Millisecond).String())
		}
		t.Errorf("two calls of the account came %v apart; want at least %v (%d calls; gaps %s)", least, interval*8/10, len(times), strings.Join(gaps, " "))
	}
	// Nobody waited needlessly: the calls took about one interval each.
	if span, most := times[len(times)-1].Sub(times[0]), time.Duration(len(times)-1)*interval*3/2; span > most {
		t.Errorf("%d calls took %v; want at most %v at one per %v", len(times), span, most, interval)
	}
	t.Logf("%d calls of the account from two processes, at least %v apart", len(times), least)
}

func twoDigits(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// onPost wraps the Kimai emulator and calls do once, after Kimai answered the at-th POST of a
// timesheet: the window between Kimai's answer and the ledger commit.
type onPost struct {
	h  http.Handler
	mu sync.Mutex
	n  int
	at int
	do func()
}

func (o *onPost) arm(at int, do func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n, o.at, o.do = 0, at, do
}

func (o *onPost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/timesheets" {
		o.h.ServeHTTP(w, r)
		return
	}
	o.mu.Lock()
	o.n++
	var do func()
	if o.n == o.at {
		do, o.do = o.do, nil
	}
	o.mu.Unlock()
	o.h.ServeHTTP(w, r)
	if do != nil {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		do()
	}
}

// pgProxy forwards TCP connections to the PostgreSQL server: a host's network to the database,
// which the test can cut (every connection closed, new ones refused) and restore.
type pgProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

// newPGProxy starts a proxy to the server of the URL loc and returns it with the URL through it.
func newPGProxy(t *testing.T, loc string) (*pgProxy, string) {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: u.Host}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	u.Host = ln.Addr().String()
	return p, u.String()
}

func (p *pgProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

// cut closes every connection and refuses new ones until restore.
func (p *pgProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *pgProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// failoverWorld is the crash pipeline's emulators with a hook on Kimai's posts.
type failoverWorld struct {
	km   *kimai.Emulator
	hook *onPost
	env  []string
}

func newFailoverWorld(t *testing.T) *failoverWorld {
	t.Helper()
	kq, err := kqapi.New(kqapi.Options{RateInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	km, err := kimai.New(kimai.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hook := &onPost{h: km}
	kqs, kms := httptest.NewServer(kq), httptest.NewServer(hook)
	t.Cleanup(kqs.Close)
	t.Cleanup(kms.Close)
	env := append(os.Environ(), "KQAPI_BASE_URL="+kqs.URL, "KQAPI_ACCOUNT="+kqapi.SandboxAccount, "KQAPI_KEY="+kqapi.SandboxKey,
		"KIMAI_BASE_URL="+kms.URL, "KIMAI_TOKEN="+kimai.SandboxAdminToken)
	return &failoverWorld{km: km, hook: hook, env: env}
}

// run runs the crash pipeline as host with the state at loc and a lease of lease.
func (w *failoverWorld) start(t *testing.T, host, loc string, lease time.Duration) *proc {
	t.Helper()
	env := append(slices.Clip(w.env), envHost+"="+host, envLease+"="+lease.String(), envState+"="+loc)
	return startPipe(t, env, "run", "testdata/crash.yaml", "--log-format", "json", "--log-level", "warn")
}

// crashReference is Kimai's timesheets after one clean run of the crash pipeline.
func crashReference(t *testing.T) []string {
	t.Helper()
	w := newFailoverWorld(t)
	p := w.start(t, "ref", statetest.SQLite(t), state.DefaultLease)
	if code := p.wait(t); code != exitOK {
		t.Fatalf("reference run: exit %d\n%s", code, p.out.String())
	}
	return sheetLines(w.km)
}

// TestHostsFailover: the host holding the lease is killed (SIGKILL), cut from the database, or
// paused (SIGSTOP, a long GC pause) right after Kimai answered a write. Another host cannot run
// while the lease lasts; after it expired it takes over, reconciles the write whose outcome was
// unknown, and Kimai ends with every timesheet exactly once. The paused host, resumed after
// the takeover, cannot commit its write: it stops with exit 3, its lease lost.
func TestHostsFailover(t *testing.T) {
	if !*crashTest {
		t.Skip("the failover test runs with -crash (CI runs it)")
	}
	if os.Getenv(statetest.EnvPostgres) == "" {
		t.Skip(statetest.SkipMessage)
	}
	want := crashReference(t)
	const lease = 2 * time.Second
	for _, how := range []string{"killed", "cut from the database", "paused"} {
		t.Run(how, func(t *testing.T) {
			loc := statetest.Postgres(t)
			w := newFailoverWorld(t)
			proxy, viaProxy := newPGProxy(t, loc)
			a := w.start(t, "host-a", viaProxy, lease)
			var stopped time.Time
			fired := make(chan struct{})
			w.hook.arm(15, func() {
				stopped = time.Now()
				defer close(fired)
				switch how {
				case "killed":
					a.cmd.Process.Kill()
				case "paused":
					a.cmd.Process.Signal(syscall.SIGSTOP)
				default:
					proxy.cut()
				}
			})
			var codeA int
			var errA error
			if how != "paused" {
				codeA, errA = waitAny(a)
			}
			select {
			case <-fired:
			case <-time.After(time.Minute):
				t.Fatalf("host-a never reached its 15th write\n%s", a.out.String())
			}
			switch how {
			case "paused":
			case "killed":
				if !errors.As(errA, new(*exec.ExitError)) || codeA != -1 {
					t.Fatalf("host-a was not killed: exit %d, %v\n%s", codeA, errA, a.out.String())
				}
			default:
				if codeA != exitCannot {
					t.Fatalf("host-a cut from the database: exit %d, want 3\n%s", codeA, a.out.String())
				}
			}
			// While the lease lasts, host-b is refused at once.
			b := w.start(t, "host-b", loc, lease)
			if code := b.wait(t); code != exitLocked && time.Since(stopped) < lease {
				t.Fatalf("host-b during host-a's lease: exit %d, want 4\n%s", code, b.out.String())
			} else if code == exitLocked && !strings.Contains(b.out.String(), "host-a") {
				t.Errorf("host-b's refusal does not name host-a:\n%s", b.out.String())
			}
			time.Sleep(time.Until(stopped.Add(lease + 200*time.Millisecond)))
			b = w.start(t, "host-b", loc, lease)
			if code := b.wait(t); code != exitOK {
				t.Fatalf("host-b after the lease expired: exit %d\n%s", code, b.out.String())
			}
			if how == "paused" {
				a.cmd.Process.Signal(syscall.SIGCONT)
				if code, _ := waitAny(a); code != exitCannot || !strings.Contains(a.out.String(), state.ErrLeaseLost.Error()) {
					t.Errorf("host-a resumed after the takeover: exit %d, want 3 saying its lease was lost\n%s", code, a.out.String())
				}
			}
			if d := diffSheets(want, sheetLines(w.km)); d != "" {
				t.Fatalf("after the failover Kimai does not hold the expected timesheets exactly once:\n%s", d)
			}
		})
	}
}

// TestDatabaseRestartMidRun: the database goes away for a second right after Kimai answered a
// write (its connections closed, new ones refused, as in a restart). The run stops with exit 3
// and a message naming the state store; the next run finishes and nothing is doubled.
func TestDatabaseRestartMidRun(t *testing.T) {
	if !*crashTest {
		t.Skip("the database restart test runs with -crash (CI runs it)")
	}
	loc := statetest.Postgres(t)
	want := crashReference(t)
	w := newFailoverWorld(t)
	proxy, viaProxy := newPGProxy(t, loc)
	a := w.start(t, "host-a", viaProxy, state.DefaultLease)
	w.hook.arm(15, func() {
		proxy.cut()
		time.AfterFunc(time.Second, proxy.restore)
	})
	if code := a.wait(t); code != exitCannot {
		t.Fatalf("the run during the restart: exit %d, want 3\n%s", code, a.out.String())
	}
	t.Logf("the run during the restart said:\n%s", lastLines(a.out.String(), 3))
	if out := a.out.String(); !strings.Contains(out, "state: ") {
		t.Errorf("the run's message does not say the state store failed:\n%s", out)
	}
	time.Sleep(time.Second) // the database is back
	b := w.start(t, "host-a", viaProxy, state.DefaultLease)
	if code := b.wait(t); code != exitOK {
		t.Fatalf("the run after the restart: exit %d\n%s", code, b.out.String())
	}
	if d := diffSheets(want, sheetLines(w.km)); d != "" {
		t.Fatalf("after the restart Kimai does not hold the expected timesheets exactly once:\n%s", d)
	}
}

// waitAny waits for p and returns its exit code (-1 when killed by a signal) and Wait's error.
func waitAny(p *proc) (int, error) {
	err := p.cmd.Wait()
	return p.cmd.ProcessState.ExitCode(), err
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
