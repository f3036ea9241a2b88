package registry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/specpipe/specpipe/generated/kimai"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/retry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// TestConnectNeverFollowsRedirects: a client made by Connect with the call counters the engine
// sets (OnRequest, OnAnswer, which wrap the HTTP client) leaves every redirect to the transport:
// a read follows one to the same host (the transport resends it), and a write answered by a
// redirect never reaches where it points. Were the wrapped client to follow redirects itself, the
// transport could only cancel the resent request, and net/http may still send it on an idle
// connection (the read leaves one to the target).
func TestConnectNeverFollowsRedirects(t *testing.T) {
	var reqs atomic.Int64
	target := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/api/customers" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("[]"))
			return
		}
		reqs.Add(1)
		http.Error(w, "must not be reached", http.StatusTeapot)
	}))
	target.Start()
	defer target.Close()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer proxy.Close()

	var sent, answered atomic.Int64
	sh := registry.Shared{Transport: transport.Config{Retry: retry.Policy{MaxAttempts: 1}},
		OnRequest: func() { sent.Add(1) }, OnAnswer: func() { answered.Add(1) }}
	c, err := kimai.API().Connect(registry.Settings{BaseURL: proxy.URL, Credentials: map[string]string{"token": "t0ken"}}, sh)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		for _, err := range c.Call(context.Background(), "listCustomers", nil, false) {
			if err != nil {
				t.Fatalf("a read redirected to the same host: %v", err)
			}
		}
		for _, err := range c.Call(context.Background(), "createCustomer", map[string]any{"name": "重定向客户", "country": "CN",
			"currency": "CNY", "timezone": "Asia/Shanghai"}, false) {
			if err == nil {
				t.Fatal("a redirected write succeeded")
			}
		}
	}
	if m := reqs.Load(); m != 0 {
		t.Errorf("the redirect target saw %d requests besides the reads, want none", m)
	}
	// Each read is two requests (the redirect and the resent read), each write one.
	if s, a := sent.Load(), answered.Load(); s != 60 || a != 60 {
		t.Errorf("OnRequest ran %d times and OnAnswer %d, want 60 each", s, a)
	}
}
