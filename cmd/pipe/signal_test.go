//go:build unix

package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/emulator/kqapi"
)

// signaller wraps the Kimai emulator and signals the pipe process when its third timesheet
// write arrives, then lets that write, and every one after it, through after a while: the
// writes in flight when the signal came.
type signaller struct {
	h   http.Handler
	sig os.Signal

	mu    sync.Mutex
	proc  *os.Process
	posts int
}

func (s *signaller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/api/timesheets" {
		s.mu.Lock()
		s.posts++
		if s.posts == 3 && s.proc != nil {
			_ = s.proc.Signal(s.sig)
		}
		held := s.posts >= 3 && s.proc != nil // in the run that gets the signal
		s.mu.Unlock()
		if held {
			time.Sleep(300 * time.Millisecond)
		}
	}
	s.h.ServeHTTP(w, r)
}

// TestSignalFinishesTheWriteInFlight: SIGTERM or SIGINT during a run lets the writes in flight
// finish and be recorded, sends nothing more, and exits 143 or 130 saying "interrupted"; the
// next run books the rest, and Kimai holds every timesheet once. With one write at a time the
// third is the one in flight; with 4, the writes started before the signal came (the third and
// up to 3 beside it, posts 1 and 2 done or not) finish, and none starts after.
func TestSignalFinishesTheWriteInFlight(t *testing.T) {
	bin := pipeBinary(t)
	for _, tc := range []struct {
		sig         os.Signal
		code        int
		name        string
		concurrency int
	}{
		{syscall.SIGTERM, exitSIGTERM, "SIGTERM", 1},
		{syscall.SIGINT, exitSIGINT, "SIGINT", 1},
		{syscall.SIGTERM, exitSIGTERM, "SIGTERM", 4},
	} {
		t.Run(fmt.Sprintf("%s concurrency %d", tc.name, tc.concurrency), func(t *testing.T) {
			file := withConcurrency(t, "testdata/crash.yaml", tc.concurrency)
			kq, err := kqapi.New(kqapi.Options{RateInterval: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			km, err := kimai.New(kimai.Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := &signaller{h: km, sig: tc.sig}
			kqs, kms := httptest.NewServer(kq), httptest.NewServer(s)
			defer kqs.Close()
			defer kms.Close()
			db := filepath.Join(t.TempDir(), "state.db")
			env := append(os.Environ(), "KQAPI_BASE_URL="+kqs.URL, "KQAPI_ACCOUNT="+kqapi.SandboxAccount, "KQAPI_KEY="+kqapi.SandboxKey,
				"KIMAI_BASE_URL="+kms.URL, "KIMAI_TOKEN="+kimai.SandboxAdminToken)
			cmd := exec.Command(bin, "run", file, "--state", db, "--log-level", "warn")
			cmd.Env = env
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			s.proc = cmd.Process
			s.mu.Unlock()
			err = cmd.Wait()
			s.mu.Lock()
			s.proc = nil
			s.mu.Unlock()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code || !strings.Contains(out.String(), "interrupted by "+tc.name) {
				t.Fatalf("exit %v, want %d saying interrupted by %s\n%s", err, tc.code, tc.name, out.String())
			}
			if testing.Verbose() {
				t.Log(out.String())
			}
			if want := 3; tc.concurrency == 1 && (len(km.Timesheets()) != want || s.posts != want) {
				t.Errorf("after the signal Kimai got %d writes and holds %d timesheets, want %d: the one in flight finishes, no other starts", s.posts, len(km.Timesheets()), want)
			}
			if most := 2 + tc.concurrency; len(km.Timesheets()) != s.posts || s.posts < 3 || s.posts > most {
				t.Errorf("after the signal Kimai got %d writes and holds %d timesheets, want 3 to %d, all held: those in flight finish, no other starts", s.posts, len(km.Timesheets()), most)
			}
			cmd = exec.Command(bin, "run", file, "--state", db, "--log-level", "warn")
			cmd.Env = env
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the next run: %v\n%s", err, b)
			}
			sheets := sheetLines(km)
			seen := map[string]bool{}
			for _, l := range sheets {
				if seen[l] {
					t.Errorf("booked twice: %s", l)
				}
				seen[l] = true
			}
			if s.posts != len(sheets) {
				t.Errorf("%d writes for %d timesheets: the write in flight was not recorded", s.posts, len(sheets))
			}
		})
	}
}
