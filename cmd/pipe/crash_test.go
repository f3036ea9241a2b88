//go:build unix

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
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

	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

var crashTest = flag.Bool("crash", false, "run the SIGKILL crash test (about a minute; CI runs it)")

// killer wraps the Kimai emulator and kills the pipe process at a chosen write: before Kimai
// processes it, or after Kimai has answered (the window between Kimai's answer and the ledger
// commit). It is safe for concurrent use.
type killer struct {
	h http.Handler

	mu     sync.Mutex
	proc   *os.Process
	posts  int    // POST /api/timesheets seen in this run
	killAt int    // kill at this post (0: not by post)
	mode   string // "before", "after", or "empty" and "delete" (the state file, not the process)
	db     string // the state file, for empty and delete
	killed bool
}

// spoil empties or deletes the state file while Kimai processes a write: the runner cannot
// record the answer (the state store refuses a 0-byte or replaced file) and must stop.
func (k *killer) spoil(mode string) {
	if mode == "empty" {
		_ = os.Truncate(k.db, 0)
		return
	}
	_ = os.Remove(k.db)
}

func (k *killer) arm(p *os.Process, at int, mode string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.proc, k.posts, k.killAt, k.mode, k.killed = p, 0, at, mode, false
}

func (k *killer) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.proc != nil && !k.killed {
		_ = k.proc.Signal(syscall.SIGKILL)
		k.killed = true
	}
}

func (k *killer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/timesheets" {
		k.h.ServeHTTP(w, r)
		return
	}
	k.mu.Lock()
	k.posts++
	hit := k.killAt > 0 && k.posts == k.killAt && !k.killed
	mode := k.mode
	k.mu.Unlock()
	if hit && mode == "before" {
		k.kill()
		panic(http.ErrAbortHandler) // the write never reaches Kimai
	}
	if hit && (mode == "empty" || mode == "delete") {
		k.mu.Lock()
		k.killed = true
		k.mu.Unlock()
		k.spoil(mode)
		k.h.ServeHTTP(w, r)
		return
	}
	k.h.ServeHTTP(w, r)
	if hit {
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // Kimai has answered ...
		}
		k.kill() // ... and the runner dies before it can record the answer
	}
}

// TestCrashExactlyOnce kills `pipe run` with SIGKILL at many points of a run that posts a few
// hundred timesheets, reruns it each time, and checks that Kimai ends up holding every expected
// timesheet exactly once, on each state-store backend (PostgreSQL when SPECPIPE_TEST_POSTGRES is
// set). Run it with: go test ./cmd/pipe -run TestCrashExactlyOnce -crash -v
func TestCrashExactlyOnce(t *testing.T) {
	if !*crashTest {
		t.Skip("the crash test runs with -crash (CI runs it)")
	}
	bin := filepath.Join(t.TempDir(), "pipe")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build pipe: %v\n%s", err, out)
	}

	// The reference: a run without kills against a fresh Kimai, with Kimai's default
	// concurrency (4 writes in flight).
	file := "testdata/crash.yaml"
	want := crashRun(t, bin, file, nil, statetest.SQLite(t))
	if len(want) < 200 {
		t.Fatalf("the reference run booked %d timesheets; the test needs a few hundred", len(want))
	}

	// A run with a new state file after a complete run (a new host, a restored backup, a
	// container without its volume) books nothing again; so does the rerun after a run whose
	// state file was emptied or deleted while Kimai processed a write.
	t.Run("a new state file after a complete run", func(t *testing.T) {
		got := crashRun(t, bin, file, nil, statetest.SQLite(t), statetest.SQLite(t))
		if d := diffSheets(want, got); d != "" {
			t.Fatalf("Kimai does not hold the expected timesheets exactly once:\n%s", d)
		}
	})
	for _, mode := range []string{"empty", "delete"} {
		t.Run("state file "+mode+" mid-run", func(t *testing.T) {
			got := crashRun(t, bin, file, []crashPoint{{mode: mode, at: 5}, {mode: mode, at: 40}}, statetest.SQLite(t))
			if d := diffSheets(want, got); d != "" {
				t.Fatalf("Kimai does not hold the expected timesheets exactly once:\n%s", d)
			}
		})
	}

	// The crash runs: kill at ≥ 20 points across the run, rerun until a run completes.
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 42))
	var plan []crashPoint
	for i := 0; i < 24; i++ {
		switch i % 3 {
		case 0:
			plan = append(plan, crashPoint{mode: "after", at: 1 + rng.IntN(20)})
		case 1:
			plan = append(plan, crashPoint{mode: "before", at: 1 + rng.IntN(20)})
		default:
			plan = append(plan, crashPoint{mode: "timer", after: time.Duration(50+rng.IntN(600)) * time.Millisecond})
		}
	}
	// The same with 8 writes in flight: a kill leaves up to 8 intents whose outcome is unknown.
	c8 := withConcurrency(t, file, 8)
	for _, tc := range []struct{ name, file string }{{"concurrency 4", file}, {"concurrency 8", c8}} {
		t.Run(tc.name, func(t *testing.T) {
			statetest.Run(t, func(t *testing.T, be statetest.Backend) {
				got := crashRun(t, bin, tc.file, plan, be.New(t))
				if d := diffSheets(want, got); d != "" {
					t.Fatalf("after %d kills Kimai does not hold the expected timesheets exactly once:\n%s", len(plan), d)
				}
				t.Logf("%d kill points (%d after Kimai's answer, %d before it, %d at random times); Kimai holds all %d timesheets exactly once",
					len(plan), countMode(plan, "after"), countMode(plan, "before"), countMode(plan, "timer"), len(got))
			})
		})
	}
}

