package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// copyTables are the tables [Copy] moves, with their columns. Locks are not moved: a
// deployment is moved between runs.
var copyTables = []struct{ name, columns string }{
	{"ledger", entryColumns},
	{"checkpoints", "pipeline, name, value, updated"},
	{"tokens", "key, value, expiry, updated"},
	{"rate_clocks", "key, last"},
	{"fences", "pipeline, token"},
	{"runs", "id, pipeline, pid, host, started, finished, n_read, n_written, n_skipped, n_failed, error, dry_run"},
}

// Copied counts the rows [Copy] moved, by table, in the order of the tables.
type Copied []struct {
	Table string
	Rows  int
}

// Copy copies the state of src into dst, which must be empty: the ledger (every entry with its
// status, payload and attempts), checkpoints, cached tokens, rate clocks, fencing tokens and the
// history of runs, in one transaction of dst. It refuses while a run holds a lock in src, so
// that nothing is written to src during the copy by a run that keeps going; stop the cron jobs
// first. src and dst may be on different backends (SQLite and PostgreSQL).
func Copy(ctx context.Context, dst, src *DB) (Copied, error) {
	var pipeline string
	err := src.queryRow(ctx, `SELECT pipeline FROM locks LIMIT 1`).Scan(&pipeline)
	if err == nil {
		return nil, fmt.Errorf("state: copy: a run holds the lock of pipeline %q in %s; wait for it to end (or break a dead run's lock with pipe unlock) and stop the cron jobs first", pipeline, src.loc)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("state: copy: %w", err)
	}
	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("state: copy: %w", err)
	}
	defer tx.Rollback()
	for _, t := range append(copyTables, struct{ name, columns string }{"locks", "pipeline"}) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return nil, fmt.Errorf("state: copy: %w", err)
		}
		if n > 0 {
			return nil, fmt.Errorf("state: copy: %s is not empty (%d rows in %s); copy into a new store", dst.loc, n, t.name)
		}
	}
	var copied Copied
	for _, t := range copyTables {
		n, err := copyTable(ctx, tx, dst.dialect, src, t.name, t.columns)
		if err != nil {
			return nil, fmt.Errorf("state: copy %s: %w", t.name, err)
		}
		copied = append(copied, struct {
			Table string
			Rows  int
		}{t.name, n})
	}
	if dst.dialect == postgresDialect {
		// Explicit IDs do not move the identity's sequence: the next run must come after them.
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('runs', 'id'), coalesce((SELECT max(id) FROM runs), 0) + 1, false)`); err != nil {
			return nil, fmt.Errorf("state: copy runs: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("state: copy: %w", err)
	}
	return copied, nil
}

// copyTable copies the rows of table from src into tx and returns how many it copied.
func copyTable(ctx context.Context, tx *sql.Tx, d dialect, src *DB, table, columns string) (int, error) {
	rows, err := src.query(ctx, `SELECT `+columns+` FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	ncol := len(strings.Split(columns, ","))
	insert := d.q(`INSERT INTO ` + table + ` (` + columns + `) VALUES (` + strings.TrimSuffix(strings.Repeat("?, ", ncol), ", ") + `)`)
	vals := make([]any, ncol)
	ptrs := make([]any, ncol)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if _, err := tx.ExecContext(ctx, insert, vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
