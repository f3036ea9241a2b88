package step

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/state"
)

// write is one record's write: its idempotency key, params and payload, and what its worker
// uses: the evaluator of its own expressions (find:, update:, existing: same; r is the record)
// and its counts, which the run adds to the step's summary in input order.
type write struct {
	key     string
	params  map[string]any
	payload []byte
	hash    string // sha256 of payload, hex
	ev      *eval.Evaluator
	sum     *Summary
}

// deliver writes wr exactly once, as the ledger's entry of its key says (see [Ledger]).
func (r *writeRun) deliver(wr *write) error {
	env, w := r.env, r.w
	e, ok, err := env.Ledger().Get(env.Context(), env.Pipeline(), w.id, wr.key)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if !ok {
		if w.existing != nil {
			return r.adoptExisting(wr)
		}
		return r.create(wr)
	}
	if hash, due := afterDue(e); due {
		return r.resumeAfter(wr, e, hash)
	}
	switch e.Status {
	case state.StatusDone:
		if e.PayloadHash == wr.hash || w.onChange == "keep" {
			wr.sum.Skipped++
			return nil
		}
		return r.updateTarget(wr, e.TargetID)
	case state.StatusFailed:
		if e.PayloadHash == wr.hash && !env.Retry() && !strings.HasPrefix(e.Error, notSent) {
			return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("rejected by an earlier run: %s (pipe retry sends it again once the cause is fixed)", e.Error)})
		}
	case state.StatusIntent:
	default:
		return fmt.Errorf("ledger: key %s has the unknown status %q", wr.key, e.Status)
	}
	// An earlier call's outcome is unknown, or the record failed and is sent again: what it
	// made, if anything, is found before anything new is sent.
	if e.TargetID != "" && w.update != nil && w.onChange == "update" {
		// The object exists (an update was sent or failed): updates send the whole change again.
		return r.updateTarget(wr, e.TargetID)
	}
	return r.reconcile(wr, e)
}

// reconcile looks for what an earlier write of wr's key made: one match is adopted, none is
// written now, several fail the record (an ID is never guessed).
func (r *writeRun) reconcile(wr *write, e state.Entry) error {
	env, w := r.env, r.w
	if w.find == nil {
		if e.Status != state.StatusIntent {
			return r.create(wr) // failed before, so nothing was made; or the operator asked for it
		}
		return r.fail(wr, errors.New("an earlier run sent this write but its outcome is unknown, and the step has no find: to reconcile it; check the target by hand, then pipe retry sends it again"))
	}
	ids, err := r.findTargets(wr)
	if err != nil {
		return err
	}
	switch len(ids) {
	case 0:
		return r.create(wr)
	case 1:
		env.Log().Info("write reconciled", "step", w.id, "key", wr.key, "target", ids[0])
		if err := r.made(wr, ids[0], e.PayloadHash, nil); err != nil {
			return err
		}
		if e.PayloadHash != wr.hash && w.onChange == "update" {
			return r.updateTarget(wr, ids[0])
		}
		wr.sum.Skipped++
		return nil
	}
	return r.fail(wr, r.severalError(ids))
}

func (r *writeRun) severalError(ids []string) error {
	w := r.w
	return fmt.Errorf("find (%s.%s) matches %d objects (%s): remove the extra ones, then pipe retry adopts the one left",
		w.conn.API.Name, w.find.op.Name, len(ids), strings.Join(ids, ", "))
}

