package pipeline

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/record"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// Limits on expressions, so that a bad expression cannot hang a cron job: the size of the
// compiled tree, and the memory budget of one evaluation (expr counts the elements that ranges,
// maps and filters create; there are no unbounded loops in the language).
const (
	maxExprNodes = 10000
	memoryBudget = 1_000_000
)

// Names in the expression environment that users cannot write (the patcher makes them).
const (
	lookupPrefix  = "@lookup:"
	resolvePrefix = "@resolve:"
)

// program is one compiled expression with where it came from.
type program struct {
	src  string
	prog *vm.Program
	out  reflect.Type // the static type of the result (nil: unknown)
	pos  yamlx.Pos
	used map[string]bool // member names the expression reads (r.x, item.y: "x", "y")
}

// scope is what one expression may see: the names and the types of their values. Values are
// zero values of the types at compile time, and the real values at run time.
type scope struct {
	vars map[string]reflect.Type
}

func (s scope) with(name string, t reflect.Type) scope {
	vars := make(map[string]reflect.Type, len(s.vars)+1)
	for k, v := range s.vars {
		vars[k] = v
	}
	vars[name] = t
	return scope{vars: vars}
}

// compiler compiles every expression of one pipeline file against typed scopes.
type compiler struct {
	d     *yamlx.Decoder
	funcs *funcs
	// lookups and resolvers declared so far: name → record type (lookups) or value type (resolvers).
	lookups   map[string]reflect.Type
	resolvers map[string]reflect.Type
	lines     []string                   // the file's lines, to place errors inside block scalars
	used      map[string]bool            // every member name any expression reads
	under     map[string]map[string]bool // member names read under another (first → atten_time)
}

// want is the expected result kind of an expression.
type want int

const (
	wantAny want = iota // any known type
	wantBool
)

// compile compiles the scalar node n as an expression seen from sc. It records problems in the
// decoder (with the YAML position) and returns nil on failure.
func (c *compiler) compile(n *yaml.Node, sc scope, w want) *program {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode {
		c.d.Errorf(n, "want an expression, got %s", yamlx.Describe(n))
		return nil
	}
	// A YAML number or boolean (id: 42, billable: true) is a constant whose text is also the
	// expression; a YAML null is nil.
	src := n.Value
	if n.Tag == "!!null" {
		src = "nil"
	}
	if strings.TrimSpace(src) == "" {
		c.d.Errorf(n, "empty expression")
		return nil
	}
	pt := &patcher{c: c}
	opts := []expr.Option{
		expr.Env(c.env(sc)),
		expr.MaxNodes(maxExprNodes),
		expr.Patch(pt),
		expr.DisableBuiltin("now"),
	}
	opts = append(opts, c.funcs.options()...)
	if w == wantBool {
		opts = append(opts, expr.AsBool(), expr.WarnOnAny())
	}
	prog, err := expr.Compile(src, opts...)
	if pt.unknown != nil {
		u := pt.unknown
		var names []string
		what, known := "lookup", c.lookups
		if u.fn == "resolve" {
			what, known = "resolve", nil
			for k := range c.resolvers {
				names = append(names, k)
			}
		} else {
			for k := range known {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		c.exprErrorAt(n, src, 1, u.col, fmt.Sprintf("unknown %s step %q%s", what, u.name, nearestText(u.name, names, what+" steps")))
		return nil
	}
	if err != nil {
		c.exprError(n, src, err, sc)
		return nil
	}
	out := prog.Node().Type()
	if out == nil || out.Kind() == reflect.Interface {
		c.d.Errorf(n, "the type of %q is not known when the pipeline is loaded; convert it (string(...), int(...), float(...))", src)
		return nil
	}
	p := &program{src: src, prog: prog, out: out, pos: c.d.At(n), used: map[string]bool{}}
	ast.Walk(ptrNode(prog.Node()), &memberCollector{into: p.used, under: c.under})
	for k := range p.used {
		c.used[k] = true
	}
	return p
}

func ptrNode(n ast.Node) *ast.Node { return &n }

// memberCollector collects the property names of member accesses (r.atten_time → atten_time),
// and under which member they are read (r.first.atten_time: atten_time under first).
type memberCollector struct {
	into  map[string]bool
	under map[string]map[string]bool
}

func (m *memberCollector) Visit(node *ast.Node) {
	mn, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	s, ok := mn.Property.(*ast.StringNode)
	if !ok {
		return
	}
	m.into[s.Value] = true
	if parent, ok := mn.Node.(*ast.MemberNode); ok && m.under != nil {
		if ps, ok := parent.Property.(*ast.StringNode); ok {
			if m.under[ps.Value] == nil {
				m.under[ps.Value] = map[string]bool{}
			}
			m.under[ps.Value][s.Value] = true
		}
	}
}

// env builds the compile-time environment of sc: zero values of every type.
func (c *compiler) env(sc scope) map[string]any {
	env := make(map[string]any, len(sc.vars)+len(c.lookups)+len(c.resolvers))
	for k, t := range sc.vars {
		env[k] = reflect.Zero(t).Interface()
	}
	for k, t := range c.lookups {
		env[lookupPrefix+k] = reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), t)).Interface()
	}
	for k, t := range c.resolvers {
		env[resolvePrefix+k] = reflect.Zero(resolverFuncType(t)).Interface()
	}
	return env
}

