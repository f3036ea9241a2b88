package tokencache

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	lifetime = 1800 * time.Second
	early    = 60 * time.Second
	key      = "didi:client_id_test"
)

// fetcher hands out tokens "tok1", "tok2", ... valid for lifetime from the clock's time.
type fetcher struct {
	c    clock.Clock
	mu   sync.Mutex
	n    int
	gate chan struct{} // when not nil, fetch waits for it to be closed
	err  error         // when not nil, fetch fails with it
}

func (f *fetcher) fetch(ctx context.Context) (Token, error) {
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Token{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return Token{}, f.err
	}
	f.n++
	return Token{Value: fmt.Sprintf("tok%d", f.n), Expiry: f.c.Now().Add(lifetime)}, nil
}

// memStore is an in-memory Store that counts its calls.
type memStore struct {
	mu      sync.Mutex
	toks    map[string]Token
	loadErr error
	loads   int
	saves   int
}

func (m *memStore) LoadToken(_ context.Context, k string) (Token, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	if m.loadErr != nil {
		return Token{}, false, m.loadErr
	}
	t, ok := m.toks[k]
	return t, ok, nil
}

func (m *memStore) SaveToken(_ context.Context, k string, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	if m.toks == nil {
		m.toks = map[string]Token{}
	}
	m.toks[k] = t
	return nil
}

// secret is the connection's secret credential in these tests.
const secret = "client-secret-test"

// newSource is NewSource for key, keyed from secret.
func newSource(t *testing.T, fetch func(context.Context) (Token, error), c clock.Clock, st Store, early time.Duration) *Source {
	t.Helper()
	s, err := NewSource(fetch, c, st, key, []string{secret}, early)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sealed is t as a Source keyed from secrets stores it under key.
func sealed(t *testing.T, tok Token, secrets ...string) Token {
	t.Helper()
	s, err := newSealer(secrets, key)
	if err != nil {
		t.Fatal(err)
	}
	return s.seal(tok)
}

// opened is the value of the token st keeps under key, opened with secret; "" if none opens.
func opened(t *testing.T, st *memStore) string {
	t.Helper()
	s, err := newSealer([]string{secret}, key)
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.open(st.toks[key])
	return tok.Value
}

func mustToken(t *testing.T, s *Source) string {
	t.Helper()
	v, err := s.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// concurrentTokens calls Token from n goroutines while the fetch is held at its gate, waits
// until all are blocked, then opens the gate and returns every value received.
func concurrentTokens(t *testing.T, s *Source, f *fetcher, n int) []string {
	t.Helper()
	f.gate = make(chan struct{})
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			v, err := s.Token(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	synctest.Wait() // every caller is blocked: one in fetch, the others waiting for it
	close(f.gate)
	wg.Wait()
	f.gate = nil
	return got
}

func TestConcurrentCallsShareOneFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clock.NewFake(t0)
		f := &fetcher{c: c}
		s := newSource(t, f.fetch, c, nil, early)
		got := concurrentTokens(t, s, f, 100)
		for i, v := range got {
			if v != "tok1" {
				t.Fatalf("caller %d got %q, want tok1", i, v)
			}
		}
		if n := s.Fetches(); n != 1 {
			t.Errorf("Fetches = %d, want 1", n)
		}
		// And the token is reused afterwards.
		for range 10 {
			if v := mustToken(t, s); v != "tok1" {
				t.Fatalf("Token = %q, want tok1", v)
			}
		}
		if n := s.Fetches(); n != 1 {
			t.Errorf("Fetches = %d after reuse, want 1", n)
		}
	})
}

