package step

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func writeKind() Kind {
	return Kind{Name: "write", Doc: "call a write operation once per record, with an idempotency key", Compile: compileWrite, Config: reflect.TypeFor[writeYAML]()}
}

// writeStep calls a write operation once per record, with an idempotency key. A vendor
// rejection fails the record (with the vendor's field messages) and the run goes on. It passes
// the records it wrote (or skipped as already written) on to the next step.
type writeStep struct {
	id       string
	conn     *Conn
	op       *registry.Op
	names    []string
	params   []*eval.Program
	key      *eval.Program
	find     *findSpec
	existing *existingSpec
	update   *updateSpec
	after    *afterSpec
	onChange string
}

// findSpec is how a write finds the object a record already made (for reconciliation by the
// state store): a list call and a match expression over item and r.
type findSpec struct {
	op     *registry.Op
	names  []string
	params []*eval.Program
	match  *eval.Program
}

// updateSpec is the operation that changes what a record made when the record changed
// (on_change: update); its params see r and target, the ledger's target ID.
type updateSpec struct {
	op     *registry.Op
	names  []string
	params []*eval.Program
}

type writeYAML struct {
	Conn     string        `yaml:"conn"`
	Op       string        `yaml:"op"`
	Params   *yaml.Node    `yaml:"params"`
	Key      *yaml.Node    `yaml:"key"`
	Find     *findYAML     `yaml:"find"`
	Existing *existingYAML `yaml:"existing"`
	Update   *updateYAML   `yaml:"update"`
	After    *afterYAML    `yaml:"after"`
	OnChange string        `yaml:"on_change"`
}

type findYAML struct {
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
	Match  *yaml.Node `yaml:"match"`
	Pos    yamlx.Pos
}

type updateYAML struct {
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
}

func compileWrite(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var wy writeYAML
	c.Decode(n, &wy)
	conn, op := c.Operation(n, wy.Conn, wy.Op)
	if op == nil {
		return nil, nil
	}
	if !op.Write {
		c.Errorf(yamlx.ValueNode(n, "op"), "step %s: %s.%s only reads: use a call step", c.ID(), conn.API.Name, op.Name)
		return nil, nil
	}
	sc := c.RecScope()
	names, progs, ok := c.OpParams(wy.Params, conn, op, sc)
	w := &writeStep{id: c.ID(), conn: conn, op: op, names: names, params: progs, onChange: wy.OnChange}
	if wy.Key == nil {
		c.Errorf(n, "step %s: write: key: is required (an expression naming the record, e.g. r.person + \"/\" + r.day)", c.ID())
		ok = false
	} else if w.key = c.Compile(wy.Key, sc, eval.WantAny); w.key == nil {
		ok = false
	}
	switch wy.OnChange {
	case "":
		w.onChange = "keep"
	case "keep", "update":
	default:
		c.Errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: want update or keep, got %q", c.ID(), wy.OnChange)
		ok = false
	}
	if wy.Find != nil {
		fn := yamlx.ValueNode(n, "find")
		fop, found := conn.API.Op(wy.Find.Op)
		switch {
		case !found:
			c.Errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s has no operation %q%s", c.ID(), conn.API.Name, wy.Find.Op, eval.NearestText(wy.Find.Op, conn.API.OpNames(), "operations"))
			ok = false
		case fop.Write:
			c.Errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s.%s changes data; find needs a list operation", c.ID(), conn.API.Name, fop.Name)
			ok = false
		default:
			fnames, fprogs, fok := c.OpParams(wy.Find.Params, conn, fop, sc)
			f := &findSpec{op: fop, names: fnames, params: fprogs}
			if wy.Find.Match == nil {
				c.Errorf(fn, "step %s: find: match: is required (e.g. item.description == r.key)", c.ID())
				fok = false
			} else if f.match = c.Compile(wy.Find.Match, sc.With("item", fop.Record), eval.WantBool); f.match == nil {
				fok = false
			}
			ok = ok && fok
			w.find = f
		}
	}
	if wy.Existing != nil {
		x, xok := compileExisting(c, n, wy.Existing, conn, sc)
		ok = ok && xok
		w.existing = x
	}
	if wy.After != nil {
		a, aok := compileAfter(c, n, wy.After, conn, sc, w.existing)
		ok = ok && aok
		w.after = a
	}
	if wy.Update != nil {
		un := yamlx.ValueNode(n, "update")
		uop, found := conn.API.Op(wy.Update.Op)
		switch {
		case !found:
			c.Errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s has no operation %q%s", c.ID(), conn.API.Name, wy.Update.Op, eval.NearestText(wy.Update.Op, conn.API.OpNames(), "operations"))
			ok = false
		case !uop.Write:
			c.Errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s.%s only reads; update needs an operation that changes data", c.ID(), conn.API.Name, uop.Name)
			ok = false
		default:
			unames, uprogs, uok := c.OpParams(wy.Update.Params, conn, uop, sc.With("target", reflect.TypeFor[string]()))
			ok = ok && uok
			w.update = &updateSpec{op: uop, names: unames, params: uprogs}
		}
	} else if w.onChange == "update" {
		c.Errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: update needs update: (the operation and params that change what the record made, e.g. {op: updateTimesheet, params: {id: int(target), ...}})", c.ID())
		ok = false
	}
	if !ok {
		return nil, nil
	}
	return w, c.In()
}

