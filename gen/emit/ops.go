package emit

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/spec"
)

func (g *gen) opsFile() *jen.File {
	f := g.newFile()
	for _, op := range g.api.Operations {
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

// optionalPtr reports whether an optional parameter of this type is a pointer (so false and 0 can be sent).
func optionalPtr(p *spec.Param) bool { return !p.Required && p.Type == "bool" }

func (g *gen) paramGoType(p *spec.Param) *jen.Statement {
	if optionalPtr(p) {
		return jen.Op("*").Bool()
	}
	if _, obj := g.object(p.Type); obj && !p.Required {
		return jen.Op("*").Id(p.Type)
	}
	return g.goType(p.Type)
}

func (g *gen) paramsType(f *jen.File, op *spec.Operation) {
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
			s.Id(p.Go).Add(g.paramGoType(p))
		}
	})
	f.Line()
}

// present is the condition under which an optional parameter is sent (nil: always).
func (g *gen) present(p *spec.Param, v *jen.Statement) *jen.Statement {
	if p.Required && !optionalPtr(p) {
		if _, obj := g.object(p.Type); !obj {
			return nil
		}
	}
	switch {
	case optionalPtr(p):
		return v.Clone().Op("!=").Nil()
	case strings.HasPrefix(p.Type, "[]"), strings.HasPrefix(p.Type, "map["), p.Type == "any":
		return jen.Len(v.Clone()).Op(">").Lit(0)
	}
	if _, obj := g.object(p.Type); obj {
		if p.Required {
			return nil
		}
		return v.Clone().Op("!=").Nil()
	}
	if t, ok := g.enum(p.Type); ok {
		if t.Base == "int" {
			return v.Clone().Op("!=").Lit(0)
		}
		return v.Clone().Op("!=").Lit("")
	}
	switch p.Type {
	case "string", "time":
		return v.Clone().Op("!=").Lit("")
	case "int", "float":
		return v.Clone().Op("!=").Lit(0)
	case "bool":
		return v.Clone()
	case "decimal", "date", "datetime", "unixtime":
		return jen.Op("!").Add(v.Clone()).Dot("IsZero").Call()
	}
	return nil
}

// missing is the condition under which a required parameter counts as not given (nil: never).
func (g *gen) missing(p *spec.Param, v *jen.Statement) *jen.Statement {
	switch {
	case strings.HasPrefix(p.Type, "[]"), strings.HasPrefix(p.Type, "map["):
		return jen.Len(v.Clone()).Op("==").Lit(0)
	}
	if t, ok := g.enum(p.Type); ok && t.Base == "string" {
		return v.Clone().Op("==").Lit("")
	}
	switch p.Type {
	case "string", "time":
		return v.Clone().Op("==").Lit("")
	case "date", "datetime", "unixtime":
		return v.Clone().Dot("IsZero").Call()
	}
	return nil
}

func (g *gen) paramErr(op *spec.Operation, param string, msg jen.Code) *jen.Statement {
	return jen.Op("&").Qual(transportPkg, "ParamError").Values(jen.Dict{
		jen.Id("Op"): jen.Lit(g.opName(op)), jen.Id("Param"): jen.Lit(param), jen.Id("Msg"): msg,
	})
}

