package transport

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/retry"
)

// syncBuffer is a log sink safe for the transport's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listOp = &Op{API: "kimai", Name: "listUsers", Method: "GET", Path: "/api/users"}

// TestRetryAfterPausesConnection: when one request is answered 429 or 503 with Retry-After
// (seconds or an HTTP date), another request of the same client started meanwhile waits until
// that instant before it is sent; a Retry-After beyond Retry.Max pauses for Retry.Max, and the
// log says so.
func TestRetryAfterPausesConnection(t *testing.T) {
	t0 := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		retryAfter string
		wantPause  time.Duration
		wantLog    []string
	}{
		{"429 seconds", 429, "2", 2 * time.Second, []string{"connection paused"}},
		{"503 seconds", 503, "2", 2 * time.Second, []string{"connection paused"}},
		{"429 HTTP date", 429, t0.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second, []string{"connection paused"}},
		{"beyond the longest pause", 429, "3600", 5 * time.Second, []string{"connection paused", "Retry-After beyond the longest pause", "longest=5s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := clock.NewManualFake(t0)
			var (
				mu       sync.Mutex
				arrivals []time.Duration // when each request reached the server, after t0
			)
			var n atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, clk.Now().Sub(t0))
				mu.Unlock()
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.WriteHeader(tc.status)
					fmt.Fprint(w, `{"code":429,"message":"slow down"}`)
					return
				}
				fmt.Fprint(w, `[]`)
			}))
			defer ts.Close()
			var logs syncBuffer
			tr, err := New(httpAPI, ts.URL, Config{Clock: clk, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
				Retry: retry.Policy{MaxAttempts: 2, Max: 5 * time.Second}}, nil, nil, Hooks{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			errs := make(chan error, 2)
			go func() { _, err := tr.Do(ctx, listOp, nil, nil); errs <- err }()
			// The first request was answered 429/503; its retry sleeps on the clock.
			if err := clk.BlockUntilWaiters(ctx, 1); err != nil {
				t.Fatal(err)
			}
			go func() { _, err := tr.Do(ctx, listOp, nil, nil); errs <- err }()
			// The second request waits for the connection's pause instead of being sent.
			if err := clk.BlockUntilWaiters(ctx, 2); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			if len(arrivals) != 1 {
				t.Errorf("%d requests reached the server during the pause, want only the first", len(arrivals))
			}
			mu.Unlock()
			clk.Advance(tc.wantPause)
			for range 2 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			want := []time.Duration{0, tc.wantPause, tc.wantPause}
			if diff := cmp.Diff(want, arrivals); diff != "" {
				t.Errorf("arrivals after t0 (-want +got):\n%s", diff)
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log does not say %q:\n%s", w, logs.String())
				}
			}
		})
	}
}

// inFlightServer answers GET requests; in hold mode each request waits for a token on release
// and the server tracks the most requests it held at once; in throttle mode it answers 429
// without Retry-After (after the hold, if it holds).
type inFlightServer struct {
	arrived  chan struct{}
	release  chan struct{}
	throttle atomic.Bool
	hold     atomic.Bool
	now      atomic.Int32
	most     atomic.Int32
}

// answer429 answers 429 without Retry-After.
func answer429(w http.ResponseWriter) {
	w.WriteHeader(http.StatusTooManyRequests)
	fmt.Fprint(w, `{"code":429,"message":"slow down"}`)
}

func (s *inFlightServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.throttle.Load() && !s.hold.Load() {
		answer429(w)
		return
	}
	n := s.now.Add(1)
	defer s.now.Add(-1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	if s.hold.Load() {
		s.arrived <- struct{}{}
		<-s.release
	}
	if s.throttle.Load() {
		answer429(w)
		return
	}
	fmt.Fprint(w, `[]`)
}

// concurrent sends callers requests at once while the server holds them, and returns the most
// the server saw in flight. It waits for want requests to arrive, then for a while for one more
// (none must come), then lets them all finish: answered 429 when throttle is set, else 200.
func (s *inFlightServer) concurrent(t *testing.T, tr *Transport, callers, want int) int {
	t.Helper()
	s.most.Store(0)
	s.hold.Store(true)
	defer s.hold.Store(false)
	throttled := s.throttle.Load()
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			if _, err := tr.Do(t.Context(), listOp, nil, nil); (err != nil) != throttled {
				t.Errorf("Do = %v with the server throttling: %v", err, throttled)
			}
		})
	}
	for i := range want {
		select {
		case <-s.arrived:
			continue
		case <-time.After(10 * time.Second): // a bound for a failing run, not a timing
			t.Errorf("only %d requests in flight, want %d", i, want)
		}
		break
	}
	select {
	case <-s.arrived:
		t.Errorf("a request beyond the in-flight limit of %d reached the server", want) // released below
	case <-time.After(50 * time.Millisecond): // a bound, not a timing: a later arrival is caught below
	}
	// Release every caller; those still to arrive are released as they arrive.
	for released := 0; released < callers; released++ {
		select {
		case s.release <- struct{}{}:
		case <-s.arrived:
			released--
		}
	}
	wg.Wait()
	return int(s.most.Load())
}

