package state

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

func TestLockInProcess(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		clk := &fakeNow{t: t0}
		s := open(t, be.New(t), WithNow(clk.now))
		clk.t = t0
		release, err := s.Lock(ctx, "p") // at t0+1s
		if err != nil {
			t.Fatal(err)
		}
		// A second Lock by the same process is refused.
		_, err = s.Lock(ctx, "p")
		var le *LockedError
		if !errors.As(err, &le) {
			t.Fatalf("second Lock = %v, want a *LockedError", err)
		}
		want := &LockedError{Pipeline: "p", LockHolder: LockHolder{PID: s.pid, Host: s.host, Since: t0.Add(time.Second),
			Expires: t0.Add(time.Second + DefaultLease), Heartbeat: t0.Add(time.Second)}}
		if diff := cmp.Diff(want, le); diff != "" {
			t.Errorf("LockedError (-want +got):\n%s", diff)
		}
		for _, part := range []string{`"p"`, "pid " + strconv.Itoa(s.pid), "2026-11-23T09:00:01Z"} {
			if !strings.Contains(le.Error(), part) {
				t.Errorf("LockedError.Error() = %q, want it to contain %q", le.Error(), part)
			}
		}
		// Other pipelines are independent.
		releaseQ, err := s.Lock(ctx, "q")
		if err != nil {
			t.Fatalf("Lock of another pipeline: %v", err)
		}
		st, err := s.Stats(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want.LockHolder, st.Lock); diff != "" {
			t.Errorf("Stats.Lock (-want +got):\n%s", diff)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		if err := release(); err != nil {
			t.Errorf("second release: %v", err)
		}
		if st, err := s.Stats(ctx, "p"); err != nil || st.Lock != nil {
			t.Errorf("Stats.Lock after release = %+v, %v; want nil", st.Lock, err)
		}
		// Released: it can be taken again, with a context that ends before the release.
		cctx, cancel := context.WithCancel(ctx)
		release, err = s.Lock(cctx, "p")
		if err != nil {
			t.Fatalf("Lock after release: %v", err)
		}
		cancel()
		if err := release(); err != nil {
			t.Errorf("release after the Lock context ended: %v", err)
		}
		// A lock broken by hand is reported by its release.
		if err := s.BreakLock(ctx, "q"); err != nil {
			t.Fatal(err)
		}
		if err := releaseQ(); err == nil {
			t.Error("release of a broken lock: no error")
		}
	})
}

// TestLockHeldByOthers puts lock rows in the store as other runs would leave them: without a
// lease (an older specpipe), and with a live or an expired lease.
func TestLockHeldByOthers(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		deadPID := exitedPID(t)
		tests := []struct {
			name     string
			pid      int
			host     string
			expires  time.Time
			takeover bool
		}{
			{"dead process on this host", deadPID, s.host, time.Time{}, true},
			{"live process on this host", 1, s.host, time.Time{}, false}, // init never dies
			{"dead process's pid on another host", deadPID, s.host + "-other", time.Time{}, false},
			{"live lease of another host", deadPID, s.host + "-other", time.Now().Add(time.Hour), false},
			{"live lease of a live process on this host", 1, s.host, time.Now().Add(time.Hour), false},
			{"live lease of a dead process on this host", deadPID, s.host, time.Now().Add(time.Hour), true},
			{"expired lease of another host", deadPID, s.host + "-other", time.Now().Add(-time.Second), true},
			{"expired lease of a reused pid on this host", 1, s.host, time.Now().Add(-time.Second), true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := s.exec(ctx, `INSERT INTO locks (pipeline, pid, host, since, expires) VALUES ('p', ?, ?, ?, ?)
					ON CONFLICT (pipeline) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
						token = 0, expires = excluded.expires, heartbeat = 0`,
					tt.pid, tt.host, nanos(t0), nanos(tt.expires)); err != nil {
					t.Fatal(err)
				}
				release, err := s.Lock(ctx, "p")
				if tt.takeover {
					if err != nil {
						t.Fatalf("Lock = %v, want a takeover", err)
					}
					if err := release(); err != nil {
						t.Fatal(err)
					}
					return
				}
				var le *LockedError
				if !errors.As(err, &le) {
					t.Fatalf("Lock = %v, want a *LockedError", err)
				}
				if le.PID != tt.pid || le.Host != tt.host || !le.Since.Equal(t0) {
					t.Errorf("LockedError = %+v, want pid %d on %s since %v", le, tt.pid, tt.host, t0)
				}
			})
		}
	})
}

// exitedPID returns the ID of a process that has exited and been reaped.
func exitedPID(t *testing.T) int {
	t.Helper()
	cmd := helperCmd(t, "none", "")
	cmd.Stderr = nil
	cmd.Run() // the helper fails at once: unknown helper
	return cmd.Process.Pid
}

func TestLockAcrossProcesses(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		if testing.Short() {
			t.Skip("starts processes")
		}
		ctx := context.Background()
		db := newDB(t, be)
		s := open(t, db)

		t.Run("a live process holds it", func(t *testing.T) {
			cmd, stdin := startHelper(t, "lock-hold", db, "locked")
			_, err := s.Lock(ctx, helperPipeline)
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("Lock while the helper holds it = %v, want a *LockedError", err)
			}
			if le.PID != cmd.Process.Pid {
				t.Errorf("LockedError names pid %d, want the helper's %d", le.PID, cmd.Process.Pid)
			}
			if !strings.Contains(le.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
				t.Errorf("LockedError.Error() = %q does not name the helper's pid %d", le.Error(), cmd.Process.Pid)
			}
			// The helper releases when its stdin closes.
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Fatalf("helper: %v", err)
			}
			release, err := s.Lock(ctx, helperPipeline)
			if err != nil {
				t.Fatalf("Lock after the helper released it: %v", err)
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("a process died holding it", func(t *testing.T) {
			cmd, _ := startHelper(t, "lock-exit", db, "locked")
			if err := cmd.Wait(); err != nil {
				t.Fatalf("helper: %v", err)
			}
			st, err := s.Stats(ctx, helperPipeline)
			if err != nil {
				t.Fatal(err)
			}
			if st.Lock == nil || st.Lock.PID != cmd.Process.Pid {
				t.Fatalf("lock holder after the helper died = %+v, want its pid %d", st.Lock, cmd.Process.Pid)
			}
			release, err := s.Lock(ctx, helperPipeline)
			if err != nil {
				t.Fatalf("Lock after its holder died = %v, want a takeover", err)
			}
			if st, err := s.Stats(ctx, helperPipeline); err != nil || st.Lock == nil || st.Lock.PID != s.pid {
				t.Errorf("lock holder after the takeover = %+v, %v; want pid %d", st.Lock, err, s.pid)
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
		})
	})
}
