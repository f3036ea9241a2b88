package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// field renders one key: value of a composite literal, for literals kept on one line in the
// order given (jen.Dict sorts its keys and breaks every pair onto its own line):
//
//	Name: "start"
func field(name string, v jen.Code) jen.Code { return jen.Id(name).Op(":").Add(v) }

// recordType is the Go type of one record Call yields for op, and how Call produces records.
//
// renders: Item, struct{}, Department, int64
func recordType(op *ir.Operation) (*jen.Statement, string) {
	switch {
	case op.File:
		return jen.Qual(transportPkg, "File"), "value"
	case op.Paging != nil:
		return goType(op.Paging.Item), "paged"
	case op.Result == nil:
		return jen.Struct(), "none"
	case op.Result.Kind == ir.KindList:
		return goType(op.Result.Elem), "list"
	case op.Result.Kind == ir.KindObject:
		return jen.Id(op.Result.Named.Name), "object"
	}
	return goType(op.Result), "value"
}

// opDesc renders the one descriptor of op, which the transport sends with and the registry lists:
//
//	var opRecordLog = &registry.Op{
//		Op:     &transport.Op{API: "kqapi", Method: "GET", Name: "recordlog", Path: "/Api/Api/recordlog"},
//		GoName: "RecordLog", Params: []registry.Param{...}, Record: reflect.TypeFor[Punch](), ...
//	}
func (g *gen) opDesc(f *jen.File, op *ir.Operation) {
	var params []jen.Code
	for _, p := range op.Params {
		kv := []jen.Code{field("Name", jen.Lit(p.Name)), field("Type", jen.Lit(p.Expr)), field("In", jen.Lit(p.In))}
		if p.Required {
			kv = append(kv, field("Required", jen.True()))
		}
		if doc := strings.TrimSpace(p.Doc); doc != "" {
			kv = append(kv, field("Doc", jen.Lit(doc)))
		}
		params = append(params, jen.Line().Values(kv...))
	}
	if len(params) > 0 {
		params = append(params, jen.Line())
	}
	rt, _ := recordType(op)
	kv := []jen.Code{field("Op", g.transportOp(op)), field("GoName", jen.Lit(op.Go))}
	if sum := summary(op); sum != "" {
		kv = append(kv, field("Summary", jen.Lit(sum)))
	}
	if doc := strings.TrimSpace(op.Doc); doc != "" {
		kv = append(kv, field("Doc", jen.Lit(doc)))
	}
	if len(params) > 0 {
		kv = append(kv, field("Params", jen.Index().Qual(registryPkg, "Param").Values(params...)))
	}
	kv = append(kv, field("Record", jen.Qual("reflect", "TypeFor").Types(rt).Call()))
	if op.Paging != nil {
		var pp []string
		for _, p := range op.Paging.Params() {
			pp = append(pp, p.Name)
		}
		kv = append(kv, field("Paged", jen.True()), field("PageSize", jen.Lit(op.Paging.PageSize)), field("PagingParams", strList(pp)))
	}
	var lines []jen.Code
	for _, c := range kv {
		lines = append(lines, jen.Line().Add(c))
	}
	f.Comment(opVar(op) + " describes " + op.Go + "; never modified.")
	f.Var().Id(opVar(op)).Op("=").Op("&").Qual(registryPkg, "Op").Values(append(lines, jen.Line())...)
	f.Line()
}

