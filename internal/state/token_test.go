package state

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
	"github.com/specpipe/specpipe/internal/runtime/tokencache"
	"github.com/specpipe/specpipe/internal/state/statetest"
)

func TestTokensRoundTrip(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		s := open(t, path)
		if _, ok, err := s.LoadToken(ctx, "didi:acct"); ok || err != nil {
			t.Fatalf("LoadToken before any Save = %v, %v; want false, nil", ok, err)
		}
		want := map[string]Token{
			"didi:acct":  {Value: "tok-2", Expiry: time.Date(2026, 11, 23, 9, 30, 0, 123456789, time.UTC)},
			"kimai:user": {Value: "tok-k"}, // no expiry
			"expired":    {Value: "old", Expiry: t0.Add(-time.Hour)},
		}
		saves := []struct {
			key string
			t   Token
		}{
			{"didi:acct", Token{Value: "tok-1", Expiry: t0}},
			{"kimai:user", want["kimai:user"]},
			{"didi:acct", want["didi:acct"]}, // replaces tok-1
			{"expired", want["expired"]},
		}
		for _, sv := range saves {
			if err := s.SaveToken(ctx, sv.key, sv.t); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		s = open(t, path)
		for key, w := range want {
			got, ok, err := s.LoadToken(ctx, key)
			if err != nil || !ok {
				t.Fatalf("LoadToken(%s) = %v, %v", key, ok, err)
			}
			if diff := cmp.Diff(w, got); diff != "" {
				t.Errorf("LoadToken(%s) (-want +got):\n%s", key, diff)
			}
		}
	})
}

// TestConcurrentUse hammers one store from goroutines that each also open their own store on
// the same file (as separate processes would): every write must succeed despite SQLite's
// single writer, thanks to the busy timeout and BEGIN IMMEDIATE.
func TestConcurrentUse(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		shared := open(t, path)
		const workers, rounds = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			s := shared
			if w%2 == 1 {
				s = open(t, path) // a second connection pool on the same file
			}
			wg.Go(func() {
				for i := range rounds {
					key := fmt.Sprintf("k%d", w%3) // some keys shared between workers
					tok := Token{Value: fmt.Sprintf("w%d-%d", w, i), Expiry: t0.Add(time.Duration(i) * time.Second)}
					if err := s.SaveToken(ctx, key, tok); err != nil {
						errs <- err
						return
					}
					got, ok, err := s.LoadToken(ctx, key)
					if err != nil || !ok || got.Value == "" {
						errs <- fmt.Errorf("LoadToken(%s) = %v, %v, %v", key, got, ok, err)
						return
					}
					if _, err := s.Reserve(ctx, "rate", time.Millisecond, t0); err != nil {
						errs <- err
						return
					}
					if err := s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: fmt.Sprintf("%d-%d", w, i)}); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Every Reserve got its own slot: the last one is (workers*rounds - 1) intervals after t0.
		next, err := shared.Reserve(ctx, "rate", time.Millisecond, t0)
		if err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(workers * rounds * time.Millisecond); !next.Equal(want) {
			t.Errorf("slot after %d concurrent reservations = %v, want %v", workers*rounds, next, want)
		}
		st, err := shared.Stats(ctx, "p")
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending != workers*rounds {
			t.Errorf("Stats.Pending = %d, want %d", st.Pending, workers*rounds)
		}
	})
}

// TestTokenSourceSharesTokensThroughFile: two token sources on two stores opened on the same
// file (two processes) fetch the token once between them.
func TestTokenSourceSharesTokensThroughFile(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		clk := clock.NewFake(t0)
		var fetches atomic.Int32
		fetch := func(context.Context) (Token, error) {
			n := fetches.Add(1)
			return Token{Value: fmt.Sprintf("tok-%d", n), Expiry: clk.Now().Add(1800 * time.Second)}, nil
		}
		var got []string
		for range 2 {
			src, err := tokencache.NewSource(fetch, clk, open(t, path), "didi:client", []string{"secret"}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			v, err := src.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v)
		}
		if diff := cmp.Diff([]string{"tok-1", "tok-1"}, got); diff != "" {
			t.Errorf("tokens (-want +got):\n%s", diff)
		}
		if n := fetches.Load(); n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
	})
}

// TestTokenRowsAreSealed: the row a token source stores holds no byte of the token; a source
// whose secret credential changed, or that finds a token cached in clear (by a version before
// sealing), authorizes again instead of failing.
func TestTokenRowsAreSealed(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		clk := clock.NewFake(t0)
		var fetches atomic.Int32
		fetch := func(context.Context) (Token, error) {
			n := fetches.Add(1)
			return Token{Value: fmt.Sprintf("didi-access-token-%d-0123456789abcdef", n), Expiry: clk.Now().Add(1800 * time.Second)}, nil
		}
		token := func(secret string) string {
			t.Helper()
			src, err := tokencache.NewSource(fetch, clk, open(t, path), "didi:client", []string{secret}, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			v, err := src.Token(ctx)
			if err != nil {
				t.Fatalf("Token with secret %q: %v", secret, err)
			}
			return v
		}
		s := open(t, path)
		row := func() string {
			t.Helper()
			var v string
			if err := s.queryRow(ctx, `SELECT value FROM tokens WHERE key = ?`, "didi:client").Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}

		first := token("secret-1")
		stored := row()
		for _, part := range []string{first, first[:8], "didi-access", "0123456789abcdef"} {
			if strings.Contains(stored, part) {
				t.Errorf("tokens row %q holds %q of the token", stored, part)
			}
		}
		if again := token("secret-1"); again != first || fetches.Load() != 1 {
			t.Errorf("same secret: token %q after %d fetches, want the stored %q after 1", again, fetches.Load(), first)
		}
		// The secret changed: the stored token does not open, a new one is fetched and stored.
		second := token("secret-2")
		if second == first || fetches.Load() != 2 {
			t.Errorf("changed secret: token %q after %d fetches, want a new one after 2", second, fetches.Load())
		}
		if again := token("secret-2"); again != second || fetches.Load() != 2 {
			t.Errorf("changed secret, next process: token %q after %d fetches, want %q after 2", again, fetches.Load(), second)
		}
		// A token cached in clear (before sealing) is not used.
		if err := s.SaveToken(ctx, "didi:client", Token{Value: "clear-token", Expiry: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if third := token("secret-2"); third == "clear-token" || fetches.Load() != 3 {
			t.Errorf("clear row: token %q after %d fetches, want a new one after 3", third, fetches.Load())
		}
		if stored := row(); strings.Contains(stored, "clear-token") || strings.Contains(stored, "didi-access") {
			t.Errorf("tokens row after replacing the clear one = %q", stored)
		}
	})
}
