package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LoadToken returns the token cached under key, and whether there is one. Errors do not name
// the key.
func (s *DB) LoadToken(ctx context.Context, key string) (Token, bool, error) {
	var t Token
	var expiry int64
	err := s.queryRow(ctx, `SELECT value, expiry FROM tokens WHERE key = ?`, key).Scan(&t.Value, &expiry)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("state: load token: %w", err)
	}
	t.Expiry = fromNanos(expiry)
	return t, true, nil
}

// SaveToken caches t under key, replacing any token cached there. Errors do not name the key.
func (s *DB) SaveToken(ctx context.Context, key string, t Token) error {
	if key == "" {
		return errors.New("state: save token: empty key")
	}
	_, err := s.exec(ctx, `INSERT INTO tokens (key, value, expiry, updated) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, expiry = excluded.expiry, updated = excluded.updated`,
		key, t.Value, nanos(t.Expiry), nanos(s.now()))
	if err != nil {
		return fmt.Errorf("state: save token: %w", err)
	}
	return nil
}
