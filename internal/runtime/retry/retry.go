// Package retry holds the backoff policy of API clients: exponential backoff with jitter,
// capped, honouring a server's Retry-After, sleeping on an injectable clock.
//
// It has no global random state: callers pass the random source (nil means no jitter).
package retry

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// Defaults used for the zero fields of a [Policy].
const (
	DefaultMaxAttempts = 4
	DefaultBase        = 500 * time.Millisecond
	DefaultMax         = 30 * time.Second
	DefaultJitter      = 0.5
)

// Policy says how often and how long to back off. Its zero value is usable: 4 attempts, 500 ms
// doubling up to 30 s, with half of each backoff randomised.
type Policy struct {
	// MaxAttempts is the total number of attempts including the first; 0 or less means 4.
	// 1 means no retries.
	MaxAttempts int
	// Base is the backoff before the second attempt; it doubles for every later attempt.
	// 0 or less means 500 ms.
	Base time.Duration
	// Max caps every backoff, including one asked for by the server; 0 or less means 30 s.
	Max time.Duration
	// Jitter is the share of each backoff that is randomised, from 0 to 1 ("full jitter" at 1):
	// a backoff d becomes a random duration in [d×(1-Jitter), d]. 0 means 0.5; a negative
	// value turns jitter off, as does a nil random source. Values above 1 count as 1.
	Jitter float64
}

// Attempts returns MaxAttempts with its default applied.
func (p Policy) Attempts() int {
	if p.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return p.MaxAttempts
}

func (p Policy) base() time.Duration {
	if p.Base <= 0 {
		return DefaultBase
	}
	return p.Base
}

func (p Policy) max() time.Duration {
	if p.Max <= 0 {
		return DefaultMax
	}
	return p.Max
}

func (p Policy) jitter() float64 {
	switch {
	case p.Jitter == 0:
		return DefaultJitter
	case p.Jitter < 0:
		return 0
	case p.Jitter > 1:
		return 1
	}
	return p.Jitter
}

// Delay returns how long to wait before attempt n (n >= 2; it returns 0 for smaller n).
//
// When retryAfter is positive it is what the server asked for and is returned as it is,
// capped at Max and without jitter. Otherwise the backoff is Base×2^(n-2), capped at Max,
// then reduced by up to Jitter of itself using rnd, which returns values in [0, 1) like
// math/rand/v2.Float64 (values outside are clamped). A nil rnd means no jitter.
func (p Policy) Delay(n int, retryAfter time.Duration, rnd func() float64) time.Duration {
	if n < 2 {
		return 0
	}
	maxD := p.max()
	if retryAfter > 0 {
		return min(retryAfter, maxD)
	}
	d := p.base()
	for i := 2; i < n && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	if j := p.jitter(); rnd != nil && j > 0 {
		r := min(max(rnd(), 0), 1)
		d -= time.Duration(float64(d) * j * r)
	}
	return d
}

// Do calls f until it returns a nil error or retry=false, or until the attempts of p run out,
// sleeping on c for p.Delay between attempts. f receives the attempt number, starting at 1,
// and returns whether a failure may be retried and how long the server asked to wait (0 if it
// did not say).
//
// Do returns nil after a successful attempt and otherwise f's last error. If ctx ends, Do
// stops at once, without calling f again, and returns an error wrapping both ctx.Err() and
// f's last error, so errors.Is and errors.As see either.
func Do(ctx context.Context, c clock.Clock, p Policy, rnd func() float64,
	f func(ctx context.Context, attempt int) (retry bool, retryAfter time.Duration, err error)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("retry: not started: %w", err)
	}
	attempts := p.Attempts()
	for attempt := 1; ; attempt++ {
		again, after, err := f(ctx, attempt)
		if err == nil || !again || attempt >= attempts {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return stopped(attempt, cerr, err)
		}
		if serr := c.Sleep(ctx, p.Delay(attempt+1, after, rnd)); serr != nil {
			return stopped(attempt, serr, err)
		}
	}
}

// stopped wraps the context's error around the last error of f.
func stopped(attempt int, ctxErr, last error) error {
	return &StoppedError{Attempts: attempt, Ctx: ctxErr, Last: last}
}

// StoppedError is returned by [Do] when the context ended between attempts.
type StoppedError struct {
	Attempts int   // attempts made
	Ctx      error // the context's error
	Last     error // the last error returned by f
}

// Error names the attempts made, the context's error and the last error.
func (e *StoppedError) Error() string {
	return fmt.Sprintf("retry stopped after %d attempt(s): %v; last error: %v", e.Attempts, e.Ctx, e.Last)
}

// Unwrap returns the context's error and the last error of f.
func (e *StoppedError) Unwrap() []error { return []error{e.Ctx, e.Last} }

// ParseRetryAfter reads a Retry-After header value, either delay seconds ("120") or an HTTP
// date, relative to now. It returns 0 when the value is empty, invalid or in the past.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		if s > int64(365*24*time.Hour/time.Second) { // nonsense; avoid overflow
			s = int64(365 * 24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
