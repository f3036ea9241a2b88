package emukit

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// FaultKind names one way a request can go wrong.
type FaultKind string

// The faults an emulator can inject.
const (
	FaultNone      FaultKind = ""
	Fault5xx       FaultKind = "5xx"        // 502 with an nginx-style HTML page; the request is not processed
	FaultDrop      FaultKind = "drop"       // the connection is closed before the request is processed
	FaultDropAfter FaultKind = "drop-after" // the request is processed, then the connection is closed with no answer
	FaultTruncate  FaultKind = "truncate"   // the request is processed and half of the answer is sent
	FaultHTML      FaultKind = "html"       // 200 with an HTML page instead of JSON; not processed
	FaultRateLimit FaultKind = "ratelimit"  // the vendor's own rate-limit answer; not processed
)

// FaultConfig sets the share (0 to 1) of requests that get each fault, and a latency added to all.
type FaultConfig struct {
	Latency   time.Duration `json:"latency,omitempty"`
	Error5xx  float64       `json:"error_5xx,omitempty"`
	Drop      float64       `json:"drop,omitempty"`
	DropAfter float64       `json:"drop_after,omitempty"`
	Truncate  float64       `json:"truncate,omitempty"`
	HTML      float64       `json:"html,omitempty"`
	RateLimit float64       `json:"rate_limit,omitempty"`
	Seed      uint64        `json:"seed,omitempty"` // the random sequence is reproducible for a given seed
}

// Faults decides which requests fail. The zero value injects nothing. It is safe for concurrent use.
type Faults struct {
	mu    sync.Mutex
	cfg   FaultConfig
	rng   *rand.Rand
	queue []FaultKind
	match func(*http.Request) bool
}

// Set replaces the configuration and restarts the random sequence from cfg.Seed.
func (f *Faults) Set(cfg FaultConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg = cfg
	f.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
}

// Only limits random and queued faults to requests for which match reports true (nil: all requests).
func (f *Faults) Only(match func(*http.Request) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.match = match
}

// Queue makes the next matching requests fail with kinds, in order, before any random fault.
func (f *Faults) Queue(kinds ...FaultKind) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, kinds...)
}

// Clear removes every fault and the latency.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg, f.queue, f.match = FaultConfig{}, nil, nil
}

func (f *Faults) next(r *http.Request) (FaultKind, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.match != nil && !f.match(r) {
		return FaultNone, f.cfg.Latency
	}
	if len(f.queue) > 0 {
		k := f.queue[0]
		f.queue = f.queue[1:]
		return k, f.cfg.Latency
	}
	if f.rng == nil {
		return FaultNone, f.cfg.Latency
	}
	x := f.rng.Float64()
	for _, c := range []struct {
		share float64
		kind  FaultKind
	}{{f.cfg.Error5xx, Fault5xx}, {f.cfg.Drop, FaultDrop}, {f.cfg.DropAfter, FaultDropAfter},
		{f.cfg.Truncate, FaultTruncate}, {f.cfg.HTML, FaultHTML}, {f.cfg.RateLimit, FaultRateLimit}} {
		if x < c.share {
			return c.kind, f.cfg.Latency
		}
		x -= c.share
	}
	return FaultNone, f.cfg.Latency
}

// Middleware wraps an emulator's handler with fault injection and journals the faults it injects.
// Requests that reach the handler are journaled by the handler itself, which knows the vendor's
// parameters and outcome.
type Middleware struct {
	Faults  *Faults
	Journal *Journal
	Clock   Clock
	// Secrets names the parameters masked in journal entries written here.
	Secrets []string
	// RateLimit writes the vendor's own rate-limit answer for FaultRateLimit. Nil: HTTP 429.
	RateLimit http.HandlerFunc
}

const badGatewayPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const maintenancePage = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>系统维护中</title></head><body><h1>系统维护中,请稍后再试</h1></body></html>"

// Wrap returns h with faults applied in front of it.
func (m Middleware) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.Faults == nil {
			h.ServeHTTP(w, r)
			return
		}
		kind, latency := m.Faults.next(r)
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		switch kind {
		case FaultNone:
			h.ServeHTTP(w, r)
		case Fault5xx:
			m.journal(r, http.StatusBadGateway, kind)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, badGatewayPage)
		case FaultHTML:
			m.journal(r, http.StatusOK, kind)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, maintenancePage)
		case FaultRateLimit:
			m.journal(r, 0, kind)
			if m.RateLimit != nil {
				m.RateLimit(w, r)
				return
			}
			w.WriteHeader(http.StatusTooManyRequests)
		case FaultDrop:
			m.journal(r, 0, kind)
			hangUp(w)
		case FaultDropAfter:
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			m.journal(r, 0, kind)
			hangUp(w)
		case FaultTruncate:
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			m.journal(r, rec.Code, kind)
			body := rec.Body.Bytes()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body[:len(body)/2])
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			hangUp(w)
		}
	})
}

func (m Middleware) journal(r *http.Request, status int, kind FaultKind) {
	if m.Journal == nil {
		return
	}
	var now time.Time
	if m.Clock != nil {
		now = m.Clock.Now()
	}
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[len(v)-1]
		}
	}
	m.Journal.Add(Entry{Time: now, Method: r.Method, Path: r.URL.Path, Params: params, Status: status,
		Outcome: "fault: " + string(kind)}, m.Secrets...)
}

// hangUp closes the client connection without a (complete) answer.
func hangUp(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http closes the connection without logging
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
