package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// callStep calls an operation: once (every page of a paged operation), or once per record of
// the step before it (for_each: true), with parameters from expressions. It emits the
// operation's records, typed as the generated result type.
type callStep struct {
	id      string
	conn    *connection
	op      *registry.Op
	names   []string
	params  []*eval.Program
	forEach bool
	all     bool
}

type callYAML struct {
	Conn    string     `yaml:"conn"`
	Op      string     `yaml:"op"`
	Params  *yaml.Node `yaml:"params"`
	ForEach bool       `yaml:"for_each"`
	Pages   string     `yaml:"pages"`
}

func (l *loader) callStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	var cy callYAML
	l.d.Decode(n, &cy)
	conn, op := l.operation(n, cy.Conn, cy.Op)
	if op == nil {
		return nil, nil
	}
	if op.Write {
		l.d.Errorf(yamlx.ValueNode(n, "op"), "step %s: %s.%s changes data: use a write step, which reports per record and has an idempotency key", s.id, conn.api.Name, op.Name)
		return nil, nil
	}
	sc := eval.Scope{Vars: map[string]reflect.Type{"params": reflect.TypeOf(l.p.paramValues)}}
	if cy.ForEach {
		sc = l.recScope(s.in)
	}
	names, progs, ok := l.opParams(cy.Params, conn, op, sc, nil)
	c := &callStep{id: s.id, conn: conn, op: op, names: names, params: progs, forEach: cy.ForEach, all: true}
	switch cy.Pages {
	case "", "all":
	case "first":
		c.all = false
	default:
		l.d.Errorf(yamlx.ValueNode(n, "pages"), "step %s: pages: want all or first, got %q", s.id, cy.Pages)
		ok = false
	}
	if !ok {
		return nil, nil
	}
	return c, op.Record
}

type callRun struct {
	c   *callStep
	rc  *runCtx
	sum *StepSummary
}

func (c *callStep) start(rc *runCtx) (stepRun, error) {
	return &callRun{c: c, rc: rc, sum: rc.stepSummary(c.id)}, nil
}

func (r *callRun) process(rec any, emit func(any) error) error {
	if rec != nil {
		r.rc.ev.Set("r", rec)
	}
	params, err := evalParams(r.rc.ev, r.c.names, r.c.params)
	if err != nil {
		if rec != nil {
			return recordFailed(err)
		}
		return err
	}
	for item, err := range r.rc.client(r.c.conn.name).Call(r.rc.ctx, r.c.op.Name, params, r.c.all && r.c.op.Paged) {
		if err != nil {
			if rec != nil && rejected(err) {
				return recordFailed(err)
			}
			return fmt.Errorf("step %s: %w", r.c.id, err)
		}
		if rec == nil {
			r.sum.In++ // a source counts the records it receives
		}
		if err := emit(item); err != nil {
			return err
		}
	}
	return nil
}

func (r *callRun) finish(func(any) error) error { return nil }

// rejected reports whether err is the vendor (or the client, before sending) refusing this one
// request, so that other records may still go through: a parameter error, or a 4xx answer that
// is not about credentials or rate limits.
func rejected(err error) bool {
	var pe *transport.ParamError
	if errors.As(err, &pe) {
		return true
	}
	var ae *transport.APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Retryable:
			return false
		case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden || ae.Status == http.StatusTooManyRequests:
			return false
		case ae.Status >= 400 && ae.Status < 500:
			return true
		case ae.Status < 400 && ae.Code != "": // a field envelope's error code on HTTP 200
			return true
		}
	}
	return false
}

// resolveStep turns business keys into IDs through a list call made once per run: resolve("id",
// key) in a later expression gives the value expression of the item whose key expression equals
// key. Keys are compared as text. A key that no item has fails the record (never guess an ID).
type resolveStep struct {
	id     string
	conn   *connection
	op     *registry.Op
	names  []string
	params []*eval.Program
	key    *eval.Program
	value  *eval.Program
}