// registryFile renders registry_gen.go, the package as data for the pipeline runner:
//
//	func API() *registry.API {
//		return &registry.API{Name: "kqapi", Ops: []*registry.Op{opRecordLog, ...}, RateLimits: rateLimits(), New: ...}
//	}
//
//	func (c *Client) Call(ctx context.Context, op string, params map[string]any, all bool) iter.Seq2[any, error] {
//		switch op {
//		case "recordlog":
//			p, err := decodeRecordLogParams(params)
//			...
//		}
//	}
func (g *gen) registryFile() *jen.File {
	a := g.api
	f := g.newFile()
	f.Comment("API describes this package to the pipeline runner and the pipe command.")
	f.Func().Id("API").Params().Op("*").Qual(registryPkg, "API").BlockFunc(func(b *jen.Group) {
		var creds, ops []jen.Code
		for _, c := range a.Credentials {
			kv := []jen.Code{field("Name", jen.Lit(c.Name)), field("Env", jen.Lit(c.Env))}
			if c.Secret {
				kv = append(kv, field("Secret", jen.True()))
			}
			if c.Optional {
				kv = append(kv, field("Optional", jen.True()))
			}
			if c.Default != "" {
				kv = append(kv, field("Default", jen.Lit(c.Default)))
			}
			if len(c.Enum) > 0 {
				kv = append(kv, field("Enum", strList(c.Enum)))
			}
			kv = append(kv, field("Doc", jen.Lit(c.Doc)))
			creds = append(creds, jen.Line().Values(kv...))
		}
		if len(creds) > 0 {
			creds = append(creds, jen.Line())
		}
		for _, op := range a.Operations {
			ops = append(ops, jen.Id(opVar(op)))
		}
		fields := jen.Dict{
			jen.Id("Name"): jen.Lit(a.Name), jen.Id("Title"): jen.Lit(a.Title), jen.Id("Doc"): jen.Lit(strings.TrimSpace(a.Doc)),
			jen.Id("Timezone"): jen.Lit(a.Timezone), jen.Id("BaseURLEnv"): jen.Lit(a.BaseURL.Env),
			jen.Id("Credentials"): jen.Index().Qual(registryPkg, "Credential").Values(creds...),
			jen.Id("RateLimits"):  jen.Id("rateLimits").Call(),
			jen.Id("Concurrency"): jen.Lit(a.Concurrency),
			jen.Id("Ops"):         jen.Index().Op("*").Qual(registryPkg, "Op").Values(ops...),
			jen.Id("New"): jen.Func().Params(jen.Id("s").Qual(registryPkg, "Settings")).Params(jen.Qual(registryPkg, "Client"), jen.Error()).BlockFunc(func(nb *jen.Group) {
				d := jen.Dict{jen.Id("BaseURL"): jen.Id("s").Dot("BaseURL"), jen.Id("Options"): jen.Id("s").Dot("Transport")}
				for _, c := range a.Credentials {
					d[jen.Id(ir.GoName(c.Name))] = jen.Id("s").Dot("Credentials").Index(jen.Lit(c.Name))
				}
				nb.List(jen.Id("c"), jen.Err()).Op(":=").Id("New").Call(jen.Id("Config").Values(d))
				nb.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
				nb.Return(jen.Id("c"), jen.Nil())
			}),
		}
		if a.BaseURL.SelfHosted {
			fields[jen.Id("SelfHosted")] = jen.True()
		} else {
			fields[jen.Id("BaseURL")] = jen.Lit(a.BaseURL.Default)
		}
		b.Return(jen.Op("&").Qual(registryPkg, "API").Values(fields))
	})
	f.Line()

	f.Comment("Call runs the named operation with loosely typed parameters and yields its records: the items")
	f.Comment("of a paged operation (of every page when all is set), the elements of a list, or the one result.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("Call").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("op").String(),
		jen.Id("params").Map(jen.String()).Any(), jen.Id("all").Bool()).Qual("iter", "Seq2").Types(jen.Any(), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Switch(jen.Id("op")).BlockFunc(func(sw *jen.Group) {
			for _, op := range a.Operations {
				rt, kind := recordType(op)
				call := jen.Id("c").Dot(op.Go).Call(jen.Id("ctx"), jen.Id("p"))
				body := []jen.Code{
					jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("decode" + op.Go + "Params").Call(jen.Id("params")),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual(wirePkg, "Fail").Call(jen.Err()))),
				}
				ctxP := jen.Id("ctx").Qual("context", "Context")
				switch kind {
				case "paged":
					items := itemsExpr(op)
					body = append(body,
						jen.If(jen.Id("all")).Block(jen.Return(jen.Qual(wirePkg, "Any").Call(jen.Id("c").Dot(op.Go+"All").Call(jen.Id("ctx"), jen.Id("p"))))),
						jen.Return(jen.Qual(wirePkg, "Each").Call(jen.Id("ctx"), jen.Func().Params(ctxP).Params(jen.Index().Add(rt), jen.Error()).Block(
							jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("c").Dot(op.Go).Call(jen.Id("ctx"), jen.Id("p")),
							jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
							jen.Return(items, jen.Nil()),
						))))
				case "list":
					body = append(body, jen.Return(jen.Qual(wirePkg, "Each").Call(jen.Id("ctx"), jen.Func().Params(ctxP).Params(jen.Index().Add(rt), jen.Error()).Block(
						jen.Return(call)))))
				case "object":
					body = append(body, jen.Return(jen.Qual(wirePkg, "One").Call(jen.Id("ctx"), jen.Func().Params(ctxP).Params(rt, jen.Error()).Block(
						jen.List(jen.Id("r"), jen.Err()).Op(":=").Add(call),
						jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id(op.Result.Named.Name).Values(), jen.Err())),
						jen.Return(jen.Op("*").Id("r"), jen.Nil()),
					))))
				case "value":
					body = append(body, jen.Return(jen.Qual(wirePkg, "One").Call(jen.Id("ctx"), jen.Func().Params(ctxP).Params(rt, jen.Error()).Block(
						jen.Return(call)))))
				case "none":
					body = append(body, jen.Return(jen.Qual(wirePkg, "One").Call(jen.Id("ctx"), jen.Func().Params(ctxP).Params(jen.Struct(), jen.Error()).Block(
						jen.Return(jen.Struct().Values(), call)))))
				}
				sw.Case(jen.Lit(op.Name)).Block(body...)
			}
		})
		b.Return(jen.Qual(wirePkg, "Fail").Call(jen.Qual("fmt", "Errorf").Call(jen.Lit(a.Name+": unknown operation %q"), jen.Id("op"))))
	})
	return f
}
