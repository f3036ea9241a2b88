package callerzone

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestCallerFetchesOnceAndRetriesFailures(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	calls := 0
	answers := []struct {
		name string
		err  error
	}{{"", errors.New("HTTP 500")}, {"Mars/Olympus", nil}, {"Europe/Berlin", nil}}
	c := New(func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		a := answers[calls]
		calls++
		return a.name, a.err
	})
	if _, err := c.Location(ctx); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("first: err = %v, want the fetch's error", err)
	}
	if _, err := c.Location(ctx); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Fatalf("second: err = %v, want an unknown zone", err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			loc, err := c.Location(ctx)
			if err != nil || loc.String() != "Europe/Berlin" {
				t.Errorf("Location = %v, %v; want Europe/Berlin", loc, err)
			}
		})
	}
	wg.Wait()
	if calls != 3 {
		t.Errorf("%d fetches, want 3 (a success is cached)", calls)
	}
}