func (g *gen) paramByName(op *spec.Operation, name string) *spec.Param {
	for _, p := range op.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (g *gen) validateFunc(f *jen.File, op *spec.Operation) {
	f.Comment("validate checks p before any request is sent.")
	f.Func().Params(jen.Id("p").Op("*").Id(op.Go + "Params")).Id("validate").Params().Error().BlockFunc(func(b *jen.Group) {
		for _, p := range op.Params {
			v := jen.Id("p").Dot(p.Go)
			if p.Required {
				if m := g.missing(p, v); m != nil {
					b.If(m).Block(jen.Return(g.paramErr(op, p.Name, jen.Lit("is required"))))
				}
			}
			cond := g.present(p, v)
			guard := func(c *jen.Statement) *jen.Statement {
				if cond == nil {
					return c
				}
				return cond.Clone().Op("&&").Add(c)
			}
			if p.Single {
				b.If(guard(jen.Qual("strings", "Contains").Call(v.Clone(), jen.Lit(",")))).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Lit("takes one value only, not a comma-separated list"))))
			}
			if p.MaxLength > 0 {
				b.If(guard(jen.Qual("unicode/utf8", "RuneCountInString").Call(v.Clone()).Op(">").Lit(p.MaxLength))).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Lit(fmt.Sprintf("is longer than %d characters", p.MaxLength)))))
			}
			if p.Min != nil {
				b.If(guard(v.Clone().Op("<").Lit(*p.Min))).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Qual("fmt", "Sprintf").Call(jen.Lit(fmt.Sprintf("is %%d; the smallest allowed is %d", *p.Min)), v.Clone()))))
			}
			if p.Max != nil {
				b.If(guard(v.Clone().Op(">").Lit(*p.Max))).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Qual("fmt", "Sprintf").Call(jen.Lit(fmt.Sprintf("is %%d; the largest allowed is %d", *p.Max)), v.Clone()))))
			}
			if len(p.Enum) > 0 {
				b.If(guard(jen.Op("!").Qual("slices", "Contains").Call(strList(p.Enum), v.Clone()))).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Qual("fmt", "Sprintf").Call(jen.Lit("is %q; want one of "+strings.Join(p.Enum, ", ")), v.Clone()))))
			}
			if t, ok := g.enum(p.Type); ok {
				var vals []string
				for _, e := range t.Enum {
					vals = append(vals, e.Value)
				}
				b.If(guard(jen.Op("!").Add(v.Clone()).Dot("Valid").Call())).Block(
					jen.Return(g.paramErr(op, p.Name, jen.Qual("fmt", "Sprintf").Call(jen.Lit("is %v; want one of "+strings.Join(vals, ", ")), v.Clone()))))
			}
		}
		for _, k := range op.Constraints {
			note := ""
			if k.Doc != "" {
				note = " (" + k.Doc + ")"
			}
			if len(k.SameMonth) == 2 {
				a, z := g.paramByName(op, k.SameMonth[0]), g.paramByName(op, k.SameMonth[1])
				va, vz := jen.Id("p").Dot(a.Go), jen.Id("p").Dot(z.Go)
				b.If(jen.Op("!").Add(va.Clone()).Dot("IsZero").Call().Op("&&").Op("!").Add(vz.Clone()).Dot("IsZero").Call()).Block(
					jen.List(jen.Id("ya"), jen.Id("ma"), jen.Id("_")).Op(":=").Add(va.Clone()).Dot("In").Call(jen.Id("zone")).Dot("Date").Call(),
					jen.List(jen.Id("yz"), jen.Id("mz"), jen.Id("_")).Op(":=").Add(vz.Clone()).Dot("In").Call(jen.Id("zone")).Dot("Date").Call(),
					jen.If(jen.Id("ya").Op("!=").Id("yz").Op("||").Id("ma").Op("!=").Id("mz")).Block(
						jen.Return(g.paramErr(op, z.Name, jen.Lit("must be in the same month as "+a.Name+note+"; split the range at month boundaries")))),
				)
			}
			if len(k.Range) == 2 {
				a, z := g.paramByName(op, k.Range[0]), g.paramByName(op, k.Range[1])
				va, vz := jen.Id("p").Dot(a.Go), jen.Id("p").Dot(z.Go)
				inner := []jen.Code{
					jen.If(vz.Clone().Dot("Before").Call(va.Clone())).Block(
						jen.Return(g.paramErr(op, z.Name, jen.Lit("must not be before "+a.Name)))),
				}
				if k.MaxDays > 0 {
					inner = append(inner,
						jen.If(jen.Id("days").Op(":=").Qual(wirePkg, "Days").Call(va.Clone(), vz.Clone(), jen.Id("zone")), jen.Id("days").Op(">").Lit(k.MaxDays)).Block(
							jen.Return(g.paramErr(op, z.Name, jen.Qual("fmt", "Sprintf").Call(
								jen.Lit(fmt.Sprintf("the range %s..%s spans %%d days; at most %d are allowed%s", a.Name, z.Name, k.MaxDays, note)), jen.Id("days"))))))
				}
				b.If(jen.Op("!").Add(va.Clone()).Dot("IsZero").Call().Op("&&").Op("!").Add(vz.Clone()).Dot("IsZero").Call()).Block(inner...)
			}
			if len(k.OneOf) > 0 {
				var conds []*jen.Statement
				for _, n := range k.OneOf {
					p := g.paramByName(op, n)
					if c := g.present(p, jen.Id("p").Dot(p.Go)); c != nil {
						conds = append(conds, c)
					}
				}
				if len(conds) > 0 {
					all := jen.Op("!").Parens(conds[0])
					for _, c := range conds[1:] {
						all = all.Op("&&").Op("!").Parens(c)
					}
					b.If(all).Block(jen.Return(g.paramErr(op, "", jen.Lit("give at least one of "+strings.Join(k.OneOf, ", ")+note))))
				}
			}
		}
		b.Return(jen.Nil())
	})
	f.Line()
}

