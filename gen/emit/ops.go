package emit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// opsFile renders ops_gen.go: for each operation, in spec order, everything about it: its
// descriptor, XxxParams, validate, params, decodeXxxParams, the methods and XxxAll.
func (g *gen) opsFile() *jen.File {
	f := g.newFile()
	for _, op := range g.api.Operations {
		g.opDesc(f, op)
		g.paramsType(f, op)
		g.validateFunc(f, op)
		g.encodeFunc(f, op)
		g.decodeParamsFunc(f, op)
		g.methods(f, op)
		if op.Paging != nil {
			g.allFunc(f, op)
		}
	}
	return f
}

// paramGoType renders: string, *bool, *Filter
func paramGoType(p *ir.Param) *jen.Statement {
	if p.Pointer {
		return jen.Op("*").Add(goType(p.Type))
	}
	return goType(p.Type)
}

// paramsType renders:
//
//	type RecordLogParams struct {
//		// 分页的第几页
//		Page int64
//	}
func (g *gen) paramsType(f *jen.File, op *ir.Operation) {
	f.Comment(op.Go + "Params are the parameters of " + op.Go + ". Required ones are always sent; an optional one is")
	f.Comment("sent only when it is not its zero value.")
	f.Type().Id(op.Go + "Params").StructFunc(func(s *jen.Group) {
		for _, p := range op.Params {
			doc := p.Doc
			if p.Required {
				doc = "Required. " + doc
			}
			if doc != "" {
				s.Comment(strings.TrimSpace(doc))
			}
			s.Id(p.Go).Add(paramGoType(p))
		}
	})
	f.Line()
}

// present is the condition under which an optional parameter is sent (nil: always).
//
// renders: p.Name != "", p.Active != nil, len(p.Users) > 0, !p.From.IsZero()
func present(p *ir.Param, v *jen.Statement) *jen.Statement {
	switch {
	case p.Pointer:
		return v.Clone().Op("!=").Nil()
	case p.Required:
		return nil
	}
	switch p.Type.Kind {
	case ir.KindList, ir.KindMap:
		return jen.Len(v.Clone()).Op(">").Lit(0)
	case ir.KindObject:
		return nil
	}
	return isZero(p.Type.Scalar.Zero, v, false)
}

// isZero renders the test that v is at the zero of a scalar (zero) or is not (!zero).
//
// renders: v == "", v != 0, len(v) > 0, v != nil, v.IsZero(), !v.IsZero()
func isZero(z ir.Zero, v *jen.Statement, zero bool) *jen.Statement {
	cmp, size := "!=", ">"
	if zero {
		cmp, size = "==", "=="
	}
	switch z {
	case ir.ZeroText:
		return v.Clone().Op(cmp).Lit("")
	case ir.ZeroNumber:
		return v.Clone().Op(cmp).Lit(0)
	case ir.ZeroLen:
		return jen.Len(v.Clone()).Op(size).Lit(0)
	case ir.ZeroNil:
		return v.Clone().Op(cmp).Nil()
	case ir.ZeroMethod:
		if zero {
			return v.Clone().Dot("IsZero").Call()
		}
		return jen.Op("!").Add(v.Clone()).Dot("IsZero").Call()
	}
	return nil
}

// missing is the condition under which a required parameter counts as not given (nil: never).
//
// renders: p.Name == "", len(p.Users) == 0, p.From.IsZero()
func missing(p *ir.Param, v *jen.Statement) *jen.Statement {
	switch p.Type.Kind {
	case ir.KindList, ir.KindMap:
		return jen.Len(v.Clone()).Op("==").Lit(0)
	case ir.KindObject:
		return nil
	}
	if !p.Type.Scalar.Missing {
		return nil
	}
	return isZero(p.Type.Scalar.Zero, v, true)
}