// plan counts one call per record; the records pass on.
func (w *writeStep) Plan(st *PlanState) (*PlanStep, error) {
	ps := &PlanStep{Conn: w.conn.Name, Op: w.conn.API.Name + "." + w.op.Name, PerRecord: true}
	if st.Known {
		ps.Calls, ps.PerRecord = st.Records, false
		ps.Note = fmt.Sprintf("one per record (%d)", st.Records)
	}
	if w.find != nil {
		note := "find: " + w.conn.API.Name + "." + w.find.op.Name + " (with the state store)"
		if ps.Note != "" {
			note = ps.Note + "; " + note
		}
		ps.Note = note
	}
	if w.existing != nil {
		note := "existing: " + w.conn.API.Name + "." + w.existing.op.Name + " (every page, once, when a record has no ledger entry)"
		if ps.Note != "" {
			note = ps.Note + "; " + note
		}
		ps.Note = note
	}
	if w.after != nil {
		ps.Note = strings.TrimPrefix(ps.Note+"; after: "+w.conn.API.Name+"."+w.after.op.Name+" (once per object made)", "; ")
	}
	return ps, nil
}

type writeRun struct {
	w   *writeStep
	env Env
	sum *Summary
	// q runs the writes, up to the connection's concurrency at once, and hands the records on
	// in input order (see [inflight]).
	q *inflight
	// seen is the record number (1 for the step's first record) of each key met in the run:
	// a key names one record, so a key met again fails the later record.
	seen map[string]int64
	// evs are evaluators free for a write's own expressions (find:, update:, existing: same),
	// which its worker runs; they are taken and given back on the run's goroutine.
	evs []*eval.Evaluator

	// mu guards what the writes in flight share: existing and adoptWarned.
	mu sync.Mutex
	// existing is what the step's existing: listed, by key, once the run needed it.
	existing    map[string][]any
	adoptWarned bool
	// existingEv evaluates existing:'s params and keys (made here: a worker lists it).
	existingEv *eval.Evaluator
}

func (w *writeStep) Start(e Env) (Run, error) {
	r := &writeRun{w: w, env: e, sum: e.Summary(), q: newInflight(e, w.conn.Concurrency), seen: map[string]int64{}}
	if w.existing != nil {
		r.existingEv = e.NewEvaluator()
	}
	return r, nil
}

// Process evaluates the record's key and params here, on the run's goroutine, and hands its
// write to a worker: up to the connection's concurrency writes are in flight, each with the
// ledger's intent before its request and its result after. Records go on, and failures are
// reported, in input order. A dry run decides each record here, one at a time.
func (r *writeRun) Process(rec any, emit func(any) error) error {
	j := r.prepare(rec)
	j.then = func(emit func(any) error) error { return emit(rec) }
	return r.q.add(j, emit)
}