type resolveYAML struct {
	Conn   string     `yaml:"conn"`
	Op     string     `yaml:"op"`
	Params *yaml.Node `yaml:"params"`
	Key    *yaml.Node `yaml:"key"`
	Value  *yaml.Node `yaml:"value"`
}

func (l *loader) resolveStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	var ry resolveYAML
	l.d.Decode(n, &ry)
	conn, op := l.operation(n, ry.Conn, ry.Op)
	if op == nil {
		return nil, nil
	}
	if op.Write {
		l.d.Errorf(yamlx.ValueNode(n, "op"), "step %s: resolve needs a list operation, and %s.%s changes data", s.id, conn.api.Name, op.Name)
		return nil, nil
	}
	pt := reflect.TypeOf(l.p.paramValues)
	names, progs, ok := l.opParams(ry.Params, conn, op, eval.Scope{Vars: map[string]reflect.Type{"params": pt}}, nil)
	isc := eval.Scope{Vars: map[string]reflect.Type{"item": op.Record, "params": pt}}
	if ry.Key == nil {
		l.d.Errorf(n, "step %s: resolve: key: is required (the business key of a listed item, e.g. item.number)", s.id)
		return nil, nil
	}
	key := l.c.Compile(ry.Key, isc, eval.WantAny)
	valNode := ry.Value
	if valNode == nil {
		valNode = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "item.id", Line: n.Line, Column: n.Column}
	}
	val := l.c.Compile(valNode, isc, eval.WantAny)
	if !ok || key == nil || val == nil {
		return nil, nil
	}
	l.c.DeclareResolver(s.id, val.Out)
	return &resolveStep{id: s.id, conn: conn, op: op, names: names, params: progs, key: key, value: val}, nil
}

type resolveRun struct{}

func (resolveRun) process(any, func(any) error) error { return nil }
func (resolveRun) finish(func(any) error) error       { return nil }