// validateFunc renders the parameter checks of op as data, in the order they are reported:
//
//	func (p *RecordLogParams) validate() error {
//		return check.First(opRecordLog.Op,
//			check.Int{Min: 1, HasMin: true}.Check("page", p.Page, p.Page != 0),
//			check.Span{Start: "start", End: "end", From: p.Start, To: p.End, Zone: zone, SameMonth: true}.Check(),
//		)
//	}
//
// An operation whose parameters have no rules gets no validate; it is sent with check.None.
func (g *gen) validateFunc(f *jen.File, op *ir.Operation) {
	rules := checkRules(op)
	if len(rules) == 0 {
		return
	}
	f.Comment("validate checks p before any request is sent.")
	f.Func().Params(jen.Id("p").Op("*").Id(op.Go + "Params")).Id("validate").Params().Error().Block(
		jen.Return(jen.Qual(checkPkg, "First").CallFunc(func(args *jen.Group) {
			args.Line().Id(opVar(op)).Dot("Op")
			for _, r := range rules {
				args.Line().Add(r)
			}
			args.Line()
		})),
	)
	f.Line()
}

// checkRules are the checks of op's parameters, in the order they are reported.
func checkRules(op *ir.Operation) []jen.Code {
	var rules []jen.Code
	for _, p := range op.Params {
		v := jen.Id("p").Dot(p.Go)
		if p.Required {
			if m := missing(p, v); m != nil {
				rules = append(rules, jen.Qual(checkPkg, "Required").Call(jen.Lit(p.Name), m))
			}
		}
		set := present(p, v)
		if set == nil {
			set = jen.True()
		}
		if p.Single || p.MaxLength > 0 || len(p.Enum) > 0 {
			var str []jen.Code
			if p.Single {
				str = append(str, field("Single", jen.True()))
			}
			if p.MaxLength > 0 {
				str = append(str, field("MaxLength", jen.Lit(p.MaxLength)))
			}
			if len(p.Enum) > 0 {
				str = append(str, field("Enum", strList(p.Enum)))
			}
			rules = append(rules, jen.Qual(checkPkg, "String").Values(str...).Dot("Check").Call(jen.Lit(p.Name), v.Clone(), set.Clone()))
		}
		if p.Min != nil || p.Max != nil {
			var bounds []jen.Code
			if p.Min != nil {
				bounds = append(bounds, field("Min", jen.Id(strconv.FormatInt(*p.Min, 10))), field("HasMin", jen.True()))
			}
			if p.Max != nil {
				bounds = append(bounds, field("Max", jen.Id(strconv.FormatInt(*p.Max, 10))), field("HasMax", jen.True()))
			}
			rules = append(rules, jen.Qual(checkPkg, "Int").Values(bounds...).Dot("Check").Call(jen.Lit(p.Name), v.Clone(), set.Clone()))
		}
		if p.Type.Kind == ir.KindEnum {
			var vals []string
			for _, e := range p.Type.Named.Enum {
				vals = append(vals, e.Value)
			}
			rules = append(rules, jen.Qual(checkPkg, "Enum").Call(jen.Lit(p.Name), v.Clone(), v.Clone().Dot("Valid").Call(),
				jen.Lit(strings.Join(vals, ", ")), set.Clone()))
		}
	}
	for _, k := range op.Checks {
		span := func(names []string, kind ...jen.Code) {
			a, z := op.Param(names[0]), op.Param(names[1])
			kv := []jen.Code{field("Start", jen.Lit(a.Name)), field("End", jen.Lit(z.Name)),
				field("From", jen.Id("p").Dot(a.Go)), field("To", jen.Id("p").Dot(z.Go)), field("Zone", jen.Id("zone"))}
			kv = append(kv, kind...)
			if k.Doc != "" {
				kv = append(kv, field("Note", jen.Lit(k.Doc)))
			}
			rules = append(rules, jen.Qual(checkPkg, "Span").Values(kv...).Dot("Check").Call())
		}
		if len(k.SameMonth) == 2 {
			span(k.SameMonth, field("SameMonth", jen.True()))
		}
		if len(k.Range) == 2 {
			kind := []jen.Code{field("Ordered", jen.True())}
			if k.MaxDays > 0 {
				kind = append(kind, field("MaxDays", jen.Lit(k.MaxDays)))
			}
			span(k.Range, kind...)
		}
		if len(k.OneOf) > 0 {
			args := []jen.Code{strList(k.OneOf), jen.Lit(k.Doc)}
			for _, n := range k.OneOf {
				p := op.Param(n)
				if c := present(p, jen.Id("p").Dot(p.Go)); c != nil {
					args = append(args, c)
				}
			}
			if len(args) > 2 {
				rules = append(rules, jen.Qual(checkPkg, "OneOf").Call(args...))
			}
		}
	}
	return rules
}