func resolverFuncType(t reflect.Type) reflect.Type {
	return reflect.FuncOf([]reflect.Type{reflect.TypeFor[string]()}, []reflect.Type{t, reflect.TypeFor[error]()}, false)
}

// exprError records a compile error at the position inside the YAML scalar, with the nearest
// names for a misspelt field or variable.
func (c *compiler) exprError(n *yaml.Node, src string, err error, sc scope) {
	var fe *file.Error
	if !errors.As(err, &fe) {
		c.d.Errorf(n, "expression %q: %v", src, err)
		return
	}
	msg := fe.Message
	msg = strings.ReplaceAll(msg, lookupPrefix, "lookup ")
	msg = strings.ReplaceAll(msg, resolvePrefix, "resolve ")
	if strings.HasPrefix(msg, "type struct {") {
		if i := strings.Index(msg, " has no field "); i > 0 {
			msg = "the record" + msg[i:]
		}
	}
	if hint := c.hint(fe.Message, sc); hint != "" {
		msg += " " + hint
	}
	if strings.Count(src, "(") != strings.Count(src, ")") || strings.Count(src, "[") != strings.Count(src, "]") {
		msg += " (in a {...} or [...] YAML flow collection a comma ends the value: quote the expression or write the mapping one key per line)"
	}
	c.exprErrorAt(n, src, fe.Line, fe.Column, msg)
}

// exprErrorAt records msg at line and column (0-based) of the expression in scalar n.
func (c *compiler) exprErrorAt(n *yaml.Node, src string, exprLine, exprCol int, msg string) {
	line, col := n.Line, n.Column
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		if l, cl, ok := blockPos(c.lines, n, src, exprLine, exprCol); ok {
			line, col = l, cl
			break
		}
		// A block scalar starts on the line after its indicator.
		line += exprLine
		col = exprCol + 1
	case exprLine > 1:
		line += exprLine - 1
		col = exprCol + 1
	default:
		col += exprCol
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			col++
		}
	}
	c.d.Errs = append(c.d.Errs, &yamlx.Error{Pos: yamlx.Pos{File: c.d.File, Line: line, Col: col}, Msg: "expression " + quoteShort(src) + ": " + msg})
}

func quoteShort(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// hint suggests the nearest names for "type X has no field y" and "unknown name y".
func (c *compiler) hint(msg string, sc scope) string {
	if rest, ok := strings.CutPrefix(msg, "unknown name "); ok {
		name := strings.Fields(rest)[0]
		var cands []string
		for k := range sc.vars {
			cands = append(cands, k)
		}
		cands = append(cands, c.funcs.names()...)
		sort.Strings(cands)
		if near := yamlx.NearestN(name, cands, 3); len(near) > 0 {
			return "(did you mean " + strings.Join(near, ", ") + "?)"
		}
		return "(names: " + strings.Join(cands, ", ") + ")"
	}
	i := strings.Index(msg, " has no field ")
	if !strings.HasPrefix(msg, "type ") || i < 0 {
		return ""
	}
	typeName := msg[len("type "):i]
	field := strings.Fields(msg[i+len(" has no field "):])[0]
	seen := map[reflect.Type]bool{}
	var found []string
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[time.Time]() {
			return
		}
		seen[t] = true
		if t.String() == typeName && found == nil {
			found = record.FieldNames(t)
		}
		for i := 0; i < t.NumField(); i++ {
			visit(t.Field(i).Type)
		}
	}
	for _, t := range sc.vars {
		visit(t)
	}
	for _, t := range c.lookups {
		visit(t)
	}
	if found == nil {
		return ""
	}
	if near := yamlx.NearestN(field, found, 3); len(near) > 0 {
		return "(did you mean " + strings.Join(near, ", ") + "?)"
	}
	return "(fields: " + strings.Join(found, ", ") + ")"
}

