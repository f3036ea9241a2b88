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

// ErrLeaseLost is the error of a ledger write of a pipeline whose run lock this store took
// but no longer holds: its lease expired or another run took it over (a network cut, a long
// pause). The run must stop; the run holding the lock now reconciles what this one left.
var ErrLeaseLost = errors.New("the run lock's lease was lost to another run")

// lease is a run lock this store holds.
type lease struct {
	token int64 // the fencing token, checked by every ledger write of the pipeline
	stop  func()
}

// Lock takes the run lock of pipeline. See [Store.Lock].
//
// The lock is a lease: a row holding this process's ID, the host name, the time, an expiry
// and a fencing token that grows with every Lock of the pipeline. While the lock is held, a
// heartbeat moves the expiry a lease ahead every third of a lease (see [WithLease]). A lock is
// taken over when its lease has expired, or at once when it was taken on this host by a
// process that no longer exists. A lock held by this process, or by a live run whose lease
// has not expired, is reported as a *[LockedError]. A lock left by a version of specpipe
// without leases (no expiry) is taken over only when its process is gone from this host.
//
// Once the lock is taken, Intend, Done, Fail and SetCheckpoint of pipeline check, in the
// transaction of their write, that the lock still carries this lease's token (and, for Intend, that the lease has
// not expired); if not they fail with [ErrLeaseLost], so a run that lost its lock cannot
// commit a write after another run took over.
func (s *DB) Lock(ctx context.Context, pipeline string) (release func() error, err error) {
	if err := checkNames("lock", "pipeline", pipeline); err != nil {
		return nil, err
	}
	s.mu.Lock()
	_, mine := s.leases[pipeline]
	s.mu.Unlock()
	now := time.Unix(0, nanos(s.now()))
	me := LockHolder{PID: s.pid, Host: s.host, Since: now, Expires: now.Add(s.lease), Heartbeat: now}
	tx, err := s.db.BeginTx(ctx, nil) // SQLite: BEGIN IMMEDIATE: check and take atomically
	if err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}
	defer tx.Rollback()
	// The fence row serializes the Locks of pipeline (PostgreSQL holds its row lock until the
	// end of the transaction) and gives the next token.
	var token int64
	if err := tx.QueryRowContext(ctx, s.dialect.q(`INSERT INTO fences (pipeline, token) VALUES (?, 1)
		ON CONFLICT (pipeline) DO UPDATE SET token = fences.token + 1 RETURNING token`), pipeline).Scan(&token); err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}
	h, err := scanHolder(tx.QueryRowContext(ctx, s.dialect.q(`SELECT `+holderColumns+` FROM locks WHERE pipeline = ?`), pipeline))
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	case mine || !s.canTakeOver(h, now):
		return nil, &LockedError{Pipeline: pipeline, LockHolder: h}
	}
	if _, err := tx.ExecContext(ctx, s.dialect.q(`INSERT INTO locks (pipeline, pid, host, since, token, expires, heartbeat)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?4)
		ON CONFLICT (pipeline) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since,
			token = excluded.token, expires = excluded.expires, heartbeat = excluded.heartbeat`),
		pipeline, me.PID, me.Host, nanos(me.Since), token, nanos(me.Expires)); err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("state: lock %s: %w", pipeline, err)
	}

	l := &lease{token: token}
	l.stop = s.heartbeat(pipeline, token)
	s.mu.Lock()
	s.leases[pipeline] = l
	s.mu.Unlock()

	rctx := context.WithoutCancel(ctx)
	return sync.OnceValue(func() error {
		l.stop()
		s.mu.Lock()
		if s.leases[pipeline] == l {
			delete(s.leases, pipeline)
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(rctx, releaseTimeout)
		defer cancel()
		res, err := s.exec(ctx, `DELETE FROM locks WHERE pipeline = ? AND token = ?`, pipeline, token)
		if err != nil {
			return fmt.Errorf("state: release lock %s: %w", pipeline, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return fmt.Errorf("state: release lock %s: the lock was no longer held by this run (broken by hand, or taken over after its lease expired)", pipeline)
		}
		return nil
	}), nil
}

// canTakeOver reports whether the lock held by h may be taken at now: its lease has expired,
// or its process is gone from this host.
func (s *DB) canTakeOver(h LockHolder, now time.Time) bool {
	if h.Host == s.host && h.PID != s.pid && processGone(h.PID) {
		return true
	}
	return !h.Expires.IsZero() && !now.Before(h.Expires)
}

// heartbeat renews the lease of pipeline with token every third of a lease, until the returned
// stop is called or the lease is found lost. Failures are retried at the next beat; a lease
// that cannot be renewed expires, and the ledger writes of the run then fail.
func (s *DB) heartbeat(pipeline string, token int64) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(s.lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			bctx, bcancel := context.WithTimeout(ctx, max(s.lease/3, time.Millisecond))
			now := s.now()
			res, err := s.exec(bctx, `UPDATE locks SET expires = ?, heartbeat = ? WHERE pipeline = ? AND token = ?`,
				nanos(now.Add(s.lease)), nanos(now), pipeline, token)
			bcancel()
			if err != nil {
				continue
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return // lost: the ledger writes will say so
			}
		}
	}()
	return sync.OnceFunc(func() { cancel(); <-done })
}