// encodeOne returns statements appending p's wire form to ps.
//
// renders: ps = append(ps, wire.Str("name", transport.Query, p.Name))
func (g *gen) encodeOne(op *ir.Operation, p *ir.Param) []jen.Code {
	v := jen.Id("p").Dot(p.Go)
	if p.Pointer && p.Type.Kind == ir.KindScalar {
		v = jen.Op("*").Add(v)
	}
	name, in := jen.Lit(p.Wire), location(p.In)
	add := func(c jen.Code) []jen.Code {
		return []jen.Code{jen.Id("ps").Op("=").Append(jen.Id("ps"), c)}
	}
	t := p.Type
	switch {
	case t.Kind == ir.KindEnum:
		return add(jen.Qual(wirePkg, t.Scalar.Encode).Call(name, in, qual(t.Scalar.Go).Call(v)))
	case t.Kind == ir.KindScalar && t.Scalar.Encode != "":
		args := []jen.Code{name, in, v}
		if t.Scalar.Layout {
			zone := jen.Id("zone")
			switch {
			case p.CallerZone:
				zone = jen.Id("caller")
			case g.api.SendOwnZone:
				zone = jen.Nil()
			}
			args = append(args, jen.Lit(p.Layout), zone)
		}
		return add(jen.Qual(wirePkg, t.Scalar.Encode).Call(args...))
	case t.Kind == ir.KindList && t.Elem.Kind == ir.KindScalar && t.Elem.Scalar.EncodeList != "":
		return add(jen.Qual(wirePkg, t.Elem.Scalar.EncodeList).Call(name, in, v).Op("..."))
	}
	x := jen.Id("x" + p.Go)
	return []jen.Code{
		jen.List(x, jen.Err()).Op(":=").Qual(wirePkg, "Value").Call(name, in, v),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.opName(op)+": %w"), jen.Err()))),
		jen.Id("ps").Op("=").Append(jen.Id("ps"), x.Clone()),
	}
}

// valueEncoded reports whether p goes on the wire as its JSON (wire.Value), which can fail (a
// NaN, a time outside years 0-9999); every other encoding cannot.
func valueEncoded(p *ir.Param) bool {
	t := p.Type
	switch {
	case t.Kind == ir.KindEnum,
		t.Kind == ir.KindScalar && t.Scalar.Encode != "",
		t.Kind == ir.KindList && t.Elem.Kind == ir.KindScalar && t.Elem.Scalar.EncodeList != "":
		return false
	}
	return true
}

// encodeFails reports whether op's parameters can fail to encode: params then returns an error.
func encodeFails(op *ir.Operation) bool { return slices.ContainsFunc(op.Params, valueEncoded) }