// create sends the write of wr, with the ledger's intent before it and its result after it.
func (r *writeRun) create(wr *write) error {
	env, w := r.env, r.w
	lg := env.Ledger()
	if lg != nil {
		if err := lg.Intend(env.Context(), state.Entry{Pipeline: env.Pipeline(), Step: w.id, Key: wr.key, PayloadHash: wr.hash, Payload: wr.payload, Status: state.StatusIntent}); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	result, err := r.call(w.op, wr.params)
	if err != nil {
		return r.sendFailed(wr, err, "")
	}
	id := targetOf(result)
	if (id == "" || id == "0") && returnsID(w.op) {
		// Done needs what was made: an answer without its id leaves the outcome unknown.
		return r.sendFailed(wr, &transport.NetworkError{Op: w.op.FullName(), Unknown: true,
			Err: errors.New("the answer names no id of what was written, so whether it took effect is unknown")}, "")
	}
	if err := r.made(wr, id, wr.hash, nil); err != nil {
		return err
	}
	wr.sum.Written++
	return nil
}

// updateTarget sends the step's update operation for the object target, which an earlier
// write of wr's key made.
func (r *writeRun) updateTarget(wr *write, target string) error {
	env, w := r.env, r.w
	if w.update == nil {
		return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("the record changed since it was written (target %s) and the step has no update: operation", target)})
	}
	if target == "" {
		return RecordFailed(&writeError{key: wr.key, err: errors.New("the record changed since it was written, but the write's answer had no ID to update")})
	}
	wr.ev.Set("target", target)
	params, err := EvalParams(wr.ev, w.update.names, w.update.params)
	wr.ev.Delete("target")
	if err != nil {
		return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("update: %w", err)})
	}
	lg := env.Ledger()
	if err := lg.Intend(env.Context(), state.Entry{Pipeline: env.Pipeline(), Step: w.id, Key: wr.key, TargetID: target, PayloadHash: wr.hash, Payload: wr.payload, Status: state.StatusIntent}); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if _, err := r.call(w.update.op, params); err != nil {
		return r.sendFailed(wr, err, target)
	}
	if err := lg.Done(env.Context(), env.Pipeline(), w.id, wr.key, target, wr.hash); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	wr.sum.Written++
	wr.sum.Updated++
	return nil
}

// sendFailed handles a failed write call: a rejection fails the record (kept in the ledger
// for a retry); a call whose outcome is unknown is reconciled at once when it can be, else
// left for the next run; anything else stops the run (the ledger keeps the intent).
func (r *writeRun) sendFailed(wr *write, callErr error, target string) error {
	env, w := r.env, r.w
	lg := env.Ledger()
	switch {
	case transport.Rejected(callErr):
		if lg != nil {
			if err := lg.Fail(env.Context(), env.Pipeline(), w.id, wr.key, wr.payload, callErr.Error()); err != nil {
				return fmt.Errorf("ledger: %w", err)
			}
		}
		return RecordFailed(&writeError{key: wr.key, err: callErr})
	case lg != nil && transport.OutcomeUnknown(callErr) && env.Context().Err() == nil:
		if target != "" {
			// An update sends the same change again; the next run does.
			return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("%w (the outcome is unknown; the next run sends the update again)", callErr)})
		}
		if w.find == nil {
			return r.fail(wr, fmt.Errorf("%w: the outcome is unknown, and the step has no find: to reconcile it; check the target by hand, then pipe retry sends it again", callErr))
		}
		ids, err := r.findTargets(wr)
		if err != nil {
			return fmt.Errorf("step %s: key %s: %w (reconciling after: %v)", w.id, wr.key, err, callErr)
		}
		switch len(ids) {
		case 0:
			// Not there (yet): the entry stays an intent, reconciled again by the next run.
			return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("%w (the outcome is unknown and find does not show it; the next run reconciles it again)", callErr)})
		case 1:
			if err := r.made(wr, ids[0], wr.hash, nil); err != nil {
				return err
			}
			wr.sum.Written++
			return nil
		}
		return r.fail(wr, r.severalError(ids))
	case lg != nil && transport.NotProcessed(callErr):
		// Known not to have taken effect (a redirect not followed, a refused connection, an
		// authorization answer): the failure is recorded, not the intent, so the next run sends
		// it without calling its outcome unknown.
		if err := lg.Fail(env.Context(), env.Pipeline(), w.id, wr.key, wr.payload, notSent+callErr.Error()); err != nil {
			return fmt.Errorf("ledger: %w (after: %v)", err, callErr)
		}
	}
	return fmt.Errorf("step %s: key %s: %w", w.id, wr.key, callErr)
}