func TestRefreshAfterExpiry(t *testing.T) {
	tests := []struct {
		name        string
		early       time.Duration
		advance     time.Duration
		want        string
		wantFetches int
	}{
		{name: "fresh", early: early, advance: lifetime - early - time.Second, want: "tok1", wantFetches: 1},
		{name: "within early window", early: early, advance: lifetime - early, want: "tok2", wantFetches: 2},
		{name: "expired", early: early, advance: lifetime + time.Hour, want: "tok2", wantFetches: 2},
		{name: "no early: just before expiry", early: 0, advance: lifetime - time.Second, want: "tok1", wantFetches: 1},
		{name: "no early: at expiry", early: 0, advance: lifetime, want: "tok2", wantFetches: 2},
		{name: "negative early counts as 0", early: -time.Hour, advance: lifetime - time.Second, want: "tok1", wantFetches: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			f := &fetcher{c: c}
			s := newSource(t, f.fetch, c, nil, tt.early)
			if v := mustToken(t, s); v != "tok1" {
				t.Fatalf("first Token = %q", v)
			}
			c.Advance(tt.advance)
			if v := mustToken(t, s); v != tt.want {
				t.Errorf("Token = %q, want %q", v, tt.want)
			}
			if n := s.Fetches(); n != tt.wantFetches {
				t.Errorf("Fetches = %d, want %d", n, tt.wantFetches)
			}
		})
	}
}

func TestZeroExpiryNeverStale(t *testing.T) {
	c := clock.NewFake(t0)
	n := 0
	s := newSource(t, func(context.Context) (Token, error) { n++; return Token{Value: "forever"}, nil }, c, nil, early)
	mustToken(t, s)
	c.Advance(1000 * time.Hour)
	if v := mustToken(t, s); v != "forever" || n != 1 {
		t.Errorf("Token = %q after %d fetches, want forever after 1", v, n)
	}
}

func TestInvalidate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clock.NewFake(t0)
		f := &fetcher{c: c}
		s := newSource(t, f.fetch, c, nil, early)
		mustToken(t, s)

		s.Invalidate("tok1")
		got := concurrentTokens(t, s, f, 50)
		if diff := cmp.Diff(strings.Repeat("tok2,", 50), strings.Join(got, ",")+","); diff != "" {
			t.Errorf("tokens after Invalidate (-want +got):\n%s", diff)
		}
		if n := s.Fetches(); n != 2 {
			t.Errorf("Fetches = %d after Invalidate, want 2", n)
		}

		// A late Invalidate of a token already replaced changes nothing.
		s.Invalidate("tok1")
		s.Invalidate("")
		if v := mustToken(t, s); v != "tok2" || s.Fetches() != 2 {
			t.Errorf("Token = %q after %d fetches, want tok2 after 2", v, s.Fetches())
		}
	})
}

