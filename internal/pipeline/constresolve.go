package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/eval"
	"github.com/specpipe/specpipe/internal/step"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// constResolve is a resolve("name", key) in a step whose key depends on no record (only on
// params and constants): every record resolves the same key, so a key the resolver does not
// list is a configuration error, checked once before the step's stream starts instead of
// failing every record.
type constResolve struct {
	resolver string
	src      string        // the key expression as written
	key      *eval.Program // string(key)
	pos      yamlx.Pos
}

// constResolves finds the constant resolves in the expressions of a step's YAML n.
func (l *loader) constResolves(n *yaml.Node) []constResolve {
	var out []constResolve
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		if n.Kind != yaml.ScalarNode {
			for _, c := range n.Content {
				walk(c)
			}
			return
		}
		if !strings.Contains(n.Value, "resolve(") {
			return
		}
		tree, err := parser.Parse(n.Value)
		if err != nil || conditional(tree.Node) {
			return // reported by the step's compile; or some records may not resolve
		}
		v := &resolveFinder{}
		ast.Walk(&tree.Node, v)
		for _, c := range v.found {
			src := c.Arguments[1].String()
			kn := &yaml.Node{Kind: yaml.ScalarNode, Value: "string(" + src + ")", Line: n.Line, Column: n.Column}
			prog := l.c.Compile(kn, eval.Scope{Vars: map[string]reflect.Type{"params": l.p.paramType}}, eval.WantAny)
			if prog == nil {
				continue
			}
			out = append(out, constResolve{resolver: c.Arguments[0].(*ast.StringNode).Value, src: src, key: prog, pos: l.d.At(n)})
		}
	}
	if yamlx.ValueNode(n, "when") != nil {
		return nil // a step for some records only: others escape the resolve
	}
	walk(n)
	return out
}

// conditional reports whether an expression evaluates some parts for some values only (?:,
// ??, and, or).
func conditional(n ast.Node) bool {
	v := &conditionFinder{}
	ast.Walk(&n, v)
	return v.found
}

type conditionFinder struct{ found bool }

func (f *conditionFinder) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.ConditionalNode:
		f.found = true
	case *ast.BinaryNode:
		switch n.Operator {
		case "??", "and", "or", "&&", "||":
			f.found = true
		}
	}
}

// resolveFinder collects the calls resolve("name", key) whose key reads nothing but params.
type resolveFinder struct{ found []*ast.CallNode }

func (f *resolveFinder) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 2 {
		return
	}
	if id, ok := call.Callee.(*ast.IdentifierNode); !ok || id.Value != "resolve" {
		return
	}
	if _, ok := call.Arguments[0].(*ast.StringNode); !ok {
		return
	}
	c := &constChecker{ok: true}
	ast.Walk(&call.Arguments[1], c)
	if c.ok {
		f.found = append(f.found, call)
	}
}

// constChecker reports whether an expression reads no variable but params: the names it
// calls are functions, and a closure's # is the record of a list function.
type constChecker struct{ ok bool }

func (c *constChecker) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value != "params" && !isFuncName(n.Value) {
			c.ok = false
		}
	case *ast.PointerNode, *ast.VariableDeclaratorNode:
		c.ok = false
	}
}

// isFuncName reports whether name is not one of the variables steps' scopes add (the record r,
// a listed item, a write's target, a secret): then it is params or a function.
func isFuncName(name string) bool {
	switch name {
	case "r", "item", "target", "secret", "$env":
		return false
	}
	return true
}

// checkResolves evaluates the constant resolves of steps [i, j) whose resolvers are bound:
// a key the resolver does not list stops the run before the stream, as a [ConfigError].
func (rc *runCtx) checkResolves(i, j int) error {
	for _, s := range rc.p.steps[i:j] {
		for _, c := range s.resolves {
			fn, ok := rc.bindings[eval.ResolverName(c.resolver)]
			if !ok {
				continue
			}
			key, err := rc.evaluator().Run(c.key)
			if err != nil {
				return &ConfigError{Err: &yamlx.Error{Pos: c.pos, Msg: fmt.Sprintf("step %s: resolve(%q, %s): %v", s.id, c.resolver, c.src, eval.UnwrapError(err))}}
			}
			out := reflect.ValueOf(fn).Call([]reflect.Value{reflect.ValueOf(key)})
			if err, _ := out[1].Interface().(error); err != nil {
				var ne *step.NoItemError
				if errors.As(err, &ne) {
					return &ConfigError{Err: &yamlx.Error{Pos: c.pos, Msg: fmt.Sprintf("step %s: resolve(%q, %s): %s lists no item %q; no record can be written (fix the param or add the item)", s.id, c.resolver, c.src, ne.Op, ne.Key)}}
				}
				return fmt.Errorf("step %s: %w", s.id, err)
			}
		}
	}
	return nil
}
