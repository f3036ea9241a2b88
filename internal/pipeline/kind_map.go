package pipeline

import (
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
)

func mapKind() kind {
	return kind{name: "map", doc: "make a new record per record, one expression per field", compile: compileMap}
}

// mapStep makes one record per record: map: {field: expression, ...}.
type mapStep struct {
	out   reflect.Type // struct of the fields, in order
	progs []*eval.Program
}

func compileMap(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.errorf(n, "step %s: map: want a mapping of field names to expressions", c.id)
		return nil, nil
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !validIdent(n.Content[i].Value) {
			c.errorf(n.Content[i], "step %s: field %q: a name is letters, digits and _", c.id, n.Content[i].Value)
		}
	}
	names, progs, ok := c.exprMap(n, c.recScope(), "map")
	if !ok {
		return nil, nil
	}
	types := make([]reflect.Type, len(progs))
	for i, p := range progs {
		types[i] = p.Out
	}
	m := &mapStep{out: reflect.PointerTo(record.StructOf(names, types)), progs: progs}
	return m, m.out
}

type mapRun struct {
	m  *mapStep
	ev *eval.Evaluator
}

func (m *mapStep) start(e *stepEnv) (stepRun, error) { return &mapRun{m: m, ev: e.ev}, nil }

// plan passes the count on: one record out per record in.
func (m *mapStep) plan(ps *planState) (*PlanStep, error) {
	ps.assumeCount()
	return nil, nil
}

func (r *mapRun) process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	out := reflect.New(r.m.out.Elem())
	v := out.Elem()
	for i, p := range r.m.progs {
		x, err := r.ev.Run(p)
		if err != nil {
			return recordFailed(err)
		}
		if x != nil {
			v.Field(i).Set(reflect.ValueOf(x))
		}
	}
	return emit(out.Interface())
}

func (r *mapRun) finish(func(any) error) error { return nil }
