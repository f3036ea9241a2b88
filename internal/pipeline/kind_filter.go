package pipeline

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func filterKind() kind {
	return kind{name: "filter", doc: "keep the records for which the expression is true", compile: compileFilter}
}

// filterStep keeps the records for which its expression is true.
type filterStep struct{ prog *eval.Program }

func compileFilter(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type) {
	p := c.compile(n, c.recScope(), eval.WantBool)
	if p == nil {
		return nil, c.in
	}
	return &filterStep{prog: p}, c.in
}

type filterRun struct {
	f  *filterStep
	ev *eval.Evaluator
}

func (f *filterStep) start(e *stepEnv) (stepRun, error) { return &filterRun{f: f, ev: e.ev}, nil }

func (r *filterRun) process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	ok, err := r.ev.Bool(r.f.prog)
	if err != nil {
		return recordFailed(err)
	}
	if !ok {
		return nil
	}
	return emit(rec)
}

func (r *filterRun) finish(func(any) error) error { return nil }
