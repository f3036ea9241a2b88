package pipeline

import (
	"context"
	"errors"

	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/step"
)

// Ledger is the seam for exactly-once writes (see [step.Ledger]); a [state.Store] is one. A nil
// Ledger in [RunOptions] sends every write.
type Ledger = step.Ledger

var _ Ledger = state.Store(nil)

// readOnlyLedger is the ledger of a dry run: write steps read what it holds to say what a real
// run would do, and nothing is recorded.
type readOnlyLedger struct{ Ledger }

var errDryLedger = errors.New("a dry run records nothing in the ledger")

func (readOnlyLedger) Intend(context.Context, state.Entry) error { return errDryLedger }
func (readOnlyLedger) Done(context.Context, string, string, string, string, string) error {
	return errDryLedger
}
func (readOnlyLedger) Fail(context.Context, string, string, string, []byte, string) error {
	return errDryLedger
}