// encodeFunc renders p as wire parameters; required ones always, optional ones when given:
//
//	func (p *RecordLogParams) params() []transport.Param {
//		ps := make([]transport.Param, 0, 4)
//		ps = append(ps, wire.Int("page", transport.Query, p.Page))
//		if p.Useraccount != "" {
//			ps = append(ps, wire.Str("useraccount", transport.Query, p.Useraccount))
//		}
//		return ps
//	}
//
// An operation with a parameter sent as its JSON also returns an error ([]transport.Param,
// error). An operation with parameters sent in the caller's zone takes that zone:
// params(caller *time.Location), given by the encoder encodeArg renders.
func (g *gen) encodeFunc(f *jen.File, op *ir.Operation) {
	f.Comment("params returns p as wire parameters.")
	var args []jen.Code
	if op.CallerZoned() {
		args = append(args, jen.Id("caller").Op("*").Qual("time", "Location"))
	}
	fails := encodeFails(op)
	results := []jen.Code{jen.Index().Qual(transportPkg, "Param")}
	ret := func(ps jen.Code) jen.Code { return jen.Return(ps) }
	if fails {
		results = append(results, jen.Error())
		ret = func(ps jen.Code) jen.Code { return jen.Return(ps, jen.Nil()) }
	}
	f.Func().Params(jen.Id("p").Op("*").Id(op.Go + "Params")).Id("params").Params(args...).Params(results...).BlockFunc(func(b *jen.Group) {
		if len(op.Params) == 0 {
			b.Add(ret(jen.Nil()))
			return
		}
		b.Id("ps").Op(":=").Make(jen.Index().Qual(transportPkg, "Param"), jen.Lit(0), jen.Lit(len(op.Params)))
		for _, p := range op.Params {
			stmts := g.encodeOne(op, p)
			if c := present(p, jen.Id("p").Dot(p.Go)); c != nil {
				b.If(c).Block(stmts...)
			} else {
				for _, st := range stmts {
					b.Add(st)
				}
			}
		}
		b.Add(ret(jen.Id("ps")))
	})
	f.Line()
}

// decodeParamsFunc renders the reading of loosely typed parameters:
//
//	func decodeRecordLogParams(m map[string]any) (RecordLogParams, error) {
//		var p RecordLogParams
//		for _, k := range slices.Sorted(maps.Keys(m)) {
//			v := m[k]
//			var err error
//			switch k {
//			case "page":
//				p.Page, err = convert.Int(v)
//			default:
//				return p, check.Unknown(opRecordLog.Op, k, "page")
//			}
//			if err != nil {
//				return p, check.Bad(opRecordLog.Op, k, err)
//			}
//		}
//		return p, nil
//	}
func (g *gen) decodeParamsFunc(f *jen.File, op *ir.Operation) {
	var names []string
	for _, p := range op.Params {
		names = append(names, p.Name)
	}
	f.Comment("decode" + op.Go + "Params converts loosely typed values (YAML, JSON, expressions) into " + op.Go + "Params.")
	f.Func().Id("decode"+op.Go+"Params").Params(jen.Id("m").Map(jen.String()).Any()).Params(jen.Id(op.Go+"Params"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Var().Id("p").Id(op.Go + "Params")
		if len(op.Params) == 0 {
			b.For(jen.Id("k").Op(":=").Range().Id("m")).Block(jen.Return(jen.Id("p"), jen.Qual(checkPkg, "Unknown").Call(jen.Id(opVar(op)).Dot("Op"), jen.Id("k"), jen.Lit(""))))
			b.Return(jen.Id("p"), jen.Nil())
			return
		}
		b.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(jen.Id("m")))).BlockFunc(func(lb *jen.Group) {
			lb.Id("v").Op(":=").Id("m").Index(jen.Id("k"))
			lb.Var().Err().Error()
			lb.Switch(jen.Id("k")).BlockFunc(func(sw *jen.Group) {
				for _, p := range op.Params {
					sw.Case(jen.Lit(p.Name)).Block(decodeOne(p)...)
				}
				sw.Default().Block(jen.Return(jen.Id("p"), jen.Qual(checkPkg, "Unknown").Call(jen.Id(opVar(op)).Dot("Op"), jen.Id("k"), jen.Lit(strings.Join(names, ", ")))))
			})
			lb.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("p"), jen.Qual(checkPkg, "Bad").Call(jen.Id(opVar(op)).Dot("Op"), jen.Id("k"), jen.Err())))
		})
		b.Return(jen.Id("p"), jen.Nil())
	})
	f.Line()
}

