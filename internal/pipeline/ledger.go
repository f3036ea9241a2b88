package pipeline

import "context"

// Ledger is the seam for exactly-once writes (the state store plugs in here). A write step asks
// Get before sending; Intend is recorded before the call, Done or Fail after it. A nil Ledger in
// [RunOptions] sends every write.
//
// What a write step does with the entry it gets:
//
//   - none: the write is sent;
//   - [LedgerDone] with the same payload hash: skipped; with another hash: left (on_change:
//     keep) or updated through the step's update operation (on_change: update);
//   - [LedgerIntent]: an earlier call's outcome is unknown; it is reconciled before anything is
//     sent: the step's find lists the target, one match is adopted (Done with its ID), none is
//     sent again, several fail the record naming their IDs. Without find the record fails;
//   - [LedgerFailed] with the same payload hash: the record fails again without a call (the
//     operator retries it, see [LedgerRetry]); with another hash it is reconciled and sent;
//   - [LedgerRetry]: reconciled and sent again.
//
// Implementations must be safe for use by one run at a time; the pipeline name, step ID and the
// record's idempotency key identify an entry.
type Ledger interface {
	Get(ctx context.Context, pipeline, step, key string) (LedgerEntry, bool, error)
	Intend(ctx context.Context, e LedgerEntry) error
	Done(ctx context.Context, pipeline, step, key, targetID, payloadHash string) error
	Fail(ctx context.Context, pipeline, step, key string, payload []byte, msg string) error
}

// LedgerStatus is the state of a ledger entry.
type LedgerStatus string

// Ledger statuses.
const (
	LedgerIntent LedgerStatus = "intent" // sent, or about to be; the outcome is not recorded
	LedgerDone   LedgerStatus = "done"   // written
	LedgerFailed LedgerStatus = "failed" // rejected; kept for a retry
	// LedgerRetry is a failed entry the operator asked to send again (pipe retry). Stores do
	// not keep it: a Ledger reports a failed entry so during a retry run.
	LedgerRetry LedgerStatus = "retry"
)

// LedgerEntry is what the ledger knows about the write of one record.
type LedgerEntry struct {
	Pipeline, Step, Key string
	TargetID            string // the ID the write created or changed, when the answer had one
	PayloadHash         string // sha256 of the payload sent
	Payload             []byte // the payload (no secrets: it is built from records)
	Status              LedgerStatus
	Error               string
}
