package pipeline

import (
	"context"

	"github.com/specpipe/specpipe/internal/state"
)

// StateLedger is the [Ledger] on a state store: what `pipe run` uses, so a rerun never posts a
// record twice and a write whose outcome is unknown is reconciled.
func StateLedger(s state.Store) Ledger { return stateLedger{s} }

type stateLedger struct{ s state.Store }

var _ Ledger = stateLedger{}

func (l stateLedger) Get(ctx context.Context, pl, step, key string) (LedgerEntry, bool, error) {
	e, ok, err := l.s.Get(ctx, pl, step, key)
	if err != nil || !ok {
		return LedgerEntry{}, ok, err
	}
	return LedgerEntry{Pipeline: e.Pipeline, Step: e.Step, Key: e.Key, TargetID: e.TargetID,
		PayloadHash: e.PayloadHash, Payload: e.Payload, Status: LedgerStatus(e.Status), Error: e.Error}, true, nil
}

func (l stateLedger) Intend(ctx context.Context, e LedgerEntry) error {
	return l.s.Intend(ctx, state.Entry{Pipeline: e.Pipeline, Step: e.Step, Key: e.Key, TargetID: e.TargetID,
		PayloadHash: e.PayloadHash, Payload: e.Payload, Status: state.StatusIntent})
}

func (l stateLedger) Done(ctx context.Context, pl, step, key, targetID, hash string) error {
	return l.s.Done(ctx, pl, step, key, targetID, hash)
}

func (l stateLedger) Fail(ctx context.Context, pl, step, key string, payload []byte, msg string) error {
	return l.s.Fail(ctx, pl, step, key, payload, msg)
}