// decodeOne returns statements reading the loose value v into p's field.
//
// renders: p.Name, err = convert.String(v)
func decodeOne(p *ir.Param) []jen.Code {
	dst := jen.Id("p").Dot(p.Go)
	t := p.Type
	// read renders convert.F(v) or convert.F(v, zone).
	read := func(s *ir.Scalar) *jen.Statement {
		args := []jen.Code{jen.Id("v")}
		if s.DecodeZone {
			args = append(args, jen.Id("zone"))
		}
		return jen.Qual(convertPkg, s.Decode).Call(args...)
	}
	switch {
	case t.Kind == ir.KindEnum:
		return []jen.Code{
			jen.Var().Id("x").Add(qual(t.Scalar.Go)),
			jen.List(jen.Id("x"), jen.Err()).Op("=").Add(read(t.Scalar)),
			dst.Clone().Op("=").Id(t.Named.Name).Call(jen.Id("x")),
		}
	case t.Kind == ir.KindScalar && t.Scalar.Decode != "" && p.Pointer:
		return []jen.Code{
			jen.Var().Id("x").Add(qual(t.Scalar.Go)),
			jen.List(jen.Id("x"), jen.Err()).Op("=").Add(read(t.Scalar)),
			dst.Clone().Op("=").Op("&").Id("x"),
		}
	case t.Kind == ir.KindScalar && t.Scalar.Decode != "":
		return []jen.Code{jen.List(dst.Clone(), jen.Err()).Op("=").Add(read(t.Scalar))}
	case t.Kind == ir.KindList && t.Elem.Kind == ir.KindScalar && t.Elem.Scalar.EncodeList != "" && !t.Elem.Scalar.DecodeZone:
		return []jen.Code{jen.List(dst.Clone(), jen.Err()).Op("=").Qual(convertPkg, "List").Call(jen.Id("v"), jen.Qual(convertPkg, t.Elem.Scalar.Decode))}
	}
	return []jen.Code{jen.Err().Op("=").Qual(convertPkg, "JSON").Call(jen.Id("v"), jen.Op("&").Add(dst))}
}

// resultGo is the Go type a method returns, and whether it is a pointer to a named object.
//
// renders: *Page, []Department, int64
func resultGo(op *ir.Operation) (*jen.Statement, bool) {
	if op.Result.Kind == ir.KindObject {
		return jen.Op("*").Id(op.Result.Named.Name), true
	}
	return goType(op.Result), false
}

