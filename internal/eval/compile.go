// Package eval compiles and runs the pipelines' expressions (github.com/expr-lang/expr) against
// typed scopes, with the pipelines' own functions (dates in the pipeline's zone, workday,
// month_ranges, lookup and resolve). A misspelt field or name is a compile error placed inside
// its YAML scalar, with the nearest names. It knows nothing of steps: the engine declares the
// lookups and resolvers expressions may name, and binds their values when a run starts.
package eval

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
// maps and filters create; there are no unbounded loops in the language). limits.go adds the
// limits on an expression's text and on the strings an evaluation builds.
const (
	maxExprNodes = 10000
	memoryBudget = 1_000_000
)

// Names in the expression environment that users cannot write (the patcher makes them).
const (
	lookupPrefix  = "@lookup:"
	resolvePrefix = "@resolve:"
)

// Program is one compiled expression with where it came from.
type Program struct {
	Src  string
	Out  reflect.Type // the static type of the result
	Pos  yamlx.Pos
	prog *vm.Program
	used map[string]bool // member names the expression reads (r.x, item.y: "x", "y")
	// of and member are set when the whole expression is one member of a name (r.atten_uid).
	of, member string
	// fast is the expression's typed closure (fast.go), nil when it runs on the VM only.
	fast any
	// resolves reports a call of a resolver, which may call an API the first time.
	resolves bool
}

// Member reports whether the expression is nothing but one member of a name (r.atten_uid: r,
// atten_uid), which a step may read without running the expression.
func (p *Program) Member() (of, member string, ok bool) { return p.of, p.member, p.of != "" }

// Resolves reports whether the expression calls a resolver (resolve("users", r.name)), whose
// first call loads the resolver's list from its API: such an expression is not a function of
// the record alone.
func (p *Program) Resolves() bool { return p.resolves }

// Scope is what one expression may see: the names and the types of their values. Values are
// zero values of the types at compile time, and the real values at run time.
type Scope struct {
	Vars map[string]reflect.Type
}

// With is the scope with one more name.
func (s Scope) With(name string, t reflect.Type) Scope {
	vars := make(map[string]reflect.Type, len(s.Vars)+1)
	for k, v := range s.Vars {
		vars[k] = v
	}
	vars[name] = t
	return Scope{Vars: vars}
}

// Compiler compiles every expression of one pipeline file against typed scopes. It records
// problems in the file's decoder and remembers every member name an expression reads, so that
// records can be narrowed to those fields.
type Compiler struct {
	d     *yamlx.Decoder
	funcs *Funcs
	// lookups and resolvers declared so far: name → record type (lookups) or value type (resolvers).
	lookups   map[string]reflect.Type
	resolvers map[string]reflect.Type
	lines     []string                   // the file's lines, to place errors inside block scalars
	used      map[string]bool            // every member name any expression reads
	under     map[string]map[string]bool // member names read under another (first → atten_time)
}

// NewCompiler makes the compiler of one file: d records the problems, src is the file's text
// (to place errors inside block scalars), f the functions' zone and clock.
func NewCompiler(d *yamlx.Decoder, src []byte, f Funcs) *Compiler {
	return &Compiler{
		d:         d,
		lines:     strings.Split(string(src), "\n"),
		funcs:     &f,
		lookups:   map[string]reflect.Type{},
		resolvers: map[string]reflect.Type{},
		used:      map[string]bool{},
		under:     map[string]map[string]bool{},
	}
}

// DeclareLookup lets later expressions call lookup(name, key) and has_key(name, key) on an
// index of records of type t; a run binds the index with LookupName(name).
func (c *Compiler) DeclareLookup(name string, t reflect.Type) { c.lookups[name] = t }

// DeclareResolver lets later expressions call resolve(name, key), which gives a value of type
// t; a run binds a function of ResolverFuncType(t) with ResolverName(name).
func (c *Compiler) DeclareResolver(name string, t reflect.Type) { c.resolvers[name] = t }

// Used reports whether some expression compiled so far reads a member called name.
func (c *Compiler) Used(name string) bool { return c.used[name] }

// UsedUnder reports whether some expression reads member name of a member called parent
// (r.first.atten_time: atten_time under first).
func (c *Compiler) UsedUnder(parent, name string) bool { return c.under[parent][name] }

// LookupName is the environment name a run binds the index of lookup step id to.
func LookupName(id string) string { return lookupPrefix + id }

