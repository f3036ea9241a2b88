package pipeline

import "context"

// Ledger is the seam for exactly-once writes (the state store plugs in here). A write step asks
// Get before sending; a Done entry is not sent again (on_change: keep). Intend is recorded before
// the call, Done or Fail after it. A nil Ledger in [RunOptions] sends every write.
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
