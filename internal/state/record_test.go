package state

import (
	"context"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// TestRecordMovesTheClockForward: the end of a call moves the shared rate clock forward, never back.
func TestRecordMovesTheClockForward(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s, err := OpenLocation(ctx, be.New(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
		slot, err := s.Reserve(ctx, "kqapi:account:sandbox", 20*time.Second, t0)
		if err != nil || !slot.Equal(t0) {
			t.Fatalf("first slot = %v, %v", slot, err)
		}
		if err := s.Record(ctx, "kqapi:account:sandbox", t0.Add(2*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.Record(ctx, "kqapi:account:sandbox", t0.Add(time.Second)); err != nil { // earlier: ignored
			t.Fatal(err)
		}
		slot, err = s.Reserve(ctx, "kqapi:account:sandbox", 20*time.Second, t0.Add(3*time.Second))
		if err != nil || !slot.Equal(t0.Add(22*time.Second)) {
			t.Errorf("slot after a call that ended at +2s = %v, %v; want +22s", slot.Sub(t0), err)
		}
	})
}
