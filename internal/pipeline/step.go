package pipeline

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// step is one loaded step.
type step struct {
	id   string
	kind string
	pos  yamlx.Pos
	in   reflect.Type // the type of the records it reads (nil: a source)
	out  reflect.Type // the type of the records it emits (nil: emits none)
	impl stepImpl
}

// stepImpl is a step kind's compiled configuration. It holds no state of a run: start makes a
// stepRun for one run.
type stepImpl interface {
	start(rc *runCtx) (stepRun, error)
}

// stepRun is one run of a step. For a source (in == nil) process is called once with a nil
// record. finish is called after the last record (a group emits its groups there). An error
// wrapped by recordFailed fails the record and the run goes on; any other error stops the run.
type stepRun interface {
	process(rec any, emit func(any) error) error
	finish(emit func(any) error) error
}

// kind is a step kind: its one-line description and the loader method that decodes and
// compiles a step of it, returning the step and the type of the records it emits (nil: none).
type kind struct {
	name, doc string
	load      func(l *loader, s *step, n *yaml.Node) (stepImpl, reflect.Type)
}

// kinds is the complete set of step kinds, in the order the docs list them.
var kinds = []kind{
	{"read", "records from a JSON-lines or CSV file, of a declared record type", (*loader).readStep},
	{"each", "one record per element of a list expression, e.g. month_ranges(params.from, params.to)", (*loader).eachStep},
	{"call", "call an API operation (every page), or once per record of the step before (for_each)", (*loader).callStep},
	{"map", "make a new record per record, one expression per field", (*loader).mapStep},
	{"filter", "keep the records for which the expression is true", (*loader).filterStep},
	{"group", "group records by key fields; a group has count, first, last and records", (*loader).groupStep},
	{"lookup", "index the records of the step before by a key, for lookup(\"id\", key) in later steps", (*loader).lookupStep},
	{"resolve", "turn a business key into an ID through a list call, cached for the run: resolve(\"id\", key)", (*loader).resolveStep},
	{"write", "call a write operation once per record, with an idempotency key", (*loader).writeStep},
	{"output", "write records to a JSON-lines or CSV file", (*loader).outputStep},
}

var (
	_ stepImpl = (*readStep)(nil)
	_ stepImpl = (*eachStep)(nil)
	_ stepImpl = (*callStep)(nil)
	_ stepImpl = (*mapStep)(nil)
	_ stepImpl = (*filterStep)(nil)
	_ stepImpl = (*groupStep)(nil)
	_ stepImpl = (*lookupStep)(nil)
	_ stepImpl = (*resolveStep)(nil)
	_ stepImpl = (*writeStep)(nil)
	_ stepImpl = (*outputStep)(nil)
)

func kindNames() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, k.name)
	}
	return out
}

// recordError fails one record; the run goes on.
type recordError struct {
	err error
}

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

func recordFailed(err error) error { return &recordError{err: err} }

func asRecordError(err error) (*recordError, bool) {
	var re *recordError
	ok := errors.As(err, &re)
	return re, ok
}

// loadSteps decodes and compiles the steps in order; each step sees the record type of the step
// before it.
func (l *loader) loadSteps(n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		l.d.Errorf(n, "steps: want a list of steps")
		return
	}
	ids := map[string]bool{}
	var prev *step
	for _, sn := range n.Content {
		s := l.loadStep(sn, prev, ids)
		if s == nil {
			// Keep checking later steps; they cannot know their input type.
			prev = &step{kind: "invalid"}
			continue
		}
		l.p.steps = append(l.p.steps, s)
		prev = s
	}
}

func (l *loader) loadStep(n *yaml.Node, prev *step, ids map[string]bool) *step {
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "a step is a mapping with id: and one of %s", strings.Join(kindNames(), ", "))
		return nil
	}
	s := &step{pos: l.d.At(n)}
	var kindKey, kindVal *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "id":
			s.id = v.Value
			if !validIdent(s.id) {
				l.d.Errorf(v, "step id %q: an id is letters, digits and _", s.id)
			} else if ids[s.id] {
				l.d.Errorf(v, "step id %q is used twice", s.id)
			}
			ids[s.id] = true
		case "doc":
		default:
			if !slices.Contains(kindNames(), k.Value) {
				l.d.Errorf(k, "unknown step key %q%s", k.Value, eval.NearestText(k.Value, append([]string{"id", "doc"}, kindNames()...), "keys"))
				continue
			}
			if kindKey != nil {
				l.d.Errorf(k, "a step has one kind: %s and %s both given", kindKey.Value, k.Value)
				continue
			}
			kindKey, kindVal = k, v
		}
	}
	if s.id == "" {
		l.d.Errorf(n, "a step needs an id:")
	}
	if kindKey == nil {
		l.d.Errorf(n, "step %s: no kind: give one of %s", s.id, strings.Join(kindNames(), ", "))
		return nil
	}
	s.kind = kindKey.Value
	needsInput := s.kind != "read" && s.kind != "each" && s.kind != "resolve" && !(s.kind == "call" && yamlx.ValueNode(kindVal, "for_each") == nil)
	if s.kind == "call" {
		if fe := yamlx.ValueNode(kindVal, "for_each"); fe != nil && fe.Value != "true" {
			needsInput = false
		}
	}
	if needsInput {
		switch {
		case prev == nil:
			l.d.Errorf(kindKey, "step %s: a %s step reads the records of the step before it, and it is the first step (start with read or call)", s.id, s.kind)
			return nil
		case prev.kind == "invalid":
			return nil
		case prev.out == nil:
			l.d.Errorf(kindKey, "step %s: the step before it (%s, a %s step) emits no records; start a new stream with read or call", s.id, prev.id, prev.kind)
			return nil
		}
		s.in = prev.out
	}
	before := len(l.d.Errs)
	for _, k := range kinds {
		if k.name == s.kind {
			s.impl, s.out = k.load(l, s, kindVal)
		}
	}
	if s.impl == nil || len(l.d.Errs) > before {
		// Later steps are still checked when this one's record type is known (a filter's,
		// an output's and a write's are those of their input).
		s.impl = nil
		if s.out == nil {
			return nil
		}
	}
	return s
}

