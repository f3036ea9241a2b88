package step

import (
	"fmt"
	"reflect"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/runtime/transport"
	"github.com/specpipe/specpipe/internal/yamlx"
)

func callKind() Kind {
	return Kind{Name: "call", Doc: "call an API operation (every page), or once per record of the step before (for_each)",
		Source: func(n *yaml.Node) bool {
			fe := yamlx.ValueNode(n, "for_each")
			return fe == nil || fe.Value != "true"
		},
		Compile: compileCall, Config: reflect.TypeFor[callYAML]()}
}

// callStep calls an operation: once (every page of a paged operation), or once per record of
// the step before it (for_each: true), with parameters from expressions. It emits the
// operation's records, typed as the generated result type.
type callStep struct {
	id      string
	conn    *Conn
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

func compileCall(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	var cy callYAML
	c.Decode(n, &cy)
	conn, op := c.Operation(n, cy.Conn, cy.Op)
	if op == nil {
		return nil, nil
	}
	if op.Write {
		c.Errorf(yamlx.ValueNode(n, "op"), "step %s: %s.%s changes data: use a write step, which reports per record and has an idempotency key", c.ID(), conn.API.Name, op.Name)
		return nil, nil
	}
	sc := c.ParamScope()
	if cy.ForEach {
		sc = c.RecScope()
	}
	all, ok := true, true
	switch cy.Pages {
	case "", "all":
	case "first":
		all = false
	default:
		c.Errorf(yamlx.ValueNode(n, "pages"), "step %s: pages: want all or first, got %q", c.ID(), cy.Pages)
		ok = false
	}
	pop := op
	if all {
		pop = pagerSets(op)
	}
	names, progs, pok := c.OpParams(cy.Params, conn, pop, sc)
	cs := &callStep{id: c.ID(), conn: conn, op: op, names: names, params: progs, forEach: cy.ForEach, all: all}
	if !ok || !pok {
		return nil, op.Record // the steps after it are still checked against its records
	}
	return cs, op.Record
}

// pagerSets returns op with its paging parameters not required when it is paged: walking every
// page, the page iterator sets them itself (didi's BudgetCenterGetAll starts at offset 0 with
// length 100 when they are not given).
func pagerSets(op *registry.Op) *registry.Op {
	if !op.Paged {
		return op
	}
	o := *op
	o.Params = slices.Clone(op.Params)
	for i, p := range o.Params {
		if slices.Contains(op.PagingParams, p.Name) {
			o.Params[i].Required = false
		}
	}
	return &o
}

// plan counts one call (a page, or every page of the assumed records), or one per record of
// the step before (for_each).
func (cs *callStep) Plan(st *PlanState) (*PlanStep, error) {
	ps := &PlanStep{Conn: cs.conn.Name, Op: cs.conn.API.Name + "." + cs.op.Name, PerRecord: cs.forEach,
		Paged: cs.all && cs.op.Paged, PageSize: cs.op.PageSize}
	out, outKnown := st.Assumed()
	switch {
	case !cs.forEach:
		ps.Calls = 1
		if ps.Paged && outKnown {
			ps.Calls, ps.Paged = pages(out, ps.PageSize), false
			ps.Note = fmt.Sprintf("%d records assumed", out)
		}
	case st.Known:
		ps.Calls, ps.PerRecord = st.Records, false
		if ps.Paged && outKnown {
			ps.Calls, ps.Paged = max(st.Records, pages(out, ps.PageSize)), false
			ps.Note = fmt.Sprintf("once per record of the step before (%d), %d records assumed", st.Records, out)
		} else {
			ps.Note = fmt.Sprintf("once per record of the step before (%d)", st.Records)
		}
	}
	st.Records, st.Known = out, outKnown
	return ps, nil
}

type callRun struct {
	c   *callStep
	env Env
	// q runs the calls of a for_each step, up to the connection's concurrency at once, and
	// hands their records on in the order of the records that asked for them.
	q *inflight
}

func (cs *callStep) Start(e Env) (Run, error) {
	return &callRun{c: cs, env: e, q: newInflight(e, cs.conn.Concurrency)}, nil
}

func (r *callRun) Process(rec any, emit func(any) error) error {
	if rec != nil {
		r.env.Eval().Set("r", rec)
	}
	params, err := EvalParams(r.env.Eval(), r.c.names, r.c.params)
	if err != nil {
		if rec != nil {
			return r.q.add(&job{rec: rec, err: RecordFailed(err)}, emit)
		}
		return err
	}
	if rec == nil {
		// A source: its records are emitted as the pages come.
		return r.call(params, func(item any) error {
			r.env.Summary().In++ // a source counts the records it receives
			return emit(item)
		})
	}
	// A call per record: the worker collects the records of its call; they are emitted in
	// order, after those of the records before.
	var items []any
	return r.q.add(&job{rec: rec,
		io: func() error {
			return r.call(params, func(item any) error {
				items = append(items, item)
				return nil
			})
		},
		then: func(emit func(any) error) error {
			for _, item := range items {
				if err := emit(item); err != nil {
					return err
				}
			}
			return nil
		}}, emit)
}

// call calls the operation with params (every page, unless pages: first) and hands each record
// to yield. A rejected call of a record fails the record; other failures stop the run.
func (r *callRun) call(params map[string]any, yield func(any) error) error {
	for item, err := range r.env.Client(r.c.conn.Name).Call(r.env.Context(), r.c.op.Name, params, r.c.all && r.c.op.Paged) {
		if err != nil {
			if r.c.forEach && transport.Rejected(err) {
				return RecordFailed(err)
			}
			return fmt.Errorf("step %s: %w", r.c.id, err)
		}
		if err := yield(item); err != nil {
			return err
		}
	}
	return nil
}

func (r *callRun) Finish(emit func(any) error) error { return r.q.finish(emit) }

// Close waits for the calls in flight when the stream stopped early.
func (r *callRun) Close() error {
	r.q.drain()
	return nil
}
