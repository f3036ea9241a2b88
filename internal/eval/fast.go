package eval

import (
	"reflect"
	"slices"
	"time"
	"unsafe"

	"github.com/expr-lang/expr/ast"

	"github.com/specpipe/specpipe/internal/record"
)

// The expressions a pipeline runs per record are mostly field reads, comparisons with a
// constant and a few date functions (r.atten_status == "0", workday(r.atten_time),
// seconds(r.last.atten_time - r.first.atten_time)). For those the compiler also builds typed
// closures over the checked tree: a field is read at its offset (resolved once, when the
// expression is compiled), not fetched by reflection per call, and no value is boxed in an
// interface on the way. An expression with any other node has no closures and runs on expr's VM.
// A closure reports ok false when the value it meets is not the one it was compiled for (a
// record of another dynamic type, a nil pointer): then the evaluation runs on the VM, which
// gives the same result or the same error.

// fn is a typed closure: the value of an expression, or ok false.
type fn[T any] func(e *Evaluator) (v T, ok bool)

// ptr is a closure giving a pointer to a struct of type typ (a record, or a struct field).
type ptr struct {
	typ reflect.Type // the struct
	get fn[unsafe.Pointer]
}

// fastCompile builds the closure of n: an fn[T] of the result type (string, bool, int, int64,
// float64, time.Time, time.Duration) or a ptr; nil when n has a node it does not know.
func (c *Compiler) fastCompile(n ast.Node) any {
	switch n := n.(type) {
	case *ast.StringNode:
		v := n.Value
		return fn[string](func(*Evaluator) (string, bool) { return v, true })
	case *ast.IntegerNode:
		if n.Type() != reflect.TypeFor[int]() {
			return nil
		}
		v := n.Value
		return fn[int](func(*Evaluator) (int, bool) { return v, true })
	case *ast.BoolNode:
		v := n.Value
		return fn[bool](func(*Evaluator) (bool, bool) { return v, true })
	case *ast.IdentifierNode:
		return fastIdent(n)
	case *ast.MemberNode:
		return c.fastMember(n)
	case *ast.UnaryNode:
		if n.Operator != "!" && n.Operator != "not" {
			return nil
		}
		x, ok := c.fastCompile(n.Node).(fn[bool])
		if !ok {
			return nil
		}
		return fn[bool](func(e *Evaluator) (bool, bool) {
			v, ok := x(e)
			return !v, ok
		})
	case *ast.BinaryNode:
		return c.fastBinary(n)
	case *ast.CallNode:
		return c.fastCall(n)
	}
	return nil
}

// fastIdent reads a name of the environment that holds a pointer to a struct (r, item).
func fastIdent(n *ast.IdentifierNode) any {
	t := n.Type()
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem() == reflect.TypeFor[time.Time]() {
		return nil
	}
	name := n.Value
	if name == "r" {
		return ptr{typ: t.Elem(), get: func(e *Evaluator) (unsafe.Pointer, bool) { return pointerOf(e.r, t) }}
	}
	return ptr{typ: t.Elem(), get: func(e *Evaluator) (unsafe.Pointer, bool) { return pointerOf(e.env[name], t) }}
}

// pointerOf is the pointer v holds when v is a non-nil pointer of type t.
func pointerOf(v any, t reflect.Type) (unsafe.Pointer, bool) {
	if reflect.TypeOf(v) != t {
		return nil, false
	}
	p := reflect.ValueOf(v).UnsafePointer()
	return p, p != nil
}

// fastMember reads a field of a struct at its offset.
func (c *Compiler) fastMember(n *ast.MemberNode) any {
	prop, ok := n.Property.(*ast.StringNode)
	if !ok || n.Optional || n.Method {
		return nil
	}
	base, ok := c.fastCompile(n.Node).(ptr)
	if !ok {
		return nil
	}
	var f reflect.StructField
	found := false
	for i := 0; i < base.typ.NumField(); i++ {
		if sf := base.typ.Field(i); sf.IsExported() && !sf.Anonymous && record.FieldName(sf) == prop.Value {
			f, found = sf, true
			break
		}
	}
	if !found || f.Type != n.Type() {
		return nil
	}
	off := f.Offset
	switch f.Type {
	case reflect.TypeFor[string]():
		return fieldAt[string](base.get, off)
	case reflect.TypeFor[bool]():
		return fieldAt[bool](base.get, off)
	case reflect.TypeFor[int]():
		return fieldAt[int](base.get, off)
	case reflect.TypeFor[int64]():
		return fieldAt[int64](base.get, off)
	case reflect.TypeFor[float64]():
		return fieldAt[float64](base.get, off)
	case reflect.TypeFor[time.Time]():
		return fieldAt[time.Time](base.get, off)
	case reflect.TypeFor[time.Duration]():
		return fieldAt[time.Duration](base.get, off)
	}
	if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
		get := base.get
		return ptr{typ: f.Type.Elem(), get: func(e *Evaluator) (unsafe.Pointer, bool) {
			p, ok := get(e)
			if !ok {
				return nil, false
			}
			q := *(*unsafe.Pointer)(unsafe.Add(p, off))
			return q, q != nil
		}}
	}
	return nil
}

