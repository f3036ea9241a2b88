package pipeline

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// The engine reaches the step kinds only through their table (step.Kinds, or LoadOptions'
// kinds in tests) and their contract: compileCtx is the step.Compiler a constructor gets,
// stepEnv the step.Env a run gets, usage the step.Usage a narrower gets.
var (
	_ step.Compiler = (*compileCtx)(nil)
	_ step.Env      = (*stepEnv)(nil)
	_ step.Usage    = (*usage)(nil)
)

// StepKind describes a step kind, for help texts (pipe help steps).
type StepKind struct {
	Name, Doc string
}

// StepKinds lists the step kinds, in the order docs/pipelines.md describes them.
func StepKinds() []StepKind {
	var out []StepKind
	for _, k := range step.Kinds() {
		out = append(out, StepKind{Name: k.Name, Doc: k.Doc})
	}
	return out
}

func (l *loader) kind(name string) step.Kind {
	for _, k := range l.kinds {
		if k.Name == name {
			return k
		}
	}
	return step.Kind{}
}

func (l *loader) kindNames() []string {
	var out []string
	for _, k := range l.kinds {
		out = append(out, k.Name)
	}
	return out
}

// usage is what the expressions of a pipeline read, for narrowers.
type usage struct {
	c     *eval.Compiler
	whole []reflect.Type
	final bool // the records are narrowed already (the second compile)
}

func (u *usage) Used(name string) bool              { return u.c.Used(name) }
func (u *usage) UsedUnder(parent, name string) bool { return u.c.UsedUnder(parent, name) }
func (u *usage) Final() bool                        { return u.final }

// WholeHolds reports whether some whole-record output writes records that contain values of t.
func (u *usage) WholeHolds(t reflect.Type) bool {
	for _, w := range u.whole {
		if typeContains(w, t, map[reflect.Type]bool{}) {
			return true
		}
	}
	return false
}

// compileCtx is the step.Compiler of one step.
type compileCtx struct {
	l  *loader
	id string
	in reflect.Type
	at *yaml.Node // the step's kind value: where a problem without a node of its own is reported
}

func (c *compileCtx) ID() string       { return c.id }
func (c *compileCtx) In() reflect.Type { return c.in }

func (c *compileCtx) Errorf(n *yaml.Node, format string, args ...any) {
	if n == nil { // such as a missing params: mapping
		n = c.at
	}
	c.l.d.Errorf(n, format, args...)
}

func (c *compileCtx) Decode(n *yaml.Node, v any) { c.l.d.Decode(n, v) }

func (c *compileCtx) Compile(n *yaml.Node, sc eval.Scope, w eval.Want) *eval.Program {
	return c.l.c.Compile(n, sc, w)
}

func (c *compileCtx) ParamScope() eval.Scope {
	return eval.Scope{Vars: map[string]reflect.Type{"params": c.l.p.paramType}}
}

func (c *compileCtx) RecScope() eval.Scope { return c.ParamScope().With("r", c.in) }

func (c *compileCtx) Loc() *time.Location { return c.l.p.loc }

func (c *compileCtx) Path(file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(c.l.p.dir, file)
}

func (c *compileCtx) RecordType(name string) (reflect.Type, *time.Location, bool, []string) {
	types := typeIndex(c.l.apis)
	ti, ok := types[name]
	return ti.t, ti.loc, ok, sortedKeys(types)
}

func (c *compileCtx) Narrowed() ([]string, bool) {
	keep, ok := c.l.narrow[c.id]
	return keep, ok
}

func (c *compileCtx) DeclareLookup(t reflect.Type)   { c.l.c.DeclareLookup(c.id, t) }
func (c *compileCtx) DeclareResolver(t reflect.Type) { c.l.c.DeclareResolver(c.id, t) }

