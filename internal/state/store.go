// Package state is specpipe's state store: what a pipeline run must remember between runs and
// share with the other runs using the same store, on this machine or on other hosts.
//
// It holds
//
//   - the write ledger, one [Entry] per (pipeline, step, key), which makes writes to APIs without
//     idempotency keys happen exactly once: the runner records an intent before the call
//     ([Store.Intend]) and the result after it ([Store.Done] or [Store.Fail]); an intent left
//     without a result ([Store.Pending]) is a call whose outcome must be reconciled with the API
//     before it is retried;
//   - checkpoints, the named cursors of incremental runs;
//   - cached access tokens (a [Store] is a [tokencache.Store]);
//   - rate-limit clocks, shared by every process using the same store, so two cron jobs sharing
//     an account still keep the vendor's interval ([Store.Reserve], [Limiter]);
//   - run locks, one run of a pipeline at a time ([Store.Lock]), held as leases;
//   - the history of runs, with the host name and process ID of each, for `pipe state`.
//
// [DB] implements it on two backends with the same schema (versioned the same way) and the
// same semantics: one SQLite file ([Open]; modernc.org/sqlite, no server, no cgo), shared by the
// processes of one host, or one PostgreSQL database ([OpenPostgres]; github.com/jackc/pgx/v5),
// shared by any number of hosts. [OpenLocation] takes either: a postgres:// URL or a file path;
// [OpenReadOnly] reads a state file its user may not write. [Copy] moves a deployment from one
// backend to the other.
//
// A state file is never taken as new when it is not: a file of 0 bytes was emptied and is
// refused, a symbolic link is refused (and its target never chmod-ed), and a file deleted or
// replaced under a running process stops its ledger commits.
//
// What holds across every process and host using one store:
//
//   - Rate clocks: [DB.Reserve] is one statement that locks the clock's row, so no two callers
//     get slots closer than the interval, and none waits longer than the calls queued before it.
//     A caller that reached its slot then claims it ([DB.Claim]), which succeeds only an
//     interval after the start of the last claimed call: a call that started late (its process
//     stalled past its slot) delays the next one instead of ending up closer to it.
//     The slots are times of the callers' clocks: hosts must keep their clocks synchronized
//     (NTP), and a skew between two hosts shortens or lengthens their spacing by as much.
//   - Run locks: a lock is a lease with a heartbeat (every third of [WithLease], default
//     [DefaultLease]); another run takes it over only after it expired, or at once when its
//     holder's process is gone from the same host. Every lease has a fencing token, and the
//     ledger and checkpoint writes of a pipeline whose lock this store took check it in their
//     own transaction:
//     a run that lost its lease (a network cut, a long pause) fails with [ErrLeaseLost] instead
//     of committing after another run took over. Host names must be unique among the hosts
//     sharing a store.
//   - Ledger: each transition is committed before its call returns, in one transaction with
//     its fence check; the transitions that a process's goroutines make at the same time (a
//     write step's records in flight) share one transaction (group commit), and one the
//     database refuses fails alone. An intent recorded by a run that died is seen by the next
//     run on any host, which reconciles it.
//   - Tokens: a token saved by one process is loaded by all until it expires.
//
// Secrets: the access tokens in the database are sealed by their [tokencache.Source] (AES-256-GCM
// under a key derived from the connection's secret credentials; the tokens earlier versions
// cached in clear are dropped by migration 5), and `pipe state` never shows them. Still, a
// SQLite file is created with mode 0600, and a PostgreSQL database must be readable only by the
// specpipe role. Nothing in this package
// logs, no error message contains a token, a token's cache key or a database password, and
// [DB.Location] hides the password. Payloads are stored as the runner passes them (it redacts
// them first).
package state

import (
	"context"
	"fmt"
	"time"

	"github.com/specpipe/specpipe/internal/runtime/tokencache"
)

