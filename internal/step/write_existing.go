package step

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// existingSpec is how a write finds, in bulk, what the target holds already for the run's
// window: one paged listing (params see params only), each listed item named by key, the
// same expression as the step's key gives a record. A record without a ledger entry whose
// key is listed is adopted (its ID goes into the ledger) instead of being created again, so a
// lost or new state file books nothing twice. same, when given, tells whether the listed item
// already holds what the record would write (it sees item and r); a different one is updated
// (on_change: update) or kept.
type existingSpec struct {
	op     *registry.Op
	names  []string
	params []*eval.Program
	key    *eval.Program
	same   *eval.Program
}

type existingYAML struct {
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
	Key    *yaml.Node `yaml:"key"`
	Same   *yaml.Node `yaml:"same"`
}

// compileExisting compiles the existing: of a write step on conn; ok false: it is invalid.
func compileExisting(c Compiler, n *yaml.Node, ey *existingYAML, conn *Conn, rec eval.Scope) (*existingSpec, bool) {
	en := yamlx.ValueNode(n, "existing")
	op := sectionOp(c, en, "existing", conn, ey.Op, false)
	if op == nil {
		return nil, false
	}
	names, progs, ok := c.OpParams(ey.Params, conn, op, c.ParamScope())
	x := &existingSpec{op: op, names: names, params: progs}
	if ey.Key == nil {
		c.Errorf(en, "step %s: existing: key: is required (an expression over item giving the step's key of the record that made it)", c.ID())
		ok = false
	} else if x.key = c.Compile(ey.Key, c.ParamScope().With("item", op.Record), eval.WantAny); x.key == nil {
		ok = false
	}
	if ey.Same != nil {
		if x.same = c.Compile(ey.Same, rec.With("item", op.Record), eval.WantBool); x.same == nil {
			ok = false
		}
	}
	return x, ok
}

// existingItems lists, once a run, what the target holds for the step's existing:, by key.
// A rejected or failed listing stops the run: without it a lost ledger would book twice. The
// first write that needs it lists it; the writes in flight beside it wait.
func (r *writeRun) existingItems() (map[string][]any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.existing != nil {
		return r.existing, nil
	}
	env, w, x := r.env, r.w, r.w.existing
	ev := r.existingEv
	params, err := EvalParams(ev, x.names, x.params)
	if err != nil {
		return nil, fmt.Errorf("step %s: existing: %w", w.id, err)
	}
	m := map[string][]any{}
	n := 0
	for item, err := range env.Client(w.conn.Name).Call(env.Context(), x.op.Name, params, x.op.Paged) {
		if err != nil {
			return nil, fmt.Errorf("step %s: existing: %s.%s: %w", w.id, w.conn.API.Name, x.op.Name, err)
		}
		ev.Set("item", item)
		k, err := ev.Run(x.key)
		if err != nil {
			return nil, fmt.Errorf("step %s: existing: key of a listed item: %w", w.id, err)
		}
		key := fmt.Sprint(k)
		m[key] = append(m[key], item)
		n++
	}
	env.Log().Debug("existing listed", "step", w.id, "op", w.conn.API.Name+"."+x.op.Name, "items", n)
	r.existing = m
	return m, nil
}

// adoptExisting handles a record the ledger has no entry for when the step has existing:: a
// listed item with its key is adopted, none is created, several fail the record.
func (r *writeRun) adoptExisting(wr *write) error {
	env, w := r.env, r.w
	m, err := r.existingItems()
	if err != nil {
		return err
	}
	items := m[wr.key]
	switch len(items) {
	case 0:
		return r.create(wr)
	case 1:
	default:
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = targetOf(it)
		}
		return r.fail(wr, fmt.Errorf("existing (%s.%s) lists %d objects with this key (%v): remove the extra ones, then pipe retry adopts the one left", w.conn.API.Name, w.existing.op.Name, len(ids), ids))
	}
	id := targetOf(items[0])
	if id == "" {
		return r.fail(wr, fmt.Errorf("existing (%s.%s) lists an object with this key but without an id to adopt", w.conn.API.Name, w.existing.op.Name))
	}
	same, err := r.sameAsExisting(wr, items[0])
	if err != nil {
		return r.fail(wr, err)
	}
	r.mu.Lock()
	warn := !r.adoptWarned
	r.adoptWarned = true
	r.mu.Unlock()
	if warn {
		env.Log().Warn("the ledger has no entry for a record the target holds already: adopting it instead of writing it again (was the state file lost, replaced or new?)",
			"step", w.id, "key", wr.key, "target", id)
	}
	wr.sum.Adopted++
	hash := wr.hash
	if !same {
		hash = "" // kept as it is (on_change: keep); a later run compares again
	}
	if !same && w.onChange == "update" {
		if w.after != nil {
			if err := r.made(wr, id, hash, items[0]); err != nil {
				return err
			}
		}
		return r.updateTarget(wr, id)
	}
	if err := r.made(wr, id, hash, items[0]); err != nil {
		return err
	}
	wr.sum.Skipped++
	return nil
}

// sameAsExisting reports whether item, listed by existing:, holds what wr's record would write
// (true when the step has no same:).
func (r *writeRun) sameAsExisting(wr *write, item any) (bool, error) {
	if r.w.existing.same == nil {
		return true, nil
	}
	ev := wr.ev
	ev.Set("item", item)
	v, err := ev.Run(r.w.existing.same)
	ev.Delete("item")
	if err != nil {
		return false, fmt.Errorf("existing: same: %w", err)
	}
	same, _ := v.(bool)
	return same, nil
}
