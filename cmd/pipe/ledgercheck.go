package main

import (
	"context"
	"fmt"
)

// warnLostLedger says loudly when a pipeline that has written before (its run history says
// so) finds no ledger entries at all: the ledger was lost or replaced, and only write steps
// with existing: keep the run from writing everything again.
func (r *runner) warnLostLedger(ctx context.Context) {
	st, err := r.store.Stats(ctx, r.outline.Name)
	if err != nil || st.Done+st.Pending+st.Failed > 0 {
		return
	}
	runs, err := r.store.Runs(ctx, r.outline.Name, 0)
	if err != nil {
		return
	}
	for _, run := range runs {
		if !run.DryRun && run.Written > 0 {
			msg := fmt.Sprintf("%s wrote %d records in run #%d (%s) but its ledger has no entries: the state store lost its ledger; write steps without existing: write every record again",
				r.outline.Name, run.Written, run.ID, run.Started.Format("2006-01-02 15:04"))
			r.log.Warn("the ledger is empty but the pipeline has written before", "pipeline", r.outline.Name, "run", run.ID)
			fmt.Fprintf(r.e.stdout, "warning: %s\n", msg)
			return
		}
	}
}