// Store is the state of specpipe's pipelines. Implementations are safe for concurrent use by
// multiple goroutines and, for [DB], by multiple processes and hosts sharing one database.
type Store interface {
	// Get returns the ledger entry of key in step of pipeline, and whether there is one.
	Get(ctx context.Context, pipeline, step, key string) (Entry, bool, error)
	// Intend records that the write described by e is about to be sent: the entry's status
	// becomes [StatusIntent], its PayloadHash and Payload are set from e (a nil Payload keeps
	// the stored one, an empty TargetID keeps the stored one) and its Attempts grow by one.
	// The entry's last Error is kept until Done.
	Intend(ctx context.Context, e Entry) error
	// Done records that the write of key succeeded and created or changed targetID, with a
	// payload whose hash is payloadHash. It clears the entry's Error.
	Done(ctx context.Context, pipeline, step, key, targetID, payloadHash string) error
	// Fail records that the write of key failed with msg, keeping payload (if not nil) for a
	// later retry.
	Fail(ctx context.Context, pipeline, step, key string, payload []byte, msg string) error
	// Forget deletes the ledger entry of key, so that the next run writes it again. Deleting
	// an entry that does not exist is not an error.
	Forget(ctx context.Context, pipeline, step, key string) error
	// Pending returns the entries of step (of every step if step is "") still in
	// [StatusIntent]: calls whose result was never recorded.
	Pending(ctx context.Context, pipeline, step string) ([]Entry, error)
	// Failed returns the entries of pipeline in [StatusFailed].
	Failed(ctx context.Context, pipeline string) ([]Entry, error)

	// Checkpoint returns the value of the checkpoint name of pipeline, and whether it is set.
	Checkpoint(ctx context.Context, pipeline, name string) (string, bool, error)
	// SetCheckpoint sets the checkpoint name of pipeline to value.
	SetCheckpoint(ctx context.Context, pipeline, name, value string) error

	// LoadToken returns the token cached under key, and whether there is one. An expired
	// token is returned as it was saved (sealed, by a [tokencache.Source]); the caller decides
	// whether it is still good.
	LoadToken(ctx context.Context, key string) (Token, bool, error)
	// SaveToken caches t under key, replacing any token cached there.
	SaveToken(ctx context.Context, key string, t Token) error

	// Reserve reserves the next slot of the rate clock key, atomically across processes:
	// the slot is the later of now and the previous slot plus interval, and becomes the
	// clock's previous slot. The caller waits until the returned slot before its call.
	// Rate clock keys name an account or credential but must not be secrets: they may
	// appear in error messages.
	Reserve(ctx context.Context, key string, interval time.Duration, now time.Time) (time.Time, error)
	// Claim records that a call of the rate clock key starts at now, if the last call claimed
	// on key started at least interval before now (ok); otherwise it records nothing and
	// returns the time from which the claim can succeed. A caller claims after waiting for its
	// reserved slot and before its call, so calls are spaced by when they really start, even
	// when the one before started late (a stalled process, a slow host).
	Claim(ctx context.Context, key string, interval time.Duration, now time.Time) (ok bool, next time.Time, err error)

	// Lock takes the run lock of pipeline. It returns a *[LockedError] when another run
	// holds it, unless that run's lease has expired or its process is known to be gone, in
	// which case the lock is taken over. While it is held, the ledger writes of pipeline
	// through this store fail with [ErrLeaseLost] if another run took it over. release gives
	// the lock back; calling it again returns the first result.
	Lock(ctx context.Context, pipeline string) (release func() error, err error)
	// BreakLock removes the run lock of pipeline whoever holds it, for the operator of a run
	// that died on another host. Breaking a lock nobody holds is not an error.
	BreakLock(ctx context.Context, pipeline string) error

	// StartRun records the start of a run of pipeline and returns its ID.
	StartRun(ctx context.Context, pipeline string) (runID int64, err error)
	// FinishRun records the end of run runID with its summary.
	FinishRun(ctx context.Context, runID int64, summary RunSummary) error
	// Runs returns the last limit runs of pipeline, newest first; all of them if limit <= 0.
	Runs(ctx context.Context, pipeline string, limit int) ([]Run, error)
	// Stats summarises the state of pipeline.
	Stats(ctx context.Context, pipeline string) (Stats, error)

	// Close releases the store's resources. Locks still held are not released.
	Close() error
}

// Status is the state of a ledger [Entry].
type Status string

// The statuses of a ledger entry.
const (
	// StatusIntent: the write was about to be sent; its outcome is unknown.
	StatusIntent Status = "intent"
	// StatusDone: the write succeeded.
	StatusDone Status = "done"
	// StatusFailed: the write failed; the entry keeps the payload and the reason.
	StatusFailed Status = "failed"
)

// Entry is one row of the write ledger: what is known about the write of one record (Key) by
// one step of one pipeline.
type Entry struct {
	Pipeline, Step, Key string
	// TargetID is the ID of the object the write created or changed in the target API.
	TargetID string
	// PayloadHash identifies the payload last intended or written, so a run can tell an
	// unchanged record from one that needs an update.
	PayloadHash string
	Status      Status
	// Payload is the (redacted) request payload, kept for retrying failed writes.
	Payload []byte
	// Error is the message of the last failure; Done clears it.
	Error string
	// Attempts counts the calls of Intend for this entry.
	Attempts int
	// Created and Updated are when the entry was first and last recorded.
	Created, Updated time.Time
}

// Token is a cached access token; its String method hides its value.
type Token = tokencache.Token

// LockHolder describes the run holding a pipeline's run lock.
type LockHolder struct {
	PID   int       // process ID of the run
	Host  string    // host name of the run's machine
	Since time.Time // when the run took the lock
	// Expires is when the lease ends unless the holder's heartbeat renews it; zero for a lock
	// taken by a version of specpipe without leases.
	Expires time.Time
	// Heartbeat is the holder's last renewal (Since until the first).
	Heartbeat time.Time
}

// LockedError is returned by Lock when another run holds the lock.
type LockedError struct {
	Pipeline string
	LockHolder
}

// Error names the pipeline and the process holding its lock.
func (e *LockedError) Error() string {
	msg := fmt.Sprintf("state: pipeline %q is locked by pid %d on %s since %s",
		e.Pipeline, e.PID, e.Host, e.Since.Format(time.RFC3339))
	if !e.Expires.IsZero() {
		msg += fmt.Sprintf(" (lease until %s unless renewed)", e.Expires.Format(time.RFC3339))
	}
	return msg
}

// RunSummary is what a run reports when it finishes.
type RunSummary struct {
	Read, Written, Skipped, Failed int
	// DryRun reports a dry run: Written and Skipped are what a real run would have done.
	DryRun bool
	// Error is the error that ended the run; empty when it ended normally.
	Error string
}

// Run is one run of a pipeline.
type Run struct {
	ID       int64
	Pipeline string
	PID      int
	Host     string
	Started  time.Time
	Finished time.Time // zero while running (or if the run died)
	RunSummary
}

// Stats summarises the state of one pipeline.
type Stats struct {
	Pipeline string
	// Done, Pending and Failed count the pipeline's ledger entries by status.
	Done, Pending, Failed int
	// Checkpoints maps the pipeline's checkpoint names to their values.
	Checkpoints map[string]string
	// Lock is the holder of the pipeline's run lock; nil if it is not locked.
	Lock *LockHolder
}
