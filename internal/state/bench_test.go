package state

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// BenchmarkLedgerCommit measures the ledger's commits on each backend with 1, 4 and 16
// concurrent writers. With stores=own each writer is a store of its own (as a process or host
// is) holding the run lock of its own pipeline; with stores=one the writers are goroutines
// of one store holding one pipeline's lock (a write step's records in flight), whose writes
// are committed together (see batch.go). Every commit is fenced as in a run; each writer
// alternates Intend and Done of new keys. It reports the commit latency's p50 and p99 and the
// commits per second of all writers together:
//
//	go test ./internal/state -run '^$' -bench LedgerCommit -benchtime 2000x
func BenchmarkLedgerCommit(b *testing.B) {
	for _, be := range statetest.Backends() {
		for _, shared := range []bool{false, true} {
			for _, writers := range []int{1, 4, 16} {
				b.Run(fmt.Sprintf("%s/stores=%s/writers=%d", be.Name, map[bool]string{false: "own", true: "one"}[shared], writers), func(b *testing.B) {
					benchLedger(b, be, writers, shared)
				})
			}
		}
	}
}

func benchLedger(b *testing.B, be statetest.Backend, writers int, shared bool) {
	ctx := context.Background()
	loc := be.New(b)
	first, err := OpenLocation(ctx, loc) // creates the schema before the writers race to
	if err != nil {
		b.Fatal(err)
	}
	first.Close()
	stores := make([]*DB, writers)
	for i := range stores {
		if shared && i > 0 {
			stores[i] = stores[0]
			continue
		}
		s, err := OpenLocation(ctx, loc)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Lock(ctx, "p"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		stores[i] = s
	}
	var next atomic.Int64
	lat := make([][]time.Duration, writers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w, s := range stores {
		wg.Go(func() {
			pl := "p" + strconv.Itoa(w)
			if shared {
				pl = "p0"
			}
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				key := strconv.FormatInt(n/2, 10)
				t := time.Now()
				var err error
				if n%2 == 0 {
					err = s.Intend(ctx, Entry{Pipeline: pl, Step: "w", Key: key, PayloadHash: "h", Payload: []byte(`{"a":1}`)})
				} else {
					err = s.Done(ctx, pl, "w", key, "T"+key, "h")
				}
				lat[w] = append(lat[w], time.Since(t))
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "commits/s")
	b.ReportMetric(0, "ns/op")
}
