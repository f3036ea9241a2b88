package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func constRand(v float64) func() float64 { return func() float64 { return v } }

func TestDelay(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name       string
		p          Policy
		n          int
		retryAfter time.Duration
		rnd        func() float64
		want       time.Duration
	}{
		{name: "first attempt has no delay", n: 1, want: 0},
		{name: "attempt 0", n: 0, want: 0},
		{name: "default base", n: 2, want: 500 * ms},
		{name: "doubles", n: 3, want: time.Second},
		{name: "doubles again", n: 4, want: 2 * time.Second},
		{name: "default cap", n: 20, want: 30 * time.Second},
		{name: "huge attempt does not overflow", n: 1 << 30, want: 30 * time.Second},
		{name: "custom base and cap", p: Policy{Base: time.Second, Max: 5 * time.Second}, n: 5, want: 5 * time.Second},
		{name: "custom base", p: Policy{Base: time.Second, Max: 5 * time.Second}, n: 3, want: 2 * time.Second},
		{name: "default jitter takes up to half", n: 3, rnd: constRand(0.5), want: 750 * ms},
		{name: "default jitter, rnd 0", n: 3, rnd: constRand(0), want: time.Second},
		{name: "full jitter", p: Policy{Jitter: 1}, n: 3, rnd: constRand(0.25), want: 750 * ms},
		{name: "full jitter near 1", p: Policy{Jitter: 1}, n: 2, rnd: constRand(0.999), want: 500 * ms / 1000},
		{name: "jitter above 1 counts as 1", p: Policy{Jitter: 7}, n: 3, rnd: constRand(0.5), want: 500 * ms},
		{name: "negative jitter turns it off", p: Policy{Jitter: -1}, n: 3, rnd: constRand(0.9), want: time.Second},
		{name: "nil rnd means no jitter", p: Policy{Jitter: 1}, n: 3, want: time.Second},
		{name: "rnd out of range is clamped", p: Policy{Jitter: 1}, n: 3, rnd: constRand(5), want: 0},
		{name: "negative rnd is clamped", p: Policy{Jitter: 1}, n: 3, rnd: constRand(-5), want: time.Second},
		{name: "jitter after the cap", p: Policy{Max: 10 * time.Second}, n: 30, rnd: constRand(0.5), want: 7500 * ms},
		{name: "retry-after honoured", n: 2, retryAfter: 20 * time.Second, rnd: constRand(0.9), want: 20 * time.Second},
		{name: "retry-after capped", n: 2, retryAfter: time.Hour, want: 30 * time.Second},
		{name: "retry-after capped at custom max", p: Policy{Max: 5 * time.Second}, n: 2, retryAfter: 20 * time.Second, want: 5 * time.Second},
		{name: "negative retry-after ignored", n: 2, retryAfter: -time.Second, want: 500 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Delay(tt.n, tt.retryAfter, tt.rnd); got != tt.want {
				t.Errorf("Delay(%d, %v) = %v, want %v", tt.n, tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestAttempts(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 4}, {-3, 4}, {1, 1}, {7, 7}} {
		if got := (Policy{MaxAttempts: tt.in}).Attempts(); got != tt.want {
			t.Errorf("Policy{MaxAttempts: %d}.Attempts() = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// result is what the fake operation returns on one attempt.
type result struct {
	retry bool
	after time.Duration
	err   error
}

func TestDo(t *testing.T) {
	errBusy := errors.New("busy")
	errBad := errors.New("bad request")
	busy := result{retry: true, err: errBusy}
	tests := []struct {
		name       string
		p          Policy
		results    []result // by attempt; the last one repeats
		wantErr    error
		wantCalls  int
		wantSleeps []time.Duration
	}{
		{name: "success first time", results: []result{{}}, wantCalls: 1},
		{name: "success on third", results: []result{busy, busy, {}}, wantCalls: 3,
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second}},
		{name: "not retryable stops", results: []result{busy, {err: errBad}}, wantErr: errBad, wantCalls: 2,
			wantSleeps: []time.Duration{500 * time.Millisecond}},
		{name: "attempts run out", results: []result{busy}, wantErr: errBusy, wantCalls: 4,
			wantSleeps: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{name: "one attempt only", p: Policy{MaxAttempts: 1}, results: []result{busy}, wantErr: errBusy, wantCalls: 1},
		{name: "retry-after honoured", results: []result{{retry: true, after: 20 * time.Second, err: errBusy}, {}}, wantCalls: 2,
			wantSleeps: []time.Duration{20 * time.Second}},
		{name: "retry-after capped", p: Policy{Max: 10 * time.Second}, results: []result{{retry: true, after: time.Minute, err: errBusy}, {}},
			wantCalls: 2, wantSleeps: []time.Duration{10 * time.Second}},
		{name: "nil error ends even when retry is set", results: []result{{retry: true}}, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			var attempts []int
			err := Do(context.Background(), c, tt.p, nil, func(ctx context.Context, attempt int) (bool, time.Duration, error) {
				attempts = append(attempts, attempt)
				r := tt.results[min(attempt, len(tt.results))-1]
				return r.retry, r.after, r.err
			})
			if err != tt.wantErr {
				t.Errorf("Do = %v, want %v", err, tt.wantErr)
			}
			var want []int
			for i := range tt.wantCalls {
				want = append(want, i+1)
			}
			if diff := cmp.Diff(want, attempts); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleeps, c.Sleeps()); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDoJitterUsesRnd(t *testing.T) {
	c := clock.NewFake(t0)
	calls := 0
	rnd := func() float64 { calls++; return 0.5 }
	_ = Do(context.Background(), c, Policy{MaxAttempts: 3, Jitter: 1}, rnd, func(context.Context, int) (bool, time.Duration, error) {
		return true, 0, errors.New("busy")
	})
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, c.Sleeps()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if calls != 2 {
		t.Errorf("rnd called %d times, want 2", calls)
	}
}

// apiError stands in for a typed error of the transport.
type apiError struct{ code int }

func (e *apiError) Error() string { return fmt.Sprintf("API error %d", e.code) }

func TestDoCanceledWhileSleeping(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := clock.NewManualFake(t0)
	runCtx, stop := context.WithCancel(ctx)
	calls := 0
	done := make(chan error, 1)
	go func() {
		done <- Do(runCtx, c, Policy{}, nil, func(context.Context, int) (bool, time.Duration, error) {
			calls++
			return true, 0, fmt.Errorf("calling: %w", &apiError{code: 503})
		})
	}()
	if err := c.BlockUntilWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	stop()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatal("Do did not return after cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("errors.Is(%v, context.Canceled) = false", err)
	}
	var ae *apiError
	if !errors.As(err, &ae) || ae.code != 503 {
		t.Errorf("errors.As(%v, *apiError) failed", err)
	}
	var se *StoppedError
	if !errors.As(err, &se) || se.Attempts != 1 {
		t.Errorf("err = %#v, want a *StoppedError after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), "API error 503") {
		t.Errorf("error %q does not name both causes", err)
	}
	if calls != 1 {
		t.Errorf("f called %d times, want 1", calls)
	}
}

func TestDoCanceledDuringAttempt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := clock.NewFake(t0)
	calls := 0
	err := Do(ctx, c, Policy{}, nil, func(context.Context, int) (bool, time.Duration, error) {
		calls++
		cancel() // the context ends while the attempt runs
		return true, 0, errors.New("busy")
	})
	if !errors.Is(err, context.Canceled) || calls != 1 || len(c.Sleeps()) != 0 {
		t.Errorf("Do = %v after %d calls and sleeps %v; want Canceled after 1 call, no sleep", err, calls, c.Sleeps())
	}
}

func TestDoCanceledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := Do(ctx, clock.NewFake(t0), Policy{}, nil, func(context.Context, int) (bool, time.Duration, error) {
		called = true
		return false, 0, nil
	})
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Do = %v, called = %v; want Canceled without calling f", err, called)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"abc", 0},
		{"1.5", 0},
		{"99999999999999", 365 * 24 * time.Hour},
		{"Sun, 01 Mar 2026 09:00:30 GMT", 30 * time.Second},
		{"Sun, 01 Mar 2026 08:59:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
