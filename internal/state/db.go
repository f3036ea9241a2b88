package state

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

// DefaultLease is how long a run lock stays valid without a heartbeat (see [WithLease]).
const DefaultLease = 30 * time.Second

// DB is a [Store] in a SQL database: one SQLite file ([Open]) or one PostgreSQL database
// ([OpenPostgres]); [OpenLocation] chooses by the location's form. Both keep the same schema,
// versioned the same way, and have the same semantics. A DB is safe for concurrent use by
// multiple goroutines and by multiple processes (and, on PostgreSQL, hosts) using the same
// database.
type DB struct {
	db      *sql.DB
	dialect dialect
	loc     string // the location, without a password
	now     func() time.Time
	pid     int
	host    string
	lease   time.Duration
	file    fs.FileInfo // the SQLite file opened; nil on PostgreSQL
	abs     string      // its absolute path

	mu     sync.Mutex
	leases map[string]*lease // the run locks this DB holds, by pipeline

	// wmu makes the ledger transactions of this process's goroutines (a batch, or a write
	// retried alone after its batch failed) take turns on SQLite, whose write lock a waiting
	// connection only retries after its busy handler's sleeps (1 ms, 2 ms, 5 ms, ...); other
	// processes still wait for it through the busy timeout.
	wmu sync.Mutex

	batch batcher // the writes waiting for a group commit (see batch.go)

	smu   sync.Mutex
	stmts map[string]*sql.Stmt // prepared statements by query (see [DB.prepared])
}

var (
	_ Store            = (*DB)(nil)
	_ tokencache.Store = (*DB)(nil)
)

// An Option configures [Open], [OpenPostgres] and [OpenLocation].
type Option func(*DB)

// WithNow makes the store read the time from now instead of time.Now. The time is used for
// the Created and Updated times of entries, lock, lease and run times; Reserve takes its own.
func WithNow(now func() time.Time) Option {
	return func(s *DB) { s.now = now }
}

// WithLease sets how long a run lock stays valid without a heartbeat; the holder renews it
// every third of that. A lease of zero or less is [DefaultLease].
func WithLease(d time.Duration) Option {
	return func(s *DB) {
		if d > 0 {
			s.lease = d
		}
	}
}

// WithHost sets the host name recorded in run locks and runs instead of the machine's (os.Hostname).
// The hosts sharing a store must have distinct names: a lock taken on this host name by a
// process that no longer exists here is taken over at once.
func WithHost(name string) Option {
	return func(s *DB) {
		if name != "" {
			s.host = name
		}
	}
}

// newStore returns a DB for this process, configured by opts, without a database yet.
func newStore(loc string, d dialect, opts []Option) (*DB, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("state: open %s: host name: %w", loc, err)
	}
	s := &DB{dialect: d, loc: loc, now: time.Now, pid: os.Getpid(), host: host, lease: DefaultLease,
		leases: map[string]*lease{}}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// OpenLocation opens the state store at loc: a PostgreSQL database for a postgres:// or
// postgresql:// URL (see [OpenPostgres]), otherwise the SQLite file at the path loc (see [Open]).
func OpenLocation(ctx context.Context, loc string, opts ...Option) (*DB, error) {
	if IsPostgres(loc) {
		return OpenPostgres(ctx, loc, opts...)
	}
	return Open(ctx, loc, opts...)
}

// IsPostgres reports whether the location loc names a PostgreSQL database.
func IsPostgres(loc string) bool {
	return strings.HasPrefix(loc, "postgres://") || strings.HasPrefix(loc, "postgresql://")
}

// ShownLocation returns the location loc as it may be shown: a PostgreSQL URL without its
// password, a file path as it is.
func ShownLocation(loc string) string {
	if IsPostgres(loc) {
		return redactURL(loc)
	}
	return loc
}

// Location returns where the store is: the SQLite file's path, or the PostgreSQL URL without
// its password.
func (s *DB) Location() string { return s.loc }

// Close stops the heartbeats of the locks this store holds and closes the database. Locks
// still held are not released: they expire.
func (s *DB) Close() error {
	s.mu.Lock()
	for _, l := range s.leases {
		l.stop()
	}
	s.leases = map[string]*lease{}
	s.mu.Unlock()
	serr := s.closeStatements()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("state: close %s: %w", s.loc, err)
	}
	return serr
}

// dialect is the SQL of one database engine.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// q rewrites query, written for SQLite, for the dialect: on PostgreSQL ?N becomes $N, a bare ?
// the next $N, and greatest( stays (SQLite's two-argument max( is written greatest( and
// becomes max( there).
func (d dialect) q(query string) string {
	if d == sqliteDialect {
		return strings.ReplaceAll(query, "greatest(", "max(")
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c != '?' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		b.WriteByte('$')
		if j > i+1 {
			b.WriteString(query[i+1 : j])
			i = j - 1
		} else {
			n++
			b.WriteString(strconv.Itoa(n))
		}
	}
	return b.String()
}

// exec, queryRow and query run a query written for SQLite (see [dialect.q]).
func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.db.ExecContext(ctx, s.dialect.q(query), args...)
}

func (s *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.dialect.q(query), args...)
}

func (s *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.dialect.q(query), args...)
}

// nanos converts t to the INTEGER the store keeps: nanoseconds since the Unix epoch, and 0 for
// the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos converts a stored time back; 0 is the zero time.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// checkNames returns an error naming the first empty one of names (given as label, value pairs).
func checkNames(what string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("state: %s: empty %s", what, pairs[i])
		}
	}
	return nil
}