// methods renders the operation's method and its unexported twin, which also returns the
// answer's Meta (headers, request id) for the iterators:
//
//	func (c *Client) getDepartment(ctx context.Context, p GetDepartmentParams) ([]Department, transport.Meta, error) {
//		w, m, err := transport.Call[wire.List[Department]](ctx, c.t, opGetDepartment.Op, check.None, p.params)
//		return []Department(w), m, err
//	}
//
//	func (c *Client) GetDepartment(ctx context.Context, p GetDepartmentParams) ([]Department, error) {
//		r, _, err := c.getDepartment(ctx, p)
//		return r, err
//	}
func (g *gen) methods(f *jen.File, op *ir.Operation) {
	pt := op.Go + "Params"
	internal := ir.LowerFirst(op.Go)
	ctx := jen.Id("ctx").Qual("context", "Context")
	meta := jen.Qual(transportPkg, "Meta")
	// call renders transport.Call[W](ctx, c.t, opX.Op, p.validate, p.params).
	validate := jen.Id("p").Dot("validate")
	if len(checkRules(op)) == 0 {
		validate = jen.Qual(checkPkg, "None")
	}
	call := func(w jen.Code) *jen.Statement {
		return jen.Qual(transportPkg, "Call").Types(w).Call(jen.Id("ctx"), jen.Id("c").Dot("t"), jen.Id(opVar(op)).Dot("Op"),
			validate, g.encodeArg(op))
	}
	if op.File {
		// The answer is a file: transport.Call reads it whole, with its name and type.
		file := jen.Qual(transportPkg, "File")
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(internal).Params(ctx, jen.Id("p").Id(pt)).Params(file.Clone(), meta, jen.Error()).Block(
			jen.Return(call(file.Clone())),
		)
		f.Line()
		g.exportedMethod(f, op, file)
		return
	}
	if op.Result == nil {
		// Data is read into a json.RawMessage: an operation without a result accepts any answer.
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(internal).Params(ctx, jen.Id("p").Id(pt)).Params(meta, jen.Error()).Block(
			jen.List(jen.Id("_"), jen.Id("m"), jen.Err()).Op(":=").Add(call(jen.Qual("encoding/json", "RawMessage"))),
			jen.Return(jen.Id("m"), jen.Err()),
		)
		f.Line()
		g.methodDoc(f, op)
		f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Go).Params(ctx, jen.Id("p").Id(pt)).Error().Block(
			jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("p")),
			jen.Return(jen.Err()),
		)
		f.Line()
		return
	}
	rt, ptr := resultGo(op)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(internal).Params(ctx, jen.Id("p").Id(pt)).Params(rt.Clone(), meta, jen.Error()).BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("w"), jen.Id("m"), jen.Err()).Op(":=").Add(call(wireType(op.Result)))
		if ptr {
			b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("m"), jen.Err()))
			b.Return(jen.Op("&").Id("w"), jen.Id("m"), jen.Nil())
			return
		}
		c, withErr := conv(op.Result, jen.Id("w"))
		if !withErr {
			b.Return(c, jen.Id("m"), jen.Err())
			return
		}
		b.Var().Id("zero").Add(rt.Clone())
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("zero"), jen.Id("m"), jen.Err()))
		b.List(jen.Id("out"), jen.Err()).Op(":=").Add(c)
		b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("zero"), jen.Id("m"),
			jen.Qual("fmt", "Errorf").Call(jen.Lit(g.opName(op)+": decode data: %w"), jen.Err())))
		b.Return(jen.Id("out"), jen.Id("m"), jen.Nil())
	})
	f.Line()
	g.exportedMethod(f, op, rt)
}

// exportedMethod renders the documented method that calls the unexported twin and drops its
// Meta:
//
//	func (c *Client) GetDepartment(ctx context.Context, p GetDepartmentParams) ([]Department, error) {
//		r, _, err := c.getDepartment(ctx, p)
//		return r, err
//	}
func (g *gen) exportedMethod(f *jen.File, op *ir.Operation, rt *jen.Statement) {
	g.methodDoc(f, op)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Go).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("p").Id(op.Go+"Params")).Params(rt.Clone(), jen.Error()).Block(
		jen.List(jen.Id("r"), jen.Id("_"), jen.Err()).Op(":=").Id("c").Dot(ir.LowerFirst(op.Go)).Call(jen.Id("ctx"), jen.Id("p")),
		jen.Return(jen.Id("r"), jen.Err()),
	)
	f.Line()
}

// methodDoc renders: // RecordLog calls GET /Api/Api/recordlog. followed by the summary and doc.
func (g *gen) methodDoc(f *jen.File, op *ir.Operation) {
	f.Comment(fmt.Sprintf("%s calls %s %s.", op.Go, op.Method, op.Path))
	if sum := summary(op); sum != "" {
		f.Comment("")
		f.Comment(sum)
	}
	if op.Doc != "" {
		f.Comment("")
		fileComment(f, op.Doc)
	}
}

// itemsExpr is the expression of the items of a page result r.
//
// renders: r.Records, r
func itemsExpr(op *ir.Operation) *jen.Statement {
	if op.Paging.Items == nil {
		return jen.Id("r")
	}
	return jen.Id("r").Dot(op.Paging.Items.Go)
}

