package state

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestDialectRewritesPlaceholders(t *testing.T) {
	tests := []struct {
		in, sqlite, postgres string
	}{
		{`SELECT ? FROM t WHERE a = ?`, `SELECT ? FROM t WHERE a = ?`, `SELECT $1 FROM t WHERE a = $2`},
		{`VALUES (?1, ?2, ?1)`, `VALUES (?1, ?2, ?1)`, `VALUES ($1, $2, $1)`},
		{`SET last = greatest(last, ?12)`, `SET last = max(last, ?12)`, `SET last = greatest(last, $12)`},
	}
	for _, tt := range tests {
		if got := sqliteDialect.q(tt.in); got != tt.sqlite {
			t.Errorf("sqlite q(%q) = %q, want %q", tt.in, got, tt.sqlite)
		}
		if got := postgresDialect.q(tt.in); got != tt.postgres {
			t.Errorf("postgres q(%q) = %q, want %q", tt.in, got, tt.postgres)
		}
	}
}

func TestShownLocationHidesThePassword(t *testing.T) {
	tests := []struct{ loc, want string }{
		{"postgres://spec:s3cret@db:5432/specpipe?sslmode=require", "postgres://spec:xxxxx@db:5432/specpipe?sslmode=require"},
		{"postgresql://spec@db/specpipe", "postgresql://spec@db/specpipe"},
		{"postgres://spec:s3cret@db:bad port/x", "postgres://(an invalid URL)"},
		{"/var/lib/specpipe/state.db", "/var/lib/specpipe/state.db"},
	}
	for _, tt := range tests {
		if got := ShownLocation(tt.loc); got != tt.want {
			t.Errorf("ShownLocation(%q) = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

// TestOpenPostgresErrorHidesThePassword: a server that does not answer gives an error naming
// the database without its password.
func TestOpenPostgresErrorHidesThePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := OpenPostgres(ctx, "postgres://spec:s3cret@127.0.0.1:1/specpipe?connect_timeout=2")
	if err == nil {
		t.Fatal("OpenPostgres of a closed port succeeded")
	}
	t.Log(err)
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q: want it to name the server and not the password", err)
	}
}

// TestTinyLeaseDoesNotPanic: a lease shorter than the heartbeat's resolution still beats.
func TestTinyLeaseDoesNotPanic(t *testing.T) {
	s := open(t, t.TempDir()+"/state.db", WithLease(time.Nanosecond))
	release, err := s.Lock(context.Background(), "p")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := release(); err != nil {
		t.Fatal(err)
	}
}
