package memlimit

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, Floor},
		{10 << 20, Floor},
		{32 << 20, Floor},
		{40 << 20, 60 << 20},
		{1 << 30, 3 << 29},
		{math.MaxUint64, math.MaxInt64},
	} {
		if got := Limit(tc.live); got != tc.want {
			t.Errorf("Limit(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

// TestFollow: the limit follows the live heap while a run lasts and is restored after it; the
// environment's GOMEMLIMIT or GOGC leave it alone.
func TestFollow(t *testing.T) {
	const before = 1 << 40
	prev := debug.SetMemoryLimit(before)
	defer debug.SetMemoryLimit(prev)
	goroutines := runtime.NumGoroutine()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int64 // the limit while it runs
	}{
		{"default", nil, Floor},
		{"GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1GiB"}, before},
		{"GOGC", map[string]string{"GOGC": "50"}, before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stop := Follow(context.Background(), func(k string) string { return tc.env[k] })
			hold := make([]byte, 64<<20) // live: the limit rises above the floor
			runtime.GC()
			time.Sleep(5 * every)
			got := debug.SetMemoryLimit(-1)
			runtime.KeepAlive(hold)
			stop()
			if tc.want == Floor {
				if got < 96<<20 {
					t.Errorf("limit with 64 MiB live = %d MiB, want at least 96 MiB", got>>20)
				}
			} else if got != tc.want {
				t.Errorf("limit = %d, want %d", got, tc.want)
			}
			if after := debug.SetMemoryLimit(-1); after != before {
				t.Errorf("limit after stop = %d, want %d", after, before)
			}
		})
	}
	if n := runtime.NumGoroutine(); n > goroutines {
		t.Errorf("%d goroutines after the runs, %d before", n, goroutines)
	}
}
