package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// releaseTimeout bounds the release of a lock, which runs even when the context given to Lock
// has ended (a run interrupted by a signal still gives its lock back).
const releaseTimeout = 10 * time.Second

// Lock takes the run lock of pipeline. See [Store.Lock].
//
// The lock is a row holding this process's ID, the host name and the time. A lock held by a
// process of this host that no longer exists is taken over; a lock held by this process, by
// a live process or by a process of another host is reported as a *[LockedError].
func (s *SQLite) Lock(ctx context.Context, pipeline string) (release func() error, err error) {
	if err := checkNames("lock", "pipeline", pipeline); err != nil {
		return nil, err
	}
	me := LockHolder{PID: s.pid, Host: s.host, Since: time.Unix(0, nanos(s.now()))}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: check and take atomically
	if err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}
	defer tx.Rollback()
	var h LockHolder
	var since int64
	err = tx.QueryRowContext(ctx, `SELECT pid, host, since FROM locks WHERE pipeline = ?`, pipeline).
		Scan(&h.PID, &h.Host, &since)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	default:
		h.Since = fromNanos(since)
		if h.Host != s.host || h.PID == s.pid || !processGone(h.PID) {
			return nil, &LockedError{Pipeline: pipeline, LockHolder: h}
		}
		// The holder died without releasing: take over.
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO locks (pipeline, pid, host, since) VALUES (?, ?, ?, ?)`,
		pipeline, me.PID, me.Host, nanos(me.Since)); err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}

	rctx := context.WithoutCancel(ctx)
	return sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(rctx, releaseTimeout)
		defer cancel()
		res, err := s.db.ExecContext(ctx, `DELETE FROM locks WHERE pipeline = ? AND pid = ? AND host = ? AND since = ?`,
			pipeline, me.PID, me.Host, nanos(me.Since))
		if err != nil {
			return fmt.Errorf("state: release lock %s: %w", pipeline, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("state: release lock %s: the lock was no longer held by this run (broken by hand?)", pipeline)
		}
		return nil
	}), nil
}

// BreakLock removes the run lock of pipeline whoever holds it. See [Store.BreakLock].
func (s *SQLite) BreakLock(ctx context.Context, pipeline string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM locks WHERE pipeline = ?`, pipeline); err != nil {
		return fmt.Errorf("state: break lock %s: %w", pipeline, err)
	}
	return nil
}

// lockHolder returns the holder of pipeline's lock, or nil.
func (s *SQLite) lockHolder(ctx context.Context, pipeline string) (*LockHolder, error) {
	var h LockHolder
	var since int64
	err := s.db.QueryRowContext(ctx, `SELECT pid, host, since FROM locks WHERE pipeline = ?`, pipeline).
		Scan(&h.PID, &h.Host, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h.Since = fromNanos(since)
	return &h, nil
}