// withConcurrency writes a copy of the pipeline file whose kimai connection keeps n writes in
// flight, and returns its path.
func withConcurrency(t *testing.T, file string, n int) string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Replace(src, []byte("    api: kimai\n"), []byte(fmt.Sprintf("    api: kimai\n    concurrency: %d\n", n)), 1)
	if bytes.Equal(src, out) {
		t.Fatalf("%s has no kimai connection to set concurrency: %d on", file, n)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(file))
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type crashPoint struct {
	mode  string // after, before, timer
	at    int
	after time.Duration
}

func countMode(p []crashPoint, m string) int {
	n := 0
	for _, c := range p {
		if c.mode == m {
			n++
		}
	}
	return n
}

// crashRun runs the crash pipeline against fresh emulators with the state store at db, killing
// it (or spoiling its state file) as plan says, until a run exits 0; then once with each of
// the state stores then, each wanted to exit 0. It returns Kimai's timesheets as "user begin
// end description" lines.
func crashRun(t *testing.T, bin, file string, plan []crashPoint, db string, then ...string) []string {
	t.Helper()
	kq, err := kqapi.New(kqapi.Options{RateInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	km, err := kimai.New(kimai.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := &killer{h: km, db: db}
	kqs, kms := httptest.NewServer(kq), httptest.NewServer(k)
	defer kqs.Close()
	defer kms.Close()
	env := append(os.Environ(), "KQAPI_BASE_URL="+kqs.URL, "KQAPI_ACCOUNT="+kqapi.SandboxAccount, "KQAPI_KEY="+kqapi.SandboxKey,
		"KIMAI_BASE_URL="+kms.URL, "KIMAI_TOKEN="+kimai.SandboxAdminToken)
	kills := 0
	for run := 0; ; run++ {
		if run > len(plan)+5 {
			t.Fatalf("no run completed after %d runs", run)
		}
		cmd := exec.Command(bin, "run", file, "--state", db, "--log-format", "json", "--log-level", "warn")
		cmd.Env = env
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var timer *time.Timer
		if run < len(plan) {
			p := plan[run]
			switch p.mode {
			case "timer":
				k.arm(cmd.Process, 0, "")
				timer = time.AfterFunc(p.after, k.kill)
			default:
				k.arm(cmd.Process, p.at, p.mode)
			}
		} else {
			k.arm(cmd.Process, 0, "")
		}
		err := cmd.Wait()
		if timer != nil {
			timer.Stop()
		}
		var ee *exec.ExitError
		switch {
		case err == nil:
			if run < len(plan) && !k.killed {
				// The run finished before its kill point: nothing was left to do.
				t.Logf("run %d finished before its kill point", run)
			}
			if run >= len(plan) || !k.killed {
				for _, db := range then {
					cmd := exec.Command(bin, "run", file, "--state", db, "--log-format", "json", "--log-level", "warn")
					cmd.Env = env
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("the run with the state store %s: %v\n%s", db, err, out)
					}
				}
				return sheetLines(km)
			}
		case errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled():
			kills++
		case run < len(plan) && k.killed:
			// The state file was spoiled: the run stopped (and says why).
			t.Logf("run %d stopped: %v\n%s", run, err, lastLines(out.String(), 3))
			if plan[run].mode == "empty" {
				_ = os.Remove(db) // as the message says: deleting it starts afresh
			}
		default:
			t.Fatalf("run %d: %v\n%s", run, err, out.String())
		}
		if run >= len(plan) {
			t.Fatalf("the final run did not complete: %v\n%s", err, out.String())
		}
	}
}

func sheetLines(km *kimai.Emulator) []string {
	var out []string
	for _, s := range km.Timesheets() {
		end := ""
		if s.End != nil {
			end = s.End.Format(time.RFC3339)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s", s.User, s.Begin.Format(time.RFC3339), end, s.Description))
	}
	slices.Sort(out)
	return out
}

// diffSheets names missing, extra and doubled timesheets.
func diffSheets(want, got []string) string {
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	var b strings.Builder
	for _, w := range want {
		switch count[w] {
		case 0:
			fmt.Fprintf(&b, "missing: %s\n", w)
		case 1:
		default:
			fmt.Fprintf(&b, "%d times: %s\n", count[w], w)
		}
		delete(count, w)
	}
	for g := range count {
		fmt.Fprintf(&b, "unexpected: %s\n", g)
	}
	return b.String()
}
