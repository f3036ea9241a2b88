package state

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestOpenRefusesEmptiedFile: a state file of 0 bytes is one that was emptied (truncated by a
// bad copy, a full disk, an editor), not a new one: taking it as new would forget the ledger
// and write every record again.
func TestOpenRefusesEmptiedFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	if err := s.Done(ctx, "p", "w", "k", "T", "h"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "emptied") {
		t.Fatalf("Open of an emptied state file = %v, want an error saying it was emptied", err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("Open changed the emptied file: %v, %v", fi, err)
	}
}

// TestOpenCreatesNewFilesTogether: processes creating the same new state file at once all
// open it (none sees a half-created, empty file).
func TestOpenCreatesNewFilesTogether(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			s, err := Open(ctx, path)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("files left beside the state file: %v", names)
	}
}

// TestOpenRefusesSymlink: the state file is not opened through a symbolic link, and the
// link's target is not chmod-ed.
func TestOpenRefusesSymlink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target := filepath.Join(dir, "real.db")
	s := open(t, target)
	s.Close()
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "state.db")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, link)
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Open of a symlinked state file = %v, want an error saying it is a symbolic link", err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target: %v, %v; want mode 0644 untouched", fi.Mode(), err)
	}
	// A dangling link is not followed to create a file either.
	dangling := filepath.Join(dir, "dangling.db")
	if err := os.Symlink(filepath.Join(dir, "elsewhere.db"), dangling); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dangling); err == nil {
		t.Error("Open of a dangling symlink succeeded")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere.db")); err == nil {
		t.Error("Open created the file a dangling symlink points to")
	}
}

// TestStateFileReplacedStopsWrites: a state file deleted, replaced or emptied under a running
// process is noticed before the next ledger commit, which fails instead of going to a file
// nobody will read again.
func TestStateFileReplacedStopsWrites(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		do   func(path string) error
		want string
	}{
		{"deleted", func(path string) error { return os.Remove(path) }, "deleted"},
		{"replaced", func(path string) error {
			other := path + ".other"
			if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
				return err
			}
			return os.Rename(other, path)
		}, "replaced"},
		{"emptied", func(path string) error { return os.Truncate(path, 0) }, "emptied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.db")
			s := open(t, path)
			if err := s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "a"}); err != nil {
				t.Fatal(err)
			}
			if err := tt.do(path); err != nil {
				t.Fatal(err)
			}
			for name, write := range map[string]func() error{
				"Intend": func() error { return s.Intend(ctx, Entry{Pipeline: "p", Step: "w", Key: "b"}) },
				"Done":   func() error { return s.Done(ctx, "p", "w", "a", "T", "h") },
				"Fail":   func() error { return s.Fail(ctx, "p", "w", "a", nil, "x") },
			} {
				if err := write(); err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s after the file was %s = %v, want an error saying so", name, tt.name, err)
				}
			}
		})
	}
}

// TestOpenUpgradesVersion1File: a state file written by specpipe before leases (schema version
// 1) opens with its ledger intact, its lock, taken without a lease, is still held while its
// process lives, and the token it cached in clear is gone.
func TestOpenUpgradesVersion1File(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := sql.Open("sqlite", dsn(path, ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`,
		migrations[sqliteDialect][0],
		`INSERT INTO schema_migrations VALUES (1, 1)`,
		`INSERT INTO ledger (pipeline, step, key, status, target_id, created, updated) VALUES ('p', 'w', 'k', 'done', 'T-1', 1, 2)`,
		`INSERT INTO locks (pipeline, pid, host, since) VALUES ('p', 1, 'some-host', 3)`, // pid 1 never dies
		`INSERT INTO tokens (key, value, expiry, updated) VALUES ('didi:x', 'clear-token', 0, 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := open(t, path)
	if e, ok, err := s.Get(ctx, "p", "w", "k"); err != nil || !ok || e.TargetID != "T-1" || e.Status != StatusDone {
		t.Errorf("the version 1 entry after the upgrade = %+v, %v, %v", e, ok, err)
	}
	var le *LockedError
	if _, err := s.Lock(ctx, "p"); !errors.As(err, &le) || !le.Expires.IsZero() || le.Host != "some-host" {
		t.Errorf("Lock of a version 1 lock = %v, want a *LockedError without a lease", err)
	}
	var n int
	if err := s.queryRow(ctx, `SELECT count(*) FROM tokens`).Scan(&n); err != nil || n != 0 {
		t.Errorf("tokens rows after the upgrade = %d, %v; want the token cached in clear gone", n, err)
	}
	var version int
	if err := s.queryRow(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version); err != nil || version != len(migrations[sqliteDialect]) {
		t.Errorf("schema version after the upgrade = %d, %v; want %d", version, err, len(migrations[sqliteDialect]))
	}
}
