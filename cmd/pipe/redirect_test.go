package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/specpipe/specpipe/internal/emulator/kimai"
)

// TestRunBehindARedirect runs a booking through a proxy that redirects every request to the
// sandbox's Kimai (an http:// URL in front of https is common), with the legacy X-AUTH
// password. To the same host (another port, as http→https is) the reads follow, but every
// write is refused with an error that names the Location, nothing is created, nothing is
// recorded as done, and a rerun at the right URL books everything. To another host nothing at
// all reaches Kimai, so the password never goes there.
func TestRunBehindARedirect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		otherHost bool
	}{
		{"same host", false},
		{"another host", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := startSandbox(t)
			target := sb.KimaiURL
			if tc.otherHost {
				u, err := url.Parse(sb.KimaiURL)
				if err != nil {
					t.Fatal(err)
				}
				target = "http://localhost:" + u.Port()
			}
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusMovedPermanently)
			}))
			defer proxy.Close()
			env := func(base string) func(string) string {
				return func(name string) string {
					switch name {
					case "KIMAI_BASE_URL":
						return base
					case "KIMAI_TOKEN":
						return ""
					case "KIMAI_USER":
						return kimai.SandboxAdminUser
					case "KIMAI_PASSWORD":
						return kimai.SandboxAdminPassword
					}
					return sb.Getenv(name)
				}
			}
			db := filepath.Join(t.TempDir(), "state.db")
			before := len(sb.Kimai.Timesheets())
			seen := len(sb.Kimai.Journal.Entries())

			code, out, stderr := pipe(t, env(proxy.URL), "run", "testdata/book.yaml", "--state", db)
			if code == exitOK {
				t.Fatalf("a run whose writes were all redirected exited 0\n%s\n%s", out, stderr)
			}
			if got := len(sb.Kimai.Timesheets()) - before; got != 0 {
				t.Fatalf("a redirected run created %d timesheets", got)
			}
			if !strings.Contains(out+stderr, target) && !strings.Contains(out+stderr, strings.TrimPrefix(target, "http://")) {
				t.Errorf("the output does not name the Location %s:\n%s\n%s", target, out, stderr)
			}
			if strings.Contains(out+stderr, kimai.SandboxAdminPassword) {
				t.Error("the password reached the output")
			}
			if tc.otherHost {
				if got := len(sb.Kimai.Journal.Entries()) - seen; got != 0 {
					t.Errorf("%d requests reached the other host", got)
				}
				return
			}
			// Nothing was recorded as done: a rerun at Kimai's own URL books every timesheet.
			code, out, stderr = pipe(t, env(sb.KimaiURL), "run", "testdata/book.yaml", "--state", db)
			if got := len(sb.Kimai.Timesheets()) - before; got < 50 {
				t.Fatalf("the rerun booked %d timesheets, want every one (~90): the redirected run recorded them as done\n%s\n%s", got, out, stderr)
			}
			if code != exitOK {
				t.Fatalf("the rerun at Kimai's own URL exited %d, want 0: the redirected write that stopped the run (nothing was sent) must be sent, not called of unknown outcome\n%s\n%s", code, out, stderr)
			}
			count := map[string]int{}
			for _, ts := range sb.Kimai.Timesheets()[before:] {
				if count[ts.Description]++; count[ts.Description] == 2 {
					t.Errorf("Kimai holds %q more than once", ts.Description)
				}
			}
		})
	}
}

// TestWriteWithoutAnIDIsNotDone: a write whose answer carries no data (HTTP 200 with an empty
// body, which a misconfigured proxy gives) is not recorded as done: whether it took effect is
// unknown, so the run fails those records, and a rerun does not skip them as done.
func TestWriteWithoutAnIDIsNotDone(t *testing.T) {
	sb := startSandbox(t)
	target, err := url.Parse(sb.KimaiURL)
	if err != nil {
		t.Fatal(err)
	}
	fwd := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/api/timesheets" {
			w.WriteHeader(http.StatusOK) // nothing created, nothing said
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
