package state

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxConns is the most connections one store opens to PostgreSQL: a run uses one for its
// ledger and rate clocks, and one for the heartbeat of its lock; the others serve concurrent
// goroutines.
const maxConns = 4

// OpenPostgres opens the state store in the PostgreSQL database at the URL loc
// (postgres://user:password@host:port/database?sslmode=...; any parameter libpq takes, such as
// search_path=SCHEMA to keep the tables in a schema of their own, or connect_timeout=SECONDS) and
// migrates its schema to the current version; migrations of concurrent openers are serialized
// by an advisory lock. Error messages and [DB.Location] never show the password.
func OpenPostgres(ctx context.Context, loc string, opts ...Option) (*DB, error) {
	shown := redactURL(loc)
	s, err := newStore(shown, postgresDialect, opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(loc)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: the URL is not valid", shown)
	}
	// A run frozen inside a transaction (SIGSTOP, a VM paused, a network that stopped without
	// closing) would hold the share lock on its run lock's row that a fenced write takes (see
	// checkFence), and a host taking over after the lease expired would wait for it forever.
	// The server ends a session that sits idle in a transaction for longer than a lease: its
	// locks go, the taker-over proceeds, and the frozen run, when it wakes, finds its lease lost.
	// A URL that sets idle_in_transaction_session_timeout itself keeps its own.
	if _, set := cfg.RuntimeParams["idle_in_transaction_session_timeout"]; !set {
		cfg.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(max(s.lease, time.Second).Milliseconds(), 10)
	}
	s.db = stdlib.OpenDB(*cfg)
	s.db.SetMaxOpenConns(maxConns)
	s.db.SetMaxIdleConns(2)
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("state: open %s: %w", shown, err)
	}
	return s, nil
}

// redactURL returns loc with its password replaced by "xxxxx"; a URL that does not parse is
// shown as its scheme only.
func redactURL(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return "postgres://(an invalid URL)"
	}
	return u.Redacted()
}