// encodeOne returns statements appending p's wire form to ps.
func (g *gen) encodeOne(op *spec.Operation, p *spec.Param) []jen.Code {
	v := jen.Id("p").Dot(p.Go)
	if optionalPtr(p) {
		v = jen.Op("*").Add(v)
	}
	name, in := jen.Lit(p.Wire), location(p.In)
	add := func(c jen.Code) []jen.Code {
		return []jen.Code{jen.Id("ps").Op("=").Append(jen.Id("ps"), c)}
	}
	timeLoc := jen.Id("zone")
	if g.api.SendZone == "own" {
		timeLoc = jen.Nil()
	}
	if t, ok := g.enum(p.Type); ok {
		if t.Base == "int" {
			return add(jen.Qual(wirePkg, "Int").Call(name, in, jen.Int64().Call(v)))
		}
		return add(jen.Qual(wirePkg, "Str").Call(name, in, jen.String().Call(v)))
	}
	switch p.Type {
	case "string", "time":
		return add(jen.Qual(wirePkg, "Str").Call(name, in, v))
	case "int":
		return add(jen.Qual(wirePkg, "Int").Call(name, in, v))
	case "float":
		return add(jen.Qual(wirePkg, "Float").Call(name, in, v))
	case "bool":
		return add(jen.Qual(wirePkg, "Bool").Call(name, in, v))
	case "decimal":
		return add(jen.Qual(wirePkg, "Decimal").Call(name, in, v))
	case "date":
		layout := p.Format
		if layout == "" {
			layout = "2006-01-02"
		}
		return add(jen.Qual(wirePkg, "Time").Call(name, in, v, jen.Lit(layout), timeLoc))
	case "datetime":
		layout := p.Format
		if layout == "" {
			layout = g.api.DateTime
		}
		return add(jen.Qual(wirePkg, "Time").Call(name, in, v, jen.Lit(layout), timeLoc))
	case "unixtime":
		return add(jen.Qual(wirePkg, "Unix").Call(name, in, v))
	case "[]int":
		return []jen.Code{jen.Id("ps").Op("=").Append(jen.Id("ps"), jen.Qual(wirePkg, "Ints").Call(name, in, v).Op("..."))}
	case "[]string":
		return []jen.Code{jen.Id("ps").Op("=").Append(jen.Id("ps"), jen.Qual(wirePkg, "Strs").Call(name, in, v).Op("..."))}
	}
	return []jen.Code{
		jen.List(jen.Id("x"), jen.Err()).Op(":=").Qual(wirePkg, "Value").Call(name, in, v),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.opName(op)+": %w"), jen.Err()))),
		jen.Id("ps").Op("=").Append(jen.Id("ps"), jen.Id("x")),
	}
}

