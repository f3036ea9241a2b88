package eval

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/specpipe/specpipe/internal/record"
)

// Limits on the text of an expression, checked before expr parses it (expr's parser recurses
// once per parenthesis: 600,000 of them overflowed its stack), and on the text one evaluation
// builds. expr's memory budget counts the elements of lists and maps, not the bytes of strings,
// so string concatenation, repeat, join, replace, toJSON and json are rewritten into versions
// that count them (stringBudget) and fail before they allocate too much.
const (
	maxExprSource  = 16 << 10 // bytes of an expression's text
	maxExprNesting = 100      // depth of ( [ { in an expression
	maxString      = 1 << 20  // bytes of one string an evaluation builds
	maxStrings     = 8 << 20  // bytes of all the strings one evaluation builds
)

// budgetName is where an evaluator's string budget is in its environment.
const budgetName = "@budget"

// stringBudget counts the bytes of the strings one evaluation builds.
type stringBudget struct{ used int }

// take counts a string of n bytes about to be built.
func (b *stringBudget) take(n int) error {
	if n > maxString {
		return fmt.Errorf("it would build a text of more than %d MiB", maxString>>20)
	}
	if b == nil {
		return nil
	}
	b.used += n
	if b.used > maxStrings {
		return fmt.Errorf("it would build more than %d MiB of text in all", maxStrings>>20)
	}
	return nil
}

// checkSource refuses an expression too long, or nested too deep, for the parser.
func checkSource(src string) error {
	if len(src) > maxExprSource {
		return fmt.Errorf("longer than %d KiB; split it into steps", maxExprSource>>10)
	}
	depth := 0
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '(' || c == '[' || c == '{':
			if depth++; depth > maxExprNesting {
				return fmt.Errorf("nested more than %d deep", maxExprNesting)
			}
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

// limitOptions are the counting versions of expr's string builders, which the patcher calls.
func limitOptions() []expr.Option {
	return []expr.Option{
		expr.Function("@concat", add, new(func(*stringBudget, string, string) string)),
		expr.Function("@add", add, new(func(*stringBudget, any, any) any)),
		expr.Function("@repeat", func(args ...any) (any, error) {
			s, n := args[1].(string), runtime.ToInt(args[2])
			if n < 0 {
				return nil, fmt.Errorf("repeat: want a count of 0 or more, got %d", n)
			}
			if len(s) > 0 && n > maxString/len(s)+1 {
				return nil, budget(args).take(maxString + 1)
			}
			if err := budget(args).take(len(s) * n); err != nil {
				return nil, err
			}
			return strings.Repeat(s, n), nil
		}, new(func(*stringBudget, string, int) string), new(func(*stringBudget, string, float64) string)),
		expr.Function("@join", func(args ...any) (any, error) {
			glue := ""
			if len(args) == 3 {
				glue = args[2].(string)
			}
			v := reflect.ValueOf(args[1])
			if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
				return nil, fmt.Errorf("join: want a list, got %T", args[1])
			}
			parts := make([]string, v.Len())
			n := 0
			for i := range parts {
				s, ok := v.Index(i).Interface().(string)
				if !ok {
					return nil, fmt.Errorf("join: item %d is %T, want text", i, v.Index(i).Interface())
				}
				parts[i] = s
				if n += len(s) + len(glue); n > maxString {
					break
				}
			}
			if err := budget(args).take(n); err != nil {
				return nil, err
			}
			return strings.Join(parts, glue), nil
		}, new(func(*stringBudget, any, string) string), new(func(*stringBudget, any) string)),
		expr.Function("@replace", func(args ...any) (any, error) {
			s, old, repl := args[1].(string), args[2].(string), args[3].(string)
			count := strings.Count(s, old)
			if old == "" {
				count = utf8.RuneCountInString(s) + 1
			}
			if count > 0 && len(repl) > len(old) && count > maxString/(len(repl)-len(old)) {
				return nil, budget(args).take(maxString + 1)
			}
			if err := budget(args).take(len(s) + count*(len(repl)-len(old))); err != nil {
				return nil, err
			}
			return strings.ReplaceAll(s, old, repl), nil
		}, new(func(*stringBudget, string, string, string) string)),
		expr.Function("@toJSON", func(args ...any) (any, error) {
			if err := budget(args).take(jsonSize(reflect.ValueOf(args[1]), 1, maxString+1)); err != nil {
				return nil, err
			}
			b, err := json.MarshalIndent(args[1], "", "  ")
			if err != nil {
				return nil, err
			}
			return string(b), nil
		}, new(func(*stringBudget, any) string)),
		expr.Function("@json", func(args ...any) (any, error) { return compactJSON(budget(args), args[1]) },
			new(func(*stringBudget, any) string)),
	}
}

