package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specpipe/specpipe/internal/state"
)

// TestWriteAnsweredWithoutAnID: a write answered with a record that names no id (HTTP 201
// with {}, which a proxy or a broken plugin can give) is not recorded as done: a done write
// always has the target's id, so the records fail as of unknown outcome, in this run and the
// next.
func TestWriteAnsweredWithoutAnID(t *testing.T) {
	sb := startSandbox(t)
	target, err := url.Parse(sb.KimaiURL)
	if err != nil {
		t.Fatal(err)
	}
	fwd := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/timesheets" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte("{}"))
			return
		}
		fwd.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	env := func(base string) func(string) string {
		return func(name string) string {
			if name == "KIMAI_BASE_URL" {
				return base
			}
			return sb.Getenv(name)
		}
	}
	db := filepath.Join(t.TempDir(), "state.db")
	for i, base := range []string{proxy.URL, sb.KimaiURL} {
		code, out, stderr := pipe(t, env(base), "run", "testdata/book.yaml", "--state", db)
		if code != exitFailed || !strings.Contains(out, "unknown") {
			t.Fatalf("run %d: exit %d, want %d with the records failed as of unknown outcome\n%s\n%s", i+1, code, exitFailed, out, stderr)
		}
	}
}

// TestDryRunOfABookedDay: a dry run says what a real run would do now: after a complete run
// it would create nothing (every record is in the ledger), lists each record as unchanged,
// counts nothing as written, and the run history marks it as a dry run; a real run after it
// writes nothing either.
func TestDryRunOfABookedDay(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	if code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	booked := len(sb.Kimai.Timesheets())
	posts := func() int {
		n := 0
		for _, j := range sb.Kimai.Journal.Entries() {
			if j.Method != http.MethodGet {
				n++
			}
		}
		return n
	}
	sent := posts()

	code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--dry-run", "--state", db)
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "step book would create 0, update 0, leave ") {
		t.Errorf("the dry run's summary does not say it would create nothing:\n%s", out)
	}
	if strings.Contains(out, `"action":"create"`) || !strings.Contains(out, `"action":"unchanged"`) {
		t.Errorf("the dry run lists creates, or no unchanged record:\n%s", out)
	}
	if got := posts() - sent; got != 0 {
		t.Errorf("the dry run sent %d writes", got)
	}
	code, out, stderr = pipe(t, sb.Getenv, "state", "testdata/book.yaml", "--state", db)
	if code != exitOK || !strings.Contains(out, "dry run: read") || !strings.Contains(out, "would write 0") {
		t.Errorf("pipe state does not show the dry run (exit %d):\n%s\n%s", code, out, stderr)
	}

	if code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Fatalf("run after the dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := posts() - sent; got != 0 || len(sb.Kimai.Timesheets()) != booked {
		t.Errorf("the run after the dry run sent %d writes", got)
	}
}

// TestFailedBeforeTheCall: a record whose write fails before the call (its params cannot be
// evaluated) is in the ledger: pipe failed lists it, and pipe retry, once the cause is fixed,
// sends it.
func TestFailedBeforeTheCall(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/bookfail.yaml", "--dry-run", "--state", filepath.Join(t.TempDir(), "dry.db"))
	if code != exitOK {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, stderr)
	}
	var first struct{ Key string }
	if err := json.Unmarshal([]byte(out[:strings.IndexByte(out, '\n')]), &first); err != nil || first.Key == "" {
		t.Fatalf("the dry run's first line: %v\n%s", err, out)
	}
	person := strings.Split(first.Key, "/")[0]
	before := len(sb.Kimai.Timesheets())

	code, out, stderr = pipe(t, sb.Getenv, "run", "testdata/bookfail.yaml", "--param", "bad="+person, "--state", db)
	if code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s\n%s", code, exitFailed, out, stderr)
	}
	booked := len(sb.Kimai.Timesheets()) - before
	code, out, stderr = pipe(t, sb.Getenv, "failed", "testdata/bookfail.yaml", "--state", db)
	if code != exitOK || !strings.Contains(out, "1 failed records") || !strings.Contains(out, first.Key) {
		t.Fatalf("pipe failed does not list %s (exit %d):\n%s\n%s", first.Key, code, out, stderr)
	}
	code, out, stderr = pipe(t, sb.Getenv, "retry", "testdata/bookfail.yaml", "--state", db)
	if code != exitOK {
		t.Fatalf("retry: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := len(sb.Kimai.Timesheets()) - before; got != booked+1 {
		t.Errorf("after the retry Kimai holds %d new timesheets, want %d", got, booked+1)
	}
	if code, out, _ := pipe(t, sb.Getenv, "failed", "testdata/bookfail.yaml", "--state", db); !strings.Contains(out, "0 failed records") {
		t.Errorf("after the retry (exit %d):\n%s", code, out)
	}
}

// TestStateFileOfAnotherTarget: a state file used against another Kimai (another base URL)
// never skips silently: the run stops with exit 2 before any call and says why and what to
// do; with a state file of its own the other Kimai gets every record.
func TestStateFileOfAnotherTarget(t *testing.T) {
	first, other := startSandbox(t), startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	had := len(first.Kimai.Timesheets())
	if code, out, stderr := pipe(t, first.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	booked := len(first.Kimai.Timesheets()) - had
	before, seen := len(other.Kimai.Timesheets()), other.Kimai.Journal.Len()

	code, out, stderr := pipe(t, other.Getenv, "run", "testdata/book.yaml", "--state", db)
	if code != exitUsage {
		t.Fatalf("a run against another Kimai with the first one's state file: exit %d, want %d\n%s\n%s", code, exitUsage, out, stderr)
	}
	for _, want := range []string{first.KimaiURL, other.KimaiURL, "--state"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the error does not name %q:\n%s", want, stderr)
		}
	}
	if got := other.Kimai.Journal.Len() - seen; got != 0 {
		t.Errorf("%d requests reached the other Kimai", got)
	}
	code, out, stderr = pipe(t, other.Getenv, "run", "testdata/book.yaml", "--state", filepath.Join(t.TempDir(), "other.db"))
	if code != exitOK {
		t.Fatalf("run with a state file of its own: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := len(other.Kimai.Timesheets()) - before; got != booked {
		t.Errorf("the other Kimai got %d timesheets, want %d", got, booked)
	}
}

// TestLedgerLostWarning: a pipeline whose run history shows writes but whose ledger is empty
// says so, in the log and on the output.
func TestLedgerLostWarning(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.StartRun(t.Context(), "book")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(t.Context(), id, state.RunSummary{Read: 100, Written: 89}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db)
	if code != exitOK || !strings.Contains(out, "warning: book wrote 89 records in run #1") || !strings.Contains(stderr, "the ledger is empty") {
		t.Errorf("exit %d, want 0 with the warning on the output and in the log:\n%s\n%s", code, out, stderr)
	}
	if code, out, _ := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); strings.Contains(out, "warning:") {
		t.Errorf("a run with ledger entries warns (exit %d):\n%s", code, out)
	}
}