// fieldAt reads the T at offset off of the struct base points to.
func fieldAt[T any](base fn[unsafe.Pointer], off uintptr) fn[T] {
	return func(e *Evaluator) (T, bool) {
		p, ok := base(e)
		if !ok {
			var zero T
			return zero, false
		}
		return *(*T)(unsafe.Add(p, off)), true
	}
}

// fastBinary compiles comparisons of text, whole numbers and booleans, and/or, and the difference
// of two times.
func (c *Compiler) fastBinary(n *ast.BinaryNode) any {
	l, r := c.fastCompile(n.Left), c.fastCompile(n.Right)
	if l == nil || r == nil {
		return nil
	}
	switch n.Operator {
	case "==", "!=":
		var eq fn[bool]
		switch l := l.(type) {
		case fn[string]:
			eq = equal(l, r)
		case fn[int]:
			eq = equal(l, r)
		case fn[bool]:
			eq = equal(l, r)
		}
		if eq == nil || n.Operator == "==" {
			return eq
		}
		return fn[bool](func(e *Evaluator) (bool, bool) {
			v, ok := eq(e)
			return !v, ok
		})
	case "&&", "and", "||", "or":
		a, ok1 := l.(fn[bool])
		b, ok2 := r.(fn[bool])
		if !ok1 || !ok2 {
			return nil
		}
		and := n.Operator == "&&" || n.Operator == "and"
		return fn[bool](func(e *Evaluator) (bool, bool) {
			v, ok := a(e)
			if !ok || v != and {
				return v, ok
			}
			return b(e)
		})
	case "-":
		a, ok1 := l.(fn[time.Time])
		b, ok2 := r.(fn[time.Time])
		if !ok1 || !ok2 || n.Type() != reflect.TypeFor[time.Duration]() {
			return nil
		}
		return fn[time.Duration](func(e *Evaluator) (time.Duration, bool) {
			x, ok := a(e)
			if !ok {
				return 0, false
			}
			y, ok := b(e)
			return x.Sub(y), ok
		})
	}
	return nil
}

// equal compares l with r when r is of l's type; nil otherwise.
func equal[T comparable](l fn[T], r any) fn[bool] {
	rt, ok := r.(fn[T])
	if !ok {
		return nil
	}
	return func(e *Evaluator) (bool, bool) {
		a, ok := l(e)
		if !ok {
			return false, false
		}
		b, ok := rt(e)
		return a == b, ok
	}
}

// fastCall compiles the calls of workday(t), day(t), to_unix(t) and seconds(d).
func (c *Compiler) fastCall(n *ast.CallNode) any {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || len(n.Arguments) != 1 {
		return nil
	}
	arg := c.fastCompile(n.Arguments[0])
	f := c.funcs
	switch id.Value {
	case "workday", "day", "to_unix":
		t, ok := arg.(fn[time.Time])
		if !ok {
			return nil
		}
		switch id.Value {
		case "workday":
			return fn[string](func(e *Evaluator) (string, bool) {
				v, ok := t(e)
				if !ok {
					return "", false
				}
				return e.workday(f, v), true
			})
		case "day":
			return fn[string](func(e *Evaluator) (string, bool) {
				v, ok := t(e)
				if !ok {
					return "", false
				}
				return v.In(f.Loc).Format(time.DateOnly), true
			})
		}
		return fn[int](func(e *Evaluator) (int, bool) {
			v, ok := t(e)
			return int(v.Unix()), ok
		})
	case "seconds":
		d, ok := arg.(fn[time.Duration])
		if !ok {
			return nil
		}
		return fn[int](func(e *Evaluator) (int, bool) {
			v, ok := d(e)
			return int(v / time.Second), ok
		})
	}
	return nil
}

// runFast evaluates p's closure, boxed; ok false when p has none or it did not apply.
func (e *Evaluator) runFast(p *Program) (any, bool) {
	switch f := p.fast.(type) {
	case fn[string]:
		return box(f(e))
	case fn[bool]:
		return box(f(e))
	case fn[int]:
		return box(f(e))
	case fn[int64]:
		return box(f(e))
	case fn[float64]:
		return box(f(e))
	case fn[time.Time]:
		return box(f(e))
	case fn[time.Duration]:
		return box(f(e))
	}
	return nil, false
}

