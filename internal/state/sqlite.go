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
//
// A new file is created complete (migrated in a temporary file, then linked into place), so
// that a state file of 0 bytes is always one that was emptied, never a new one: Open refuses it
// rather than start with an empty ledger that would write every record again. Open refuses a
// symbolic link (and never follows one to chmod or create its target). While the store is
// open, every ledger commit first checks that path is still the file it opened: a state file
// deleted, replaced or emptied under a running process stops the run's writes.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	s, err := newStore(path, sqliteDialect, opts)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	if err := createFile(ctx, s, abs); err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	if _, err := prepareFile(path); err != nil {
		return nil, err
	}
	s.db, err = sql.Open("sqlite", dsn(abs, ""))
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	// SQLite has just created -wal and -shm with the mode of the database file; check anyway,
	// in case they were left behind by something else.
	fi, err := prepareFile(path)
	if err != nil {
		s.db.Close()
		return nil, err
	}
	s.file, s.abs = fi, abs
	return s, nil
}

// createFile creates the state file at the absolute path abs, migrated, if nothing is there
// (not even a dangling symbolic link): in a temporary file beside it, linked to abs when done.
// When another process creates abs meanwhile, its file is kept.
func createFile(ctx context.Context, s *DB, abs string) error {
	if _, err := os.Lstat(abs); !errors.Is(err, fs.ErrNotExist) {
		return nil // there is something: prepareFile checks what
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), filepath.Base(abs)+".new-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer func() {
		for _, p := range []string{name, name + "-wal", name + "-shm"} {
			os.Remove(p)
		}
	}()
	if err := tmp.Close(); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dsn(name, ""))
	if err != nil {
		return err
	}
	n := &DB{db: db, dialect: sqliteDialect, now: s.now}
	if err := n.migrate(ctx); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil { // checkpoints the WAL into the file
		return err
	}
	if err := os.Link(name, abs); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// OpenReadOnly opens the state store at loc to read it. A PostgreSQL store, and a state file
// this process may write, are opened as by [OpenLocation]. A state file it may only read (an
// operator's account reading the service's file) is opened read-only: it is not created,
// migrated or chmod-ed, and must have the current schema; when its directory cannot be written
// either and no write is under way (no -wal file), it is read as immutable.
func OpenReadOnly(ctx context.Context, loc string, opts ...Option) (*DB, error) {
	if IsPostgres(loc) {
		return OpenPostgres(ctx, loc, opts...)
	}
	f, err := os.OpenFile(loc, os.O_RDWR, 0)
	if err == nil {
		f.Close()
		return Open(ctx, loc, opts...)
	}
	if !errors.Is(err, fs.ErrPermission) {
		return Open(ctx, loc, opts...) // it reports what is wrong
	}
	s, err := newStore(loc, sqliteDialect, opts)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", loc, err)
	}
	if _, err := checkFile(loc, false); err != nil {
		return nil, err
	}
	modes := []string{"ro"}
	if _, err := os.Lstat(abs + "-wal"); errors.Is(err, fs.ErrNotExist) {
		modes = append(modes, "immutable")
	}
	for _, mode := range modes {
		if s.db, err = sql.Open("sqlite", dsn(abs, mode)); err != nil {
			return nil, fmt.Errorf("state: open %s: %w", loc, err)
		}
		var version int
		err = s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version)
		if err == nil && version != len(migrations[sqliteDialect]) {
			err = fmt.Errorf("schema version %d, and this program's is %d: the file can only be read by the specpipe version that wrote it (a run by its owner upgrades it)", version, len(migrations[sqliteDialect]))
		}
		if err == nil {
			return s, nil
		}
		s.db.Close()
	}
	return nil, fmt.Errorf("state: open %s read-only: %w", loc, err)
}

// dsn returns the modernc.org/sqlite data source name of the file at the absolute path abs:
// a file: URI (so that any character may appear in the path) whose parameters set the busy
// timeout and, to write (mode ""), WAL mode and BEGIN IMMEDIATE for every read-write
// transaction, so that a transaction that writes takes the write lock at its start and never
// fails half-way because another process wrote in between. Mode "ro" opens the file
// read-only, "immutable" read-only without taking locks or creating the -shm file.
func dsn(abs, mode string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	switch mode {
	case "":
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	case "ro":
		q.Set("mode", "ro")
	case "immutable":
		q.Set("mode", "ro")
		q.Set("immutable", "1")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	if u.Path[0] != '/' { // a Windows path such as C:/x
		u.Path = "/" + u.Path
	}
	return u.String()
}

// prepareFile checks the database file at path and its -wal and -shm files (see checkFile) and
// restricts their mode to 0600 where it allows others in. It returns the database file's
// FileInfo.
func prepareFile(path string) (fs.FileInfo, error) { return checkFile(path, true) }

// checkFile checks the database file at path and its -wal and -shm files: regular files, not
// symbolic links, the database not empty; with tighten, it restricts their mode to 0600 where
// it allows others in. It returns the database file's FileInfo.
func checkFile(path string, tighten bool) (fs.FileInfo, error) {
	var db fs.FileInfo
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) && p != path {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("state: open %s: %w", path, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("state: open %s: %s is a symbolic link; give the state file's real path", path, p)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("state: open %s: %s is not a regular file", path, p)
		}
		if p == path {
			if fi.Size() == 0 {
				return nil, emptiedError(path)
			}
			db = fi
		}
		if !tighten || fi.Mode().Perm()&^fileMode == 0 {
			continue
		}
		if err := os.Chmod(p, fileMode); err != nil {
			return nil, fmt.Errorf("state: %s has mode %04o, which lets other users read the state (tokens included), and cannot be restricted to %04o: %w",
				p, fi.Mode().Perm(), fileMode, err)
		}
	}
	return db, nil
}

func emptiedError(path string) error {
	return fmt.Errorf("state: %s is empty (0 bytes): it was emptied, and its ledger with it; restore it from a backup (deleting it starts afresh: write steps with existing: adopt what the target already holds, others write again)", path)
}

// checkOpened returns an error when the state file is no longer the one the store opened:
// deleted, replaced by another file, or emptied. It does nothing for PostgreSQL.
func (s *DB) checkOpened() error {
	if s.file == nil {
		return nil
	}
	fi, err := os.Lstat(s.abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("state: %s was deleted while this run was using it; stopping so that no write goes unrecorded", s.loc)
	case err != nil:
		return fmt.Errorf("state: %s: %w", s.loc, err)
	case !os.SameFile(fi, s.file):
		return fmt.Errorf("state: %s was replaced by another file while this run was using it; stopping so that no write goes unrecorded", s.loc)
	case fi.Size() == 0:
		return emptiedError(s.loc)
	}
	return nil
}
