// Package ratelimit spaces out calls that share a key, such as the calls of one kqapi account
// (at most one every 20 s), across all goroutines of a process.
package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// Limiter makes calls sharing key start at least interval apart, also across concurrent
// goroutines (a reservation model: each caller reserves the next free slot, then sleeps until
// it).
type Limiter interface {
	// Wait blocks until the caller may start its call, or until ctx ends. An interval of zero
	// or less never waits.
	Wait(ctx context.Context, key string, interval time.Duration) error
}

// Recorder is implemented by limiters that also space calls from when the previous one ended.
// Record tells that a call of key completed at t, so the next call reserved after it starts no
// earlier than t plus the interval. Start times alone are not enough: a call whose request is
// delayed (by the scheduler or the network) arrives later than its slot, and the next one, sent on
// time, could arrive less than the interval after it. Spacing from the completion, which comes
// after the arrival, keeps arrivals apart.
type Recorder interface {
	Record(ctx context.Context, key string, t time.Time) error
}

// Memory is an in-process [Limiter]. It is safe for concurrent use by multiple goroutines.
//
// It keeps the last reserved start time of every key it has seen; keys are expected to be few
// (one per account or credential).
type Memory struct {
	clock clock.Clock
	mu    sync.Mutex
	last  map[string]time.Time // the latest slot reserved for each key
}

var (
	_ Limiter  = (*Memory)(nil)
	_ Recorder = (*Memory)(nil)
)

// NewMemory returns an in-process Limiter that reads and sleeps on c.
func NewMemory(c clock.Clock) *Memory {
	return &Memory{clock: c, last: make(map[string]time.Time)}
}

// Wait reserves the first slot for key that is no earlier than now and at least interval
// after the slot reserved before it, then sleeps until that slot.
//
// If ctx ends while waiting, Wait returns an error wrapping ctx.Err() at once, and the slot is
// given back when no later slot has been reserved for key in the meantime.
func (m *Memory) Wait(ctx context.Context, key string, interval time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("ratelimit: waiting for %q: %w", key, err)
	}
	if interval <= 0 {
		return nil
	}
	m.mu.Lock()
	now := m.clock.Now()
	prev, seen := m.last[key]
	slot := now
	if seen {
		if next := prev.Add(interval); next.After(slot) {
			slot = next
		}
	}
	m.last[key] = slot
	m.mu.Unlock()

	if !slot.After(now) {
		return nil
	}
	if err := clock.SleepUntil(ctx, m.clock, slot); err != nil {
		m.mu.Lock()
		if m.last[key].Equal(slot) { // nobody queued behind us: give the slot back
			if seen {
				m.last[key] = prev
			} else {
				delete(m.last, key)
			}
		}
		m.mu.Unlock()
		return fmt.Errorf("ratelimit: waiting %v for %q: %w", slot.Sub(now), key, err)
	}
	return nil
}

// Record moves key's clock to t when t is later than its last reserved slot.
func (m *Memory) Record(_ context.Context, key string, t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.last[key]) {
		m.last[key] = t
	}
	return nil
}
