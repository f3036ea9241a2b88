package step

import (
	"reflect"
	"slices"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/record"
)

func mapKind() Kind {
	return Kind{Name: "map", Doc: "make a new record per record, one expression per field", Compile: compileMap, Config: reflect.TypeFor[map[string]*yaml.Node]()}
}

// mapStep makes one record per record: map: {field: expression, ...}.
type mapStep struct {
	out   reflect.Type // struct of the fields, in order
	progs []*eval.Program
}

func compileMap(c Compiler, n *yaml.Node) (Step, reflect.Type) {
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		c.Errorf(n, "step %s: map: want a mapping of field names to expressions", c.ID())
		return nil, nil
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !ValidIdent(n.Content[i].Value) {
			c.Errorf(n.Content[i], "step %s: field %q: a name is letters, digits and _", c.ID(), n.Content[i].Value)
		}
	}
	names, progs, ok := c.ExprMap(n, c.RecScope(), "map")
	if !ok {
		return nil, partialType(n, names, progs)
	}
	types := make([]reflect.Type, len(progs))
	for i, p := range progs {
		types[i] = p.Out
	}
	m := &mapStep{out: reflect.PointerTo(record.StructOf(names, types)), progs: progs}
	return m, m.out
}

// partialType is the record type of a map whose expressions did not all compile: the fields that
// did keep their type, the others are any, so the steps after it are still checked in the same pass.
func partialType(n *yaml.Node, names []string, progs []*eval.Program) reflect.Type {
	compiled := map[string]reflect.Type{}
	for i, name := range names {
		compiled[name] = progs[i].Out
	}
	var all []string
	var types []reflect.Type
	for i := 0; i < len(n.Content); i += 2 {
		name := n.Content[i].Value
		if !ValidIdent(name) || slices.Contains(all, name) {
			continue
		}
		t := compiled[name]
		if t == nil {
			t = reflect.TypeFor[any]()
		}
		all, types = append(all, name), append(types, t)
	}
	return reflect.PointerTo(record.StructOf(all, types))
}

type mapRun struct {
	m  *mapStep
	ev *eval.Evaluator
}

func (m *mapStep) Start(e Env) (Run, error) { return &mapRun{m: m, ev: e.Eval()}, nil }

// Holds reports whether a record the map makes may refer to the record it was made from: unless
// every field is text, a number, a boolean, a time or a duration.
func (m *mapStep) Holds() bool {
	t := m.out.Elem()
	for i := range t.NumField() {
		switch ft := t.Field(i).Type; ft {
		case reflect.TypeFor[time.Time](), reflect.TypeFor[time.Duration]():
		default:
			switch ft.Kind() {
			case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64, reflect.Float32:
			default:
				return true
			}
		}
	}
	return false
}

// Pure reports that the map depends on the record alone, unless an expression calls a resolver.
func (m *mapStep) Pure() bool {
	return !slices.ContainsFunc(m.progs, (*eval.Program).Resolves)
}

// plan passes the count on: one record out per record in.
func (m *mapStep) Plan(ps *PlanState) (*PlanStep, error) {
	ps.AssumeCount()
	return nil, nil
}

func (r *mapRun) Process(rec any, emit func(any) error) error {
	r.ev.Set("r", rec)
	out := reflect.New(r.m.out.Elem())
	v := out.Elem()
	for i, p := range r.m.progs {
		if err := r.ev.RunInto(p, v.Field(i)); err != nil {
			return RecordFailed(err)
		}
	}
	return emit(out.Interface())
}

func (r *mapRun) Finish(func(any) error) error { return nil }
