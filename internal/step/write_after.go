package step

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/state"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// afterSpec is an operation a write sends after the object of a record was made (created, or
// adopted by find: or existing:), under the same ledger entry: the entry is done only when
// both succeeded. Kimai's create cannot carry custom fields (src/Form/API/
// TimesheetApiEditForm.php removes metaFields), only PATCH /api/timesheets/{id}/meta sets one
// (TimesheetController::metaAction), so a key kept in a meta field is set by an after-call.
// Its params see r, target (the made object's ID) and key (the record's key). same, when
// given, tells whether an item existing: lists holds what the after-call sets already; such an
// adopted item gets no after-call.
//
// Between the two calls the ledger holds an intent with the target's ID and a payload hash
// marked [afterPending]: the next run sends only the after-call, never a second create.
type afterSpec struct {
	op     *registry.Op
	names  []string
	params []*eval.Program
	same   *eval.Program
}

type afterYAML struct {
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
	Same   *yaml.Node `yaml:"same"`
}

// afterPending marks the payload hash of an intent whose object was made and whose after-call
// is still to succeed.
const afterPending = "after:"

// compileAfter compiles the after: of a write step on conn; ok false: it is invalid.
func compileAfter(c Compiler, n *yaml.Node, ay *afterYAML, conn *Conn, rec eval.Scope, existing *existingSpec) (*afterSpec, bool) {
	an := yamlx.ValueNode(n, "after")
	op := sectionOp(c, an, "after", conn, ay.Op, true)
	if op == nil {
		return nil, false
	}
	sc := rec.With("target", reflect.TypeFor[string]()).With("key", reflect.TypeFor[string]())
	names, progs, ok := c.OpParams(ay.Params, conn, op, sc)
	a := &afterSpec{op: op, names: names, params: progs}
	if ay.Same != nil {
		if existing == nil {
			c.Errorf(yamlx.ValueNode(an, "same"), "step %s: after: same: reads the items existing: lists, and the step has no existing:", c.ID())
			return nil, false
		}
		if a.same = c.Compile(ay.Same, sc.With("item", existing.op.Record), eval.WantBool); a.same == nil {
			ok = false
		}
	}
	return a, ok
}

// sectionOp finds the operation name of a write step's section (after, existing) on conn; it
// must change data (write) or only read. nil: it does not exist or is of the other kind (the
// error is recorded).
func sectionOp(c Compiler, sn *yaml.Node, section string, conn *Conn, name string, write bool) *registry.Op {
	op, found := conn.API.Op(name)
	switch {
	case !found:
		c.Errorf(yamlx.ValueNode(sn, "op"), "step %s: %s: %s has no operation %q%s", c.ID(), section, conn.API.Name, name, eval.NearestText(name, conn.API.OpNames(), "operations"))
		return nil
	case op.Write && !write:
		c.Errorf(yamlx.ValueNode(sn, "op"), "step %s: %s: %s.%s changes data; %s needs a list operation", c.ID(), section, conn.API.Name, op.Name, section)
		return nil
	case !op.Write && write:
		c.Errorf(yamlx.ValueNode(sn, "op"), "step %s: %s: %s.%s only reads; %s needs an operation that changes data", c.ID(), section, conn.API.Name, op.Name, section)
		return nil
	}
	return op
}

// made records that the object target of wr's key was made (created or adopted; item is what
// existing: listed, nil otherwise): without after: the entry is done with hash; with it, the
// after-call is sent first, unless same: says the item holds its change already.
func (r *writeRun) made(wr *write, target, hash string, item any) error {
	due, err := r.afterNeeded(wr, item)
	if err != nil {
		return r.fail(wr, err)
	}
	if !due {
		return r.done(wr, target, hash)
	}
	return r.sendAfter(wr, target, hash)
}

