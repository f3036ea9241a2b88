package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func writeKind() kind {
	return kind{name: "write", doc: "call a write operation once per record, with an idempotency key", compile: compileWrite}
}

// writeStep calls a write operation once per record, with an idempotency key. A vendor
// rejection fails the record (with the vendor's field messages) and the run goes on. It passes
// the records it wrote (or skipped as already written) on to the next step.
type writeStep struct {
	id       string
	conn     *connection
	op       *registry.Op
	names    []string
	params   []*eval.Program
	key      *eval.Program
	find     *findSpec
	update   *updateSpec
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
	Conn     string      `yaml:"conn"`
	Op       string      `yaml:"op"`
	Params   *yaml.Node  `yaml:"params"`
	Key      *yaml.Node  `yaml:"key"`
	Find     *findYAML   `yaml:"find"`
	Update   *updateYAML `yaml:"update"`
	OnChange string      `yaml:"on_change"`
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

func compileWrite(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type) {
	var wy writeYAML
	c.decode(n, &wy)
	conn, op := c.operation(n, wy.Conn, wy.Op)
	if op == nil {
		return nil, nil
	}
	if !op.Write {
		c.errorf(yamlx.ValueNode(n, "op"), "step %s: %s.%s only reads: use a call step", c.id, conn.api.Name, op.Name)
		return nil, nil
	}
	sc := c.recScope()
	names, progs, ok := c.opParams(wy.Params, conn, op, sc)
	w := &writeStep{id: c.id, conn: conn, op: op, names: names, params: progs, onChange: wy.OnChange}
	if wy.Key == nil {
		c.errorf(n, "step %s: write: key: is required (an expression naming the record, e.g. r.person + \"/\" + r.day)", c.id)
		ok = false
	} else if w.key = c.compile(wy.Key, sc, eval.WantAny); w.key == nil {
		ok = false
	}
	switch wy.OnChange {
	case "":
		w.onChange = "keep"
	case "keep", "update":
	default:
		c.errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: want update or keep, got %q", c.id, wy.OnChange)
		ok = false
	}
	if wy.Find != nil {
		fn := yamlx.ValueNode(n, "find")
		fop, found := conn.api.Op(wy.Find.Op)
		switch {
		case !found:
			c.errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s has no operation %q%s", c.id, conn.api.Name, wy.Find.Op, eval.NearestText(wy.Find.Op, conn.api.OpNames(), "operations"))
			ok = false
		case fop.Write:
			c.errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s.%s changes data; find needs a list operation", c.id, conn.api.Name, fop.Name)
			ok = false
		default:
			fnames, fprogs, fok := c.opParams(wy.Find.Params, conn, fop, sc)
			f := &findSpec{op: fop, names: fnames, params: fprogs}
			if wy.Find.Match == nil {
				c.errorf(fn, "step %s: find: match: is required (e.g. item.description == r.key)", c.id)
				fok = false
			} else if f.match = c.compile(wy.Find.Match, sc.With("item", fop.Record), eval.WantBool); f.match == nil {
				fok = false
			}
			ok = ok && fok
			w.find = f
		}
	}
	if wy.Update != nil {
		un := yamlx.ValueNode(n, "update")
		uop, found := conn.api.Op(wy.Update.Op)
		switch {
		case !found:
			c.errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s has no operation %q%s", c.id, conn.api.Name, wy.Update.Op, eval.NearestText(wy.Update.Op, conn.api.OpNames(), "operations"))
			ok = false
		case !uop.Write:
			c.errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s.%s only reads; update needs an operation that changes data", c.id, conn.api.Name, uop.Name)
			ok = false
		default:
			unames, uprogs, uok := c.opParams(wy.Update.Params, conn, uop, sc.With("target", reflect.TypeFor[string]()))
			ok = ok && uok
			w.update = &updateSpec{op: uop, names: unames, params: uprogs}
		}
	} else if w.onChange == "update" {
		c.errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: update needs update: (the operation and params that change what the record made, e.g. {op: updateTimesheet, params: {id: int(target), ...}})", c.id)
		ok = false
	}
	if !ok {
		return nil, nil
	}
	return w, c.in
}

// plan counts one call per record; the records pass on.
func (w *writeStep) plan(st *planState) (*PlanStep, error) {
	ps := &PlanStep{Conn: w.conn.name, Op: w.conn.api.Name + "." + w.op.Name, PerRecord: true}
	if st.known {
		ps.Calls, ps.PerRecord = st.records, false
		ps.Note = fmt.Sprintf("one per record (%d)", st.records)
	}
	if w.find != nil {
		note := "find: " + w.conn.api.Name + "." + w.find.op.Name + " (with the state store)"
		if ps.Note != "" {
			note = ps.Note + "; " + note
		}
		ps.Note = note
	}
	return ps, nil
}

type writeRun struct {
	w   *writeStep
	env *stepEnv
	sum *StepSummary
}

// writeError is a failed write, with its idempotency key.
type writeError struct {
	key string
	err error
}

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func (w *writeStep) start(e *stepEnv) (stepRun, error) {
	return &writeRun{w: w, env: e, sum: e.sum}, nil
}

// dryWrite is one line of a dry run's output.
type dryWrite struct {
	Step   string         `json:"step"`
	Conn   string         `json:"conn"`
	Op     string         `json:"op"`
	Key    string         `json:"key"`
	Params map[string]any `json:"params"`
}

func (r *writeRun) process(rec any, emit func(any) error) error {
	ev, env, w := r.env.ev, r.env, r.w
	ev.Set("r", rec)
	k, err := ev.Run(w.key)
	if err != nil {
		return recordFailed(err)
	}
	key := fmt.Sprint(k)
	params, err := evalParams(ev, w.names, w.params)
	if err != nil {
		return recordFailed(&writeError{key: key, err: err})
	}
	opName := w.conn.api.Name + "." + w.op.Name
	if env.opts.DryRun {
		line, err := json.Marshal(dryWrite{Step: w.id, Conn: w.conn.name, Op: opName, Key: key, Params: params})
		if err != nil {
			return recordFailed(&writeError{key: key, err: fmt.Errorf("cannot show the payload: %w", err)})
		}
		if _, err := env.opts.DryRunOut.Write(append(line, '\n')); err != nil {
			return fmt.Errorf("dry run output: %w", err)
		}
		r.sum.Written++
		return emit(rec)
	}
	payload, err := json.Marshal(params)
	if err != nil {
		return recordFailed(&writeError{key: key, err: fmt.Errorf("cannot encode the payload: %w", err)})
	}
	sum := sha256.Sum256(payload)
	wr := &write{key: key, params: params, payload: payload, hash: hex.EncodeToString(sum[:])}
	if env.opts.Ledger == nil {
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

func (r *writeRun) finish(func(any) error) error { return nil }