func box[T any](v T, ok bool) (any, bool) {
	if !ok {
		return nil, false
	}
	return v, true
}

// storeFast writes p's value into the T at dst; ok false when p has no closure of type T or it
// did not apply.
func storeFast[T any](e *Evaluator, p *Program, dst unsafe.Pointer) bool {
	f, ok := p.fast.(fn[T])
	if !ok {
		return false
	}
	v, ok := f(e)
	if ok {
		*(*T)(dst) = v
	}
	return ok
}

// dayCache keeps the work days an evaluator's workday(t) gave lately, each with the times
// [from, to) that have it, sorted by time: records of a month in any order find their day among
// a few dozen spans with a binary search instead of computing it.
type dayCache struct {
	f     *Funcs
	spans []daySpan // sorted by from, disjoint, at most maxDaySpans
	last  int       // the span that served last
	// hits counts the times a span served since the cache last had to drop one; skip, the
	// misses still to pass without making a span (records spread over more days than the cache
	// holds would make a span per record, at twice workday's cost).
	hits, skip int
}

// daySpan is a work day and its times, in Unix nanoseconds.
type daySpan struct {
	from, to int64
	day      string
}

const (
	// maxDaySpans is how many work days the cache keeps.
	maxDaySpans = 64
	// missesSkipped is how many misses pass without a span after the cache dropped spans
	// without serving any.
	missesSkipped = 15
)

// find is the index of the span holding n, or where one would go and false.
func (c *dayCache) find(n int64) (int, bool) {
	if c.last < len(c.spans) {
		if s := &c.spans[c.last]; s.from <= n && n < s.to {
			return c.last, true
		}
	}
	lo, hi := 0, len(c.spans)
	for lo < hi {
		m := (lo + hi) / 2
		if c.spans[m].to <= n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(c.spans) && c.spans[lo].from <= n
}

// workday is workday(t, f.Boundary, f.Loc), from the cache when t is in one of its spans.
func (e *Evaluator) workday(f *Funcs, t time.Time) string {
	c := &e.day
	if c.f != f {
		*c = dayCache{f: f}
	}
	n, inRange := record.UnixNano(t)
	if !inRange || f.Boundary < 0 || f.Boundary > maxCachedBoundary {
		return workday(t, f.Boundary, f.Loc)
	}
	i, ok := c.find(n)
	if ok {
		c.hits++
		c.last = i
		return c.spans[i].day
	}
	if c.skip > 0 {
		c.skip--
		return workday(t, f.Boundary, f.Loc)
	}
	// The span of t's work day D runs from D's midnight plus the boundary to the next day's:
	// a time in it is on day D at or after the boundary, or on the next day before it (a
	// boundary shorter than any day, daylight saving included, cannot reach the day after).
	// That holds when both midnights are the first instants of their days; where the clocks
	// skip midnight (America/Santiago) there is no span to keep.
	lt := t.In(f.Loc)
	y, m, d := lt.Date()
	mid := time.Date(y, m, d, 0, 0, 0, 0, f.Loc)
	if lt.Sub(mid) < f.Boundary {
		mid = time.Date(y, m, d-1, 0, 0, 0, 0, f.Loc)
	}
	next := time.Date(mid.Year(), mid.Month(), mid.Day()+1, 0, 0, 0, 0, f.Loc)
	from, okFrom := record.UnixNano(mid.Add(f.Boundary))
	to, okTo := record.UnixNano(next.Add(f.Boundary))
	if !midnight(mid) || !midnight(next) || !okFrom || !okTo {
		return workday(t, f.Boundary, f.Loc)
	}
	y, m, d = mid.Date()
	sp := daySpan{from: from, to: to, day: formatDay(y, m, d)}
	if len(c.spans) == maxDaySpans {
		// Drop the span farther in time from t: the end of the cache away from it.
		if c.hits == 0 {
			c.skip = missesSkipped
		}
		c.hits = 0
		if i > len(c.spans)/2 {
			c.spans = slices.Delete(c.spans, 0, 1)
			i--
		} else {
			c.spans = c.spans[:len(c.spans)-1]
		}
	}
	c.spans = slices.Insert(c.spans, i, sp)
	c.last = i
	return sp.day
}

// midnight reports whether t is 00:00:00 on its clock.
func midnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// maxCachedBoundary is the longest day boundary whose work days the cache keeps: a day is at
// least 22 hours long even where the clocks change.
const maxCachedBoundary = 20 * time.Hour
