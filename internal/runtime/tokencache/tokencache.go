// Package tokencache caches access tokens, such as Didi's (valid 1800 s, re-authorize when the
// API answers errno 401), so that a client authorizes once per token lifetime rather than once
// per call, also across processes when a [Store] is given.
package tokencache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/clock"
)

// Token is an access token and the time it expires. A zero Expiry means the expiry is
// unknown: the token is used until it is invalidated.
type Token struct {
	Value  string
	Expiry time.Time
}

// String describes t without its value, so that printing a Token never shows the secret.
func (t Token) String() string {
	exp := "none"
	if !t.Expiry.IsZero() {
		exp = t.Expiry.Format(time.RFC3339)
	}
	return fmt.Sprintf("Token{Value: [redacted], Expiry: %s}", exp)
}

// GoString is String, for %#v.
func (t Token) GoString() string { return t.String() }

// LogValue hides the value from log/slog.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("value", "[redacted]"), slog.Time("expiry", t.Expiry))
}

// Store persists tokens across processes (the state store implements it); nil means in-memory
// only. A [Source] gives it tokens sealed (AES-256-GCM, a key derived from the connection's
// secret credentials): what the store holds is no token a reader of its rows can use.
type Store interface {
	// LoadToken returns the token saved under key, and whether there is one.
	LoadToken(ctx context.Context, key string) (Token, bool, error)
	// SaveToken saves t under key, replacing any token saved there.
	SaveToken(ctx context.Context, key string, t Token) error
}

// Source hands out a cached token, fetching a new one when there is none or it is about to
// expire. It is safe for concurrent use by multiple goroutines: concurrent callers share one
// fetch.
type Source struct {
	fetch func(ctx context.Context) (Token, error)
	clock clock.Clock
	store Store   // nil: in memory only
	seal  *sealer // seals what goes to store; not nil when store is not
	key   string
	early time.Duration

	mu       sync.Mutex
	tok      Token
	have     bool
	rejected string // the last value given to Invalidate; never loaded from the store again
	inflight *call
	fetches  int
}

// call is one fetch shared by the callers that wait for it.
type call struct {
	done chan struct{}
	tok  Token
	err  error
}

// NewSource returns a Source. fetch obtains a fresh token; key identifies the credential in the
// store and in errors (e.g. "didi:<client_id>", never the secret); secrets are the connection's
// secret credentials, from which the key sealing the tokens in store is derived; early is how
// long before its expiry a token is considered stale (e.g. 60 s). A nil store, or secrets all
// empty, keep tokens in memory only; a nil c means the real clock.
//
// A stored token that does not open under secrets (they changed, or it was stored in clear by
// an older version) is absent: the source fetches a new one and stores it in its place.
func NewSource(fetch func(ctx context.Context) (Token, error), c clock.Clock, store Store, key string, secrets []string, early time.Duration) (*Source, error) {
	if c == nil {
		c = clock.Real{}
	}
	s := &Source{fetch: fetch, clock: c, key: key, early: max(early, 0)}
	if store != nil {
		seal, err := newSealer(secrets, key)
		if err != nil {
			return nil, fmt.Errorf("tokencache %s: %w", key, err)
		}
		if seal != nil {
			s.store, s.seal = store, seal
		}
	}
	return s, nil
}

// fresh reports whether t can still be used now.
func (s *Source) fresh(t Token) bool {
	return t.Value != "" && (t.Expiry.IsZero() || s.clock.Now().Add(s.early).Before(t.Expiry))
}

// Token returns the cached token's value, obtaining a new token first when there is none or it
// is stale: from the store if it holds a fresh one, else by calling fetch. At most one fetch is
// in flight; concurrent callers wait for it and share its result.
//
// The shared fetch runs with ctx's values but not its cancellation, so a caller that gives up
// does not fail the others; fetch should bound its own duration (an HTTP timeout). A caller
// whose ctx ends while waiting gets an error wrapping ctx.Err().
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	if s.have && s.fresh(s.tok) {
		v := s.tok.Value
		s.mu.Unlock()
		return v, nil
	}
	c := s.inflight
	if c == nil {
		c = &call{done: make(chan struct{})}
		s.inflight = c
		go s.refresh(context.WithoutCancel(ctx), c)
	}
	s.mu.Unlock()

	select {
	case <-c.done:
		if c.err != nil {
			return "", c.err
		}
		return c.tok.Value, nil
	case <-ctx.Done():
		return "", fmt.Errorf("tokencache %s: waiting for a token: %w", s.key, ctx.Err())
	}
}

// refresh obtains a token for c, caches it and wakes c's waiters.
func (s *Source) refresh(ctx context.Context, c *call) {
	c.tok, c.err = s.obtain(ctx)
	s.mu.Lock()
	if c.err == nil {
		s.tok, s.have = c.tok, true
	}
	s.inflight = nil
	s.mu.Unlock()
	close(c.done)
}

// obtain loads a fresh token from the store or fetches one.
func (s *Source) obtain(ctx context.Context) (Token, error) {
	var loadErr error
	if s.store != nil {
		t, ok, err := s.seal.load(ctx, s.store)
		s.mu.Lock()
		rejected := s.rejected
		s.mu.Unlock()
		switch {
		case err != nil:
			loadErr = fmt.Errorf("load it from the store: %w", err) // fall back to fetching
		case ok && t.Value != rejected && s.fresh(t):
			return t, nil
		}
	}

	s.mu.Lock()
	s.fetches++
	s.mu.Unlock()
	t, err := s.fetch(ctx)
	if err == nil && t.Value == "" {
		err = errors.New("fetch returned an empty token")
	}
	if err != nil && loadErr != nil {
		return Token{}, fmt.Errorf("tokencache %s: fetch token: %w (after failing to %w)", s.key, err, loadErr)
	}
	if err != nil {
		return Token{}, fmt.Errorf("tokencache %s: fetch token: %w", s.key, err)
	}
	if s.store != nil {
		// The store is only a cache: a failed save costs the next process one fetch.
		_ = s.store.SaveToken(ctx, s.key, s.seal.seal(t))
	}
	return t, nil
}

// Invalidate drops the cached token if its value is still bad, typically after the API
// rejected bad as expired, so that the next Token call obtains a new one. A value from the
// store equal to bad is not used again. If the cached token has already been replaced,
// Invalidate does nothing.
func (s *Source) Invalidate(bad string) {
	if bad == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected = bad
	if s.have && s.tok.Value == bad {
		s.tok, s.have = Token{}, false
	}
}

// Fetches returns how many times fetch has been called.
func (s *Source) Fetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}
