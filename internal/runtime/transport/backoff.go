package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/retry"
)

// recoverRun is how many answers in a row that are not throttled raise a lowered in-flight
// limit by one.
const recoverRun = 8

// gate is what slows a whole connection (one Transport) when the vendor says it is overloaded,
// not only the request that was told so:
//
//   - a pause: an answer 429 or 503 (or the vendor's busy code) with Retry-After, in seconds or
//     as an HTTP date, holds every attempt of the connection until that instant, at most
//     maxPause from the answer (a longer one is cut to it, and the log line says so);
//   - an adaptive in-flight limit (when Config.MaxInFlight > 0): at most limit requests are in
//     flight at once; limit halves (to no less than 1) on such an answer, and grows by one
//     after recoverRun answers in a row that were not, up to MaxInFlight (AIMD). Each change
//     is logged. The answers to requests sent before the limit was last lowered do not lower
//     it again: eight requests in flight answered 429 together halve it once, not eight times.
//
// Requests already sent when the vendor answers are not recalled: the pause and the limit apply
// to the attempts that start after it.
type gate struct {
	clock    clock.Clock
	log      *slog.Logger
	api      string
	max      int           // Config.MaxInFlight; 0: no in-flight bound
	maxPause time.Duration // the longest pause a Retry-After gets

	mu       sync.Mutex
	until    time.Time // no attempt starts before
	limit    int       // the current in-flight limit (max when it has not been lowered)
	inflight int
	okRun    int           // answers in a row not throttled, since the limit last changed
	epoch    int           // counts the times the limit was lowered
	freed    chan struct{} // closed and replaced when a slot frees or the limit grows
}

func newGate(cfg Config, api string) *gate {
	maxPause := cfg.Retry.Max
	if maxPause <= 0 {
		maxPause = retry.DefaultMax
	}
	return &gate{clock: cfg.Clock, log: cfg.Logger, api: api, max: max(cfg.MaxInFlight, 0),
		maxPause: maxPause, limit: max(cfg.MaxInFlight, 0), freed: make(chan struct{})}
}

// acquire waits until the connection's pause is over and a request slot is free, and takes the
// slot; release gives it back with the attempt's outcome. The token operation (op.NoAuth) takes
// no slot: a request holding one may be preparing, and fetching its token is part of that.
// acquire returns the epoch the request is sent in, for release.
func (g *gate) acquire(ctx context.Context, op *Op) (epoch int, err error) {
	for {
		g.mu.Lock()
		if until := g.until; until.After(g.clock.Now()) {
			g.mu.Unlock()
			if err := clock.SleepUntil(ctx, g.clock, until); err != nil {
				return 0, fmt.Errorf("%s: waiting for the connection's pause (the vendor asked to slow down): %w", op.FullName(), err)
			}
			continue // the pause may have been extended meanwhile
		}
		if op.NoAuth || g.max == 0 || g.inflight < g.limit {
			if !op.NoAuth {
				g.inflight++
			}
			epoch := g.epoch
			g.mu.Unlock()
			return epoch, nil
		}
		freed := g.freed
		g.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return 0, fmt.Errorf("%s: waiting for one of the connection's %d requests in flight to end: %w", op.FullName(), g.limit, ctx.Err())
		}
	}
}

// release gives back the slot of an attempt of op, sent in epoch, whose outcome is res. It
// returns the end of the pause res asked for, if it asked for one.
func (g *gate) release(op *Op, epoch int, res *result) (until time.Time, paused bool) {
	throttled := res.meta.Status == http.StatusTooManyRequests || res.meta.Status == http.StatusServiceUnavailable || res.busy
	g.mu.Lock()
	defer g.mu.Unlock()
	if !op.NoAuth {
		g.inflight--
	}
	switch {
	case throttled:
		until, paused = g.throttledLocked(op, epoch, res.meta.Status, res.after)
	case res.meta.Status != 0: // answered; a network error tells nothing about the load
		g.okRun++
		if g.max > 0 && g.limit < g.max && g.okRun >= recoverRun {
			g.okRun = 0
			g.limit++
			g.log.Info("in-flight limit raised after answers without throttling", "api", g.api, "limit", g.limit, "max", g.max)
		}
	}
	close(g.freed)
	g.freed = make(chan struct{})
	return until, paused
}

// throttledLocked pauses the connection for after (from now, at most maxPause) and halves the
// in-flight limit, unless it was lowered since the request was sent (in epoch). It returns the
// end of the pause, if after asks for one.
func (g *gate) throttledLocked(op *Op, epoch, status int, after time.Duration) (time.Time, bool) {
	g.okRun = 0
	if g.max > 0 && g.limit > 1 && epoch == g.epoch {
		from := g.limit
		g.limit = max(1, g.limit/2)
		g.epoch++
		g.log.Warn("in-flight limit lowered: the vendor is throttling", "api", g.api, "op", op.FullName(), "status", status,
			"from", from, "limit", g.limit)
	}
	if after <= 0 {
		return time.Time{}, false
	}
	pause := after
	if pause > g.maxPause {
		g.log.Warn("Retry-After beyond the longest pause: pausing for the longest", "api", g.api, "op", op.FullName(),
			"retry_after", after, "longest", g.maxPause)
		pause = g.maxPause
	}
	until := g.clock.Now().Add(pause)
	if until.After(g.until) {
		g.until = until
		g.log.Warn("connection paused: the vendor asked to retry later", "api", g.api, "op", op.FullName(), "status", status,
			"retry_after", pause, "until", until)
	}
	return until, true
}
