package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Checkpoint returns the value of the checkpoint name of pipeline, and whether it is set.
func (s *DB) Checkpoint(ctx context.Context, pipeline, name string) (string, bool, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM checkpoints WHERE pipeline = ? AND name = ?`,
		pipeline, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("state: checkpoint %s/%s: %w", pipeline, name, err)
	}
	return v, true, nil
}

// SetCheckpoint sets the checkpoint name of pipeline to value. Like the ledger's writes, it is
// fenced by the run lock this store holds on pipeline (see [DB.Lock]).
func (s *DB) SetCheckpoint(ctx context.Context, pipeline, name, value string) error {
	if err := checkNames("set checkpoint", "pipeline", pipeline, "name", name); err != nil {
		return err
	}
	err := s.write(ctx, pipeline, false, `INSERT INTO checkpoints (pipeline, name, value, updated) VALUES (?1, ?2, ?3, ?4)
		ON CONFLICT (pipeline, name) DO UPDATE SET value = excluded.value, updated = excluded.updated`,
		pipeline, name, value, nanos(s.now()))
	if err != nil {
		return fmt.Errorf("state: set checkpoint %s/%s: %w", pipeline, name, err)
	}
	return nil
}

// checkpoints returns every checkpoint of pipeline.
func (s *DB) checkpoints(ctx context.Context, pipeline string) (map[string]string, error) {
	rows, err := s.query(ctx, `SELECT name, value FROM checkpoints WHERE pipeline = ?`, pipeline)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, rows.Err()
}
