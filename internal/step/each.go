package step

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func eachKind() Kind {
	return Kind{Name: "each", Doc: "one record per element of a list expression, e.g. month_ranges(params.from, params.to)",
		Source: always, Compile: compileEach, Config: exprType}
}

// eachStep is a source that emits the elements of a list expression, one record each:
// each: 'month_ranges(params.from, params.to)' gives one {start, end} record per month part of
// the range, for a following call with for_each: true. The expression sees params only (no
// records), and its type must be a list whose element type is known when the pipeline loads.
type eachStep struct {
	id   string
	prog *eval.Program
}

// maxEachRecords bounds the records one each step emits, so a mistyped range cannot make a
// cron job call a vendor a million times.
const maxEachRecords = 100_000

func compileEach(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	sc := c.ParamScope()
	p := c.Compile(n, sc, eval.WantAny)
	if p == nil {
		return nil, nil
	}
	if k := p.Out.Kind(); k != reflect.Slice && k != reflect.Array {
		c.Errorf(n, "step %s: each: %q is a %s; want a list, e.g. month_ranges(params.from, params.to)", c.ID(), p.Src, p.Out)
		return nil, nil
	}
	elem := p.Out.Elem()
	if elem.Kind() == reflect.Interface {
		c.Errorf(n, "step %s: each: the elements of %q have no type known when the pipeline is loaded; use a typed list such as month_ranges(...) or days(...)", c.ID(), p.Src)
		return nil, nil
	}
	return &eachStep{id: c.ID(), prog: p}, elem
}

// plan evaluates the list (it depends only on the params): its length is the records of the
// stream.
func (es *eachStep) Plan(ps *PlanState) (*PlanStep, error) {
	x, err := ps.Evaluator().Run(es.prog)
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", es.id, err)
	}
	ps.Records, ps.Known = 0, true
	if v := reflect.ValueOf(x); v.IsValid() {
		ps.Records = v.Len()
	}
	return nil, nil
}

type eachRun struct {
	e   *eachStep
	env Env
}

func (es *eachStep) Start(e Env) (Run, error) { return &eachRun{e: es, env: e}, nil }

func (r *eachRun) Process(_ any, emit func(any) error) error {
	x, err := r.env.Eval().Run(r.e.prog)
	if err != nil {
		return fmt.Errorf("step %s: %w", r.e.id, err)
	}
	v := reflect.ValueOf(x)
	if !v.IsValid() {
		return nil
	}
	if n := v.Len(); n > maxEachRecords {
		return fmt.Errorf("step %s: each: %d records, more than the %d a step may emit", r.e.id, n, maxEachRecords)
	}
	st := r.env.Summary()
	for i := 0; i < v.Len(); i++ {
		st.In++ // a source counts the records it makes
		if err := emit(v.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

func (r *eachRun) Finish(func(any) error) error { return nil }