// exprMap compiles a mapping of names to expressions, in order.
func (c *compileCtx) ExprMap(n *yaml.Node, sc eval.Scope, what string) ([]string, []*eval.Program, bool) {
	if n == nil {
		return nil, nil, true
	}
	if n.Kind != yaml.MappingNode {
		c.Errorf(n, "%s: want a mapping of names to expressions", what)
		return nil, nil, false
	}
	var names []string
	var progs []*eval.Program
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := c.Compile(v, sc, eval.WantAny)
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
func (c *compileCtx) Operation(n *yaml.Node, connName, opName string) (*step.Conn, *registry.Op) {
	cn := yamlx.ValueNode(n, "conn")
	if cn == nil {
		var names []string
		for _, cn := range c.l.p.conns {
			names = append(names, cn.name)
		}
		c.Errorf(n, "conn: is required (connections: %s)", strings.Join(names, ", "))
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
		c.Errorf(cn, "unknown connection %q%s", connName, eval.NearestText(connName, names, "connections"))
		return nil, nil
	}
	on := yamlx.ValueNode(n, "op")
	if on == nil {
		c.Errorf(n, "op: is required")
		return nil, nil
	}
	op, ok := conn.api.Op(opName)
	if !ok {
		c.Errorf(on, "%s has no operation %q%s", conn.api.Name, opName, eval.NearestText(opName, conn.api.OpNames(), "operations"))
		return nil, nil
	}
	return conn.ref, op
}

// opParams compiles the params: mapping of a call or write against op's parameters.
func (c *compileCtx) OpParams(n *yaml.Node, conn *step.Conn, op *registry.Op, sc eval.Scope) ([]string, []*eval.Program, bool) {
	names, progs, ok := c.ExprMap(n, sc, "params")
	if n != nil && n.Kind == yaml.MappingNode {
		var pnames []string
		for _, p := range op.Params {
			pnames = append(pnames, p.Name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, known := op.Param(k.Value); !known {
				c.Errorf(k, "%s.%s has no parameter %q%s", conn.API.Name, op.Name, k.Value, eval.NearestText(k.Value, pnames, "parameters"))
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
	var missing []string
	for _, p := range op.Params {
		if p.Required && !given[p.Name] {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		at := n // the params: mapping, or the step's settings when there is none
		if at == nil {
			at = c.at
		}
		what := "parameter " + missing[0] + " is missing (give it under params:)"
		if len(missing) > 1 {
			what = "parameters " + strings.Join(missing, ", ") + " are missing (give them under params:)"
		}
		c.Errorf(at, "step %s: %s.%s: required %s", c.id, conn.API.Name, op.Name, what)
		ok = false
	}
	return names, progs, ok
}

// stepEnv is the step.Env of one run of a step.
type stepEnv struct {
	id  string
	ctx context.Context // the run's, with the step's page trace
	ev  *eval.Evaluator
	sum *step.Summary
	rc  *runCtx
}

func (e *stepEnv) Context() context.Context           { return e.ctx }
func (e *stepEnv) ID() string                         { return e.id }
func (e *stepEnv) Pipeline() string                   { return e.rc.p.Name }
func (e *stepEnv) Eval() *eval.Evaluator              { return e.ev }
func (e *stepEnv) Summary() *step.Summary             { return e.sum }
func (e *stepEnv) Log() *slog.Logger                  { return e.rc.log }
func (e *stepEnv) Client(conn string) registry.Client { return e.rc.clients[conn] }
func (e *stepEnv) Bind(name string, v any)            { e.rc.bindings[name] = v }
func (e *stepEnv) NewEvaluator() *eval.Evaluator      { return e.rc.evaluator() }
func (e *stepEnv) Ledger() step.Ledger {
	if e.rc.opts.DryRun && e.rc.opts.Ledger != nil {
		return readOnlyLedger{e.rc.opts.Ledger}
	}
	return e.rc.opts.Ledger
}
func (e *stepEnv) DryRun() (bool, io.Writer) { return e.rc.opts.DryRun, e.rc.opts.DryRunOut }
func (e *stepEnv) Retry() bool               { return e.rc.opts.Retry }

func (e *stepEnv) Fail(err error) error {
	return e.rc.check(e.id, e.sum, nil, step.RecordFailed(err))
}

func (e *stepEnv) Later(rec any) func(error) error {
	at := e.rc.records
	return func(err error) error { return e.rc.checkAt(e.id, e.sum, rec, err, at) }
}

func (e *stepEnv) Stopped() error { return e.rc.stopped() }
