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
)

// busyTimeout is how long a statement waits for another connection or process to finish
// writing before it fails with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// fileMode is the mode of the database file and of its -wal and -shm companions.
const fileMode fs.FileMode = 0o600

// Open opens the SQLite state file at path, creating it with mode 0600 if it does not exist,
// and migrates its schema to the current version. The file is put in WAL mode so that several
// processes can share it. An existing file readable or writable by others is restricted to
// mode 0600; Open fails if that is not possible. The directory of path must exist.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	s, err := newStore(path, sqliteDialect, opts)
	if err != nil {
		return nil, err
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
	if err := s.migrate(ctx); err != nil {
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
