// Package clock is the time source of API clients, rate limiters, retry loops and token caches.
//
// Production code uses [Real]. Tests use [Fake], which never waits: by default its Sleep moves
// the fake time forward at once and records how long was asked for, so a test of a 20 s rate
// limit or a 30 s backoff runs in microseconds. [NewManualFake] gives a Fake whose sleepers block
// until the test moves the time with Advance or Set, for tests that must observe the order in
// which concurrent sleepers wake.
package clock

import (
	"context"
	"time"
)

// Clock is the time source of clients, limiters and token caches.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep pauses for d, or until ctx ends, whichever comes first. It returns ctx.Err() if
	// ctx ends first and nil otherwise. A d of zero or less returns at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// Untiler is implemented by clocks that can sleep until an absolute time. [SleepUntil] uses it
// when available, so that concurrent sleepers on a [Fake] do not overshoot their deadlines.
type Untiler interface {
	// SleepUntil pauses until the clock reads t or later, or until ctx ends.
	SleepUntil(ctx context.Context, t time.Time) error
}

// SleepUntil pauses until c reads t or later, or until ctx ends, and then returns ctx.Err() if
// ctx ended first. It uses c's own SleepUntil method when c implements [Untiler], and
// otherwise sleeps for t minus c.Now().
func SleepUntil(ctx context.Context, c Clock, t time.Time) error {
	if u, ok := c.(Untiler); ok {
		return u.SleepUntil(ctx, t)
	}
	return c.Sleep(ctx, t.Sub(c.Now()))
}

// Real is the system clock: time.Now and timer-based sleeps. Its zero value is ready to use.
type Real struct{}

var (
	_ Clock   = Real{}
	_ Untiler = Real{}
)

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Sleep waits for d on a timer, or until ctx ends. If ctx has already ended it returns
// ctx.Err() without waiting, even when d is zero or less.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// SleepUntil waits until t, or until ctx ends.
func (r Real) SleepUntil(ctx context.Context, t time.Time) error {
	return r.Sleep(ctx, time.Until(t))
}