// fenced runs write in a transaction that first checks, if this store holds the run lock of
// pipeline, that the lock still carries its token and, when live is set, that its lease has
// not expired. Without the lock, write runs outside a transaction (tx is nil).
func (s *DB) fenced(ctx context.Context, pipeline string, live bool, write func(tx *sql.Tx) error) error {
	s.mu.Lock()
	_, ok := s.leases[pipeline]
	s.mu.Unlock()
	if !ok {
		return write(nil)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	f, err := s.checkFence(ctx, tx, pipeline)
	if err != nil {
		return err
	}
	if f.lost || live && f.expired {
		return ErrLeaseLost
	}
	if err := write(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// fence is what a write transaction found of the run lock of its pipeline.
type fence struct {
	lost    bool // this store held the lock, and it no longer carries its token
	expired bool // its lease has expired (a write that requires a live lease must not commit)
}

// checkFence reads, in tx, the run lock of pipeline if this store holds it: a lock without
// this store's token is lost. On PostgreSQL the lock's row stays share-locked until tx ends, so
// a takeover waits for tx's commit.
func (s *DB) checkFence(ctx context.Context, tx *sql.Tx, pipeline string) (fence, error) {
	s.mu.Lock()
	l, ok := s.leases[pipeline]
	s.mu.Unlock()
	if !ok {
		return fence{}, nil
	}
	q := `SELECT token, expires FROM locks WHERE pipeline = ?`
	if s.dialect == postgresDialect {
		q += ` FOR SHARE`
	}
	st, err := s.prepared(ctx, q)
	if err != nil {
		return fence{}, err
	}
	var token, expires int64
	err = tx.StmtContext(ctx, st).QueryRowContext(ctx, pipeline).Scan(&token, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fence{lost: true}, nil
	case err != nil:
		return fence{}, err
	}
	return fence{lost: token != l.token, expired: nanos(s.now()) >= expires}, nil
}

// BreakLock removes the run lock of pipeline whoever holds it. See [Store.BreakLock].
func (s *DB) BreakLock(ctx context.Context, pipeline string) error {
	if _, err := s.exec(ctx, `DELETE FROM locks WHERE pipeline = ?`, pipeline); err != nil {
		return fmt.Errorf("state: break lock %s: %w", pipeline, err)
	}
	return nil
}

// Unlock breaks the run lock of pipeline for an operator, after checking that its holder is
// gone: its lease has expired, or its process no longer exists on this host. It returns the
// holder it removed (nil if the lock was free), or a *[LockedError] when the holder may still
// be running; force breaks the lock anyway.
func (s *DB) Unlock(ctx context.Context, pipeline string, force bool) (*LockHolder, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("state: unlock %s: %w", pipeline, err)
	}
	defer tx.Rollback()
	q := `SELECT ` + holderColumns + ` FROM locks WHERE pipeline = ?`
	if s.dialect == postgresDialect {
		q += ` FOR UPDATE`
	}
	h, err := scanHolder(tx.QueryRowContext(ctx, s.dialect.q(q), pipeline))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: unlock %s: %w", pipeline, err)
	}
	if !force && !s.canTakeOver(h, s.now()) {
		return nil, &LockedError{Pipeline: pipeline, LockHolder: h}
	}
	if _, err := tx.ExecContext(ctx, s.dialect.q(`DELETE FROM locks WHERE pipeline = ?`), pipeline); err != nil {
		return nil, fmt.Errorf("state: unlock %s: %w", pipeline, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("state: unlock %s: %w", pipeline, err)
	}
	return &h, nil
}

const holderColumns = `pid, host, since, expires, heartbeat`

func scanHolder(r scanner) (LockHolder, error) {
	var h LockHolder
	var since, expires, beat int64
	if err := r.Scan(&h.PID, &h.Host, &since, &expires, &beat); err != nil {
		return LockHolder{}, err
	}
	h.Since, h.Expires, h.Heartbeat = fromNanos(since), fromNanos(expires), fromNanos(beat)
	return h, nil
}

// lockHolder returns the holder of pipeline's lock, or nil.
func (s *DB) lockHolder(ctx context.Context, pipeline string) (*LockHolder, error) {
	h, err := scanHolder(s.queryRow(ctx, `SELECT `+holderColumns+` FROM locks WHERE pipeline = ?`, pipeline))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}
