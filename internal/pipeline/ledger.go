package pipeline

import (
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/step"
)

// Ledger is the seam for exactly-once writes (see [step.Ledger]); a [state.Store] is one. A nil
// Ledger in [RunOptions] sends every write.
type Ledger = step.Ledger

var _ Ledger = state.Store(nil)
