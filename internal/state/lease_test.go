package state

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// setNow is a clock the test sets; safe for the heartbeat's goroutine to read.
type setNow struct{ n atomic.Int64 }

func (c *setNow) set(t time.Time) { c.n.Store(t.UnixNano()) }
func (c *setNow) now() time.Time  { return time.Unix(0, c.n.Load()) }

// TestLeaseTakeoverAndFencing: two stores on one database stand for two hosts. The second
// cannot take the first's lock before its lease expires; after, it takes it over, and the
// first can then commit no ledger write of the pipeline.
func TestLeaseTakeoverAndFencing(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		loc := be.New(t)
		const lease = time.Hour // no heartbeat during the test
		var ca, cb setNow
		ca.set(t0)
		cb.set(t0)
		a := open(t, loc, WithNow(ca.now), WithLease(lease))
		b := open(t, loc, WithNow(cb.now), WithLease(lease))
		releaseA, err := a.Lock(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k1"}); err != nil {
			t.Fatalf("Intend while holding the lease: %v", err)
		}

		cb.set(t0.Add(lease - time.Second))
		var le *LockedError
		if _, err := b.Lock(ctx, "p"); !errors.As(err, &le) {
			t.Fatalf("Lock before the lease expired = %v, want a *LockedError", err)
		}
		if !le.Expires.Equal(t0.Add(lease)) {
			t.Errorf("LockedError.Expires = %v, want %v", le.Expires, t0.Add(lease))
		}

		// Expired but not taken over: a result is still recorded, a new intent is not.
		ca.set(t0.Add(lease + time.Second))
		if err := a.Done(ctx, "p", "w", "k1", "T1", "h"); err != nil {
			t.Errorf("Done after the lease expired, before a takeover: %v", err)
		}
		if err := a.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k2"}); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("Intend after the lease expired = %v, want ErrLeaseLost", err)
		}

		cb.set(t0.Add(lease + time.Second))
		releaseB, err := b.Lock(ctx, "p")
		if err != nil {
			t.Fatalf("Lock after the lease expired = %v, want a takeover", err)
		}
		ca.set(t0.Add(lease + 2*time.Second))
		for name, write := range map[string]func() error{
			"Intend":        func() error { return a.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k3"}) },
			"Done":          func() error { return a.Done(ctx, "p", "w", "k1", "T2", "h2") },
			"Fail":          func() error { return a.Fail(ctx, "p", "w", "k1", nil, "x") },
			"SetCheckpoint": func() error { return a.SetCheckpoint(ctx, "p", "since", "2026-10-16") },
		} {
			if err := write(); !errors.Is(err, ErrLeaseLost) {
				t.Errorf("%s by the run that lost its lease = %v, want ErrLeaseLost", name, err)
			}
		}
		if e, _, err := b.Get(ctx, "p", "w", "k1"); err != nil || e.Status != StatusDone || e.TargetID != "T1" {
			t.Errorf("k1 = %+v, %v; want done with T1, untouched by the fenced writes", e, err)
		}
		if _, ok, _ := b.Get(ctx, "p", "w", "k3"); ok {
			t.Error("the fenced Intend of k3 was recorded")
		}
		// Other pipelines are not fenced by p's lease.
		if err := a.Intend(ctx, Entry{Pipeline: "q", Step: "w", Key: "k"}); err != nil {
			t.Errorf("Intend of another pipeline: %v", err)
		}
		if err := b.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k3"}); err != nil {
			t.Errorf("Intend by the new holder: %v", err)
		}
		if err := releaseA(); err == nil {
			t.Error("release of a lock taken over: no error")
		}
		if err := releaseB(); err != nil {
			t.Errorf("release by the new holder: %v", err)
		}
	})
}

