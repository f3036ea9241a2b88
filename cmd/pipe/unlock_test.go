package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

// TestStuckLockExpires (issue 12 item 9): a lock left by a run on another host, or by a process
// whose pid now belongs to a live process, no longer blocks every run forever: pipe state
// shows its age and lease, pipe unlock refuses while the lease lasts and breaks it after, and a
// run takes an expired lease over.
func TestStuckLockExpires(t *testing.T) {
	const lease = 2 * time.Second
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		for _, holder := range []struct{ name, host string }{
			{"another host", "other-host"},
			{"a live pid on this host", ""}, // this test's own pid: alive, as a reused pid would be
		} {
			t.Run(holder.name, func(t *testing.T) {
				t.Parallel()
				sb := startSandbox(t)
				loc := be.New(t)
				getenv := func(k string) string {
					if k == envState {
						return loc
					}
					return sb.Getenv(k)
				}
				// The dead run: it took the lock and stopped beating without releasing it.
				s, err := state.OpenLocation(t.Context(), loc, state.WithHost(holder.host), state.WithLease(lease))
				if err != nil {
					t.Fatal(err)
				}
				locked := time.Now()
				if _, err := s.Lock(t.Context(), "book"); err != nil {
					t.Fatal(err)
				}
				s.Close()
				// during reports whether the lease surely still lasts (a loaded machine may take
				// longer than the lease for the checks below).
				during := func() bool { return time.Since(locked) < lease-200*time.Millisecond }
				host := holder.host
				if host == "" {
					host, _ = os.Hostname()
				}

				if code, _, stderr := pipe(t, getenv, "run", "testdata/book.yaml"); code != exitLocked && during() {
					t.Fatalf("run during the lease: exit %d, want 4\n%s", code, stderr)
				}
				code, out, _ := pipe(t, getenv, "state", "testdata/book.yaml")
				if want := fmt.Sprintf("lock: held by pid %d on %s since", os.Getpid(), host); during() && (code != exitOK || !strings.Contains(out, want) ||
					!strings.Contains(out, "age ") || !strings.Contains(out, "lease expires in")) {
					t.Errorf("pipe state during the lease: exit %d, want %q with its age and lease:\n%s", code, want, out)
				}
				if code, _, stderr := pipe(t, getenv, "unlock", "testdata/book.yaml"); during() && (code != exitLocked || !strings.Contains(stderr, "--force")) {
					t.Errorf("unlock during the lease: exit %d, want 4 suggesting --force\n%s", code, stderr)
				}
				if !during() {
					t.Skip("the machine took longer than the lease to run the checks during the lease")
				}

				time.Sleep(time.Until(locked.Add(lease + 100*time.Millisecond)))
				if _, out, _ := pipe(t, getenv, "state", "testdata/book.yaml"); !strings.Contains(out, "lease expired") {
					t.Errorf("pipe state after the lease: want it to say the lease expired:\n%s", out)
				}
				code, out, stderr := pipe(t, getenv, "unlock", "testdata/book.yaml")
				if code != exitOK || !strings.Contains(out, "broke the lock of pid") || !strings.Contains(out, host) {
					t.Errorf("unlock after the lease: exit %d\n%s%s", code, out, stderr)
				}
				if code, out, _ := pipe(t, getenv, "unlock", "testdata/book.yaml"); code != exitOK || !strings.Contains(out, "the lock is free") {
					t.Errorf("unlock of a free lock: exit %d\n%s", code, out)
				}
				if code, _, stderr := pipe(t, getenv, "run", "testdata/book.yaml"); code != exitOK {
					t.Errorf("run after unlock: exit %d\n%s", code, stderr)
				}
			})
		}
	})
}

// TestRunTakesOverExpiredLease: no unlock needed; the next run takes an expired lease over.
func TestRunTakesOverExpiredLease(t *testing.T) {
	sb := startSandbox(t)
	db := filepath.Join(t.TempDir(), "state.db")
	s, err := state.Open(t.Context(), db, state.WithHost("gone-host"), state.WithLease(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lock(t.Context(), "book"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	time.Sleep(300 * time.Millisecond)
	if code, _, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", db); code != exitOK {
		t.Errorf("run after the lease expired: exit %d\n%s", code, stderr)
	}
}

// TestStateCopy moves a deployment to each backend and back: the ledger comes along, so a run
// on the copy writes nothing again.
func TestStateCopy(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		sb := startSandbox(t)
		src := filepath.Join(t.TempDir(), "state.db")
		if code, _, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", src); code != exitOK {
			t.Fatalf("run: exit %d\n%s", code, stderr)
		}
		posts := countPosts(sb.Kimai)
		dst := be.New(t)
		code, out, stderr := pipe(t, sb.Getenv, "state", "copy", src, dst)
		if code != exitOK || !strings.Contains(out, "copied") || !strings.Contains(out, " ledger") {
			t.Fatalf("state copy: exit %d\n%s%s", code, out, stderr)
		}
		if code, _, stderr := pipe(t, sb.Getenv, "state", "copy", src, dst); code != exitCannot || !strings.Contains(stderr, "not empty") {
			t.Errorf("state copy into a store that is not empty: exit %d, want 3\n%s", code, stderr)
		}
		back := filepath.Join(t.TempDir(), "back.db")
		if code, out, stderr := pipe(t, sb.Getenv, "state", "copy", dst, back); code != exitOK {
			t.Fatalf("state copy back: exit %d\n%s%s", code, out, stderr)
		}
		for _, loc := range []string{dst, back} {
			code, out, stderr := pipe(t, sb.Getenv, "run", "testdata/book.yaml", "--state", loc)
			if code != exitOK {
				t.Fatalf("run on the copy: exit %d\n%s", code, stderr)
			}
			if n := countPosts(sb.Kimai); n != posts {
				t.Errorf("a run on the copy %s posted %d timesheets again:\n%s", loc, n-posts, out)
			}
		}
		if code, _, _ := pipe(t, sb.Getenv, "state", "copy", filepath.Join(t.TempDir(), "none.db"), dst); code != exitUsage {
			t.Errorf("state copy of a missing file: exit %d, want 2", code)
		}
	})
}