// ResolverName is the environment name a run binds the function of resolve step id to.
func ResolverName(id string) string { return resolvePrefix + id }

// Want is the expected result kind of an expression.
type Want int

const (
	WantAny Want = iota // any known type
	WantBool
)

// Compile compiles the scalar node n as an expression seen from sc. It records problems in the
// decoder (with the YAML position) and returns nil on failure.
func (c *Compiler) Compile(n *yaml.Node, sc Scope, w Want) *Program {
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
	if err := checkSource(src); err != nil {
		c.d.Errorf(n, "expression %s: %v", quoteShort(src), err)
		return nil
	}
	pt := &patcher{c: c}
	opts := []expr.Option{
		expr.Env(c.env(sc)),
		expr.MaxNodes(maxExprNodes),
		expr.Patch(pt),
		expr.Patch(limitPatcher{}), // after pt: it needs the types of the lookups pt makes
		expr.DisableBuiltin("now"),
	}
	opts = append(opts, c.funcs.options()...)
	opts = append(opts, limitOptions()...)
	if w == WantBool {
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
		c.exprErrorAt(n, src, 1, u.col, fmt.Sprintf("unknown %s step %q%s", what, u.name, NearestText(u.name, names, what+" steps")))
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
	p := &Program{Src: src, prog: prog, Out: out, Pos: c.d.At(n), used: map[string]bool{}, resolves: pt.resolves}
	if mn, ok := prog.Node().(*ast.MemberNode); ok && !mn.Optional && !mn.Method {
		id, isID := mn.Node.(*ast.IdentifierNode)
		prop, isStr := mn.Property.(*ast.StringNode)
		if isID && isStr {
			p.of, p.member = id.Value, prop.Value
		}
	}
	p.fast = c.fastCompile(prog.Node())
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
func (c *Compiler) env(sc Scope) map[string]any {
	env := make(map[string]any, len(sc.Vars)+len(c.lookups)+len(c.resolvers)+1)
	env[budgetName] = (*stringBudget)(nil)
	for k, t := range sc.Vars {
		env[k] = reflect.Zero(t).Interface()
	}
	for k, t := range c.lookups {
		env[lookupPrefix+k] = reflect.MakeMap(reflect.MapOf(reflect.TypeFor[string](), t)).Interface()
	}
	for k, t := range c.resolvers {
		env[resolvePrefix+k] = reflect.Zero(ResolverFuncType(t)).Interface()
	}
	return env
}

// ResolverFuncType is the type of the function a resolver with values of type t is bound to:
// func(key string) (t, error).
func ResolverFuncType(t reflect.Type) reflect.Type {
	return reflect.FuncOf([]reflect.Type{reflect.TypeFor[string]()}, []reflect.Type{t, reflect.TypeFor[error]()}, false)
}

// exprError records a compile error at the position inside the YAML scalar, with the nearest
// names for a misspelt field or variable.
func (c *Compiler) exprError(n *yaml.Node, src string, err error, sc Scope) {
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
func (c *Compiler) exprErrorAt(n *yaml.Node, src string, exprLine, exprCol int, msg string) {
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
func (c *Compiler) hint(msg string, sc Scope) string {
	if rest, ok := strings.CutPrefix(msg, "unknown name "); ok {
		name := strings.Fields(rest)[0]
		var cands []string
		for k := range sc.Vars {
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
	for _, t := range sc.Vars {
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
	c        *Compiler
	unknown  *unknownRef
	resolves bool // a resolve(...) was patched
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
		p.resolves = true
		ast.Patch(node, &ast.CallNode{Callee: fn, Arguments: []ast.Node{key}})
	}
}

// Evaluator runs compiled programs on one goroutine, reusing one VM and one environment.
type Evaluator struct {
	vm     vm.VM
	env    map[string]any
	budget stringBudget // the text one evaluation builds
	r      any          // the value of r, for the closures of fast.go
	// rStale reports that env["r"] is not r yet: Set of r, once per record, writes only r, and
	// the VM's first run after it writes the map.
	rStale bool
	day    dayCache // the work days workday(t) of the closures gave lately
}

// NewEvaluator makes an evaluator whose environment is env (the evaluator owns it).
func NewEvaluator(env map[string]any) *Evaluator {
	e := &Evaluator{env: env}
	e.vm.MemoryBudget = memoryBudget
	env[budgetName] = &e.budget
	return e
}

// Set binds name to v in the evaluator's environment.
func (e *Evaluator) Set(name string, v any) {
	if name == "r" {
		e.r, e.rStale = v, true
		return
	}
	e.env[name] = v
}

// Delete removes name from the evaluator's environment.
func (e *Evaluator) Delete(name string) {
	delete(e.env, name)
	if name == "r" {
		e.r, e.rStale = nil, false
	}
}

// Run evaluates p in the evaluator's environment; an error names the expression and its place.
func (e *Evaluator) Run(p *Program) (any, error) {
	if out, ok := e.runFast(p); ok {
		return out, nil
	}
	return e.runVM(p)
}

// RunInto evaluates p and stores its value in dst, which is settable and of type p.Out (a
// field of a new record): a value of p's closure goes there without being boxed.
func (e *Evaluator) RunInto(p *Program, dst reflect.Value) error {
	if p.fast != nil && dst.Type() == p.Out && dst.CanAddr() {
		at := dst.Addr().UnsafePointer()
		var ok bool
		switch p.Out {
		case reflect.TypeFor[string]():
			ok = storeFast[string](e, p, at)
		case reflect.TypeFor[int]():
			ok = storeFast[int](e, p, at)
		case reflect.TypeFor[bool]():
			ok = storeFast[bool](e, p, at)
		case reflect.TypeFor[time.Time]():
			ok = storeFast[time.Time](e, p, at)
		case reflect.TypeFor[time.Duration]():
			ok = storeFast[time.Duration](e, p, at)
		}
		if ok {
			return nil
		}
	}
	x, err := e.Run(p)
	if err != nil {
		return err
	}
	if x == nil {
		return nil
	}
	xv := reflect.ValueOf(x)
	if !xv.Type().AssignableTo(dst.Type()) {
		return fmt.Errorf("%s: expression %s gave %T, want %s", p.Pos, quoteShort(p.Src), x, TypeName(dst.Type()))
	}
	dst.Set(xv)
	return nil
}

// String evaluates p, whose result is text (p.Out is string).
func (e *Evaluator) String(p *Program) (string, error) {
	if f, ok := p.fast.(fn[string]); ok {
		if v, ok := f(e); ok {
			return v, nil
		}
	}
	out, err := e.runVM(p)
	if err != nil {
		return "", err
	}
	s, ok := out.(string)
	if !ok {
		return "", fmt.Errorf("%s: expression %s gave %T, want text", p.Pos, quoteShort(p.Src), out)
	}
	return s, nil
}

// runVM evaluates p on expr's VM.
func (e *Evaluator) runVM(p *Program) (any, error) {
	e.budget.used = 0
	if e.rStale {
		e.env["r"], e.rStale = e.r, false
	}
	out, err := e.vm.Run(p.prog, e.env)
	if err != nil {
		return nil, fmt.Errorf("%s: expression %s: %w", p.Pos, quoteShort(p.Src), UnwrapError(err))
	}
	return out, nil
}

// Bool evaluates p, which must give true or false.
func (e *Evaluator) Bool(p *Program) (bool, error) {
	if f, ok := p.fast.(fn[bool]); ok {
		if v, ok := f(e); ok {
			return v, nil
		}
	}
	out, err := e.runVM(p)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%s: expression %s gave %T, want true or false", p.Pos, quoteShort(p.Src), out)
	}
	return b, nil
}

// UnwrapError is the message of an expression error without expr's source excerpt.
func UnwrapError(err error) error {
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

// NearestText is " (did you mean x, y?)" or " (known <what>: ...)".
func NearestText(s string, cands []string, what string) string {
	if near := yamlx.NearestN(s, cands, 3); len(near) > 0 {
		return " (did you mean " + strings.Join(near, ", ") + "?)"
	}
	if len(cands) == 0 {
		return fmt.Sprintf(" (known %s: none)", what)
	}
	if len(cands) > 12 {
		return ""
	}
	return fmt.Sprintf(" (known %s: %s)", what, strings.Join(cands, ", "))
}

// TypeName is a type as users read it in messages.
func TypeName(t reflect.Type) string {
	if t == nil {
		return "unknown"
	}
	switch t {
	case reflect.TypeFor[time.Time]():
		return "a time"
	case reflect.TypeFor[time.Duration]():
		return "a duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}
