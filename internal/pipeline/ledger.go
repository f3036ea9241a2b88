package pipeline

import (
	"context"

	"github.com/specpipe/specpipe/internal/state"
)

// Ledger is the seam for exactly-once writes; a [state.Store] is one. A write step asks Get
// before sending; Intend is recorded before the call, Done or Fail after it. A nil Ledger in
// [RunOptions] sends every write.
//
// What a write step does with the entry it gets:
//
//   - none: the write is sent;
//   - [state.StatusDone] with the same payload hash: skipped; with another hash: left
//     (on_change: keep) or updated through the step's update operation (on_change: update);
//   - [state.StatusIntent]: an earlier call's outcome is unknown; it is reconciled before
//     anything is sent: the step's find lists the target, one match is adopted (Done with its
//     ID), none is sent again, several fail the record naming their IDs. Without find the
//     record fails;
//   - [state.StatusFailed] with the same payload hash: the record fails again without a call,
//     unless [RunOptions.Retry] asks for failed records to be sent again (pipe retry); with
//     another hash, or in a retry, it is reconciled and sent.
//
// Implementations must be safe for use by one run at a time; the pipeline name, step ID and the
// record's idempotency key identify an entry.
type Ledger interface {
	Get(ctx context.Context, pipeline, step, key string) (state.Entry, bool, error)
	Intend(ctx context.Context, e state.Entry) error
	Done(ctx context.Context, pipeline, step, key, targetID, payloadHash string) error
	Fail(ctx context.Context, pipeline, step, key string, payload []byte, msg string) error
}

var _ Ledger = state.Store(nil)
