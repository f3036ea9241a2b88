package pipeline

import (
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

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

func (l *loader) eachStep(s *step, n *yaml.Node) (stepImpl, reflect.Type) {
	sc := eval.Scope{Vars: map[string]reflect.Type{"params": reflect.TypeOf(l.p.paramValues)}}
	p := l.c.Compile(n, sc, eval.WantAny)
	if p == nil {
		return nil, nil
	}
	if k := p.Out.Kind(); k != reflect.Slice && k != reflect.Array {
		l.d.Errorf(n, "step %s: each: %q is a %s; want a list, e.g. month_ranges(params.from, params.to)", s.id, p.Src, p.Out)
		return nil, nil
	}
	elem := p.Out.Elem()
	if elem.Kind() == reflect.Interface {
		l.d.Errorf(n, "step %s: each: the elements of %q have no type known when the pipeline is loaded; use a typed list such as month_ranges(...) or days(...)", s.id, p.Src)
		return nil, nil
	}
	return &eachStep{id: s.id, prog: p}, elem
}

type eachRun struct {
	e  *eachStep
	rc *runCtx
}

func (e *eachStep) start(rc *runCtx) (stepRun, error) { return &eachRun{e: e, rc: rc}, nil }

func (r *eachRun) process(_ any, emit func(any) error) error {
	x, err := r.rc.ev.Run(r.e.prog)
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
	st := r.rc.stepSummary(r.e.id)
	for i := 0; i < v.Len(); i++ {
		st.In++ // a source counts the records it makes
		if err := emit(v.Index(i).Interface()); err != nil {
			return err
		}
	}
	return nil
}

func (r *eachRun) finish(func(any) error) error { return nil }
