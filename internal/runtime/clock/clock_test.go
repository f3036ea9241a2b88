package clock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func TestRealSleep(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		d       time.Duration
		wantErr error
		minWait time.Duration
	}{
		{name: "zero", ctx: context.Background(), d: 0},
		{name: "negative", ctx: context.Background(), d: -time.Second},
		{name: "short", ctx: context.Background(), d: 5 * time.Millisecond, minWait: 5 * time.Millisecond},
		{name: "canceled before", ctx: canceled, d: time.Hour, wantErr: context.Canceled},
		{name: "canceled zero", ctx: canceled, d: 0, wantErr: context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			err := Real{}.Sleep(tt.ctx, tt.d)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Sleep = %v, want %v", err, tt.wantErr)
			}
			if got := time.Since(start); got < tt.minWait {
				t.Errorf("Sleep returned after %v, want at least %v", got, tt.minWait)
			}
		})
	}
}

func TestRealSleepDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Real{}.Sleep(ctx, time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sleep = %v, want DeadlineExceeded", err)
	}
	if got := time.Since(start); got > 5*time.Second {
		t.Errorf("Sleep returned after %v, want promptly after the deadline", got)
	}
}

func TestRealSleepUntil(t *testing.T) {
	target := time.Now().Add(5 * time.Millisecond)
	if err := SleepUntil(context.Background(), Real{}, target); err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); now.Before(target) {
		t.Errorf("SleepUntil returned at %v, before %v", now, target)
	}
}

func TestFakeSleepAdvances(t *testing.T) {
	tests := []struct {
		name   string
		sleeps []time.Duration
		want   time.Time
	}{
		{name: "none", want: t0},
		{name: "one", sleeps: []time.Duration{20 * time.Second}, want: t0.Add(20 * time.Second)},
		{name: "sum", sleeps: []time.Duration{time.Second, 2 * time.Second, 500 * time.Millisecond}, want: t0.Add(3500 * time.Millisecond)},
		{name: "zero and negative recorded but no move", sleeps: []time.Duration{0, -time.Second}, want: t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(t0)
			for _, d := range tt.sleeps {
				if err := f.Sleep(context.Background(), d); err != nil {
					t.Fatalf("Sleep(%v) = %v", d, err)
				}
			}
			if got := f.Now(); !got.Equal(tt.want) {
				t.Errorf("Now = %v, want %v", got, tt.want)
			}
			if diff := cmp.Diff(tt.sleeps, f.Sleeps()); diff != "" {
				t.Errorf("Sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFakeSleepCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := NewFake(t0)
	if err := f.Sleep(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want Canceled", err)
	}
	if got := f.Now(); !got.Equal(t0) {
		t.Errorf("Now = %v, want unchanged %v", got, t0)
	}
	if diff := cmp.Diff([]time.Duration{time.Minute}, f.Sleeps()); diff != "" {
		t.Errorf("Sleeps (-want +got):\n%s", diff)
	}
}

func TestFakeAdvanceAndSet(t *testing.T) {
	f := NewFake(t0)
	f.Advance(time.Hour)
	f.Advance(-time.Minute) // ignored
	if got, want := f.Now(), t0.Add(time.Hour); !got.Equal(want) {
		t.Errorf("after Advance: Now = %v, want %v", got, want)
	}
	f.Set(t0)
	if got := f.Now(); !got.Equal(t0) {
		t.Errorf("after Set: Now = %v, want %v", got, t0)
	}
	if got := f.Sleeps(); len(got) != 0 {
		t.Errorf("Advance recorded sleeps %v", got)
	}
}

func TestFakeSleepUntil(t *testing.T) {
	f := NewFake(t0)
	if err := SleepUntil(context.Background(), f, t0.Add(20*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := SleepUntil(context.Background(), f, t0.Add(10*time.Second)); err != nil { // in the past
		t.Fatal(err)
	}
	if got, want := f.Now(), t0.Add(20*time.Second); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
	if diff := cmp.Diff([]time.Duration{20 * time.Second}, f.Sleeps()); diff != "" {
		t.Errorf("Sleeps (-want +got):\n%s", diff)
	}
}

// TestFakeConcurrentSleepers checks that concurrent sleepers end at the latest deadline,
// not at the sum of their sleeps.
func TestFakeConcurrentSleepers(t *testing.T) {
	f := NewFake(t0)
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			if err := SleepUntil(context.Background(), f, t0.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
			if now, deadline := f.Now(), t0.Add(time.Duration(i)*time.Second); now.Before(deadline) {
				t.Errorf("sleeper %d woke at %v, before its deadline %v", i, now, deadline)
			}
		})
	}
	wg.Wait()
	if got, want := f.Now(), t0.Add(9*time.Second); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
}

func TestManualFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := NewManualFake(t0)
	woke := make(chan time.Duration, 3)
	for _, d := range []time.Duration{30 * time.Second, 10 * time.Second, 20 * time.Second} {
		go func() {
			if err := f.Sleep(ctx, d); err != nil {
				t.Error(err)
			}
			woke <- d
		}()
	}
	if err := f.BlockUntilWaiters(ctx, 3); err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for range 3 {
		f.Advance(10 * time.Second)
		select {
		case d := <-woke:
			got = append(got, d)
		case <-ctx.Done():
			t.Fatal("sleeper did not wake")
		}
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wake order (-want +got):\n%s", diff)
	}
	if n := f.Waiters(); n != 0 {
		t.Errorf("Waiters = %d after all woke", n)
	}
}

func TestManualFakeCancel(t *testing.T) {
	f := NewManualFake(t0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Sleep(ctx, time.Hour) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := f.BlockUntilWaiters(wctx, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Sleep = %v, want Canceled", err)
		}
	case <-wctx.Done():
		t.Fatal("Sleep did not return after cancel")
	}
	if n := f.Waiters(); n != 0 {
		t.Errorf("Waiters = %d after cancel, want 0", n)
	}
	if got := f.Now(); !got.Equal(t0) {
		t.Errorf("Now = %v, want %v", got, t0)
	}
}

func TestBlockUntilWaitersTimeout(t *testing.T) {
	f := NewManualFake(t0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := f.BlockUntilWaiters(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("BlockUntilWaiters = %v, want DeadlineExceeded", err)
	}
}