// prepare evaluates what the write of rec needs and returns its job: the ledger and the calls
// of deliver (or of create, without a ledger) as its I/O, or the record's failure.
func (r *writeRun) prepare(rec any) *job {
	ev, env, w := r.env.Eval(), r.env, r.w
	ev.Set("r", rec)
	k, err := ev.Run(w.key)
	if err != nil {
		return &job{rec: rec, err: RecordFailed(err)}
	}
	key := fmt.Sprint(k)
	n := r.sum.In // the engine counted rec already
	if first, ok := r.seen[key]; ok {
		return r.repeated(rec, key, first, n)
	}
	r.seen[key] = n
	params, err := EvalParams(ev, w.names, w.params)
	if err != nil {
		return &job{rec: rec, io: func() error { return r.failBeforeCall(key, err) }}
	}
	payload, err := json.Marshal(params)
	if err != nil {
		return &job{rec: rec, err: RecordFailed(&writeError{key: key, err: fmt.Errorf("cannot encode the payload: %w", err)})}
	}
	sum := sha256.Sum256(payload)
	wr := &write{key: key, params: params, payload: payload, hash: hex.EncodeToString(sum[:])}
	if dry, out := env.DryRun(); dry {
		wr.ev, wr.sum = ev, r.sum
		return &job{rec: rec, err: r.dry(wr, out)}
	}
	wr.sum = &Summary{}
	if w.find != nil || w.update != nil || w.after != nil || (w.existing != nil && w.existing.same != nil) {
		wr.ev = r.evaluator(rec)
	}
	j := &job{rec: rec, tally: func() {
		r.sum.Written += wr.sum.Written
		r.sum.Updated += wr.sum.Updated
		r.sum.Skipped += wr.sum.Skipped
		r.sum.Adopted += wr.sum.Adopted
		if wr.ev != nil {
			r.evs = append(r.evs, wr.ev)
		}
	}}
	if env.Ledger() == nil {
		j.io = func() error { return r.create(wr) }
	} else {
		j.io = func() error { return r.deliver(wr) }
	}
	return j
}

// evaluator is an evaluator of the run's bindings with r set to rec, for one write's worker.
func (r *writeRun) evaluator(rec any) *eval.Evaluator {
	var ev *eval.Evaluator
	if n := len(r.evs); n > 0 {
		ev, r.evs = r.evs[n-1], r.evs[:n-1]
	} else {
		ev = r.env.NewEvaluator()
	}
	ev.Set("r", rec)
	return ev
}

// repeated fails record n, whose key the step's record first had already in this run: one
// key is one record in the target, so writing both would overwrite one with the other (or
// keep the second as "unchanged"). The failure is in the ledger under the key with
// [repeatedSuffix], so pipe failed lists it beside the first record's entry.
func (r *writeRun) repeated(rec any, key string, first, n int64) *job {
	err := &writeError{key: key, err: fmt.Errorf("key %q repeats: record %d has the key of record %d of this step in this run, so only record %d is written; make the key tell them apart", key, n, first, first)}
	if dry, _ := r.env.DryRun(); dry || r.env.Ledger() == nil {
		return &job{rec: rec, err: RecordFailed(err)}
	}
	return &job{rec: rec, io: func() error {
		env := r.env
		if lerr := env.Ledger().Fail(env.Context(), env.Pipeline(), r.w.id, key+repeatedSuffix, nil, err.Error()); lerr != nil {
			return fmt.Errorf("ledger: %w", lerr)
		}
		return RecordFailed(err)
	}}
}

// repeatedSuffix follows the key of a record whose key an earlier record of the run had, in
// the ledger's failed entry of it.
const repeatedSuffix = " (repeated in a run)"

func (r *writeRun) Finish(emit func(any) error) error { return r.q.finish(emit) }

// Close waits for the writes in flight when the stream stopped early (an error, a signal):
// what they sent is recorded in the ledger and counted.
func (r *writeRun) Close() error {
	r.q.drain()
	return nil
}