// patcher rewrites lookup("name", key), has_key("name", key) and resolve("name", key) into
// typed accesses of the lookup's index and the resolver's function, so their results are
// type-checked like everything else.
type patcher struct {
	c       *compiler
	unknown *unknownRef
}

// unknownRef is a lookup or resolve of a step that does not exist (or comes later).
type unknownRef struct {
	fn, name string
	col      int
}

func (p *patcher) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok || (id.Value != "lookup" && id.Value != "has_key" && id.Value != "resolve") || len(call.Arguments) != 2 {
		return
	}
	name, ok := call.Arguments[0].(*ast.StringNode)
	if !ok {
		return
	}
	key := &ast.BuiltinNode{Name: "string", Arguments: []ast.Node{call.Arguments[1]}}
	key.SetLocation(call.Arguments[1].Location())
	switch id.Value {
	case "lookup", "has_key":
		if _, ok := p.c.lookups[name.Value]; !ok {
			p.unknown = &unknownRef{fn: id.Value, name: name.Value, col: name.Location().From}
			return
		}
		index := &ast.IdentifierNode{Value: lookupPrefix + name.Value}
		index.SetLocation(name.Location())
		if id.Value == "lookup" {
			ast.Patch(node, &ast.MemberNode{Node: index, Property: key})
		} else {
			ast.Patch(node, &ast.BinaryNode{Operator: "in", Left: key, Right: index})
		}
	case "resolve":
		if _, ok := p.c.resolvers[name.Value]; !ok {
			p.unknown = &unknownRef{fn: id.Value, name: name.Value, col: name.Location().From}
			return
		}
		fn := &ast.IdentifierNode{Value: resolvePrefix + name.Value}
		fn.SetLocation(name.Location())
		ast.Patch(node, &ast.CallNode{Callee: fn, Arguments: []ast.Node{key}})
	}
}

// evaluator runs compiled programs on one goroutine, reusing one VM and one environment.
type evaluator struct {
	vm  vm.VM
	env map[string]any
}

func newEvaluator(env map[string]any) *evaluator {
	e := &evaluator{env: env}
	e.vm.MemoryBudget = memoryBudget
	return e
}

func (e *evaluator) run(p *program) (any, error) {
	out, err := e.vm.Run(p.prog, e.env)
	if err != nil {
		return nil, fmt.Errorf("%s: expression %s: %w", p.pos, quoteShort(p.src), unwrapExprErr(err))
	}
	return out, nil
}

func (e *evaluator) bool(p *program) (bool, error) {
	out, err := e.run(p)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%s: expression %s gave %T, want true or false", p.pos, quoteShort(p.src), out)
	}
	return b, nil
}

func unwrapExprErr(err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return errors.New(fe.Message)
	}
	return err
}

// blockPos finds the file line and column of the expression position (exprLine 1-based, exprCol
// 0-based, in runes) inside the block scalar n (| or >), by rebuilding the scalar's value from
// the file's lines. ok is false when the rebuilt value does not match.
func blockPos(lines []string, n *yaml.Node, src string, exprLine, exprCol int) (line, col int, ok bool) {
	if n.Line < 1 || n.Line >= len(lines) {
		return 0, 0, false
	}
	// The rune offset of the position in src.
	srcLines := strings.Split(src, "\n")
	if exprLine < 1 || exprLine > len(srcLines) {
		return 0, 0, false
	}
	offset := exprCol
	for _, l := range srcLines[:exprLine-1] {
		offset += utf8.RuneCountInString(l) + 1
	}
	type at struct{ line, col int }
	var value []rune
	var where []at
	indent := -1
	folded := n.Style&yaml.FoldedStyle != 0
	prevText := false
	for i := n.Line; i < len(lines); i++ { // lines[i] is file line i+1
		raw := strings.TrimRight(lines[i], "\r")
		trimmed := strings.TrimLeft(raw, " ")
		if trimmed == "" {
			value = append(value, '\n')
			where = append(where, at{i + 1, 1})
			prevText = false
			continue
		}
		ind := len(raw) - len(trimmed)
		if indent < 0 {
			indent = ind
		}
		if ind < indent {
			break
		}
		if len(value) > 0 && prevText {
			sep := '\n'
			if folded {
				sep = ' '
			}
			value = append(value, sep)
			where = append(where, at{i + 1, 1})
		}
		col := indent + 1
		for _, r := range raw[indent:] {
			value = append(value, r)
			where = append(where, at{i + 1, col})
			col++
		}
		prevText = true
	}
	if strings.TrimRight(string(value), "\n ") != strings.TrimRight(src, "\n ") || offset >= len(where) {
		return 0, 0, false
	}
	return where[offset].line, where[offset].col, true
}
