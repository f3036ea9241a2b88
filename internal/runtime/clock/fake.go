package clock

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Fake is a [Clock] for tests. It is safe for concurrent use by multiple goroutines.
//
// A Fake made by [NewFake] never waits: Sleep moves the fake time forward by d at once and
// returns. When several goroutines sleep at the same time, each sleep ends at the time the
// sleeper asked for (the time it called Sleep plus d) and the clock never goes backwards,
// so the fake time ends at the latest deadline rather than at the sum of all sleeps.
//
// A Fake made by [NewManualFake] does not move by itself: Sleep blocks until Advance or Set
// moves the time to the sleeper's deadline, or until the sleeper's context ends.
//
// Both kinds record every Sleep requested; see [Fake.Sleeps].
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	manual  bool
	sleeps  []time.Duration
	waiters []*waiter
	changed chan struct{} // closed and replaced whenever waiters changes
}

// waiter is a goroutine blocked in Sleep on a manual Fake.
type waiter struct {
	until time.Time
	wake  chan struct{}
}

var (
	_ Clock   = (*Fake)(nil)
	_ Untiler = (*Fake)(nil)
)

// NewFake returns a Fake set to t whose Sleep advances the time immediately.
func NewFake(t time.Time) *Fake {
	return &Fake{now: t, changed: make(chan struct{})}
}

// NewManualFake returns a Fake set to t whose Sleep blocks until the test moves the time
// past the sleeper's deadline with [Fake.Advance] or [Fake.Set].
func NewManualFake(t time.Time) *Fake {
	f := NewFake(t)
	f.manual = true
	return f
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake time forward by d (a negative d is ignored) and wakes the sleepers
// of a manual Fake whose deadline has been reached.
func (f *Fake) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(f.now.Add(d))
}

// Set moves the fake time to t, which may be in the past, and wakes the sleepers of a manual
// Fake whose deadline has been reached.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLocked(t)
}

// Sleeps returns every duration passed to Sleep, in the order the calls were made; calls
// through SleepUntil are recorded as the duration from the time of the call to the deadline.
func (f *Fake) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

// Sleep records d and then, if ctx has not ended, sleeps until the fake time reaches the
// time of the call plus d. See [Fake] for how the two kinds of Fake do that.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	return f.sleepLocked(ctx, f.now.Add(d))
}

// SleepUntil records the duration from now to t (when positive) and sleeps until the fake
// time reaches t.
func (f *Fake) SleepUntil(ctx context.Context, t time.Time) error {
	f.mu.Lock()
	if d := t.Sub(f.now); d > 0 {
		f.sleeps = append(f.sleeps, d)
	}
	return f.sleepLocked(ctx, t)
}

// Waiters returns how many goroutines are blocked in Sleep on a manual Fake.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.waiters)
}

// BlockUntilWaiters blocks until at least n goroutines are blocked in Sleep on a manual Fake,
// or until ctx ends, in which case it returns ctx.Err().
func (f *Fake) BlockUntilWaiters(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		got, changed := len(f.waiters), f.changed
		f.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// sleepLocked sleeps until the fake time reaches until. f.mu must be held; it is released.
func (f *Fake) sleepLocked(ctx context.Context, until time.Time) error {
	if err := ctx.Err(); err != nil {
		f.mu.Unlock()
		return err
	}
	if !until.After(f.now) {
		f.mu.Unlock()
		return nil
	}
	if !f.manual {
		f.now = until
		f.mu.Unlock()
		return nil
	}
	w := &waiter{until: until, wake: make(chan struct{})}
	f.waiters = append(f.waiters, w)
	f.notifyLocked()
	f.mu.Unlock()

	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		defer f.mu.Unlock()
		i := slices.Index(f.waiters, w)
		if i < 0 { // woken by Advance at the same moment: the sleep completed
			return nil
		}
		f.waiters = slices.Delete(f.waiters, i, i+1)
		f.notifyLocked()
		return ctx.Err()
	}
}

// setLocked moves the time to t and wakes every waiter whose deadline is reached.
func (f *Fake) setLocked(t time.Time) {
	f.now = t
	n := len(f.waiters)
	f.waiters = slices.DeleteFunc(f.waiters, func(w *waiter) bool {
		if w.until.After(t) {
			return false
		}
		close(w.wake)
		return true
	})
	if len(f.waiters) != n {
		f.notifyLocked()
	}
}

// notifyLocked tells BlockUntilWaiters that the set of waiters has changed.
func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}