// afterNeeded reports whether an object made for wr (item: what existing: listed, nil when it
// was created or found) needs the after-call: always when created or found, for a listed item
// unless same: says it holds the change.
func (r *writeRun) afterNeeded(wr *write, item any) (bool, error) {
	a := r.w.after
	if a == nil {
		return false, nil
	}
	if item == nil || a.same == nil {
		return true, nil
	}
	ev := wr.ev
	ev.Set("item", item)
	ev.Set("key", wr.key)
	v, err := ev.Run(a.same)
	ev.Delete("item")
	ev.Delete("key")
	if err != nil {
		return false, fmt.Errorf("after: same: %w", err)
	}
	same, _ := v.(bool)
	return !same, nil
}

// done records the entry of wr's key done, with its target and payload hash.
func (r *writeRun) done(wr *write, target, hash string) error {
	env := r.env
	if lg := env.Ledger(); lg != nil {
		if err := lg.Done(env.Context(), env.Pipeline(), r.w.id, wr.key, target, hash); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	return nil
}

// sendAfter sends the after-call for target, then records the entry done with hash. The
// intent before it carries target, so a lost answer or a crash leaves an entry the next run
// finishes with the after-call alone ([writeRun.resumeAfter]).
func (r *writeRun) sendAfter(wr *write, target, hash string) error {
	env, w := r.env, r.w
	if lg := env.Ledger(); lg != nil {
		if err := lg.Intend(env.Context(), state.Entry{Pipeline: env.Pipeline(), Step: w.id, Key: wr.key, TargetID: target, PayloadHash: afterPending + hash, Payload: wr.payload, Status: state.StatusIntent}); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	ev := wr.ev
	ev.Set("target", target)
	ev.Set("key", wr.key)
	params, err := EvalParams(ev, w.after.names, w.after.params)
	ev.Delete("target")
	ev.Delete("key")
	if err != nil {
		return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("after: %w (target %s was made; the next run sends the after-call again)", err, target)})
	}
	if _, err := r.call(w.after.op, params); err != nil {
		err = fmt.Errorf("after: %s.%s for target %s: %w", w.conn.API.Name, w.after.op.Name, target, err)
		if transport.Rejected(err) || (transport.OutcomeUnknown(err) && env.Context().Err() == nil) {
			// What the record made stays the ledger's target: the next run sends only this call.
			return RecordFailed(&writeError{key: wr.key, err: fmt.Errorf("%w (the next run sends the after-call again, never a second %s)", err, w.op.Name)})
		}
		return fmt.Errorf("step %s: key %s: %w", w.id, wr.key, err)
	}
	return r.done(wr, target, hash)
}

// afterDue reports whether e is the intent of a made object whose after-call has not
// succeeded yet, and the hash of what was made.
func afterDue(e state.Entry) (hash string, ok bool) {
	if e.Status != state.StatusIntent || e.TargetID == "" {
		return "", false
	}
	return strings.CutPrefix(e.PayloadHash, afterPending)
}

// resumeAfter finishes an entry whose object was made by an earlier run but whose after-call
// did not succeed: only the after-call is sent (a step without after: any more records it
// done), then a changed record is updated as usual.
func (r *writeRun) resumeAfter(wr *write, e state.Entry, hash string) error {
	env, w := r.env, r.w
	env.Log().Info("write made by an earlier run: sending its after-call", "step", w.id, "key", wr.key, "target", e.TargetID)
	if err := r.made(wr, e.TargetID, hash, nil); err != nil {
		return err
	}
	if hash != wr.hash && w.onChange == "update" {
		return r.updateTarget(wr, e.TargetID)
	}
	if w.after != nil {
		wr.sum.Written++
	} else {
		wr.sum.Skipped++
	}
	return nil
}

// wouldAfter is the dry-run action of an entry whose after-call is due.
const wouldAfter = "after"

// decideAfter is what [writeRun.resumeAfter] would do with the entry e of wr's key.
func (r *writeRun) decideAfter(wr *write, e state.Entry, hash string) (action, target string, why, err error) {
	switch {
	case hash != wr.hash && r.w.onChange == "update":
		return r.decideUpdate(e.TargetID)
	case r.w.after == nil:
		return wouldLeave, e.TargetID, nil, nil
	}
	return wouldAfter, e.TargetID, nil, nil
}