// add is a + b, counting the text it builds.
func add(args ...any) (any, error) {
	if a, ok := args[1].(string); ok {
		if b, ok := args[2].(string); ok {
			if err := budget(args).take(len(a) + len(b)); err != nil {
				return nil, err
			}
			return a + b, nil
		}
	}
	return runtime.Add(args[1], args[2]), nil
}

// compactJSON is json(v): v as JSON on one line, counted in b.
func compactJSON(b *stringBudget, v any) (any, error) {
	if err := b.take(jsonSize(reflect.ValueOf(v), 0, maxString+1)); err != nil {
		return nil, err
	}
	return string(record.AppendJSON(nil, reflect.ValueOf(&v).Elem())), nil
}

func budget(args []any) *stringBudget {
	b, _ := args[0].(*stringBudget)
	return b
}

// jsonSize estimates the bytes of v as JSON (indented by indent bytes a level), at least what
// it takes; it stops counting past limit.
func jsonSize(v reflect.Value, indent, limit int) int {
	n := 0
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if n > limit {
			return
		}
		switch v.Kind() {
		case reflect.Invalid:
			n += 4
		case reflect.String:
			n += len(v.String()) + 2
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				n += 4
				return
			}
			walk(v.Elem(), depth)
		case reflect.Slice, reflect.Array:
			n += 2
			for i := 0; i < v.Len() && n <= limit; i++ {
				n += 1 + indent*(depth+1)
				walk(v.Index(i), depth+1)
			}
		case reflect.Map:
			n += 2
			it := v.MapRange()
			for it.Next() && n <= limit {
				n += 2 + indent*(depth+1)
				walk(it.Key(), depth+1)
				walk(it.Value(), depth+1)
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				n += 27
				return
			}
			n += 2
			for i := 0; i < v.NumField() && n <= limit; i++ {
				n += 4 + len(v.Type().Field(i).Name) + indent*(depth+1)
				walk(v.Field(i), depth+1)
			}
		default:
			n += 1
		}
	}
	walk(v, 0)
	return n
}

// countedBuiltins are the builtins and functions the patcher replaces with counting versions.
var countedBuiltins = map[string]string{
	"repeat": "@repeat", "join": "@join", "replace": "@replace", "toJSON": "@toJSON", "json": "@json",
}

// limitPatcher rewrites the expressions that build strings into their counting versions.
type limitPatcher struct{}

func (limitPatcher) Visit(node *ast.Node) { patchLimits(node) }

// patchLimits rewrites node, if it builds a string, into a call of its counting version with
// the evaluator's budget.
func patchLimits(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		if n.Operator != "+" {
			return
		}
		// Only text (or values of a type not known when compiling) is concatenated; other
		// operands are left to expr, and its type errors with them.
		if !textOrUnknown(n.Left.Type()) || !textOrUnknown(n.Right.Type()) {
			return
		}
		fn := "@add"
		if t := n.Type(); t != nil && t.Kind() == reflect.String {
			fn = "@concat"
		}
		patchCall(node, fn, n.Left, n.Right)
	case *ast.BuiltinNode:
		fn, ok := countedBuiltins[n.Name]
		if !ok {
			return
		}
		patchCall(node, fn, n.Arguments...)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "json" {
			return
		}
		patchCall(node, "@json", n.Arguments...)
	}
}

func textOrUnknown(t reflect.Type) bool {
	return t == nil || t.Kind() == reflect.String || t.Kind() == reflect.Interface
}

func patchCall(node *ast.Node, fn string, args ...ast.Node) {
	b := &ast.IdentifierNode{Value: budgetName}
	b.SetLocation((*node).Location())
	callee := &ast.IdentifierNode{Value: fn}
	callee.SetLocation((*node).Location())
	call := &ast.CallNode{Callee: callee, Arguments: append([]ast.Node{b}, args...)}
	ast.Patch(node, call)
}
