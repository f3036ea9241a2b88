package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// TestConcurrentWriters: many goroutines of one process write the ledger of a locked pipeline
// and of an unlocked one at once (Intend, then Done or Fail), as a write step's records in
// flight do. Afterwards every entry is there exactly once, with its status, target and one
// attempt.
func TestConcurrentWriters(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		if _, err := s.Lock(ctx, "locked"); err != nil {
			t.Fatal(err)
		}
		const writers, keys = 24, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers*keys)
		for w := range writers {
			wg.Go(func() {
				pl := []string{"locked", "free"}[w%2]
				for k := range keys {
					key := fmt.Sprintf("w%02d-k%02d", w, k)
					if err := s.Intend(ctx, Entry{Pipeline: pl, Step: "s", Key: key, PayloadHash: "h" + key, Payload: []byte(key)}); err != nil {
						errs <- err
						return
					}
					var err error
					if k%5 == 0 {
						err = s.Fail(ctx, pl, "s", key, nil, "no "+key)
					} else {
						err = s.Done(ctx, pl, "s", key, "T"+key, "h"+key)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		type row struct {
			Status          Status
			Target, Err     string
			Attempts, Count int
		}
		got, want := map[string]row{}, map[string]row{}
		for w := range writers {
			pl := []string{"locked", "free"}[w%2]
			for k := range keys {
				key := fmt.Sprintf("w%02d-k%02d", w, k)
				if k%5 == 0 {
					want[pl+"/"+key] = row{Status: StatusFailed, Err: "no " + key, Attempts: 1, Count: 1}
				} else {
					want[pl+"/"+key] = row{Status: StatusDone, Target: "T" + key, Attempts: 1, Count: 1}
				}
			}
		}
		rows, err := s.db.QueryContext(ctx, `SELECT pipeline, key, status, target_id, error, attempts FROM ledger`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var pl, key string
			var r row
			if err := rows.Scan(&pl, &key, &r.Status, &r.Target, &r.Err, &r.Attempts); err != nil {
				t.Fatal(err)
			}
			r.Count = got[pl+"/"+key].Count + 1
			got[pl+"/"+key] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ledger after the concurrent writes (-want +got):\n%s", diff)
		}
	})
}

// TestBatchFailureIsTheFailingWritesOwn: the writes of one process queue behind a transaction
// of another and are then committed as one batch, in which the database refuses one (a
// trigger). That write gets the database's error; the others of its batch are committed.
func TestBatchFailureIsTheFailingWritesOwn(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		loc := be.New(t)
		s := open(t, loc)
		if _, err := s.Lock(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		refuseKey(t, s, "bad")
		keys := []string{"a", "b", "bad", "c", "d", "e", "f"}
		errs := queueBehind(t, be, s, loc, len(keys), func(i int) error {
			return s.Intend(ctx, Entry{Pipeline: "p", Step: "s", Key: keys[i], PayloadHash: "h"})
		})
		for i, key := range keys {
			e, ok, err := s.Get(ctx, "p", "s", key)
			if err != nil {
				t.Fatal(err)
			}
			if key == "bad" {
				if errs[i] == nil || !strings.Contains(errs[i].Error(), "refused by the test") {
					t.Errorf("Intend of %s: %v, want the trigger's refusal", key, errs[i])
				}
				if ok {
					t.Errorf("the refused entry %s was recorded: %+v", key, e)
				}
				continue
			}
			if errs[i] != nil {
				t.Errorf("Intend of %s in the batch with a refused write: %v", key, errs[i])
			}
			if !ok || e.Status != StatusIntent || e.Attempts != 1 {
				t.Errorf("entry %s after its batch: %+v (found %v), want one intent", key, e, ok)
			}
		}
	})
}

// TestBatchFencing: writes of a run whose lease expired queue into one batch: the intents (which
// need a live lease) fail with ErrLeaseLost, the results still commit. After another run took
// the lock over, every write of the batch fails with ErrLeaseLost and none is recorded.
func TestBatchFencing(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		loc := be.New(t)
		const lease = time.Hour // no heartbeat during the test
		var ca, cb setNow
		ca.set(t0)
		cb.set(t0)
		a := open(t, loc, WithNow(ca.now), WithLease(lease))
		b := open(t, loc, WithNow(cb.now), WithLease(lease))
		if _, err := a.Lock(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		ca.set(t0.Add(lease + time.Second)) // expired, not yet taken over
		const n = 8
		key := func(round, i int) string { return fmt.Sprintf("r%d-%d", round, i) }
		errs := queueBehind(t, be, a, loc, n, func(i int) error {
			if i%2 == 0 {
				return a.Intend(ctx, Entry{Pipeline: "p", Step: "s", Key: key(1, i)})
			}
			return a.Done(ctx, "p", "s", key(1, i), "T", "h")
		})
		for i, err := range errs {
			_, ok, gerr := a.Get(ctx, "p", "s", key(1, i))
			if gerr != nil {
				t.Fatal(gerr)
			}
			if i%2 == 0 && (!errors.Is(err, ErrLeaseLost) || ok) {
				t.Errorf("Intend %d with an expired lease: %v (recorded %v), want ErrLeaseLost, nothing recorded", i, err, ok)
			}
			if i%2 == 1 && (err != nil || !ok) {
				t.Errorf("Done %d with an expired lease not taken over: %v (recorded %v), want it recorded", i, err, ok)
			}
		}

		cb.set(t0.Add(lease + time.Second))
		if _, err := b.Lock(ctx, "p"); err != nil {
			t.Fatal(err)
		}
		errs = queueBehind(t, be, a, loc, n, func(i int) error {
			if i%2 == 0 {
				return a.Done(ctx, "p", "s", key(2, i), "T", "h")
			}
			return a.Fail(ctx, "p", "s", key(2, i), nil, "x")
		})
		for i, err := range errs {
			if !errors.Is(err, ErrLeaseLost) {
				t.Errorf("write %d after a takeover: %v, want ErrLeaseLost", i, err)
			}
			if _, ok, _ := a.Get(ctx, "p", "s", key(2, i)); ok {
				t.Errorf("write %d after a takeover was recorded", i)
			}
		}
	})
}

