package transport_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/specpipe/specpipe/generated/kimai"
	emu "github.com/specpipe/specpipe/internal/emulator/kimai"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// seen records the requests that reached the Kimai emulator, with their credential headers.
type seen struct {
	mu   sync.Mutex
	reqs []string // "METHOD /path auth=<which credentials came along>"
}

func (s *seen) add(r *http.Request) {
	var creds []string
	for _, h := range []string{"Authorization", "X-AUTH-USER", "X-AUTH-TOKEN"} {
		if r.Header.Get(h) != "" {
			creds = append(creds, h)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r.Method+" "+r.URL.Path+" auth="+strings.Join(creds, ","))
}

func (s *seen) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reqs...)
}

// wrappingDoer is a Doer that is not an *http.Client but sends through one that follows
// redirects, as a caller's instrumentation around an http.Client of its own may.
type wrappingDoer struct{ next *http.Client }

func (d wrappingDoer) Do(r *http.Request) (*http.Response, error) { return d.next.Do(r) }

// TestRedirects puts a redirecting proxy (httptest) in front of the Kimai emulator: a write
// answered by a redirect is an error that names the Location and nothing reaches the emulator
// (no write resent as a GET, no credentials carried along); a read follows a redirect to the
// same host (another port, as http→https is) keeping its method, and refuses one to another
// host, which never sees the credentials. Both with the transport's own HTTP client and with a
// Doer that follows redirects itself.
func TestRedirects(t *testing.T) {
	e, err := emu.New(emu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got seen
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.add(r)
		e.ServeHTTP(w, r)
	}))
	defer target.Close()
	tu, _ := url.Parse(target.URL)
	sameHost := target.URL                       // 127.0.0.1, another port
	otherHost := "http://localhost:" + tu.Port() // the same server under another name
	var location string                          // set per case
	status := http.StatusMovedPermanently        // set per case
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location+r.URL.RequestURI(), status)
	}))
	defer proxy.Close()

	doers := map[string]func() transport.Doer{
		"own client":     func() transport.Doer { return nil },
		"following Doer": func() transport.Doer { return wrappingDoer{next: &http.Client{}} },
	}
	tests := []struct {
		name    string
		to      string
		status  int
		write   bool
		wantErr string   // "" means success
		want    []string // requests that reached the emulator
	}{
		{"write, 301 to the same host", sameHost, 301, true, "redirect", nil},
		{"write, 302 to the same host", sameHost, 302, true, "redirect", nil},
		{"write, 307 to the same host", sameHost, 307, true, "redirect", nil},
		{"write, 308 to another host", otherHost, 308, true, "redirect", nil},
		{"write, 301 to another host", otherHost, 301, true, "redirect", nil},
		{"read, 301 to the same host", sameHost, 301, false, "", []string{"GET /api/customers auth=X-AUTH-USER,X-AUTH-TOKEN"}},
		{"read, 307 to the same host", sameHost, 307, false, "", []string{"GET /api/customers auth=X-AUTH-USER,X-AUTH-TOKEN"}},
		{"read, 301 to another host", otherHost, 301, false, "another host", nil},
	}
	for dname, doer := range doers {
		for _, tc := range tests {
			t.Run(dname+"/"+tc.name, func(t *testing.T) {
				got.mu.Lock()
				got.reqs = nil
				got.mu.Unlock()
				location, status = tc.to, tc.status
				c, err := kimai.New(kimai.Config{BaseURL: proxy.URL, User: emu.SandboxAdminUser, Password: emu.SandboxAdminPassword,
					Options: kimai.Options{HTTPClient: doer(), Retry: retry.Policy{MaxAttempts: 1}}})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				if tc.write {
					_, err = c.CreateCustomer(ctx, kimai.CreateCustomerParams{Name: "重定向客户 " + dname, Country: "CN", Currency: "CNY", Timezone: "Asia/Shanghai"})
				} else {
					_, err = c.ListCustomers(ctx, kimai.ListCustomersParams{})
				}
				if tc.wantErr == "" {
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
				} else {
					// A Doer that follows redirects is stopped before it connects to the
					// location, of which the transport then knows the host and port only.
					where := tc.to
					if dname == "following Doer" {
						where = strings.TrimPrefix(where, "http://")
					}
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), where) {
						t.Fatalf("err = %v, want an error that contains %q and names the location %s", err, tc.wantErr, where)
					}
					var re *transport.RedirectError
					if !errors.As(err, &re) || (dname == "own client" && re.Status != tc.status) {
						t.Errorf("err = %#v, want a *transport.RedirectError with status %d", err, tc.status)
					}
					// A following Doer is stopped on a best-effort basis: a stopped write is
					// of unknown outcome (the ledger reconciles it rather than resending).
					if want := dname == "following Doer" && tc.write; transport.OutcomeUnknown(err) != want {
						t.Errorf("OutcomeUnknown(%v) = %v, want %v", err, !want, want)
					}
					if strings.Contains(err.Error(), `Post "`) || strings.Contains(err.Error(), `Get "`) {
						t.Errorf("err %q holds the request's URL (which may carry a token or a signature)", err)
					}
					if strings.Contains(err.Error(), emu.SandboxAdminPassword) {
						t.Errorf("err %q holds the password", err)
					}
				}
				// What reaches the emulator is exact with the transport's own client; a
				// Doer that follows redirects may, rarely, send on an idle connection before
				// its cancellation lands (TestConnectNeverFollowsRedirects in
				// internal/runtime/registry pins that the engine's clients never follow).
				if g := got.all(); dname == "own client" && strings.Join(g, "|") != strings.Join(tc.want, "|") {
					t.Errorf("requests that reached the emulator = %q, want %q", g, tc.want)
				}
			})
		}
	}
	for _, c := range e.Snapshot().Customers {
		if c.Name == "重定向客户 own client" {
			t.Errorf("a redirected write created customer %d", c.ID)
		}
	}
}
