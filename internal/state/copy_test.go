package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// snapshot is what a deployment's store holds, as the runner reads it.
type snapshot struct {
	Entries []Entry
	Pending []Entry
	Stats   Stats
	Runs    []Run
	Token   Token
}

func takeSnapshot(t *testing.T, s *DB) snapshot {
	t.Helper()
	ctx := context.Background()
	var sn snapshot
	var err error
	for _, k := range []string{"a", "b", "c"} {
		e, ok, err := s.Get(ctx, "p", "w", k)
		if err != nil || !ok {
			t.Fatalf("Get(%s) = %v, %v", k, ok, err)
		}
		sn.Entries = append(sn.Entries, e)
	}
	if sn.Pending, err = s.Pending(ctx, "p", ""); err != nil {
		t.Fatal(err)
	}
	if sn.Stats, err = s.Stats(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if sn.Runs, err = s.Runs(ctx, "p", 0); err != nil {
		t.Fatal(err)
	}
	if sn.Token, _, err = s.LoadToken(ctx, "didi:x"); err != nil {
		t.Fatal(err)
	}
	return sn
}

// TestCopy moves a store to every backend and back, and checks that nothing of the ledger,
// checkpoints, tokens, rate clocks and runs is lost.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	for _, from := range statetest.Backends() {
		for _, to := range statetest.Backends() {
			t.Run(from.Name+"-to-"+to.Name, func(t *testing.T) {
				clk := &fakeNow{t: t0}
				src := open(t, from.New(t), WithNow(clk.now))
				release, err := src.Lock(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				id, err := src.StartRun(ctx, "p")
				if err != nil {
					t.Fatal(err)
				}
				for _, do := range []func() error{
					func() error {
						return src.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "a", PayloadHash: "h", Payload: []byte(`{"a":"\u4e2d"}`)})
					},
					func() error { return src.Done(ctx, "p", "w", "a", "T-1", "h") },
					func() error { return src.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "b", PayloadHash: "h2"}) },
					func() error { return src.Fail(ctx, "p", "w", "c", []byte{0, 1, 2}, "HTTP 422") },
					func() error { return src.SetCheckpoint(ctx, "p", "since", "2026-10-15") },
					func() error {
						return src.SaveToken(ctx, "didi:x", Token{Value: "tok", Expiry: t0.Add(time.Hour)})
					},
					func() error { _, err := src.Reserve(ctx, "kq", 20*time.Second, t0); return err },
					func() error { return src.FinishRun(ctx, id, RunSummary{Read: 3, Written: 1, Failed: 1}) },
				} {
					if err := do(); err != nil {
						t.Fatal(err)
					}
				}
				dst := open(t, to.New(t))
				if _, err := Copy(ctx, dst, src); err == nil || !strings.Contains(err.Error(), "holds the lock") {
					t.Errorf("Copy while a run holds a lock = %v, want an error", err)
				}
				if err := release(); err != nil {
					t.Fatal(err)
				}
				want := takeSnapshot(t, src)
				copied, err := Copy(ctx, dst, src)
				if err != nil {
					t.Fatal(err)
				}
				if copied[0].Table != "ledger" || copied[0].Rows != 3 {
					t.Errorf("copied %+v, want 3 ledger rows first", copied)
				}
				if diff := cmp.Diff(want, takeSnapshot(t, dst)); diff != "" {
					t.Errorf("the copy differs (-source +copy):\n%s", diff)
				}
				// The copy goes on where the source stopped.
				if slot, err := dst.Reserve(ctx, "kq", 20*time.Second, t0); err != nil || !slot.Equal(t0.Add(20*time.Second)) {
					t.Errorf("the copy's next rate slot = %v, %v; want t0+20s", slot.Sub(t0), err)
				}
				if next, err := dst.StartRun(ctx, "p"); err != nil || next <= id {
					t.Errorf("the copy's next run ID = %d, %v; want more than %d", next, err, id)
				}
				if _, err := Copy(ctx, dst, src); err == nil || !strings.Contains(err.Error(), "not empty") {
					t.Errorf("Copy into a store that is not empty = %v, want an error", err)
				}
			})
		}
	}
}