// allFunc renders the iterator over every page of a paged operation:
//
//	func (c *Client) ListAll(ctx context.Context, p ListParams) iter.Seq2[Item, error] {
//		length := p.Length
//		if length <= 0 {
//			length = 100
//		}
//		return transport.Offsets(ctx, p.Offset, length, func(ctx context.Context, offset, n int64) ([]Item, int64, error) { ... })
//	}
func (g *gen) allFunc(f *jen.File, op *ir.Operation) {
	pg := op.Paging
	it := goType(pg.Item)
	pt := op.Go + "Params"
	internal := ir.LowerFirst(op.Go)
	seq := jen.Qual("iter", "Seq2").Types(it.Clone(), jen.Error())
	f.Comment(fmt.Sprintf("%sAll calls %s for every page and yields each item. Iteration stops at the first", op.Go, op.Go))
	f.Comment("error, which is yielded once.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Go+"All").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("p").Id(pt)).Add(seq).BlockFunc(func(b *jen.Group) {
		switch pg.Kind {
		case ir.PageNumbers, ir.PageHeader:
			pp := pg.Page
			b.Id("start").Op(":=").Id("p").Dot(pp.Go)
			b.If(jen.Id("start").Op("<").Lit(int(pg.First))).Block(jen.Id("start").Op("=").Lit(int(max(pg.First, 1))))
			if pg.Kind == ir.PageHeader && pg.Size != nil && pg.PageSize > 0 {
				b.If(jen.Id("p").Dot(pg.Size.Go).Op("==").Lit(0)).Block(jen.Id("p").Dot(pg.Size.Go).Op("=").Lit(pg.PageSize))
			}
			var last *jen.Statement
			if pg.Kind == ir.PageNumbers {
				last = jen.Id("r").Dot(pg.Pages.Go)
				if pg.First != 1 {
					last = last.Op("+").Lit(int(pg.First - 1))
				}
			} else {
				last = jen.Qual(wirePkg, "HeaderInt").Call(jen.Id("m").Dot("Header"), jen.Lit(pg.Header), jen.Id("page"))
			}
			mvar := jen.Id("_")
			if pg.Kind == ir.PageHeader {
				mvar = jen.Id("m")
			}
			b.Return(jen.Qual(transportPkg, "Pages").Call(jen.Id("ctx"), jen.Id("start"),
				jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("page").Int64()).Params(jen.Index().Add(it.Clone()), jen.Int64(), jen.Error()).Block(
					jen.Id("q").Op(":=").Id("p"),
					jen.Id("q").Dot(pp.Go).Op("=").Id("page"),
					jen.List(jen.Id("r"), mvar, jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("q")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
					jen.Return(itemsExpr(op), last, jen.Nil()),
				)))
		case ir.Offsets:
			off, lp := pg.Offset, pg.Length
			total := jen.Id("r").Dot(pg.Total.Go)
			if t := pg.Total.Type; t.Kind != ir.KindScalar || t.Scalar.Go != (ir.GoType{Name: "int64"}) {
				total = jen.Qual(wirePkg, "ParseInt").Call(total)
			}
			b.Id("length").Op(":=").Id("p").Dot(lp.Go)
			b.If(jen.Id("length").Op("<=").Lit(0)).Block(jen.Id("length").Op("=").Lit(pg.PageSize))
			b.Return(jen.Qual(transportPkg, "Offsets").Call(jen.Id("ctx"), jen.Id("p").Dot(off.Go), jen.Id("length"),
				jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.List(jen.Id("offset"), jen.Id("n")).Int64()).Params(jen.Index().Add(it.Clone()), jen.Int64(), jen.Error()).Block(
					jen.Id("q").Op(":=").Id("p"),
					jen.List(jen.Id("q").Dot(off.Go), jen.Id("q").Dot(lp.Go)).Op("=").List(jen.Id("offset"), jen.Id("n")),
					jen.List(jen.Id("r"), jen.Id("_"), jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("q")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
					jen.Return(itemsExpr(op), total, jen.Nil()),
				)))
		}
	})
	f.Line()
}