// recScope is the scope of expressions over one record r of type t.
func (l *loader) recScope(t reflect.Type) eval.Scope {
	return eval.Scope{Vars: map[string]reflect.Type{"r": t, "params": reflect.TypeOf(l.p.paramValues)}}
}

// exprMap compiles a mapping of names to expressions, in order.
func (l *loader) exprMap(n *yaml.Node, sc eval.Scope, what string) ([]string, []*eval.Program, bool) {
	if n == nil {
		return nil, nil, true
	}
	if n.Kind != yaml.MappingNode {
		l.d.Errorf(n, "%s: want a mapping of names to expressions", what)
		return nil, nil, false
	}
	var names []string
	var progs []*eval.Program
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := l.c.Compile(v, sc, eval.WantAny)
		if p == nil {
			ok = false
			continue
		}
		names = append(names, k.Value)
		progs = append(progs, p)
	}
	return names, progs, ok
}

// operation finds conn and op for a call, resolve or write step.
func (l *loader) operation(n *yaml.Node, connName, opName string) (*connection, *registry.Op) {
	cn := yamlx.ValueNode(n, "conn")
	if cn == nil {
		var names []string
		for _, c := range l.p.conns {
			names = append(names, c.name)
		}
		l.d.Errorf(n, "conn: is required (connections: %s)", strings.Join(names, ", "))
		return nil, nil
	}
	var conn *connection
	var names []string
	for _, c := range l.p.conns {
		names = append(names, c.name)
		if c.name == connName {
			conn = c
		}
	}
	if conn == nil {
		l.d.Errorf(cn, "unknown connection %q%s", connName, eval.NearestText(connName, names, "connections"))
		return nil, nil
	}
	on := yamlx.ValueNode(n, "op")
	if on == nil {
		l.d.Errorf(n, "op: is required")
		return nil, nil
	}
	op, ok := conn.api.Op(opName)
	if !ok {
		l.d.Errorf(on, "%s has no operation %q%s", conn.api.Name, opName, eval.NearestText(opName, conn.api.OpNames(), "operations"))
		return nil, nil
	}
	return conn, op
}

// opParams compiles the params: mapping of a call or write against op's parameters.
func (l *loader) opParams(n *yaml.Node, conn *connection, op *registry.Op, sc eval.Scope, fixed map[string]bool) ([]string, []*eval.Program, bool) {
	names, progs, ok := l.exprMap(n, sc, "params")
	if n != nil && n.Kind == yaml.MappingNode {
		var pnames []string
		for _, p := range op.Params {
			pnames = append(pnames, p.Name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, known := op.Param(k.Value); !known {
				l.d.Errorf(k, "%s.%s has no parameter %q%s", conn.api.Name, op.Name, k.Value, eval.NearestText(k.Value, pnames, "parameters"))
				ok = false
			}
		}
	}
	given := map[string]bool{}
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			given[n.Content[i].Value] = true
		}
	}
	for _, p := range op.Params {
		if p.Required && !given[p.Name] && !fixed[p.Name] {
			l.d.Errorf(yamlx.KeyNode(n, "params"), "%s.%s: parameter %s is required", conn.api.Name, op.Name, p.Name)
			ok = false
		}
	}
	return names, progs, ok
}

// evalParams evaluates compiled parameters into the map a registry client takes.
func evalParams(ev *eval.Evaluator, names []string, progs []*eval.Program) (map[string]any, error) {
	m := make(map[string]any, len(names))
	for i, p := range progs {
		v, err := ev.Run(p)
		if err != nil {
			return nil, err
		}
		m[names[i]] = v
	}
	return m, nil
}

// StepKind describes a step kind, for help texts (pipe help steps).
type StepKind struct {
	Name, Doc string
}

// StepKinds lists the step kinds, in the order docs/pipelines.md describes them.
func StepKinds() []StepKind {
	out := make([]StepKind, len(kinds))
	for i, k := range kinds {
		out[i] = StepKind{Name: k.name, Doc: k.doc}
	}
	return out
}