func (g *gen) encodeFunc(f *jen.File, op *spec.Operation) {
	f.Comment("params returns p as wire parameters.")
	f.Func().Params(jen.Id("p").Op("*").Id(op.Go+"Params")).Id("params").Params().Params(
		jen.Index().Qual(transportPkg, "Param"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Id("ps").Op(":=").Make(jen.Index().Qual(transportPkg, "Param"), jen.Lit(0), jen.Lit(len(op.Params)))
		for _, p := range op.Params {
			stmts := g.encodeOne(op, p)
			if c := g.present(p, jen.Id("p").Dot(p.Go)); c != nil {
				b.If(c).Block(stmts...)
			} else {
				b.Block(stmts...)
			}
		}
		b.Return(jen.Id("ps"), jen.Nil())
	})
	f.Line()
}

func (g *gen) decodeParamsFunc(f *jen.File, op *spec.Operation) {
	var names []string
	for _, p := range op.Params {
		names = append(names, p.Name)
	}
	f.Comment("decode" + op.Go + "Params converts loosely typed values (YAML, JSON, expressions) into " + op.Go + "Params.")
	f.Func().Id("decode"+op.Go+"Params").Params(jen.Id("m").Map(jen.String()).Any()).Params(jen.Id(op.Go+"Params"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Var().Id("p").Id(op.Go + "Params")
		if len(op.Params) == 0 {
			b.For(jen.Id("k").Op(":=").Range().Id("m")).Block(jen.Return(jen.Id("p"), g.paramErr(op, "", jen.Qual("fmt", "Sprintf").Call(
				jen.Lit("unknown parameter %q (the operation takes none)"), jen.Id("k")))))
			b.Return(jen.Id("p"), jen.Nil())
			return
		}
		b.For(jen.List(jen.Id("_"), jen.Id("k")).Op(":=").Range().Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(jen.Id("m")))).BlockFunc(func(lb *jen.Group) {
			if len(op.Params) > 0 {
				lb.Id("v").Op(":=").Id("m").Index(jen.Id("k"))
			}
			lb.Var().Err().Error()
			lb.Switch(jen.Id("k")).BlockFunc(func(sw *jen.Group) {
				for _, p := range op.Params {
					sw.Case(jen.Lit(p.Name)).Block(g.decodeOne(p)...)
				}
				sw.Default().Block(jen.Return(jen.Id("p"), g.paramErr(op, "", jen.Qual("fmt", "Sprintf").Call(
					jen.Lit("unknown parameter %q (parameters: "+strings.Join(names, ", ")+")"), jen.Id("k")))))
			})
			lb.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("p"), jen.Op("&").Qual(transportPkg, "ParamError").Values(jen.Dict{
				jen.Id("Op"): jen.Lit(g.opName(op)), jen.Id("Param"): jen.Id("k"), jen.Id("Msg"): jen.Err().Dot("Error").Call(),
			})))
		})
		b.Return(jen.Id("p"), jen.Nil())
	})
	f.Line()
}

