package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

const entryColumns = `pipeline, step, key, status, target_id, payload_hash, payload, error, attempts, created, updated`

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

func scanEntry(r scanner) (Entry, error) {
	var e Entry
	var status string
	var created, updated int64
	if err := r.Scan(&e.Pipeline, &e.Step, &e.Key, &status, &e.TargetID, &e.PayloadHash, &e.Payload,
		&e.Error, &e.Attempts, &created, &updated); err != nil {
		return Entry{}, err
	}
	e.Status = Status(status)
	e.Created, e.Updated = fromNanos(created), fromNanos(updated)
	return e, nil
}

// Get returns the ledger entry of key in step of pipeline, and whether there is one.
func (s *DB) Get(ctx context.Context, pipeline, step, key string) (Entry, bool, error) {
	st, err := s.prepared(ctx, `SELECT `+entryColumns+` FROM ledger WHERE pipeline = ? AND step = ? AND key = ?`)
	if err != nil {
		return Entry{}, false, fmt.Errorf("state: get %s/%s/%s: %w", pipeline, step, key, err)
	}
	e, err := scanEntry(st.QueryRowContext(ctx, pipeline, step, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("state: get %s/%s/%s: %w", pipeline, step, key, err)
	}
	return e, true, nil
}

// Intend records that the write described by e is about to be sent. See [Store.Intend].
// e.Status, e.Error, e.Attempts and the times are ignored.
func (s *DB) Intend(ctx context.Context, e Entry) error {
	if err := checkNames("intend", "pipeline", e.Pipeline, "step", e.Step, "key", e.Key); err != nil {
		return err
	}
	now := nanos(s.now())
	err := s.write(ctx, e.Pipeline, true, `INSERT INTO ledger (`+entryColumns+`)
		VALUES (?1, ?2, ?3, 'intent', ?4, ?5, ?6, '', 1, ?7, ?7)
		ON CONFLICT (pipeline, step, key) DO UPDATE SET
			status = 'intent',
			target_id = CASE WHEN excluded.target_id = '' THEN ledger.target_id ELSE excluded.target_id END,
			payload_hash = excluded.payload_hash,
			payload = coalesce(excluded.payload, ledger.payload),
			attempts = ledger.attempts + 1,
			updated = excluded.updated`,
		e.Pipeline, e.Step, e.Key, e.TargetID, e.PayloadHash, e.Payload, now)
	if err != nil {
		return fmt.Errorf("state: intend %s/%s/%s: %w", e.Pipeline, e.Step, e.Key, err)
	}
	return nil
}

// Done records that the write of key succeeded. See [Store.Done].
func (s *DB) Done(ctx context.Context, pipeline, step, key, targetID, payloadHash string) error {
	if err := checkNames("done", "pipeline", pipeline, "step", step, "key", key); err != nil {
		return err
	}
	now := nanos(s.now())
	err := s.write(ctx, pipeline, false, `INSERT INTO ledger (`+entryColumns+`)
		VALUES (?1, ?2, ?3, 'done', ?4, ?5, NULL, '', 0, ?6, ?6)
		ON CONFLICT (pipeline, step, key) DO UPDATE SET
			status = 'done',
			target_id = excluded.target_id,
			payload_hash = excluded.payload_hash,
			error = '',
			updated = excluded.updated`,
		pipeline, step, key, targetID, payloadHash, now)
	if err != nil {
		return fmt.Errorf("state: done %s/%s/%s: %w", pipeline, step, key, err)
	}
	return nil
}

// Fail records that the write of key failed. See [Store.Fail].
func (s *DB) Fail(ctx context.Context, pipeline, step, key string, payload []byte, msg string) error {
	if err := checkNames("fail", "pipeline", pipeline, "step", step, "key", key); err != nil {
		return err
	}
	now := nanos(s.now())
	err := s.write(ctx, pipeline, false, `INSERT INTO ledger (`+entryColumns+`)
		VALUES (?1, ?2, ?3, 'failed', '', '', ?4, ?5, 0, ?6, ?6)
		ON CONFLICT (pipeline, step, key) DO UPDATE SET
			status = 'failed',
			payload = coalesce(excluded.payload, ledger.payload),
			error = excluded.error,
			updated = excluded.updated`,
		pipeline, step, key, payload, msg, now)
	if err != nil {
		return fmt.Errorf("state: fail %s/%s/%s: %w", pipeline, step, key, err)
	}
	return nil
}

// Forget deletes the ledger entry of key. See [Store.Forget].
func (s *DB) Forget(ctx context.Context, pipeline, step, key string) error {
	if _, err := s.exec(ctx, `DELETE FROM ledger WHERE pipeline = ? AND step = ? AND key = ?`,
		pipeline, step, key); err != nil {
		return fmt.Errorf("state: forget %s/%s/%s: %w", pipeline, step, key, err)
	}
	return nil
}

// Pending returns the entries still in [StatusIntent], ordered by step and key. See
// [Store.Pending].
func (s *DB) Pending(ctx context.Context, pipeline, step string) ([]Entry, error) {
	es, err := s.entries(ctx, `SELECT `+entryColumns+` FROM ledger
		WHERE pipeline = ?1 AND status = 'intent' AND (?2 = '' OR step = ?2)
		ORDER BY step, key`, pipeline, step)
	if err != nil {
		return nil, fmt.Errorf("state: pending entries of %s: %w", pipeline, err)
	}
	return es, nil
}

// Failed returns the entries of pipeline in [StatusFailed], ordered by step and key.
func (s *DB) Failed(ctx context.Context, pipeline string) ([]Entry, error) {
	es, err := s.entries(ctx, `SELECT `+entryColumns+` FROM ledger
		WHERE pipeline = ? AND status = 'failed'
		ORDER BY step, key`, pipeline)
	if err != nil {
		return nil, fmt.Errorf("state: failed entries of %s: %w", pipeline, err)
	}
	return es, nil
}

func (s *DB) entries(ctx context.Context, query string, args ...any) ([]Entry, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, rows.Err()
}
