package state

import (
	"context"
	"fmt"
)

// StartRun records the start of a run of pipeline by this process and returns its ID.
func (s *DB) StartRun(ctx context.Context, pipeline string) (int64, error) {
	if err := checkNames("start run", "pipeline", pipeline); err != nil {
		return 0, err
	}
	var id int64
	err := s.queryRow(ctx, `INSERT INTO runs (pipeline, pid, host, started) VALUES (?, ?, ?, ?) RETURNING id`,
		pipeline, s.pid, s.host, nanos(s.now())).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("state: start run of %s: %w", pipeline, err)
	}
	return id, nil
}

// FinishRun records the end of run runID with its summary.
func (s *DB) FinishRun(ctx context.Context, runID int64, sum RunSummary) error {
	dry := 0
	if sum.DryRun {
		dry = 1
	}
	res, err := s.exec(ctx, `UPDATE runs SET finished = ?, n_read = ?, n_written = ?, n_skipped = ?, n_failed = ?, error = ?, dry_run = ?
		WHERE id = ?`, nanos(s.now()), sum.Read, sum.Written, sum.Skipped, sum.Failed, sum.Error, dry, runID)
	if err != nil {
		return fmt.Errorf("state: finish run %d: %w", runID, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("state: finish run %d: no such run", runID)
	}
	return nil
}

// Runs returns the last limit runs of pipeline, newest first; all of them if limit <= 0.
func (s *DB) Runs(ctx context.Context, pipeline string, limit int) ([]Run, error) {
	q := `SELECT id, pipeline, pid, host, started, finished, n_read, n_written, n_skipped, n_failed, error, dry_run
		FROM runs WHERE pipeline = ? ORDER BY id DESC`
	args := []any{pipeline}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: runs of %s: %w", pipeline, err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var r Run
		var started, finished, dry int64
		if err := rows.Scan(&r.ID, &r.Pipeline, &r.PID, &r.Host, &started, &finished,
			&r.Read, &r.Written, &r.Skipped, &r.Failed, &r.Error, &dry); err != nil {
			return nil, fmt.Errorf("state: runs of %s: %w", pipeline, err)
		}
		r.Started, r.Finished, r.DryRun = fromNanos(started), fromNanos(finished), dry != 0
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: runs of %s: %w", pipeline, err)
	}
	return runs, nil
}

// Stats summarises the state of pipeline: its ledger counts, checkpoints and lock.
func (s *DB) Stats(ctx context.Context, pipeline string) (Stats, error) {
	st := Stats{Pipeline: pipeline}
	rows, err := s.query(ctx, `SELECT status, count(*) FROM ledger WHERE pipeline = ? GROUP BY status`, pipeline)
	if err != nil {
		return Stats{}, fmt.Errorf("state: stats of %s: %w", pipeline, err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return Stats{}, fmt.Errorf("state: stats of %s: %w", pipeline, err)
		}
		switch Status(status) {
		case StatusDone:
			st.Done = n
		case StatusIntent:
			st.Pending = n
		case StatusFailed:
			st.Failed = n
		}
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("state: stats of %s: %w", pipeline, err)
	}
	if st.Checkpoints, err = s.checkpoints(ctx, pipeline); err != nil {
		return Stats{}, fmt.Errorf("state: stats of %s: %w", pipeline, err)
	}
	if st.Lock, err = s.lockHolder(ctx, pipeline); err != nil {
		return Stats{}, fmt.Errorf("state: stats of %s: %w", pipeline, err)
	}
	return st, nil
}