func TestStore(t *testing.T) {
	tests := []struct {
		name        string
		stored      *Token // in the store before the first call, as it is stored
		loadErr     error
		want        string
		wantFetches int
		wantStored  string // the store's token afterwards, opened
	}{
		{name: "fresh store token avoids fetch", stored: ptr(sealed(t, Token{Value: "saved", Expiry: t0.Add(10 * time.Minute)}, secret)),
			want: "saved", wantFetches: 0, wantStored: "saved"},
		{name: "stale store token not used", stored: ptr(sealed(t, Token{Value: "saved", Expiry: t0.Add(30 * time.Second)}, secret)),
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "expired store token not used", stored: ptr(sealed(t, Token{Value: "saved", Expiry: t0.Add(-time.Hour)}, secret)),
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "empty store token not used", stored: ptr(sealed(t, Token{Expiry: t0.Add(time.Hour)}, secret)),
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "empty store", want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "load error falls back to fetch", loadErr: errors.New("disk full"), want: "tok1", wantFetches: 1, wantStored: "tok1"},
		// Tokens that do not open are absent, never an error: a new one replaces them.
		{name: "token stored in clear (before sealing) not used", stored: &Token{Value: "saved", Expiry: t0.Add(time.Hour)},
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "token sealed under another secret not used", stored: ptr(sealed(t, Token{Value: "saved", Expiry: t0.Add(time.Hour)}, "old-secret")),
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "damaged sealed token not used", stored: &Token{Value: sealPrefix + "!!not base64", Expiry: t0.Add(time.Hour)},
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
		{name: "truncated sealed token not used", stored: &Token{Value: sealPrefix + "AAAA", Expiry: t0.Add(time.Hour)},
			want: "tok1", wantFetches: 1, wantStored: "tok1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			f := &fetcher{c: c}
			st := &memStore{loadErr: tt.loadErr}
			if tt.stored != nil {
				st.toks = map[string]Token{key: *tt.stored}
			}
			s := newSource(t, f.fetch, c, st, early)
			if v := mustToken(t, s); v != tt.want {
				t.Errorf("Token = %q, want %q", v, tt.want)
			}
			if v := mustToken(t, s); v != tt.want {
				t.Errorf("second Token = %q, want %q", v, tt.want)
			}
			if n := s.Fetches(); n != tt.wantFetches {
				t.Errorf("Fetches = %d, want %d", n, tt.wantFetches)
			}
			if st.loads != 1 {
				t.Errorf("store loads = %d, want 1 (then the memory cache)", st.loads)
			}
			st.loadErr = nil
			if got := opened(t, st); got != tt.wantStored {
				t.Errorf("stored token = %q, want %q", got, tt.wantStored)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestStoreHoldsNoToken: what a source gives its store holds no byte string of the token, not
// its base64 either, and is sealed afresh each time (a random nonce).
func TestStoreHoldsNoToken(t *testing.T) {
	c := clock.NewFake(t0)
	const value = "0123456789abcdef0123456789abcdef01234567"
	st := &memStore{}
	s := newSource(t, func(context.Context) (Token, error) { return Token{Value: value, Expiry: t0.Add(time.Hour)}, nil }, c, st, early)
	mustToken(t, s)
	first := st.toks[key]
	s.Invalidate(value)
	mustToken(t, s)
	second := st.toks[key]
	for _, stored := range []Token{first, second} {
		for _, form := range []string{value, value[:16], base64.StdEncoding.EncodeToString([]byte(value))[:16], base64.RawURLEncoding.EncodeToString([]byte(value))[:16]} {
			if strings.Contains(stored.Value, form) {
				t.Errorf("stored %q holds %q", stored.Value, form)
			}
		}
		if !stored.Expiry.Equal(t0.Add(time.Hour)) {
			t.Errorf("stored expiry %v, want %v", stored.Expiry, t0.Add(time.Hour))
		}
	}
	if first.Value == second.Value {
		t.Errorf("the same token sealed twice gave the same stored value %q", first.Value)
	}
	if got := opened(t, st); got != value {
		t.Errorf("stored token opens to %q, want the token", got)
	}
	// Sealed under one cache key, it does not open under another.
	other, err := newSealer([]string{secret}, "didi:other")
	if err != nil {
		t.Fatal(err)
	}
	if tok, ok := other.open(second); ok {
		t.Errorf("token sealed under %s opened under didi:other: %v", key, tok)
	}
}

// TestNoSecretKeepsTokensInMemory: with no secret credential nothing could seal a token, so
// none reaches the store.
func TestNoSecretKeepsTokensInMemory(t *testing.T) {
	c := clock.NewFake(t0)
	f := &fetcher{c: c}
	st := &memStore{}
	s, err := NewSource(f.fetch, c, st, key, []string{"", ""}, early)
	if err != nil {
		t.Fatal(err)
	}
	if v := mustToken(t, s); v != "tok1" {
		t.Errorf("Token = %q, want tok1", v)
	}
	if st.loads != 0 || st.saves != 0 {
		t.Errorf("store used %d loads, %d saves with no secret; want none", st.loads, st.saves)
	}
}

// TestChangedSecretFetchesAgain: a process whose secret credential changed does not open the
// token another stored, and fetches its own.
func TestChangedSecretFetchesAgain(t *testing.T) {
	c := clock.NewFake(t0)
	st := &memStore{}
	f1, f2 := &fetcher{c: c}, &fetcher{c: c}
	mustToken(t, newSource(t, f1.fetch, c, st, early))
	s2, err := NewSource(f2.fetch, c, st, key, []string{"rotated-secret"}, early)
	if err != nil {
		t.Fatal(err)
	}
	if v := mustToken(t, s2); v != "tok1" || s2.Fetches() != 1 {
		t.Errorf("Token with a changed secret = %q after %d fetches, want its own tok1 after 1", v, s2.Fetches())
	}
}

func TestInvalidatedStoreTokenNotReloaded(t *testing.T) {
	c := clock.NewFake(t0)
	f := &fetcher{c: c}
	st := &memStore{toks: map[string]Token{key: sealed(t, Token{Value: "saved", Expiry: t0.Add(time.Hour)}, secret)}}
	s := newSource(t, f.fetch, c, st, early)
	if v := mustToken(t, s); v != "saved" {
		t.Fatalf("Token = %q, want saved", v)
	}
	s.Invalidate("saved")
	if v := mustToken(t, s); v != "tok1" {
		t.Errorf("Token after Invalidate = %q, want tok1 (not the rejected stored token)", v)
	}
	if got := opened(t, st); got != "tok1" {
		t.Errorf("stored token = %q, want tok1", got)
	}
}

func TestSharedStoreAcrossSources(t *testing.T) {
	// Two processes sharing a store: the second uses the first one's token.
	c := clock.NewFake(t0)
	st := &memStore{}
	f1, f2 := &fetcher{c: c}, &fetcher{c: c}
	s1 := newSource(t, f1.fetch, c, st, early)
	s2 := newSource(t, f2.fetch, c, st, early)
	v1, v2 := mustToken(t, s1), mustToken(t, s2)
	if v1 != "tok1" || v2 != "tok1" || s2.Fetches() != 0 {
		t.Errorf("tokens %q, %q with %d fetches by the second source; want tok1 twice, 0", v1, v2, s2.Fetches())
	}
}

func TestFetchError(t *testing.T) {
	c := clock.NewFake(t0)
	boom := errors.New("errno 10001")
	f := &fetcher{c: c, err: boom}
	s := newSource(t, f.fetch, c, &memStore{loadErr: errors.New("db locked")}, early)
	_, err := s.Token(context.Background())
	if !errors.Is(err, boom) {
		t.Fatalf("Token error = %v, want it to wrap %v", err, boom)
	}
	for _, want := range []string{key, "errno 10001", "db locked"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	// Errors are not cached: the next call fetches again.
	f.err = nil
	if v := mustToken(t, s); v != "tok1" {
		t.Errorf("Token after failure = %q, want tok1", v)
	}
	if n := s.Fetches(); n != 2 {
		t.Errorf("Fetches = %d, want 2", n)
	}
}

func TestEmptyTokenIsAnError(t *testing.T) {
	s := newSource(t, func(context.Context) (Token, error) { return Token{Expiry: t0.Add(time.Hour)}, nil }, clock.NewFake(t0), nil, early)
	if _, err := s.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "empty token") {
		t.Errorf("Token error = %v, want an empty-token error", err)
	}
}

func TestCanceledWaiterDoesNotFailOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := clock.NewFake(t0)
		f := &fetcher{c: c, gate: make(chan struct{})}
		s := newSource(t, f.fetch, c, nil, early)

		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() { _, err := s.Token(ctx); first <- err }()
		synctest.Wait()
		second := make(chan string, 1)
		go func() { second <- mustToken(t, s) }()
		synctest.Wait()

		cancel()
		if err := <-first; !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), key) {
			t.Errorf("canceled Token = %v, want an error wrapping Canceled that names the key", err)
		}
		close(f.gate)
		if v := <-second; v != "tok1" {
			t.Errorf("other caller got %q, want tok1", v)
		}
		if n := s.Fetches(); n != 1 {
			t.Errorf("Fetches = %d, want 1", n)
		}
	})
}

func TestTokenNeverPrintsValue(t *testing.T) {
	tok := Token{Value: "141ea31466478eab2f1c1ddcca2675b989a16552", Expiry: t0}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("token", "t", tok)
	outs := []string{
		fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok),
		fmt.Sprintf("%+v", struct{ T Token }{tok}), buf.String(),
	}
	for _, out := range outs {
		if strings.Contains(out, tok.Value) {
			t.Errorf("token value printed: %s", out)
		}
	}
	if want := "Token{Value: [redacted], Expiry: 2026-03-01T09:00:00Z}"; tok.String() != want {
		t.Errorf("String = %q, want %q", tok.String(), want)
	}
}
