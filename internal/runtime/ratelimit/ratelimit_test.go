package ratelimit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// offsets returns the times as offsets from t0, which read better in diffs.
func offsets(ts []time.Time) []time.Duration {
	out := make([]time.Duration, len(ts))
	for i, t := range ts {
		out[i] = t.Sub(t0)
	}
	return out
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// call is one Wait made by a sequential test, optionally after moving the clock.
type call struct {
	advance  time.Duration // moved before the call
	key      string
	interval time.Duration
}

func TestMemorySequential(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name       string
		calls      []call
		wantAt     []time.Duration // Now() after each Wait, as offsets from t0
		wantSleeps []time.Duration
	}{
		{
			name:       "same key is spaced",
			calls:      []call{{0, "kq:acct", 20 * s}, {0, "kq:acct", 20 * s}, {0, "kq:acct", 20 * s}},
			wantAt:     []time.Duration{0, 20 * s, 40 * s},
			wantSleeps: []time.Duration{20 * s, 20 * s},
		},
		{
			name:   "different keys do not wait for each other",
			calls:  []call{{0, "kq:a", 20 * s}, {0, "kq:b", 20 * s}, {0, "didi:x", 20 * s}},
			wantAt: []time.Duration{0, 0, 0},
		},
		{
			name:   "interval zero never waits",
			calls:  []call{{0, "k", 0}, {0, "k", 0}, {0, "k", -s}},
			wantAt: []time.Duration{0, 0, 0},
		},
		{
			name:       "interval already passed",
			calls:      []call{{0, "k", 20 * s}, {30 * s, "k", 20 * s}, {5 * s, "k", 20 * s}},
			wantAt:     []time.Duration{0, 30 * s, 50 * s},
			wantSleeps: []time.Duration{15 * s},
		},
		{
			name:       "each call uses its own interval from the previous slot",
			calls:      []call{{0, "k", 20 * s}, {0, "k", 5 * s}, {0, "k", time.Minute}},
			wantAt:     []time.Duration{0, 5 * s, 65 * s},
			wantSleeps: []time.Duration{5 * s, 60 * s},
		},
		{
			name:       "zero interval call does not take a slot",
			calls:      []call{{0, "k", 20 * s}, {0, "k", 0}, {0, "k", 20 * s}},
			wantAt:     []time.Duration{0, 0, 20 * s},
			wantSleeps: []time.Duration{20 * s},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			m := NewMemory(c)
			var at []time.Time
			for _, cl := range tt.calls {
				c.Advance(cl.advance)
				if err := m.Wait(context.Background(), cl.key, cl.interval); err != nil {
					t.Fatalf("Wait(%q, %v) = %v", cl.key, cl.interval, err)
				}
				at = append(at, c.Now())
			}
			if diff := cmp.Diff(tt.wantAt, offsets(at)); diff != "" {
				t.Errorf("times after Wait (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleeps, c.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMemoryConcurrentObserved starts five callers at once on a manual fake clock and releases
// one slot at a time, so the time each caller observes after Wait is exact.
func TestMemoryConcurrentObserved(t *testing.T) {
	ctx := testContext(t)
	c := clock.NewManualFake(t0)
	m := NewMemory(c)
	observed := make(chan time.Time, 5)
	for range 5 {
		go func() {
			if err := m.Wait(ctx, "kq:acct", 20*time.Second); err != nil {
				t.Error(err)
			}
			observed <- c.Now()
		}()
	}
	var got []time.Time
	got = append(got, recv(t, ctx, observed)) // the first caller does not wait
	if err := c.BlockUntilWaiters(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		c.Advance(20 * time.Second)
		got = append(got, recv(t, ctx, observed))
	}
	want := []time.Duration{0, 20 * time.Second, 40 * time.Second, 60 * time.Second, 80 * time.Second}
	if diff := cmp.Diff(want, offsets(got)); diff != "" {
		t.Errorf("times observed after Wait (-want +got):\n%s", diff)
	}
	select {
	case extra := <-observed:
		t.Errorf("unexpected extra caller at %v", extra.Sub(t0))
	default:
	}
}

func recv(t *testing.T, ctx context.Context, ch <-chan time.Time) time.Time {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatal("timed out waiting for a caller")
		return time.Time{}
	}
}

// TestMemoryConcurrentImmediate runs concurrent callers on an immediate fake clock: whatever
// the interleaving, the clock ends at the last slot and never skips past it.
func TestMemoryConcurrentImmediate(t *testing.T) {
	c := clock.NewFake(t0)
	m := NewMemory(c)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got []time.Time
	)
	for range 5 {
		wg.Go(func() {
			if err := m.Wait(context.Background(), "kq:acct", 20*time.Second); err != nil {
				t.Error(err)
			}
			mu.Lock()
			got = append(got, c.Now())
			mu.Unlock()
		})
	}
	wg.Wait()
	if want := t0.Add(80 * time.Second); !c.Now().Equal(want) {
		t.Errorf("Now = %v, want %v", c.Now().Sub(t0), want.Sub(t0))
	}
	slices.SortFunc(got, time.Time.Compare)
	if got[0].Before(t0) || got[4].After(t0.Add(80*time.Second)) {
		t.Errorf("observed times %v outside [0s, 80s]", offsets(got))
	}
	if len(c.Sleeps()) != 4 {
		t.Errorf("sleeps = %v, want 4 (one caller goes at once)", c.Sleeps())
	}
}

// TestMemoryDifferentKeysConcurrent checks that a caller waiting on one key does not hold up
// callers on other keys.
func TestMemoryDifferentKeysConcurrent(t *testing.T) {
	ctx := testContext(t)
	c := clock.NewManualFake(t0)
	m := NewMemory(c)
	if err := m.Wait(ctx, "kq:a", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- m.Wait(ctx, "kq:a", 20*time.Second) }()
	if err := c.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kq:b", "didi:x"} {
		if err := m.Wait(ctx, key, 20*time.Second); err != nil {
			t.Fatalf("Wait(%q) = %v", key, err)
		}
	}
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Now = %v, want t0: other keys waited", got.Sub(t0))
	}
	c.Advance(20 * time.Second)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
}

func TestMemoryCancel(t *testing.T) {
	tests := []struct {
		name string
		// queueBehind adds a second waiter behind the one that is canceled.
		queueBehind bool
		// wantNext is the slot the next caller gets, as an offset from t0.
		wantNext time.Duration
	}{
		{name: "slot released", wantNext: 20 * time.Second},
		{name: "slot kept when someone queued behind", queueBehind: true, wantNext: 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			c := clock.NewManualFake(t0)
			m := NewMemory(c)
			if err := m.Wait(ctx, "k", 20*time.Second); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			canceled := make(chan error, 1)
			go func() { canceled <- m.Wait(cctx, "k", 20*time.Second) }()
			if err := c.BlockUntilWaiters(ctx, 1); err != nil {
				t.Fatal(err)
			}
			behind := make(chan error, 1)
			if tt.queueBehind {
				go func() { behind <- m.Wait(ctx, "k", 20*time.Second) }()
				if err := c.BlockUntilWaiters(ctx, 2); err != nil {
					t.Fatal(err)
				}
			}
			cancel()
			select {
			case err := <-canceled:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("Wait = %v, want an error wrapping context.Canceled", err)
				}
			case <-ctx.Done():
				t.Fatal("canceled Wait did not return")
			}

			next := make(chan time.Time, 1)
			go func() {
				if err := m.Wait(ctx, "k", 20*time.Second); err != nil {
					t.Error(err)
				}
				next <- c.Now()
			}()
			want := 2
			if !tt.queueBehind {
				want = 1
			}
			if err := c.BlockUntilWaiters(ctx, want); err != nil {
				t.Fatal(err)
			}
			c.Advance(tt.wantNext - time.Second)
			select {
			case at := <-next:
				t.Fatalf("next caller went at %v, want %v", at.Sub(t0), tt.wantNext)
			default:
			}
			c.Advance(time.Second)
			if got := recv(t, ctx, next); got.Sub(t0) != tt.wantNext {
				t.Errorf("next caller went at %v, want %v", got.Sub(t0), tt.wantNext)
			}
			if tt.queueBehind {
				if err := <-behind; err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestMemoryCanceledBeforeWait(t *testing.T) {
	c := clock.NewFake(t0)
	m := NewMemory(c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Wait(ctx, "k", 20*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want Canceled", err)
	}
	// The canceled call reserved nothing.
	if err := m.Wait(context.Background(), "k", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if len(c.Sleeps()) != 0 {
		t.Errorf("sleeps = %v, want none", c.Sleeps())
	}
}

func TestRate(t *testing.T) {
	const s = time.Second
	tests := []struct {
		name   string
		limit  rate.Limit
		burst  int
		keys   []string
		wantAt []time.Duration
	}{
		{name: "one per 20s", limit: rate.Every(20 * s), burst: 1, keys: []string{"k", "k", "k"}, wantAt: []time.Duration{0, 20 * s, 40 * s}},
		{name: "burst of two", limit: 1, burst: 2, keys: []string{"k", "k", "k", "k"}, wantAt: []time.Duration{0, 0, s, 2 * s}},
		{name: "keys are separate", limit: rate.Every(20 * s), burst: 1, keys: []string{"a", "b", "a"}, wantAt: []time.Duration{0, 0, 20 * s}},
		{name: "burst below one means one", limit: 2, burst: 0, keys: []string{"k", "k"}, wantAt: []time.Duration{0, s / 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			l := NewRate(c, tt.limit, tt.burst)
			var at []time.Time
			for _, k := range tt.keys {
				if err := l.Wait(context.Background(), k, 0); err != nil {
					t.Fatal(err)
				}
				at = append(at, c.Now())
			}
			if diff := cmp.Diff(tt.wantAt, offsets(at)); diff != "" {
				t.Errorf("times after Wait (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateCancel(t *testing.T) {
	ctx := testContext(t)
	c := clock.NewManualFake(t0)
	l := NewRate(c, rate.Every(20*time.Second), 1)
	if err := l.Wait(ctx, "k", 0); err != nil {
		t.Fatal(err)
	}
	pre, cancelPre := context.WithCancel(ctx)
	cancelPre()
	if err := l.Wait(pre, "k", 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a canceled context = %v, want Canceled", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- l.Wait(cctx, "k", 0) }()
	if err := c.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want Canceled", err)
	}
	// The canceled reservation was given back, so the next caller gets the 20 s slot.
	next := make(chan time.Time, 1)
	go func() {
		if err := l.Wait(ctx, "k", 0); err != nil {
			t.Error(err)
		}
		next <- c.Now()
	}()
	if err := c.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	c.Advance(20 * time.Second)
	if got := recv(t, ctx, next).Sub(t0); got != 20*time.Second {
		t.Errorf("next call went at %v, want 20s", got)
	}
}

// TestRecordSpacesFromTheEnd: a call that ended late pushes the next slot past its end.
func TestRecordSpacesFromTheEnd(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	c := clock.NewFake(t0)
	m := NewMemory(c)
	ctx := context.Background()
	if err := m.Wait(ctx, "k", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Advance(3 * time.Second) // the call took 3 s
	if err := m.Record(ctx, "k", c.Now()); err != nil {
		t.Fatal(err)
	}
	if err := m.Wait(ctx, "k", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), t0.Add(23*time.Second); !got.Equal(want) {
		t.Errorf("second call at %v, want %v (20 s after the first one ended)", got.Sub(t0), want.Sub(t0))
	}
	// An end earlier than a reserved slot does not pull the clock back.
	if err := m.Record(ctx, "k", t0); err != nil {
		t.Fatal(err)
	}
	if err := m.Wait(ctx, "k", 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), t0.Add(43*time.Second); !got.Equal(want) {
		t.Errorf("third call at %v, want %v", got.Sub(t0), want.Sub(t0))
	}
}
