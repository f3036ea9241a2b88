package registry_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/specpipe/specpipe/generated/kimai"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
)

// TestConnectMaxInFlight: the connection's MaxInFlight, else the run's, bounds the requests a
// client has in flight, as the server sees them.
func TestConnectMaxInFlight(t *testing.T) {
	tests := []struct {
		name            string
		settings, share int
		want            int
	}{
		{"the connection's", 2, 3, 2},
		{"the run's", 0, 3, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const callers = 6
			var now, most atomic.Int32
			arrived, release := make(chan struct{}), make(chan struct{})
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := now.Add(1)
				defer now.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				arrived <- struct{}{}
				<-release
				fmt.Fprint(w, `[]`)
			}))
			defer ts.Close()
			c, err := kimai.API().Connect(registry.Settings{BaseURL: ts.URL, Credentials: map[string]string{"token": "t"},
				Transport: transport.Config{MaxInFlight: tc.settings}}, registry.Shared{Transport: transport.Config{MaxInFlight: tc.share}})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					for _, err := range c.Call(t.Context(), "listUsers", nil, false) {
						if err != nil {
							t.Error(err)
						}
					}
				})
			}
			for i := range tc.want {
				select {
				case <-arrived:
					continue
				case <-time.After(10 * time.Second): // a bound for a failing run, not a timing
					t.Errorf("only %d requests in flight, want %d", i, tc.want)
				}
				break
			}
			// Release every caller, those still to arrive as they arrive.
			for released := 0; released < callers; released++ {
				select {
				case release <- struct{}{}:
				case <-arrived:
					released--
				}
			}
			wg.Wait()
			if got := int(most.Load()); got != tc.want {
				t.Errorf("at most %d requests in flight, want %d", got, tc.want)
			}
		})
	}
}
