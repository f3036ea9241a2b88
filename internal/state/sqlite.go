package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

// busyTimeout is how long a statement waits for another connection or process to finish
// writing before it fails with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// fileMode is the mode of the database file and of its -wal and -shm companions.
const fileMode fs.FileMode = 0o600

// SQLite is a [Store] in one SQLite file. It is safe for concurrent use by multiple goroutines
// and by multiple processes opening the same file.
type SQLite struct {
	db   *sql.DB
	path string
	now  func() time.Time
	pid  int
	host string
}

var (
	_ Store            = (*SQLite)(nil)
	_ tokencache.Store = (*SQLite)(nil)
)

// An Option configures [Open].
type Option func(*SQLite)

// WithNow makes the store read the time from now instead of time.Now. The time is used for
// the Created and Updated times of entries, lock and run times; Reserve takes its own.
func WithNow(now func() time.Time) Option {
	return func(s *SQLite) { s.now = now }
}

// Open opens the state file at path, creating it with mode 0600 if it does not exist, and
// migrates its schema to the current version. The file is put in WAL mode so that several
// processes can share it. An existing file readable or writable by others is restricted to
// mode 0600; Open fails if that is not possible. The directory of path must exist.
func Open(ctx context.Context, path string, opts ...Option) (*SQLite, error) {
	host, err := os.Hostname()
	if err != nil {
		return nil, fmt.Errorf("state: open %s: host name: %w", path, err)
	}
	s := &SQLite{path: path, now: time.Now, pid: os.Getpid(), host: host}
	for _, o := range opts {
		o(s)
	}
	if err := prepareFile(path); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	s.db, err = sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	if err := migrate(ctx, s.db, s.now()); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	// SQLite has just created -wal and -shm with the mode of the database file; check anyway,
	// in case they were left behind by something else.
	if err := prepareFile(path); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// dsn returns the modernc.org/sqlite data source name of the file at the absolute path abs:
// a file: URI (so that any character may appear in the path) whose parameters set the busy
// timeout, WAL mode and BEGIN IMMEDIATE for every read-write transaction, so that a
// transaction that writes takes the write lock at its start and never fails half-way
// because another process wrote in between.
func dsn(abs string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	if u.Path[0] != '/' { // a Windows path such as C:/x
		u.Path = "/" + u.Path
	}
	return u.String()
}

// prepareFile creates the database file with mode 0600 if it does not exist, and restricts the
// mode of the database file and of its -wal and -shm files to 0600 where it allows others in.
func prepareFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return fmt.Errorf("state: open %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("state: open %s: %s is not a regular file", path, p)
		}
		if fi.Mode().Perm()&^fileMode == 0 {
			continue
		}
		if err := os.Chmod(p, fileMode); err != nil {
			return fmt.Errorf("state: %s has mode %04o, which lets other users read the state (tokens included), and cannot be restricted to %04o: %w",
				p, fi.Mode().Perm(), fileMode, err)
		}
	}
	return nil
}

// Path returns the path the store was opened with.
func (s *SQLite) Path() string { return s.path }

// Close closes the database. Locks still held are not released.
func (s *SQLite) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("state: close %s: %w", s.path, err)
	}
	return nil
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
