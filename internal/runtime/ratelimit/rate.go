package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// Rate is a [Limiter] that allows r calls a second per key with bursts of up to burst calls,
// using a golang.org/x/time/rate token bucket per key. It suits limits stated per second; the
// interval passed to Wait is ignored. It is safe for concurrent use by multiple goroutines.
type Rate struct {
	clock clock.Clock
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  map[string]*rate.Limiter
}

var _ Limiter = (*Rate)(nil)

// NewRate returns a Rate allowing r calls a second per key with bursts of burst calls, reading
// and sleeping on c. A burst below 1 is treated as 1.
func NewRate(c clock.Clock, r rate.Limit, burst int) *Rate {
	return &Rate{clock: c, limit: r, burst: max(burst, 1), keys: make(map[string]*rate.Limiter)}
}

// Wait takes one token from key's bucket, sleeping until one is available, or until ctx ends.
// If ctx ends first the token is given back.
func (l *Rate) Wait(ctx context.Context, key string, _ time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ratelimit: waiting for %q: %w", key, err)
	}
	l.mu.Lock()
	lim, ok := l.keys[key]
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.keys[key] = lim
	}
	now := l.clock.Now()
	res := lim.ReserveN(now, 1)
	l.mu.Unlock()
	if !res.OK() {
		return fmt.Errorf("ratelimit: %q: rate %v allows no calls", key, l.limit)
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := clock.SleepUntil(ctx, l.clock, now.Add(d)); err != nil {
		res.CancelAt(l.clock.Now())
		return fmt.Errorf("ratelimit: waiting %v for %q: %w", d, key, err)
	}
	return nil
}
