package state

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/specpipe/specpipe/internal/state/statetest"
)

// open opens the store at loc (a file path or a PostgreSQL URL), closed at the end of the test.
func open(t *testing.T, loc string, opts ...Option) *DB {
	t.Helper()
	s, err := OpenLocation(context.Background(), loc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fakeNow is an injectable time for the store's timestamps: each call returns the next second.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { f.t = f.t.Add(time.Second); return f.t }

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestOpenCreatesFileWithMode0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s := open(t, path)
	// Write something so that the -wal and -shm files exist too.
	if err := s.SaveToken(context.Background(), "k", Token{Value: "v"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", filepath.Base(p), got)
		}
	}
}

func TestOpenTightensMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := open(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	// A -wal file left readable by others (an empty WAL is valid).
	if err := os.WriteFile(path+"-wal", nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path+"-wal", 0o666); err != nil { // past the umask
		t.Fatal(err)
	}
	open(t, path)
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode after reopening %04o, want 0600", filepath.Base(p), got)
		}
	}
}

func TestOpenFailsOnDirectory(t *testing.T) {
	if _, err := Open(context.Background(), t.TempDir()); err == nil {
		t.Error("Open(a directory) succeeded")
	}
	if _, err := Open(context.Background(), filepath.Join(t.TempDir(), "missing", "state.db")); err == nil {
		t.Error("Open(a file in a missing directory) succeeded")
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "state.db")
	s := open(t, path)
	if err := s.SetCheckpoint(ctx, "p", "c", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close checkpoints the WAL into the file: the file must hold the data.
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("nothing was written to %s (%v): the driver opened another file", path, err)
	}
	if v, ok, err := open(t, path).Checkpoint(ctx, "p", "c"); err != nil || !ok || v != "v" {
		t.Errorf("Checkpoint after reopening = %q, %v, %v; want \"v\", true, nil", v, ok, err)
	}
}

func TestMigrationsRunOnce(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		versions := func(s *DB) map[int]int64 {
			t.Helper()
			rows, err := s.query(ctx, `SELECT version, applied FROM schema_migrations`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			m := map[int]int64{}
			for rows.Next() {
				var v int
				var at int64
				if err := rows.Scan(&v, &at); err != nil {
					t.Fatal(err)
				}
				m[v] = at
			}
			return m
		}
		first := open(t, path, WithNow((&fakeNow{t: t0}).now))
		want := versions(first)
		if len(want) != len(migrations[first.dialect]) {
			t.Fatalf("after the first Open: %d versions applied, want %d", len(want), len(migrations[first.dialect]))
		}
		// A second Open, while the first is still open and with a later clock, applies nothing.
		second := open(t, path, WithNow((&fakeNow{t: t0.Add(time.Hour)}).now))
		if diff := cmp.Diff(want, versions(second)); diff != "" {
			t.Errorf("schema_migrations after the second Open (-want +got):\n%s", diff)
		}
	})
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	statetest.Run(t, func(t *testing.T, be statetest.Backend) {
		ctx := context.Background()
		path := be.New(t)
		s := open(t, path)
		if _, err := s.exec(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, 0)`, len(migrations[s.dialect])+1); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := OpenLocation(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("Open of a file with a newer schema: err = %v, want an error saying it is newer", err)
		}
	})
}

func TestWALMode(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	var mode string
	if err := s.db.QueryRowContext(context.Background(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var timeout int
	if err := s.db.QueryRowContext(context.Background(), `PRAGMA busy_timeout`).Scan(&timeout); err != nil {
		t.Fatal(err)
	}
	if timeout != int(busyTimeout.Milliseconds()) {
		t.Errorf("busy_timeout = %d, want %d", timeout, busyTimeout.Milliseconds())
	}
}
