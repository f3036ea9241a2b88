package step

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
)

func filterKind() Kind {
	return Kind{Name: "filter", Doc: "keep the records for which the expression is true", Compile: compileFilter, Config: exprType}
}

// filterStep keeps the records for which its expression is true.
type filterStep struct{ prog *eval.Program }

func compileFilter(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	p := c.Compile(n, c.RecScope(), eval.WantBool)
	if p == nil {
		return nil, c.In()
	}
	return &filterStep{prog: p}, c.In()
}

type filterRun struct {
	f  *filterStep
	ev *eval.Evaluator
}

func (f *filterStep) Start(e Env) (Run, error) { return &filterRun{f: f, ev: e.Eval()}, nil }

// Holds reports that a filter holds no record (it emits the ones it keeps).
func (f *filterStep) Holds() bool { return false }

// Pure reports that the filter depends on the record alone, unless it calls a resolver.
func (f *filterStep) Pure() bool { return !f.prog.Resolves() }

func (r *filterRun) Process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	ok, err := r.ev.Bool(r.f.prog)
	if err != nil {
		return RecordFailed(err)
	}
	if !ok {
		return nil
	}
	return emit(rec)
}

func (r *filterRun) Finish(func(any) error) error { return nil }
