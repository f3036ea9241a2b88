// Package statetest gives tests the locations of fresh state stores on every backend: a SQLite
// file in the test's temporary directory, and, when the variable SPECPIPE_TEST_POSTGRES names
// a PostgreSQL database (postgres://user@host:port/db?sslmode=disable), a schema of its own in
// that database, dropped at the end of the test.
package statetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// EnvPostgres is the variable that enables the PostgreSQL tests.
const EnvPostgres = "SPECPIPE_TEST_POSTGRES"

// SkipMessage says how to enable the PostgreSQL tests.
const SkipMessage = "PostgreSQL tests skipped: set " + EnvPostgres + "=postgres://... (a database the tests may create schemas in; .ci/postgres.sh starts one)"

// Backend is a state-store backend under test.
type Backend struct {
	// Name is "sqlite" or "postgres".
	Name string
	// New returns the location of a new, empty store, removed at the end of t.
	New func(t testing.TB) string
}

// Backends returns SQLite, and PostgreSQL when [EnvPostgres] is set.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite", New: SQLite}}
	if os.Getenv(EnvPostgres) != "" {
		bs = append(bs, Backend{Name: "postgres", New: Postgres})
	}
	return bs
}

// Run runs f as a subtest of t on each backend; without PostgreSQL it logs [SkipMessage] once.
func Run(t *testing.T, f func(t *testing.T, b Backend)) {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" {
		logSkip.Do(func() { fmt.Fprintln(os.Stderr, SkipMessage) })
	}
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

var logSkip sync.Once

// SQLite returns the path of a state file (not created) in a temporary directory of t.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "state.db")
}

// Postgres returns the URL of a new, empty schema in the database [EnvPostgres] names, as its
// search_path; the schema is dropped at the end of t. It skips t when the variable is not set.
func Postgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(SkipMessage)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	schema := "specpipe_test_" + strings.ToLower(rand.Text()[:12])
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatalf("create a schema in %s: %v", u.Redacted(), err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Error(err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
