// Package memlimit keeps a run's heap near what it holds: while a run lasts, the collector's soft
// memory limit (runtime/debug.SetMemoryLimit) follows the live heap at max(Floor, 1.5 × live),
// so a heap of long-lived records (a group step's groups) peaks at about 1.5 times what it holds
// instead of the twice GOGC=100 lets it grow to, and a run that holds little is never collected
// more often than without a limit (the floor). A large live heap still has half of itself as
// room to allocate in, so the collector never runs back to back; what it costs is more frequent
// collections once the live heap is above two thirds of the floor (the transform benchmark: about
// 5% more CPU time). GOMEMLIMIT or GOGC in the environment turn it off: the runtime then does as
// they say.
package memlimit

import (
	"context"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Floor is the lowest limit: below it the collector runs as GOGC=100 has it.
const Floor = 48 << 20

// every is how often the live heap is looked at.
const every = 20 * time.Millisecond

// Follow makes the soft memory limit follow the live heap until stop is called, which restores
// the limit there was. getenv reads the environment (os.Getenv): with GOMEMLIMIT or GOGC set it
// does nothing.
func Follow(ctx context.Context, getenv func(string) string) (stop func()) {
	if getenv("GOMEMLIMIT") != "" || getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetMemoryLimit(Floor)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		set := int64(Floor)
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return // a runtime without the metric: keep the floor
			}
			if l := Limit(sample[0].Value.Uint64()); l != set {
				debug.SetMemoryLimit(l)
				set = l
			}
		}
	}()
	return func() {
		cancel()
		wg.Wait()
		debug.SetMemoryLimit(prev)
	}
}

// Limit is the soft memory limit for a live heap of live bytes: max(Floor, 1.5 × live).
func Limit(live uint64) int64 {
	if live > math.MaxInt64/2 {
		return math.MaxInt64
	}
	return max(Floor, int64(live+live/2))
}