// TestInFlightBackoff: with MaxInFlight 4 the server sees at most 4 requests at once; 429s
// answered together to those 4 halve the bound once, to 2, and a later 429 to 1; each run of
// recoverRun answers without throttling raises it by one, back to 4; each change is logged.
func TestInFlightBackoff(t *testing.T) {
	s := &inFlightServer{arrived: make(chan struct{}), release: make(chan struct{})}
	ts := httptest.NewServer(s)
	defer ts.Close()
	var logs syncBuffer
	tr, err := New(httpAPI, ts.URL, Config{Clock: clock.NewFake(time.Unix(0, 0)), Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Retry: retry.Policy{MaxAttempts: 1}, MaxInFlight: 4}, nil, nil, Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.concurrent(t, tr, 8, 4); got != 4 {
		t.Errorf("at most %d requests in flight with MaxInFlight 4, want 4", got)
	}
	s.throttle.Store(true)
	if got := s.concurrent(t, tr, 4, 4); got != 4 {
		t.Errorf("at most %d requests in flight with MaxInFlight 4, want 4", got)
	}
	if got := s.concurrent(t, tr, 4, 2); got != 2 {
		t.Errorf("at most %d requests in flight after 4 requests answered 429 together, want 2", got)
	}
	s.throttle.Store(false)
	if got := s.concurrent(t, tr, 4, 1); got != 1 {
		t.Errorf("at most %d requests in flight after a second round of 429s, want 1", got)
	}
	// The 4 answers above count toward the first raise.
	for range 3*recoverRun - 4 {
		if _, err := tr.Do(t.Context(), listOp, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.concurrent(t, tr, 8, 4); got != 4 {
		t.Errorf("at most %d requests in flight after %d answers without throttling, want 4 again", got, 3*recoverRun)
	}
	var changes []string
	for l := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(l, "in-flight limit") {
			_, lim, _ := strings.Cut(l, " limit=")
			lim, _, _ = strings.Cut(lim, " ")
			verb := "raised"
			if strings.Contains(l, "lowered") {
				verb = "lowered"
			}
			changes = append(changes, verb+" "+lim)
		}
	}
	if diff := cmp.Diff([]string{"lowered 2", "lowered 1", "raised 2", "raised 3", "raised 4"}, changes); diff != "" {
		t.Errorf("logged limit changes (-want +got):\n%s\n%s", diff, logs.String())
	}
}

// TestPauseSharedByRateKey: a pause asked of one client holds the next call of another client
// with the same rate key (sharing the limiter, as the clients of a run and, through the state
// store, the processes do), not only the calls of its own connection.
func TestPauseSharedByRateKey(t *testing.T) {
	t0 := time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(t0)
	var arrivals []time.Duration
	var mu sync.Mutex
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals = append(arrivals, clk.Now().Sub(t0))
		mu.Unlock()
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"status":0,"error":"busy"}`)
			return
		}
		fmt.Fprint(w, `{"status":1,"error":"","data":{}}`)
	}))
	defer ts.Close()
	api := *fieldAPI
	api.RateLimits = []RateLimit{{Name: "account", Interval: time.Second, Per: []string{"account"}}}
	cfg := Config{Clock: clk, Limiter: ratelimit.NewMemory(clk), Retry: retry.Policy{MaxAttempts: 1, Max: 30 * time.Second}}
	op := &Op{API: "kq", Name: "r", Method: "GET", Path: "/"}
	var trs []*Transport
	for range 2 {
		tr, err := New(&api, ts.URL, cfg, map[string]string{"account": "a"}, nil, Hooks{})
		if err != nil {
			t.Fatal(err)
		}
		trs = append(trs, tr)
	}
	if _, err := trs[0].Do(t.Context(), op, nil, nil); err == nil {
		t.Fatal("a 429 was not an error")
	}
	if _, err := trs[1].Do(t.Context(), op, nil, nil); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{0, 5 * time.Second}, arrivals); diff != "" {
		t.Errorf("arrivals after t0 (-want +got):\n%s", diff)
	}
}
