package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit: the ledger and checkpoint writes that this process's goroutines make at the
// same time (a write step's records in flight) are committed together, in one transaction,
// instead of one transaction each. A commit costs far more than the statement it commits (on
// SQLite one writer at a time, on PostgreSQL a flush of the WAL), so while one batch commits,
// the writes that arrive queue up and go into the next.
//
// There is no committer goroutine: the first writer to find no batch under way leads. It takes
// every write queued (its own included), commits them, answers each writer, and hands the lead
// to the first writer that queued meanwhile, if any. A writer returns only when its own write
// is committed (or has failed), exactly as when it committed alone.
//
// Fencing stays per write: the batch's transaction checks, for each pipeline whose run lock
// this store holds, the lock's token (and, for the writes that require it, that the lease has
// not expired) before any of its statements, so a write of a run that lost its lease fails with
// [ErrLeaseLost] and the others of the batch still commit. When the batch's transaction fails
// (a statement, the commit, the leader's context), no writer takes that error for its own:
// each writes again alone, in a transaction of its own, and gets its own result.

// pendingWrite is one ledger or checkpoint write queued for a batch.
type pendingWrite struct {
	ctx      context.Context
	pipeline string
	live     bool // requires the lease not to have expired (an intent)
	query    string
	args     []any
	answer   chan answer // buffered: the leader never waits on a writer
}

// answer is what a queued writer is told: to lead the next batch, to write alone (its batch
// failed), or its write's result.
type answer struct {
	lead, alone bool
	err         error
}

// batcher is the queue of a DB's writes.
type batcher struct {
	mu      sync.Mutex
	queue   []*pendingWrite
	leading bool // a writer is committing a batch
}

// write runs the ledger write query of pipeline, fenced by the run lock this store holds (see
// [DB.Lock]); live also requires the lease not to have expired. A SQLite store first checks
// that its file is still the one it opened. Concurrent writes are committed together (see
// above).
func (s *DB) write(ctx context.Context, pipeline string, live bool, query string, args ...any) error {
	if err := s.checkOpened(); err != nil {
		return err
	}
	w := &pendingWrite{ctx: ctx, pipeline: pipeline, live: live, query: query, args: args, answer: make(chan answer, 1)}
	b := &s.batch
	b.mu.Lock()
	b.queue = append(b.queue, w)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	for {
		var a answer
		if lead {
			a = answer{lead: true}
			lead = false
		} else {
			a = <-w.answer
		}
		switch {
		case a.lead:
			s.lead(ctx)
		case a.alone:
			return s.writeAlone(w)
		default:
			return a.err
		}
	}
}

// lead commits the writes queued, answering each, and passes the lead on to the first writer
// queued meanwhile, or ends it.
func (s *DB) lead(ctx context.Context) {
	b := &s.batch
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.mu.Unlock()

	s.commitBatch(ctx, batch)

	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].answer <- answer{lead: true}
	} else {
		b.leading = false
	}
	b.mu.Unlock()
}

// commitBatch commits batch in one transaction and answers every write in it.
func (s *DB) commitBatch(ctx context.Context, batch []*pendingWrite) {
	var live []*pendingWrite
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.answer <- answer{err: err}
			continue
		}
		live = append(live, w)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].answer <- answer{err: s.writeAlone(live[0])}
		return
	}
	if s.dialect == sqliteDialect {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	committed, err := s.commitTogether(ctx, live)
	for _, w := range live {
		switch e, answered := committed[w]; {
		case answered:
			w.answer <- answer{err: e}
		case err != nil:
			w.answer <- answer{alone: true}
		default:
			w.answer <- answer{}
		}
	}
}

// commitTogether runs the writes of batch in one transaction. It returns the writes refused by
// their fence, with [ErrLeaseLost] (they are answered whatever becomes of the transaction), and
// the transaction's error, after which the others must be written again.
func (s *DB) commitTogether(ctx context.Context, batch []*pendingWrite) (map[*pendingWrite]error, error) {
	refused := map[*pendingWrite]error{}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return refused, err
	}
	defer tx.Rollback()
	fences := map[string]fence{}
	for _, w := range batch {
		f, ok := fences[w.pipeline]
		if !ok {
			if f, err = s.checkFence(ctx, tx, w.pipeline); err != nil {
				return refused, err
			}
			fences[w.pipeline] = f
		}
		if f.lost || w.live && f.expired {
			refused[w] = ErrLeaseLost
			continue
		}
		if err := s.execIn(ctx, tx, w.query, w.args...); err != nil {
			return refused, err
		}
	}
	return refused, tx.Commit()
}

// writeAlone runs w in a transaction of its own (outside a batch), as a write did before there
// were batches.
func (s *DB) writeAlone(w *pendingWrite) error {
	if s.dialect == sqliteDialect {
		s.wmu.Lock()
		defer s.wmu.Unlock()
	}
	return s.fenced(w.ctx, w.pipeline, w.live, func(tx *sql.Tx) error {
		return s.execIn(w.ctx, tx, w.query, w.args...)
	})
}

// execIn runs query in tx, or on the database when tx is nil, as a statement prepared once per
// store (see [DB.prepared]).
func (s *DB) execIn(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return err
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

// prepared returns query (written for SQLite, see [dialect.q]) as a statement of the store's
// database, preparing it the first time: SQLite otherwise parses and plans each ledger
// statement again at every call, which costs more than running it. database/sql prepares it
// again on each connection that runs it, once.
func (s *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.smu.Lock()
	defer s.smu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, s.dialect.q(query))
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// closeStatements closes the statements [DB.prepared] made.
func (s *DB) closeStatements() error {
	s.smu.Lock()
	defer s.smu.Unlock()
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("state: close %s: %w", s.loc, err)
	}
	return nil
}