// refuseKey makes the database refuse to insert a ledger entry with key (a trigger), as it
// may refuse a write for reasons of its own.
func refuseKey(t *testing.T, s *DB, key string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER refuse_key BEFORE INSERT ON ledger WHEN NEW.key = '` + key + `'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`}
	if s.dialect == postgresDialect {
		stmts = []string{`CREATE FUNCTION refuse_key() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.key = '` + key + `' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER refuse_key BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION refuse_key()`}
	}
	for _, q := range stmts {
		if _, err := s.db.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// queueBehind runs write(0) .. write(n-1) on goroutines of their own while another store
// (another process) holds a transaction that blocks the writes of pipeline p: on SQLite the
// write lock, on PostgreSQL p's run lock row. The first write leads and waits for it; once
// the n-1 others are queued behind it, the transaction ends, and they are committed as one
// batch. It returns each write's error.
func queueBehind(t *testing.T, be statetest.Backend, s *DB, loc string, n int, write func(i int) error) []error {
	t.Helper()
	ctx := context.Background()
	other := open(t, loc)
	tx, err := other.db.BeginTx(ctx, nil) // SQLite: BEGIN IMMEDIATE takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if be.Name == "postgres" {
		var token int64
		if err := tx.QueryRowContext(ctx, `SELECT token FROM locks WHERE pipeline = 'p' FOR UPDATE`).Scan(&token); err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = write(i) })
	}
	deadline := time.Now().Add(5 * time.Second)
	for queued := 0; queued < n-1; {
		s.batch.mu.Lock()
		queued = len(s.batch.queue)
		s.batch.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes queued behind the first; want them all to wait for its batch", queued, n-1)
		}
		time.Sleep(time.Millisecond)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return errs
}
