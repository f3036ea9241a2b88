package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Reserve reserves the next slot of the rate clock key. See [Store.Reserve]. It is one
// statement, so processes sharing the file never get the same slot.
func (s *SQLite) Reserve(ctx context.Context, key string, interval time.Duration, now time.Time) (time.Time, error) {
	if key == "" {
		return time.Time{}, errors.New("state: reserve: empty rate clock key")
	}
	if interval < 0 {
		return time.Time{}, fmt.Errorf("state: reserve %s: negative interval %v", key, interval)
	}
	var slot int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_clocks (key, last) VALUES (?1, ?2)
		ON CONFLICT (key) DO UPDATE SET last = max(excluded.last, last + ?3)
		RETURNING last`, key, now.UnixNano(), int64(interval)).Scan(&slot)
	if err != nil {
		return time.Time{}, fmt.Errorf("state: reserve %s: %w", key, err)
	}
	return time.Unix(0, slot), nil
}

// Clock is the time source of a [Limiter]; clock.Clock of internal/runtime/clock implements it.
type Clock interface {
	Now() time.Time
	// Sleep pauses for d or until ctx ends, and then returns ctx.Err() if ctx ended first.
	Sleep(ctx context.Context, d time.Duration) error
}

// Reserver reserves slots of rate clocks; every [Store] is one.
type Reserver interface {
	Reserve(ctx context.Context, key string, interval time.Duration, now time.Time) (time.Time, error)
}

// Limiter spaces calls by the rate clocks of a [Reserver], so that processes sharing a state
// file together keep each key's interval. It implements ratelimit.Limiter and is safe for
// concurrent use by multiple goroutines.
type Limiter struct {
	r Reserver
	c Clock
}

// NewLimiter returns a Limiter reserving slots in r and sleeping on c.
func NewLimiter(r Reserver, c Clock) *Limiter { return &Limiter{r: r, c: c} }

// Limiter returns a [Limiter] on the rate clocks of s that sleeps on c.
func (s *SQLite) Limiter(c Clock) *Limiter { return NewLimiter(s, c) }

// Wait reserves the next slot of key, at least interval after the previous one, and sleeps
// until it. If ctx ends while it sleeps, Wait returns ctx.Err() and the slot stays used.
func (l *Limiter) Wait(ctx context.Context, key string, interval time.Duration) error {
	slot, err := l.r.Reserve(ctx, key, interval, l.c.Now())
	if err != nil {
		return err
	}
	if d := slot.Sub(l.c.Now()); d > 0 {
		return l.c.Sleep(ctx, d)
	}
	return nil
}