func (g *gen) decodeOne(p *spec.Param) []jen.Code {
	dst := jen.Id("p").Dot(p.Go)
	if t, ok := g.enum(p.Type); ok {
		fn, tmp := "Int", jen.Int64()
		if t.Base == "string" {
			fn, tmp = "String", jen.String()
		}
		return []jen.Code{
			jen.Var().Id("x").Add(tmp),
			jen.List(jen.Id("x"), jen.Err()).Op("=").Qual(convertPkg, fn).Call(jen.Id("v")),
			dst.Clone().Op("=").Id(p.Type).Call(jen.Id("x")),
		}
	}
	simple := func(call jen.Code) []jen.Code {
		return []jen.Code{jen.List(dst.Clone(), jen.Err()).Op("=").Add(call)}
	}
	switch p.Type {
	case "string", "time":
		return simple(jen.Qual(convertPkg, "String").Call(jen.Id("v")))
	case "int":
		return simple(jen.Qual(convertPkg, "Int").Call(jen.Id("v")))
	case "float":
		return simple(jen.Qual(convertPkg, "Float").Call(jen.Id("v")))
	case "bool":
		if optionalPtr(p) {
			return []jen.Code{
				jen.Var().Id("x").Bool(),
				jen.List(jen.Id("x"), jen.Err()).Op("=").Qual(convertPkg, "Bool").Call(jen.Id("v")),
				dst.Clone().Op("=").Op("&").Id("x"),
			}
		}
		return simple(jen.Qual(convertPkg, "Bool").Call(jen.Id("v")))
	case "decimal":
		return simple(jen.Qual(convertPkg, "Decimal").Call(jen.Id("v")))
	case "date":
		return simple(jen.Qual(convertPkg, "Date").Call(jen.Id("v"), jen.Id("zone")))
	case "datetime":
		return simple(jen.Qual(convertPkg, "DateTime").Call(jen.Id("v"), jen.Id("zone")))
	case "unixtime":
		return simple(jen.Qual(convertPkg, "Unix").Call(jen.Id("v"), jen.Id("zone")))
	case "[]int":
		return simple(jen.Qual(convertPkg, "List").Call(jen.Id("v"), jen.Qual(convertPkg, "Int")))
	case "[]string":
		return simple(jen.Qual(convertPkg, "List").Call(jen.Id("v"), jen.Qual(convertPkg, "String")))
	}
	return []jen.Code{jen.Err().Op("=").Qual(convertPkg, "JSON").Call(jen.Id("v"), jen.Op("&").Add(dst))}
}

// resultGo is the Go type a method returns, and whether it is a pointer to a named object.
func (g *gen) resultGo(op *spec.Operation) (*jen.Statement, bool) {
	if _, obj := g.object(op.Result); obj {
		return jen.Op("*").Id(op.Result), true
	}
	return g.goType(op.Result), false
}

func (g *gen) methods(f *jen.File, op *spec.Operation) {
	pt := op.Go + "Params"
	internal := spec.LowerFirst(op.Go)
	ctx := jen.Id("ctx").Qual("context", "Context")
	meta := jen.Qual(transportPkg, "Meta")
	// call renders transport.Call[W](ctx, c.t, opX, p.validate, p.params).
	call := func(w jen.Code) *jen.Statement {
		return jen.Qual(transportPkg, "Call").Types(w).Call(jen.Id("ctx"), jen.Id("c").Dot("t"), jen.Id(opVar(op)),
			jen.Id("p").Dot("validate"), jen.Id("p").Dot("params"))
	}
	if op.Result == "" {
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
	rt, ptr := g.resultGo(op)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(internal).Params(ctx, jen.Id("p").Id(pt)).Params(rt.Clone(), meta, jen.Error()).BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("w"), jen.Id("m"), jen.Err()).Op(":=").Add(call(g.wireType(op.Result)))
		if ptr {
			b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("m"), jen.Err()))
			b.Return(jen.Op("&").Id("w"), jen.Id("m"), jen.Nil())
			return
		}
		c, withErr := g.conv(op.Result, jen.Id("w"))
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
	g.methodDoc(f, op)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Go).Params(ctx, jen.Id("p").Id(pt)).Params(rt.Clone(), jen.Error()).Block(
		jen.List(jen.Id("r"), jen.Id("_"), jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("p")),
		jen.Return(jen.Id("r"), jen.Err()),
	)
	f.Line()
}

func (g *gen) methodDoc(f *jen.File, op *spec.Operation) {
	f.Comment(fmt.Sprintf("%s calls %s %s.", op.Go, op.Method, op.Path))
	if op.Summary != "" {
		f.Comment("")
		f.Comment(op.Summary)
	}
	if op.Doc != "" {
		f.Comment("")
		fileComment(f, op.Doc)
	}
}

// itemsExpr is the expression of the items of a page result r.
func (g *gen) itemsExpr(op *spec.Operation) *jen.Statement {
	if op.Paging.Items == "" {
		return jen.Id("r")
	}
	t := g.types[op.Result]
	return jen.Id("r").Dot(t.Field(op.Paging.Items).Go)
}

func (g *gen) pagingStyle(op *spec.Operation) *spec.PagingStyle {
	for i := range g.api.Paging {
		if g.api.Paging[i].Name == op.Paging.Style {
			return &g.api.Paging[i]
		}
	}
	return nil
}

