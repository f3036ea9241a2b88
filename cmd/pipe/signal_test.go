//go:build unix

package main

import (
	"errors"
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
// write arrives, then lets that write through after a while: the write in flight when the
// signal came.
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
			s.mu.Unlock()
			time.Sleep(300 * time.Millisecond)
		} else {
			s.mu.Unlock()
		}
	}
	s.h.ServeHTTP(w, r)
}

// TestSignalFinishesTheWriteInFlight: SIGTERM or SIGINT during a run lets the write in flight
// finish and be recorded, sends nothing more, and exits 143 or 130 saying "interrupted"; the
// next run books the rest, and Kimai holds every timesheet once.
func TestSignalFinishesTheWriteInFlight(t *testing.T) {
	bin := pipeBinary(t)
	for _, tc := range []struct {
		sig  os.Signal
		code int
		name string
	}{
		{syscall.SIGTERM, exitSIGTERM, "SIGTERM"},
		{syscall.SIGINT, exitSIGINT, "SIGINT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
			cmd := exec.Command(bin, "run", "testdata/crash.yaml", "--state", db, "--log-level", "warn")
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
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.code || !strings.Contains(out.String(), "interrupted by "+tc.name) {
				t.Fatalf("exit %v, want %d saying interrupted by %s\n%s", err, tc.code, tc.name, out.String())
			}
			if testing.Verbose() {
				t.Log(out.String())
			}
			if len(km.Timesheets()) != 3 || s.posts != 3 {
				t.Errorf("after the signal Kimai got %d writes and holds %d timesheets, want 3: the one in flight finishes, no other starts", s.posts, len(km.Timesheets()))
			}
			cmd = exec.Command(bin, "run", "testdata/crash.yaml", "--state", db, "--log-level", "warn")
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