func (rs *resolveStep) start(rc *runCtx) (stepRun, error) {
	var index map[string]reflect.Value
	vt := rs.value.Out
	ft := eval.ResolverFuncType(vt)
	errType := reflect.TypeFor[error]()
	fail := func(err error) []reflect.Value {
		return []reflect.Value{reflect.Zero(vt), reflect.ValueOf(&err).Elem().Convert(errType)}
	}
	load := func() error {
		ev := eval.NewEvaluator(map[string]any{"params": rc.p.paramValues})
		params, err := evalParams(ev, rs.names, rs.params)
		if err != nil {
			return err
		}
		index = map[string]reflect.Value{}
		for item, err := range rc.client(rs.conn.name).Call(rc.ctx, rs.op.Name, params, rs.op.Paged) {
			if err != nil {
				return fmt.Errorf("resolve %s: %s.%s: %w", rs.id, rs.conn.api.Name, rs.op.Name, err)
			}
			ev.Set("item", item)
			k, err := ev.Run(rs.key)
			if err != nil {
				return err
			}
			v, err := ev.Run(rs.value)
			if err != nil {
				return err
			}
			ks := fmt.Sprint(k)
			if _, dup := index[ks]; !dup {
				index[ks] = reflect.ValueOf(v)
			}
		}
		return nil
	}
	fn := reflect.MakeFunc(ft, func(args []reflect.Value) []reflect.Value {
		if index == nil {
			if err := load(); err != nil {
				index = nil
				return fail(err)
			}
		}
		key := args[0].String()
		v, ok := index[key]
		if !ok {
			return fail(fmt.Errorf("resolve %s: %s.%s lists no item with key %q", rs.id, rs.conn.api.Name, rs.op.Name, key))
		}
		return []reflect.Value{v, reflect.Zero(errType)}
	})
	rc.ev.Set(eval.ResolverName(rs.id), fn.Interface())
	return resolveRun{}, nil
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

func (l *loader) writeStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	var wy writeYAML
	l.d.Decode(n, &wy)
	conn, op := l.operation(n, wy.Conn, wy.Op)
	if op == nil {
		return nil, nil
	}
	if !op.Write {
		l.d.Errorf(yamlx.ValueNode(n, "op"), "step %s: %s.%s only reads: use a call step", s.id, conn.api.Name, op.Name)
		return nil, nil
	}
	sc := l.recScope(s.in)
	names, progs, ok := l.opParams(wy.Params, conn, op, sc, nil)
	w := &writeStep{id: s.id, conn: conn, op: op, names: names, params: progs, onChange: wy.OnChange}
	if wy.Key == nil {
		l.d.Errorf(n, "step %s: write: key: is required (an expression naming the record, e.g. r.person + \"/\" + r.day)", s.id)
		ok = false
	} else if w.key = l.c.Compile(wy.Key, sc, eval.WantAny); w.key == nil {
		ok = false
	}
	switch wy.OnChange {
	case "":
		w.onChange = "keep"
	case "keep", "update":
	default:
		l.d.Errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: want update or keep, got %q", s.id, wy.OnChange)
		ok = false
	}
	if wy.Find != nil {
		fn := yamlx.ValueNode(n, "find")
		fop, found := conn.api.Op(wy.Find.Op)
		switch {
		case !found:
			l.d.Errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s has no operation %q%s", s.id, conn.api.Name, wy.Find.Op, eval.NearestText(wy.Find.Op, conn.api.OpNames(), "operations"))
			ok = false
		case fop.Write:
			l.d.Errorf(yamlx.ValueNode(fn, "op"), "step %s: find: %s.%s changes data; find needs a list operation", s.id, conn.api.Name, fop.Name)
			ok = false
		default:
			fnames, fprogs, fok := l.opParams(wy.Find.Params, conn, fop, sc, nil)
			f := &findSpec{op: fop, names: fnames, params: fprogs}
			if wy.Find.Match == nil {
				l.d.Errorf(fn, "step %s: find: match: is required (e.g. item.description == r.key)", s.id)
				fok = false
			} else if f.match = l.c.Compile(wy.Find.Match, sc.With("item", fop.Record), eval.WantBool); f.match == nil {
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
			l.d.Errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s has no operation %q%s", s.id, conn.api.Name, wy.Update.Op, eval.NearestText(wy.Update.Op, conn.api.OpNames(), "operations"))
			ok = false
		case !uop.Write:
			l.d.Errorf(yamlx.ValueNode(un, "op"), "step %s: update: %s.%s only reads; update needs an operation that changes data", s.id, conn.api.Name, uop.Name)
			ok = false
		default:
			unames, uprogs, uok := l.opParams(wy.Update.Params, conn, uop, sc.With("target", reflect.TypeFor[string]()), nil)
			ok = ok && uok
			w.update = &updateSpec{op: uop, names: unames, params: uprogs}
		}
	} else if w.onChange == "update" {
		l.d.Errorf(yamlx.ValueNode(n, "on_change"), "step %s: on_change: update needs update: (the operation and params that change what the record made, e.g. {op: updateTimesheet, params: {id: int(target), ...}})", s.id)
		ok = false
	}
	if !ok {
		return nil, nil
	}
	return w, s.in
}

type writeRun struct {
	w   *writeStep
	rc  *runCtx
	sum *StepSummary
}

// writeError is a failed write, with its idempotency key.
type writeError struct {
	key string
	err error
}

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

func (w *writeStep) start(rc *runCtx) (stepRun, error) {
	return &writeRun{w: w, rc: rc, sum: rc.stepSummary(w.id)}, nil
}

func (rc *runCtx) stepSummary(id string) *StepSummary {
	for i := range rc.sum.Steps {
		if rc.sum.Steps[i].ID == id {
			return &rc.sum.Steps[i]
		}
	}
	return &StepSummary{}
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
	ev, rc, w := r.rc.ev, r.rc, r.w
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
	if rc.opts.DryRun {
		line, err := json.Marshal(dryWrite{Step: w.id, Conn: w.conn.name, Op: opName, Key: key, Params: params})
		if err != nil {
			return recordFailed(&writeError{key: key, err: fmt.Errorf("cannot show the payload: %w", err)})
		}
		if _, err := rc.opts.DryRunOut.Write(append(line, '\n')); err != nil {
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
	if rc.opts.Ledger == nil {
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