// TestLeaseHeartbeat: with the real clock and a short lease, the holder's heartbeat keeps the
// lease ahead, so another store cannot take it, long after the first lease would have ended.
func TestLeaseHeartbeat(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		loc := be.New(t)
		const lease = time.Second // beats every 333ms: room for a loaded machine
		a := open(t, loc, WithLease(lease))
		b := open(t, loc, WithLease(lease))
		release, err := a.Lock(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		time.Sleep(2 * lease)
		var le *LockedError
		if _, err := b.Lock(ctx, "p"); !errors.As(err, &le) {
			t.Fatalf("Lock of a lease kept by its heartbeat = %v, want a *LockedError", err)
		}
		if !le.Heartbeat.After(start) || !le.Expires.After(time.Now()) {
			t.Errorf("holder %+v: want a heartbeat after %v and an expiry in the future", le.LockHolder, start)
		}
		if err := a.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "k"}); err != nil {
			t.Errorf("Intend with a renewed lease: %v", err)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		// A closed store stops beating: its lease expires and is taken over.
		if _, err := a.Lock(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		a.Close()
		time.Sleep(lease + 50*time.Millisecond)
		if _, err := b.Lock(ctx, "p"); err != nil {
			t.Errorf("Lock after the holder closed and its lease expired = %v, want a takeover", err)
		}
	})
}

// TestUnlock: pipe unlock breaks a lock whose lease expired, and refuses a live one unless forced.
func TestUnlock(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		loc := be.New(t)
		var ca, cb setNow
		ca.set(t0)
		cb.set(t0)
		a := open(t, loc, WithNow(ca.now), WithLease(time.Hour))
		op := open(t, loc, WithNow(cb.now))
		if h, err := op.Unlock(ctx, "p", false); h != nil || err != nil {
			t.Errorf("Unlock of a free lock = %+v, %v; want nil, nil", h, err)
		}
		if _, err := a.Lock(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		var le *LockedError
		if _, err := op.Unlock(ctx, "p", false); !errors.As(err, &le) {
			t.Errorf("Unlock of a live lease = %v, want a *LockedError", err)
		}
		cb.set(t0.Add(time.Hour))
		h, err := op.Unlock(ctx, "p", false)
		if err != nil || h == nil || h.PID != a.pid {
			t.Errorf("Unlock of an expired lease = %+v, %v; want the holder", h, err)
		}
		if _, err := a.Lock(ctx, "q"); err != nil {
			t.Fatal(err)
		}
		cb.set(t0)
		if h, err := op.Unlock(ctx, "q", true); err != nil || h == nil {
			t.Errorf("forced Unlock = %+v, %v; want the holder", h, err)
		}
		if st, err := op.Stats(ctx, "q"); err != nil || st.Lock != nil {
			t.Errorf("lock after the forced Unlock = %+v, %v; want none", st.Lock, err)
		}
	})
}

// TestFrozenHolderLetGo: a run frozen in the middle of a fenced write (SIGSTOP right after its
// transaction share-locked its run lock's row) does not keep another host from taking over once
// the lease has expired: PostgreSQL ends the frozen session after a lease of idling in its
// transaction, the takeover goes through, and the frozen write cannot commit.
func TestFrozenHolderLetGo(t *testing.T) {
	loc := statetest.Postgres(t)
	ctx := context.Background()
	const lease = time.Second
	a := open(t, loc, WithLease(lease))
	if _, err := a.Lock(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	// A fenced write, frozen after its fence check: its transaction stays open and idle.
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if f, err := a.checkFence(ctx, tx, "p"); err != nil || f.lost {
		t.Fatalf("checkFence = %+v, %v", f, err)
	}
	var cb setNow
	cb.set(time.Now().Add(2 * lease)) // b sees a's lease as expired (a's heartbeat runs on)
	b := open(t, loc, WithNow(cb.now), WithLease(lease))
	lctx, cancel := context.WithTimeout(ctx, 20*lease)
	defer cancel()
	start := time.Now()
	if _, err := b.Lock(lctx, "p"); err != nil {
		t.Fatalf("b's takeover while a's write is frozen: %v (after %v)", err, time.Since(start))
	}
	if err := tx.Commit(); err == nil {
		t.Error("the frozen write committed after the takeover")
	}
}
