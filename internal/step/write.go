package step

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

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
	// existing is what the step's existing: listed, by key, once the run needed it.
	existing    map[string][]any
	adoptWarned bool
}

func (w *writeStep) Start(e Env) (Run, error) {
	return &writeRun{w: w, env: e, sum: e.Summary()}, nil
}

func (r *writeRun) Process(rec any, emit func(any) error) error {
	ev, env, w := r.env.Eval(), r.env, r.w
	ev.Set("r", rec)
	k, err := ev.Run(w.key)
	if err != nil {
		return RecordFailed(err)
	}
	key := fmt.Sprint(k)
	params, err := EvalParams(ev, w.names, w.params)
	if err != nil {
		return r.failBeforeCall(key, err)
	}
	payload, err := json.Marshal(params)
	if err != nil {
		return RecordFailed(&writeError{key: key, err: fmt.Errorf("cannot encode the payload: %w", err)})
	}
	sum := sha256.Sum256(payload)
	wr := &write{key: key, params: params, payload: payload, hash: hex.EncodeToString(sum[:])}
	if dry, out := env.DryRun(); dry {
		if err := r.dry(wr, out); err != nil {
			return err
		}
		return emit(rec)
	}
	if env.Ledger() == nil {
		if err := r.create(wr); err != nil {
			return err
		}
		return emit(rec)
	}
	if err := r.deliver(wr); err != nil {
		return err
	}
	return emit(rec)
}

func (r *writeRun) Finish(func(any) error) error { return nil }
