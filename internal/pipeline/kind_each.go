package pipeline

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func eachKind() kind {
	return kind{name: "each", doc: "one record per element of a list expression, e.g. month_ranges(params.from, params.to)",
		source: always, compile: compileEach}
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

func compileEach(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type) {
	sc := c.paramScope()
	p := c.compile(n, sc, eval.WantAny)
	if p == nil {
		return nil, nil
	}
	if k := p.Out.Kind(); k != reflect.Slice && k != reflect.Array {
		c.errorf(n, "step %s: each: %q is a %s; want a list, e.g. month_ranges(params.from, params.to)", c.id, p.Src, p.Out)
		return nil, nil
	}
	elem := p.Out.Elem()
	if elem.Kind() == reflect.Interface {
		c.errorf(n, "step %s: each: the elements of %q have no type known when the pipeline is loaded; use a typed list such as month_ranges(...) or days(...)", c.id, p.Src)
		return nil, nil
	}
	return &eachStep{id: c.id, prog: p}, elem
}

// plan evaluates the list (it depends only on the params): its length is the records of the
// stream.
func (es *eachStep) plan(ps *planState) (*PlanStep, error) {
	x, err := ps.evaluator().Run(es.prog)
	if err != nil {
		return nil, fmt.Errorf("step %s: %w", es.id, err)
	}
	ps.records, ps.known = 0, true
	if v := reflect.ValueOf(x); v.IsValid() {
		ps.records = v.Len()
	}
	return nil, nil
}

type eachRun struct {
	e   *eachStep
	env *stepEnv
}

func (es *eachStep) start(e *stepEnv) (stepRun, error) { return &eachRun{e: es, env: e}, nil }

func (r *eachRun) process(_ any, emit func(any) error) error {
	x, err := r.env.ev.Run(r.e.prog)
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
	st := r.env.sum
	for i := 0; i < v.Len(); i++ {
		st.In++ // a source counts the records it makes
		if err := emit(v.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

func (r *eachRun) finish(func(any) error) error { return nil }
