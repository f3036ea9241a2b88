package pipelines_test

import (
	"context"

	"github.com/specpipe/specpipe/internal/pipeline"
	"github.com/specpipe/specpipe/internal/state"
)

// ledger adapts the state store to the engine's exactly-once seam, as `pipe run` does.
type ledger struct{ s *state.SQLite }

func (l ledger) Get(ctx context.Context, pl, step, key string) (pipeline.LedgerEntry, bool, error) {
	e, ok, err := l.s.Get(ctx, pl, step, key)
	if err != nil || !ok {
		return pipeline.LedgerEntry{}, ok, err
	}
	return pipeline.LedgerEntry{Pipeline: e.Pipeline, Step: e.Step, Key: e.Key, TargetID: e.TargetID,
		PayloadHash: e.PayloadHash, Payload: e.Payload, Status: pipeline.LedgerStatus(e.Status), Error: e.Error}, true, nil
}

func (l ledger) Intend(ctx context.Context, e pipeline.LedgerEntry) error {
	return l.s.Intend(ctx, state.Entry{Pipeline: e.Pipeline, Step: e.Step, Key: e.Key, TargetID: e.TargetID,
		PayloadHash: e.PayloadHash, Payload: e.Payload, Status: state.StatusIntent})
}

func (l ledger) Done(ctx context.Context, pl, step, key, targetID, hash string) error {
	return l.s.Done(ctx, pl, step, key, targetID, hash)
}

func (l ledger) Fail(ctx context.Context, pl, step, key string, payload []byte, msg string) error {
	return l.s.Fail(ctx, pl, step, key, payload, msg)
}

var _ pipeline.Ledger = ledger{}
