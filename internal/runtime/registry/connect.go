package registry

import (
	"maps"
	"net/http"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// Shared is what the clients of one run share, whatever their API: the transport's defaults
// (clock, limiter, HTTP client, logger, token store, retry timing) and hooks told of every
// HTTP request a client sends and of its answer (the run's call counter and progress). Share one Limiter between the clients
// of a run (or use the state store's), so that calls of one credential are spaced across
// clients and processes.
type Shared struct {
	Transport transport.Config
	OnRequest func() // before each request
	OnAnswer  func() // after each request, answered or not
}

// Connect makes a client of a: the connection's settings (base URL, credentials and what a
// pipeline sets of the transport: timeout, rate-limit intervals, attempts, requests in flight)
// over what the run shares. A nil clock is the wall clock, a nil limiter one of this client
// alone, a nil HTTP client http.Client's defaults, keeping up to MaxConcurrency idle connections
// per host.
func (a *API) Connect(s Settings, sh Shared) (Client, error) {
	cfg := sh.Transport
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.NewMemory(cfg.Clock)
	}
	if cfg.HTTPClient == nil {
		// As many idle connections per host as a connection may have requests in flight, so
		// that concurrent writes reuse them (http.DefaultTransport keeps 2 and dials the rest
		// again for every request).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = MaxConcurrency
		cfg.HTTPClient = &http.Client{Transport: tr}
	}
	// Redirects are the transport's to follow, also through the counting wrapper below.
	cfg.HTTPClient = transport.WithoutRedirects(cfg.HTTPClient)
	if sh.OnRequest != nil || sh.OnAnswer != nil {
		cfg.HTTPClient = countingDoer{next: cfg.HTTPClient, before: sh.OnRequest, after: sh.OnAnswer}
	}
	if s.Transport.Timeout > 0 {
		cfg.Timeout = s.Transport.Timeout
	}
	if len(s.Transport.Intervals) > 0 {
		iv := make(map[string]time.Duration, len(cfg.Intervals)+len(s.Transport.Intervals))
		maps.Copy(iv, cfg.Intervals)
		maps.Copy(iv, s.Transport.Intervals)
		cfg.Intervals = iv
	}
	if s.Transport.Retry.MaxAttempts > 0 {
		cfg.Retry.MaxAttempts = s.Transport.Retry.MaxAttempts
	}
	if s.Transport.MaxInFlight > 0 {
		cfg.MaxInFlight = s.Transport.MaxInFlight
	}
	s.Transport = cfg
	return a.New(s)
}

// countingDoer tells before of every request before sending it, and after once it is answered
// (or failed).
type countingDoer struct {
	next          transport.Doer
	before, after func()
}

func (d countingDoer) Do(r *http.Request) (*http.Response, error) {
	if d.before != nil {
		d.before()
	}
	resp, err := d.next.Do(r)
	if d.after != nil {
		d.after()
	}
	return resp, err
}
