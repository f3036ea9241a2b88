package main

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
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
