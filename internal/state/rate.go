package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/ratelimit"
)

// Reserve reserves the next slot of the rate clock key. See [Store.Reserve]. It is one
// statement, which locks the clock's row, so processes and hosts sharing the database never
// get the same slot nor slots closer than interval.
func (s *DB) Reserve(ctx context.Context, key string, interval time.Duration, now time.Time) (time.Time, error) {
	if key == "" {
		return time.Time{}, errors.New("state: reserve: empty rate clock key")
	}
	if interval < 0 {
		return time.Time{}, fmt.Errorf("state: reserve %s: negative interval %v", key, interval)
	}
	var slot int64
	err := s.queryRow(ctx, `INSERT INTO rate_clocks (key, last) VALUES (?1, ?2)
		ON CONFLICT (key) DO UPDATE SET last = greatest(excluded.last, rate_clocks.last + ?3)
		RETURNING last`, key, now.UnixNano(), int64(interval)).Scan(&slot)
	if err != nil {
		return time.Time{}, fmt.Errorf("state: reserve %s: %w", key, err)
	}
	return time.Unix(0, slot), nil
}

// Record moves key's rate clock to t (the end of a call) when t is later than its last reserved
// slot or claimed start, so the next call of any process sharing the store starts at least an
// interval after it, also one that reserved its slot before: its claim waits for t + interval.
// The vendor saw the call at the latest at its end, so calls spaced from ends are spaced for the
// vendor too, however late a call went out after its claim.
func (s *DB) Record(ctx context.Context, key string, t time.Time) error {
	if key == "" {
		return errors.New("state: record: empty rate clock key")
	}
	_, err := s.exec(ctx, `INSERT INTO rate_clocks (key, last) VALUES (?1, ?2)
		ON CONFLICT (key) DO UPDATE SET last = greatest(rate_clocks.last, excluded.last),
			sent = greatest(rate_clocks.sent, excluded.last)`, key, t.UnixNano())
	if err != nil {
		return fmt.Errorf("state: record %s: %w", key, err)
	}
	return nil
}

// Claim claims the start of a call of key at now. See [Store.Claim].
func (s *DB) Claim(ctx context.Context, key string, interval time.Duration, now time.Time) (bool, time.Time, error) {
	if key == "" {
		return false, time.Time{}, errors.New("state: claim: empty rate clock key")
	}
	for range 2 {
		res, err := s.exec(ctx, `UPDATE rate_clocks SET sent = ?2 WHERE key = ?1 AND sent + ?3 <= ?2`,
			key, now.UnixNano(), int64(interval))
		if err != nil {
			return false, time.Time{}, fmt.Errorf("state: claim %s: %w", key, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, time.Time{}, fmt.Errorf("state: claim %s: %w", key, err)
		} else if n == 1 {
			return true, time.Time{}, nil
		}
		var sent int64
		err = s.queryRow(ctx, `SELECT sent FROM rate_clocks WHERE key = ?1`, key).Scan(&sent)
		if err == nil {
			return false, time.Unix(0, sent).Add(interval), nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, time.Time{}, fmt.Errorf("state: claim %s: %w", key, err)
		}
		// No clock yet (a claim without a reservation): make one, then claim again.
		if _, err := s.exec(ctx, `INSERT INTO rate_clocks (key, last) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING`,
			key, now.UnixNano()); err != nil {
			return false, time.Time{}, fmt.Errorf("state: claim %s: %w", key, err)
		}
	}
	return false, time.Time{}, fmt.Errorf("state: claim %s: the rate clock disappeared", key)
}

// Reserver reserves slots of rate clocks and claims them when a call starts; every [Store] is
// one.
type Reserver interface {
	Reserve(ctx context.Context, key string, interval time.Duration, now time.Time) (time.Time, error)
	Claim(ctx context.Context, key string, interval time.Duration, now time.Time) (ok bool, next time.Time, err error)
}

// Limiter spaces calls by the rate clocks of a [Reserver], so that the processes sharing a
// state store together keep each key's interval. It is a [ratelimit.Limiter] and is safe for
// concurrent use by multiple goroutines.
type Limiter struct {
	r Reserver
	c clock.Clock
}

var (
	_ ratelimit.Limiter  = (*Limiter)(nil)
	_ ratelimit.Recorder = (*Limiter)(nil)
)

// Record tells the rate clock that a call of key ended at t (see [ratelimit.Recorder]). It does
// nothing when the Reserver cannot record.
func (l *Limiter) Record(ctx context.Context, key string, t time.Time) error {
	if r, ok := l.r.(ratelimit.Recorder); ok {
		return r.Record(ctx, key, t)
	}
	return nil
}

// NewLimiter returns a Limiter reserving slots in r and reading and sleeping on c.
func NewLimiter(r Reserver, c clock.Clock) *Limiter { return &Limiter{r: r, c: c} }

// Limiter returns a [Limiter] on the rate clocks of s that reads and sleeps on c.
func (s *DB) Limiter(c clock.Clock) *Limiter { return NewLimiter(s, c) }

// Wait reserves the next slot of key, the first that is no earlier than now and at least
// interval after the slot reserved before it by any process, sleeps until it, and then claims
// it: when the call before started late, closer than interval to now, Wait sleeps until an
// interval after that call's start. An interval of zero or less never waits.
//
// If ctx ends while waiting, Wait returns an error wrapping ctx.Err(), and the slot is given
// back if r is a [DB] and no later slot has been reserved for key in the meantime.
func (l *Limiter) Wait(ctx context.Context, key string, interval time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("state: waiting for rate clock %s: %w", key, err)
	}
	if interval <= 0 {
		return nil
	}
	slot, err := l.r.Reserve(ctx, key, interval, l.c.Now())
	if err != nil {
		return err
	}
	if err := clock.SleepUntil(ctx, l.c, slot); err != nil {
		if s, ok := l.r.(*DB); ok {
			s.giveBack(key, interval, slot)
		}
		return fmt.Errorf("state: waiting for rate clock %s: %w", key, err)
	}
	for {
		ok, next, err := l.r.Claim(ctx, key, interval, l.c.Now())
		if err != nil || ok {
			return err
		}
		if err := clock.SleepUntil(ctx, l.c, next); err != nil {
			return fmt.Errorf("state: waiting for rate clock %s: %w", key, err)
		}
	}
}

// giveBack returns slot, reserved for key with interval, if it is still key's last slot: the
// next reservation may then take slot itself. It is best effort: it fails when the store
// cannot be written, and the slot then stays used.
func (s *DB) giveBack(key string, interval time.Duration, slot time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	s.exec(ctx, `UPDATE rate_clocks SET last = last - ? WHERE key = ? AND last = ?`,
		int64(interval), key, slot.UnixNano())
}
