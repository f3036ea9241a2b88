package pipeline

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// kind is a step kind, a component behind one small contract: its name and one-line doc,
// whether a step of it starts a stream, and the constructor that compiles a step of it from
// its configuration, given a narrow context ([compileCtx]). A kind is one file (kind_*.go) and
// one row of [kinds]. What else the engine needs of a step it asks through optional interfaces
// of the compiled step ([planner], [narrower], [wholeWriter]), never by its type; at run time a
// step gets a [stepEnv].
type kind struct {
	name, doc string
	// source reports whether a step configured by n starts a stream (reads no records of the
	// step before it). Nil: it never does.
	source func(n *yaml.Node) bool
	// compile compiles a step configured by n. It returns the step and the type of the
	// records it emits (nil: none); problems go to c.errorf, and a nil step is invalid (a
	// non-nil type still lets the steps after it be checked).
	compile func(c *compileCtx, n *yaml.Node) (stepImpl, reflect.Type)
}

// kinds is the table of step kinds, in the order the docs list them.
func kinds() []kind {
	return []kind{readKind(), eachKind(), callKind(), mapKind(), filterKind(), groupKind(),
		lookupKind(), resolveKind(), writeKind(), outputKind()}
}

func always(*yaml.Node) bool { return true }

// StepKind describes a step kind, for help texts (pipe help steps).
type StepKind struct {
	Name, Doc string
}

// StepKinds lists the step kinds, in the order docs/pipelines.md describes them.
func StepKinds() []StepKind {
	var out []StepKind
	for _, k := range kinds() {
		out = append(out, StepKind{Name: k.name, Doc: k.doc})
	}
	return out
}

func (l *loader) kind(name string) kind {
	for _, k := range l.kinds {
		if k.name == name {
			return k
		}
	}
	return kind{}
}

func (l *loader) kindNames() []string {
	var out []string
	for _, k := range l.kinds {
		out = append(out, k.name)
	}
	return out
}

// planner is a step that counts its calls for a [Plan], and says how many records it passes
// on. A step that is not a planner passes on an unknown number of records, unless assumed.
type planner interface {
	plan(ps *planState) (*PlanStep, error)
}

// narrower is a step whose records can be narrowed, once every expression is compiled, to the
// fields expressions read: it prepares its run and returns the fields to keep (ok false: all
// of them).
type narrower interface {
	narrow(u *usage) (keep []string, ok bool)
}

// wholeWriter is a step that writes whole records of a type (an output without fields:): the
// records that contain them keep every field.
type wholeWriter interface {
	wholeRecords() reflect.Type
}

// usage is what the expressions of a pipeline read, for narrowers.
type usage struct {
	c     *eval.Compiler
	whole []reflect.Type
	// final is set when the records are narrowed already (the second compile): narrowers
	// prepare their run and keep what they have.
	final bool
}

func (u *usage) used(name string) bool              { return u.c.Used(name) }
func (u *usage) usedUnder(parent, name string) bool { return u.c.UsedUnder(parent, name) }

// wholeHolds reports whether some whole-record output writes records that contain values of t.
func (u *usage) wholeHolds(t reflect.Type) bool {
	for _, w := range u.whole {
		if typeContains(w, t, map[reflect.Type]bool{}) {
			return true
		}
	}
	return false
}

// compileCtx is what a kind's constructor may use: its step's ID and input type, problems,
// expressions, connections and the record types.
type compileCtx struct {
	l  *loader
	id string
	in reflect.Type // the records the step reads (nil: a source)
}

func (c *compileCtx) errorf(n *yaml.Node, format string, args ...any) {
	c.l.d.Errorf(n, format, args...)
}

func (c *compileCtx) decode(n *yaml.Node, v any) { c.l.d.Decode(n, v) }

func (c *compileCtx) compile(n *yaml.Node, sc eval.Scope, w eval.Want) *eval.Program {
	return c.l.c.Compile(n, sc, w)
}

// paramScope is the scope of expressions without records: params.
func (c *compileCtx) paramScope() eval.Scope {
	return eval.Scope{Vars: map[string]reflect.Type{"params": c.l.p.paramType}}
}

// recScope is the scope of expressions over one input record r.
func (c *compileCtx) recScope() eval.Scope { return c.paramScope().With("r", c.in) }

func (c *compileCtx) loc() *time.Location { return c.l.p.loc }

// path resolves a file name against the pipeline's directory.
func (c *compileCtx) path(file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(c.l.p.dir, file)
}

