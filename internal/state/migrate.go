package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrations are the schema's versions: migrations[i] takes the schema from version i to i+1.
// Append only; never edit a migration that has been released.
//
// Times are INTEGER nanoseconds since the Unix epoch (0 or NULL: none).
var migrations = []string{
	// 1: the ledger, checkpoints, tokens, rate clocks, locks and runs.
	`CREATE TABLE ledger (
		pipeline     TEXT NOT NULL,
		step         TEXT NOT NULL,
		key          TEXT NOT NULL,
		status       TEXT NOT NULL CHECK (status IN ('intent', 'done', 'failed')),
		target_id    TEXT NOT NULL DEFAULT '',
		payload_hash TEXT NOT NULL DEFAULT '',
		payload      BLOB,
		error        TEXT NOT NULL DEFAULT '',
		attempts     INTEGER NOT NULL DEFAULT 0,
		created      INTEGER NOT NULL,
		updated      INTEGER NOT NULL,
		PRIMARY KEY (pipeline, step, key)
	) WITHOUT ROWID;
	CREATE INDEX ledger_status ON ledger (pipeline, status, step);
	CREATE TABLE checkpoints (
		pipeline TEXT NOT NULL,
		name     TEXT NOT NULL,
		value    TEXT NOT NULL,
		updated  INTEGER NOT NULL,
		PRIMARY KEY (pipeline, name)
	) WITHOUT ROWID;
	CREATE TABLE tokens (
		key     TEXT PRIMARY KEY,
		value   TEXT NOT NULL,
		expiry  INTEGER NOT NULL,
		updated INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE rate_clocks (
		key  TEXT PRIMARY KEY,
		last INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE locks (
		pipeline TEXT PRIMARY KEY,
		pid      INTEGER NOT NULL,
		host     TEXT NOT NULL,
		since    INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE TABLE runs (
		id       INTEGER PRIMARY KEY AUTOINCREMENT,
		pipeline TEXT NOT NULL,
		pid      INTEGER NOT NULL,
		host     TEXT NOT NULL,
		started  INTEGER NOT NULL,
		finished INTEGER NOT NULL DEFAULT 0,
		n_read    INTEGER NOT NULL DEFAULT 0,
		n_written INTEGER NOT NULL DEFAULT 0,
		n_skipped INTEGER NOT NULL DEFAULT 0,
		n_failed  INTEGER NOT NULL DEFAULT 0,
		error    TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX runs_pipeline ON runs (pipeline, id);`,
}

// migrate brings the schema of db to the latest version, in one transaction that holds the
// write lock, so that processes opening the file at the same time apply each migration once.
func migrate(ctx context.Context, db *sql.DB, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("migrate: schema version %d is newer than this program's (%d); use a newer specpipe", version, len(migrations))
	}
	for v := version + 1; v <= len(migrations); v++ {
		if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied) VALUES (?, ?)`, v, nanos(now)); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