func (g *gen) allFunc(f *jen.File, op *spec.Operation) {
	ps := g.pagingStyle(op)
	item, _ := spec.ItemType(op, g.types)
	it := g.goType(item)
	pt := op.Go + "Params"
	internal := spec.LowerFirst(op.Go)
	seq := jen.Qual("iter", "Seq2").Types(it.Clone(), jen.Error())
	f.Comment(fmt.Sprintf("%sAll calls %s for every page and yields each item. Iteration stops at the first", op.Go, op.Go))
	f.Comment("error, which is yielded once.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(op.Go+"All").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("p").Id(pt)).Add(seq).BlockFunc(func(b *jen.Group) {
		switch ps.Style {
		case "page", "header":
			pp := g.paramByName(op, ps.PageParam)
			b.Id("start").Op(":=").Id("p").Dot(pp.Go)
			b.If(jen.Id("start").Op("<").Lit(int64(ps.First))).Block(jen.Id("start").Op("=").Lit(int64(max(ps.First, 1))))
			if ps.Style == "header" && ps.SizeParam != "" && ps.Size > 0 {
				sp := g.paramByName(op, ps.SizeParam)
				b.If(jen.Id("p").Dot(sp.Go).Op("==").Lit(0)).Block(jen.Id("p").Dot(sp.Go).Op("=").Lit(int64(ps.Size)))
			}
			var last jen.Code
			if ps.Style == "page" {
				tp := g.types[op.Result].Field(ps.TotalPages)
				last = jen.Id("r").Dot(tp.Go).Op("+").Lit(int64(ps.First - 1))
			} else {
				last = jen.Qual(wirePkg, "HeaderInt").Call(jen.Id("m").Dot("Header"), jen.Lit(ps.PagesHeader), jen.Id("page"))
			}
			mvar := jen.Id("_")
			if ps.Style == "header" {
				mvar = jen.Id("m")
			}
			b.Return(jen.Qual(transportPkg, "Pages").Call(jen.Id("ctx"), jen.Id("start"),
				jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("page").Int64()).Params(jen.Index().Add(it.Clone()), jen.Int64(), jen.Error()).Block(
					jen.Id("q").Op(":=").Id("p"),
					jen.Id("q").Dot(pp.Go).Op("=").Id("page"),
					jen.List(jen.Id("r"), mvar, jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("q")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
					jen.Return(g.itemsExpr(op), last, jen.Nil()),
				)))
		case "offset":
			op_, lp := g.paramByName(op, ps.OffsetParam), g.paramByName(op, ps.LengthParam)
			tf := g.types[op.Result].Field(ps.Total)
			total := jen.Id("r").Dot(tf.Go)
			if tf.Type != "int" {
				total = jen.Qual(wirePkg, "ParseInt").Call(total)
			}
			b.Id("length").Op(":=").Id("p").Dot(lp.Go)
			b.If(jen.Id("length").Op("<=").Lit(0)).Block(jen.Id("length").Op("=").Lit(int64(ps.MaxLength)))
			b.Return(jen.Qual(transportPkg, "Offsets").Call(jen.Id("ctx"), jen.Id("p").Dot(op_.Go), jen.Id("length"),
				jen.Func().Params(jen.Id("ctx").Qual("context", "Context"), jen.List(jen.Id("offset"), jen.Id("n")).Int64()).Params(jen.Index().Add(it.Clone()), jen.Int64(), jen.Error()).Block(
					jen.Id("q").Op(":=").Id("p"),
					jen.List(jen.Id("q").Dot(op_.Go), jen.Id("q").Dot(lp.Go)).Op("=").List(jen.Id("offset"), jen.Id("n")),
					jen.List(jen.Id("r"), jen.Id("_"), jen.Err()).Op(":=").Id("c").Dot(internal).Call(jen.Id("ctx"), jen.Id("q")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Lit(0), jen.Err())),
					jen.Return(g.itemsExpr(op), total, jen.Nil()),
				)))
		}
	})
	f.Line()
}
