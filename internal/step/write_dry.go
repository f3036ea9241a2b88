package step

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/specpipe/specpipe/internal/state"
)

// Dry-run actions: what a real run would do with a record now.
const (
	wouldCreate    = "create"
	wouldUpdate    = "update"
	wouldLeave     = "unchanged"
	wouldFail      = "fail"
	wouldReconcile = "reconcile" // an earlier outcome is unknown and find shows nothing: sent again
)

// dryWrite is one line of a dry run's output.
type dryWrite struct {
	Step   string         `json:"step"`
	Conn   string         `json:"conn"`
	Op     string         `json:"op"`
	Key    string         `json:"key"`
	Action string         `json:"action"`
	Target string         `json:"target,omitempty"`
	Reason string         `json:"reason,omitempty"`
	Params map[string]any `json:"params"`
}

// dry decides, with reads only (the ledger's entry, the step's existing: and find:), what a
// real run would do with wr now, writes it to out as a JSON line and counts it: a create or
// an update as written (Updated for updates), unchanged as skipped, and a record that would
// fail fails.
func (r *writeRun) dry(wr *write, out io.Writer) error {
	w := r.w
	action, target, why, err := r.decide(wr)
	if err != nil {
		return err
	}
	op := w.op
	switch action {
	case wouldUpdate:
		op = w.update.op
	case wouldAfter:
		op = w.after.op
	}
	d := dryWrite{Step: w.id, Conn: w.conn.Name, Op: w.conn.API.Name + "." + op.Name, Key: wr.key, Action: action, Target: target, Params: wr.params}
	if why != nil {
		d.Reason = why.Error()
	}
	line, err := json.Marshal(d)
	if err != nil {
		return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("cannot show the payload: %w", err)})
	}
	if _, err := out.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("dry run output: %w", err)
	}
	switch action {
	case wouldFail:
		return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("would fail: %w", why)})
	case wouldLeave:
		wr.sum.Skipped++
	case wouldUpdate:
		wr.sum.Written++
		wr.sum.Updated++
	default:
		wr.sum.Written++
	}
	return nil
}

// decide is what [writeRun.deliver] would do with wr, found with reads only.
func (r *writeRun) decide(wr *write) (action, target string, why, err error) {
	env, w := r.env, r.w
	lg := env.Ledger()
	if lg == nil {
		if w.existing == nil {
			return wouldCreate, "", nil, nil
		}
		return r.decideExisting(wr)
	}
	e, ok, err := lg.Get(env.Context(), env.Pipeline(), w.id, wr.key)
	if err != nil {
		return "", "", nil, fmt.Errorf("ledger: %w", err)
	}
	if !ok {
		if w.existing == nil {
			return wouldCreate, "", nil, nil
		}
		return r.decideExisting(wr)
	}
	if hash, due := afterDue(e); due {
		return r.decideAfter(wr, e, hash)
	}
	switch e.Status {
	case state.StatusDone:
		if e.PayloadHash == wr.hash || w.onChange == "keep" {
			return wouldLeave, e.TargetID, nil, nil
		}
		return r.decideUpdate(e.TargetID)
	case state.StatusFailed:
		if e.PayloadHash == wr.hash && !env.Retry() && !strings.HasPrefix(e.Error, notSent) {
			return wouldFail, "", fmt.Errorf("rejected by an earlier run: %s (pipe retry sends it again once the cause is fixed)", e.Error), nil
		}
	case state.StatusIntent:
	default:
		return "", "", nil, fmt.Errorf("ledger: key %s has the unknown status %q", wr.key, e.Status)
	}
	if e.TargetID != "" && w.update != nil && w.onChange == "update" {
		return wouldUpdate, e.TargetID, nil, nil
	}
	if w.find == nil {
		if e.Status != state.StatusIntent {
			return wouldCreate, "", nil, nil
		}
		return wouldFail, "", errors.New("an earlier run sent this write but its outcome is unknown, and the step has no find: to reconcile it"), nil
	}
	ids, err := r.findTargets(wr)
	if err != nil {
		if reason, ok := FailedRecord(err); ok {
			return wouldFail, "", reason, nil
		}
		return "", "", nil, err
	}
	switch len(ids) {
	case 0:
		if e.Status == state.StatusIntent {
			return wouldReconcile, "", errors.New("an earlier run's outcome is unknown and find does not show it: sent again"), nil
		}
		return wouldCreate, "", nil, nil
	case 1:
		if e.PayloadHash != wr.hash && w.onChange == "update" {
			return r.decideUpdate(ids[0])
		}
		return wouldLeave, ids[0], nil, nil
	}
	return wouldFail, "", r.severalError(ids), nil
}

// decideExisting is what [writeRun.adoptExisting] would do.
func (r *writeRun) decideExisting(wr *write) (action, target string, why, err error) {
	m, err := r.existingItems()
	if err != nil {
		return "", "", nil, err
	}
	items := m[wr.key]
	switch len(items) {
	case 0:
		return wouldCreate, "", nil, nil
	case 1:
	default:
		return wouldFail, "", fmt.Errorf("existing lists %d objects with this key", len(items)), nil
	}
	id := targetOf(items[0])
	same, err := r.sameAsExisting(wr, items[0])
	if err != nil {
		return wouldFail, id, err, nil
	}
	if !same && r.w.onChange == "update" {
		return r.decideUpdate(id)
	}
	due, err := r.afterNeeded(wr, items[0])
	switch {
	case err != nil:
		return wouldFail, id, err, nil
	case due:
		return wouldAfter, id, nil, nil
	}
	return wouldLeave, id, nil, nil
}

// decideUpdate is what [writeRun.updateTarget] would do.
func (r *writeRun) decideUpdate(target string) (action, id string, why, err error) {
	switch {
	case r.w.update == nil:
		return wouldFail, target, fmt.Errorf("the record changed since it was written (target %s) and the step has no update: operation", target), nil
	case target == "":
		return wouldFail, "", errors.New("the record changed since it was written, but the write's answer had no ID to update"), nil
	}
	return wouldUpdate, target, nil, nil
}
