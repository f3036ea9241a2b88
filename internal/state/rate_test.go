package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

func TestReserve(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		sec := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Second))) }
		tests := []struct {
			key      string
			interval time.Duration
			now      time.Time
			want     time.Time
		}{
			{"a", 20 * time.Second, sec(0), sec(0)},     // first reservation: now
			{"a", 20 * time.Second, sec(1), sec(20)},    // 20 s after the previous slot
			{"a", 20 * time.Second, sec(2), sec(40)},    // queued behind it
			{"b", 20 * time.Second, sec(2), sec(2)},     // keys are independent
			{"a", 20 * time.Second, sec(100), sec(100)}, // idle long enough: now
			{"a", 5 * time.Second, sec(101), sec(105)},  // the interval of the call counts
			{"a", 0, sec(103), sec(105)},                // never before the previous slot
		}
		for i, tt := range tests {
			got, err := s.Reserve(ctx, tt.key, tt.interval, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("%d: Reserve(%s, %v, %v) = %v, want %v", i, tt.key, tt.interval, tt.now.Sub(t0), got.Sub(t0), tt.want.Sub(t0))
			}
		}
	})
}

func TestLimiterSleepsOnClock(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		clk := clock.NewFake(t0)
		l := s.Limiter(clk)
		for range 3 {
			if err := l.Wait(ctx, "kq", 20*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Wait(ctx, "kq", 0); err != nil { // no interval: never waits
			t.Fatal(err)
		}
		// Another process (another store on the same file) reserved a slot meanwhile.
		if _, err := s.Reserve(ctx, "kq", 20*time.Second, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := l.Wait(ctx, "kq", 20*time.Second); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{20 * time.Second, 20 * time.Second, 40 * time.Second}
		if diff := cmp.Diff(want, clk.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		if got := clk.Now().Sub(t0); got != 80*time.Second {
			t.Errorf("clock ended at t0+%v, want t0+80s", got)
		}
	})
}

// TestLimiterClaimsAfterALateStart: a call that started late (its process stalled past its
// slot) delays the next call, whose slot was reserved before, to an interval after that start.
// Without the claim the two calls would come 15 s apart under a 20 s rule.
func TestLimiterClaimsAfterALateStart(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		s := open(t, be.New(t))
		const iv = 20 * time.Second
		// Process A reserved t0 but claims only at t0+5s.
		if slot, err := s.Reserve(ctx, "kq", iv, t0); err != nil || !slot.Equal(t0) {
			t.Fatalf("Reserve = %v, %v; want t0", slot, err)
		}
		if ok, _, err := s.Claim(ctx, "kq", iv, t0.Add(5*time.Second)); err != nil || !ok {
			t.Fatalf("A's late claim = %v, %v; want ok", ok, err)
		}
		// Process B reserved t0+20s; at t0+20s the claim is refused until t0+25s.
		if ok, next, err := s.Claim(ctx, "kq", iv, t0.Add(20*time.Second)); err != nil || ok || !next.Equal(t0.Add(25*time.Second)) {
			t.Errorf("a claim 15 s after the last start = %v, t0+%v, %v; want refused until t0+25s", ok, next.Sub(t0), err)
		}
		// Through the Limiter: B waits for its slot, then for the claim.
		clk := clock.NewFake(t0)
		if err := s.Limiter(clk).Wait(ctx, "kq", iv); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]time.Duration{20 * time.Second, 5 * time.Second}, clk.Sleeps()); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		// The end of a call, recorded before the next claim, counts as its start: the vendor saw
		// it at the latest then.
		if err := s.Record(ctx, "kq", t0.Add(31*time.Second)); err != nil {
			t.Fatal(err)
		}
		if ok, next, err := s.Claim(ctx, "kq", iv, t0.Add(45*time.Second)); err != nil || ok || !next.Equal(t0.Add(51*time.Second)) {
			t.Errorf("a claim 14 s after the end of the last call = %v, t0+%v, %v; want refused until t0+51s", ok, next.Sub(t0), err)
		}
		// A claim on a clock nobody reserved makes the clock.
		if ok, _, err := s.Claim(ctx, "fresh", iv, t0); err != nil || !ok {
			t.Errorf("claim on a new clock = %v, %v; want ok", ok, err)
		}
	})
}

func TestLimiterGivesBackSlotOnCancel(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		s := open(t, be.New(t))
		clk := clock.NewManualFake(t0)
		l := s.Limiter(clk)
		if err := l.Wait(context.Background(), "kq", 20*time.Second); err != nil { // slot t0
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- l.Wait(ctx, "kq", 20*time.Second) }() // slot t0+20s, sleeping
		wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer wcancel()
		if err := clk.BlockUntilWaiters(wctx, 1); err != nil {
			t.Fatalf("the second Wait never slept: %v", err)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait after cancel = %v, want context.Canceled", err)
		}
		// The cancelled slot was given back: the next caller gets t0+20s, not t0+40s.
		got, err := s.Reserve(context.Background(), "kq", 20*time.Second, t0)
		if err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(20 * time.Second); !got.Equal(want) {
			t.Errorf("slot after a cancelled Wait = t0+%v, want t0+20s", got.Sub(t0))
		}
		if err := l.Wait(ctx, "kq", 20*time.Second); !errors.Is(err, context.Canceled) {
			t.Errorf("Wait with an ended context = %v, want context.Canceled", err)
		}
	})
}

// TestReserveAcrossProcesses runs helper processes that reserve slots on the same rate clock
// in the same file at the same moment, with the real clock: every slot must be unique and at
// least the interval after the one before.
func TestReserveAcrossProcesses(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		if testing.Short() {
			t.Skip("starts processes")
		}
		const procs, n = 3, 5
		db := newDB(t, be)
		start := time.Now().Add(300 * time.Millisecond) // let the processes start, then go together
		type result struct {
			slots []int64
			err   error
		}
		results := make(chan result, procs)
		for range procs {
			cmd := helperCmd(t, "reserve", db, envN+"="+strconv.Itoa(n), envStart+"="+strconv.FormatInt(start.UnixNano(), 10))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() {
				var r result
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					v, err := strconv.ParseInt(sc.Text(), 10, 64)
					if err != nil {
						r.err = fmt.Errorf("helper printed %q", sc.Text())
						break
					}
					r.slots = append(r.slots, v)
				}
				if err := cmd.Wait(); err != nil && r.err == nil {
					r.err = fmt.Errorf("helper: %w", err)
				}
				results <- r
			}()
		}
		var slots []int64
		for range procs {
			r := <-results
			if r.err != nil {
				t.Fatal(r.err)
			}
			if len(r.slots) != n {
				t.Fatalf("a helper reserved %d slots, want %d", len(r.slots), n)
			}
			slots = append(slots, r.slots...)
		}
		slices.Sort(slots)
		for i := 1; i < len(slots); i++ {
			if gap := time.Duration(slots[i] - slots[i-1]); gap < helperInterval {
				t.Errorf("slots %d and %d are %v apart, want at least %v", i-1, i, gap, helperInterval)
			}
		}
	})
}