// recordType finds a generated record type by name (kqapi.Punch); names lists the known ones.
func (c *compileCtx) recordType(name string) (ti typeInfo, ok bool, names []string) {
	types := typeIndex(c.l.apis)
	ti, ok = types[name]
	return ti, ok, sortedKeys(types)
}

// narrowed is the fields the step's records keep, when an earlier compile narrowed them.
func (c *compileCtx) narrowed() ([]string, bool) {
	keep, ok := c.l.narrow[c.id]
	return keep, ok
}

// declareLookup lets later expressions call lookup(id, key) on records of type t.
func (c *compileCtx) declareLookup(t reflect.Type) { c.l.c.DeclareLookup(c.id, t) }

// declareResolver lets later expressions call resolve(id, key), which gives a t.
func (c *compileCtx) declareResolver(t reflect.Type) { c.l.c.DeclareResolver(c.id, t) }

// exprMap compiles a mapping of names to expressions, in order.
func (c *compileCtx) exprMap(n *yaml.Node, sc eval.Scope, what string) ([]string, []*eval.Program, bool) {
	if n == nil {
		return nil, nil, true
	}
	if n.Kind != yaml.MappingNode {
		c.errorf(n, "%s: want a mapping of names to expressions", what)
		return nil, nil, false
	}
	var names []string
	var progs []*eval.Program
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := c.compile(v, sc, eval.WantAny)
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
func (c *compileCtx) operation(n *yaml.Node, connName, opName string) (*connection, *registry.Op) {
	cn := yamlx.ValueNode(n, "conn")
	if cn == nil {
		var names []string
		for _, cn := range c.l.p.conns {
			names = append(names, cn.name)
		}
		c.errorf(n, "conn: is required (connections: %s)", strings.Join(names, ", "))
		return nil, nil
	}
	var conn *connection
	var names []string
	for _, cn := range c.l.p.conns {
		names = append(names, cn.name)
		if cn.name == connName {
			conn = cn
		}
	}
	if conn == nil {
		c.errorf(cn, "unknown connection %q%s", connName, eval.NearestText(connName, names, "connections"))
		return nil, nil
	}
	on := yamlx.ValueNode(n, "op")
	if on == nil {
		c.errorf(n, "op: is required")
		return nil, nil
	}
	op, ok := conn.api.Op(opName)
	if !ok {
		c.errorf(on, "%s has no operation %q%s", conn.api.Name, opName, eval.NearestText(opName, conn.api.OpNames(), "operations"))
		return nil, nil
	}
	return conn, op
}

// opParams compiles the params: mapping of a call or write against op's parameters.
func (c *compileCtx) opParams(n *yaml.Node, conn *connection, op *registry.Op, sc eval.Scope) ([]string, []*eval.Program, bool) {
	names, progs, ok := c.exprMap(n, sc, "params")
	if n != nil && n.Kind == yaml.MappingNode {
		var pnames []string
		for _, p := range op.Params {
			pnames = append(pnames, p.Name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, known := op.Param(k.Value); !known {
				c.errorf(k, "%s.%s has no parameter %q%s", conn.api.Name, op.Name, k.Value, eval.NearestText(k.Value, pnames, "parameters"))
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
		if p.Required && !given[p.Name] {
			c.errorf(yamlx.KeyNode(n, "params"), "%s.%s: parameter %s is required", conn.api.Name, op.Name, p.Name)
			ok = false
		}
	}
	return names, progs, ok
}

// stepEnv is what one run of a step may use: the run's context and options, its own
// evaluator (params and the lookups and resolvers of the steps before), its summary, the
// connections' clients.
type stepEnv struct {
	ctx      context.Context
	id       string
	pipeline string
	opts     *RunOptions
	log      *slog.Logger
	ev       *eval.Evaluator
	sum      *StepSummary
	rc       *runCtx
}

func (e *stepEnv) client(conn string) registry.Client { return e.rc.clients[conn] }

// bind binds name for the expressions of the steps that start after this one.
func (e *stepEnv) bind(name string, v any) { e.rc.bindings[name] = v }

// newEvaluator is an evaluator of expressions without records (params).
func (e *stepEnv) newEvaluator() *eval.Evaluator { return e.rc.evaluator() }

// fail counts and lists a failed record of a source (rec nil) and lets the run go on.
func (e *stepEnv) fail(err error) error { return e.rc.check(e.id, e.sum, nil, recordFailed(err)) }