// notSent begins the ledger error of a write that stopped the run and is known not to have
// taken effect: the next run sends it again (a vendor's rejection waits for pipe retry).
const notSent = "not sent: "

// failBeforeCall fails the record of key whose write could not be made (its params did not
// evaluate: an expression error, a resolve that found nothing). It is recorded as failed, so
// pipe failed lists it and pipe retry sends it, unless the ledger has it done: what it made
// stays recorded, and a later run compares it again.
func (r *writeRun) failBeforeCall(key string, err error) error {
	env, w := r.env, r.w
	werr := RecordFailed(&writeError{key: key, err: err})
	lg := env.Ledger()
	if dry, _ := env.DryRun(); dry || lg == nil {
		return werr
	}
	e, ok, gerr := lg.Get(env.Context(), env.Pipeline(), w.id, key)
	if gerr != nil {
		return fmt.Errorf("ledger: %w", gerr)
	}
	if ok && e.Status != state.StatusFailed {
		return werr // done, or of unknown outcome: that entry decides the next run
	}
	if ferr := lg.Fail(env.Context(), env.Pipeline(), w.id, key, nil, "before the call: "+err.Error()); ferr != nil {
		return fmt.Errorf("ledger: %w", ferr)
	}
	return werr
}

// fail records wr as failed in the ledger with err and fails the record.
func (r *writeRun) fail(wr *write, err error) error {
	env := r.env
	if lerr := env.Ledger().Fail(env.Context(), env.Pipeline(), r.w.id, wr.key, wr.payload, err.Error()); lerr != nil {
		return fmt.Errorf("ledger: %w", lerr)
	}
	return RecordFailed(&writeError{key: wr.key, err: err})
}

// findTargets runs the step's find for wr's record, every page, and returns the IDs of the
// items that match. A rejected find fails the record; other failures stop the run.
func (r *writeRun) findTargets(wr *write) ([]string, error) {
	env, w, f := r.env, r.w, r.w.find
	ev := wr.ev
	params, err := EvalParams(ev, f.names, f.params)
	if err != nil {
		return nil, RecordFailed(fmt.Errorf("find: %w", err))
	}
	defer ev.Delete("item")
	var ids []string
	for item, err := range env.Client(w.conn.Name).Call(env.Context(), f.op.Name, params, f.op.Paged) {
		if err != nil {
			err = fmt.Errorf("find: %s.%s: %w", w.conn.API.Name, f.op.Name, err)
			if transport.Rejected(err) {
				return nil, RecordFailed(err)
			}
			return nil, fmt.Errorf("step %s: %w", w.id, err)
		}
		ev.Set("item", item)
		m, err := ev.Run(f.match)
		if err != nil {
			return nil, RecordFailed(fmt.Errorf("find: %w", err))
		}
		if ok, _ := m.(bool); ok {
			ids = append(ids, targetOf(item))
		}
	}
	return ids, nil
}

// call sends one write operation and returns its first result.
func (r *writeRun) call(op *registry.Op, params map[string]any) (any, error) {
	var result any
	for item, err := range r.env.Client(r.w.conn.Name).Call(r.env.Context(), op.Name, params, false) {
		if err != nil {
			return nil, err
		}
		if result == nil {
			result = item
		}
	}
	return result, nil
}

// targetOf is the ID of what a write answered or a find listed: its id field, or the answer
// itself when it is a number.
func targetOf(v any) string {
	if id, ok := record.Field(v, "id"); ok {
		return fmt.Sprint(id)
	}
	if v != nil {
		switch reflect.TypeOf(v).Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			return fmt.Sprint(v)
		}
	}
	return ""
}

// returnsID reports whether op answers with a record that has an id field (what [targetOf]
// reads), so that a write recorded as done always has the target's id.
func returnsID(op *registry.Op) bool {
	t := op.Record
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return false
	}
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name == "id" {
			return true
		}
	}
	return false
}
