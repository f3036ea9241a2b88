package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

const zonePkg = "github.com/specpipe/specpipe/internal/runtime/callerzone"

// callerZoneFunc renders the question for the caller's zone (spec caller_zone):
//
//	// callerZoneName asks the vendor for the caller's time zone: GetMe, field timezone.
//	func (c *Client) callerZoneName(ctx context.Context) (string, error) {
//		r, err := c.GetMe(ctx, GetMeParams{})
//		if err != nil {
//			return "", err
//		}
//		return r.Timezone, nil
//	}
func (g *gen) callerZoneFunc(f *jen.File) {
	z := g.api.CallerZone
	if z == nil {
		return
	}
	f.Comment("callerZoneName asks the vendor for the caller's time zone: " + z.Op.Go + ", field " + z.Field.Name + ".")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("callerZoneName").Params(jen.Id("ctx").Qual("context", "Context")).
		Params(jen.String(), jen.Error()).Block(
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("c").Dot(z.Op.Go).Call(jen.Id("ctx"), jen.Id(z.Op.Go+"Params").Values()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(""), jen.Err())),
		jen.Return(jen.Id("r").Dot(z.Field.Go), jen.Nil()),
	)
	f.Line()
}

// encodeArg is what an operation's call passes to transport.Call as its encoder: p.params when
// it can fail, transport.Encoder(p.params) when it cannot, or, when parameters are sent in the
// caller's zone, a function that learns the zone first:
//
//	func() ([]transport.Param, error) {
//		caller, err := c.caller.Location(ctx)
//		if err != nil {
//			return nil, fmt.Errorf("kimai.listTimesheets: %w", err)
//		}
//		return p.params(caller), nil
//	}
func (g *gen) encodeArg(op *ir.Operation) *jen.Statement {
	fails := encodeFails(op)
	if !op.CallerZoned() {
		if fails {
			return jen.Id("p").Dot("params")
		}
		return jen.Qual(transportPkg, "Encoder").Call(jen.Id("p").Dot("params"))
	}
	ret := jen.Return(jen.Id("p").Dot("params").Call(jen.Id("caller")), jen.Nil())
	if fails {
		ret = jen.Return(jen.Id("p").Dot("params").Call(jen.Id("caller")))
	}
	return jen.Func().Params().Params(jen.Index().Qual(transportPkg, "Param"), jen.Error()).Block(
		jen.List(jen.Id("caller"), jen.Err()).Op(":=").Id("c").Dot("caller").Dot("Location").Call(jen.Id("ctx")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.opName(op)+": %w"), jen.Err()))),
		ret,
	)
}
