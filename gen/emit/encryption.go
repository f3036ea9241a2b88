package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

const aesecbPkg = "github.com/specpipe/specpipe/internal/runtime/aesecb"

// sealingFunc renders the encrypted transport's description:
//
//	func sealing() *transport.Sealing {
//		return &transport.Sealing{Modes: []transport.SealMode{{Name: "aes128", Code: "1", ...}}, ModeParam: "ent", ...}
//	}
func (g *gen) sealingFunc(f *jen.File) {
	e := g.api.Encryption
	var modes []jen.Code
	for _, m := range e.Modes {
		kv := []jen.Code{field("Name", jen.Lit(m.Name)), field("Code", jen.Lit(m.Code))}
		if m.Key == "hex" {
			kv = append(kv, field("Key", jen.Qual(transportPkg, "KeyHex")))
		} else {
			kv = append(kv, field("Key", jen.Qual(transportPkg, "KeyText")))
		}
		if m.KeyBytes != 0 {
			kv = append(kv, field("KeyBytes", jen.Lit(m.KeyBytes)))
		}
		if m.Alphabet == "url" {
			kv = append(kv, field("Alphabet", jen.Qual(aesecbPkg, "URLSafe")))
		} else {
			kv = append(kv, field("Alphabet", jen.Qual(aesecbPkg, "Standard")))
		}
		modes = append(modes, jen.Line().Values(kv...))
	}
	modes = append(modes, jen.Line())
	d := jen.Dict{
		jen.Id("Modes"):        jen.Index().Qual(transportPkg, "SealMode").Values(modes...),
		jen.Id("ModeParam"):    jen.Lit(e.ModeParam),
		jen.Id("ContentParam"): jen.Lit(e.ContentParam),
		jen.Id("Pair"):         jen.Lit(e.Pair),
	}
	if len(e.Clear) > 0 {
		d[jen.Id("Clear")] = strList(e.Clear)
	}
	if e.Separator != "" {
		d[jen.Id("Separator")] = jen.Lit(e.Separator)
	}
	if e.Escape != "" {
		d[jen.Id("Escape")] = jen.Lit(e.Escape)
	}
	if e.ReplyField != "" {
		d[jen.Id("ReplyField")] = jen.Lit(e.ReplyField)
	}
	f.Comment("sealing describes the encrypted transport, chosen by " + e.Select.Env + " with the key in " + e.Key.Env + ".")
	for _, line := range strings.Split(strings.TrimSpace(e.Doc), "\n") {
		if line != "" {
			f.Comment(strings.TrimRight(line, " "))
		}
	}
	f.Func().Id("sealing").Params().Op("*").Qual(transportPkg, "Sealing").Block(
		jen.Return(jen.Op("&").Qual(transportPkg, "Sealing").Values(d)),
	)
	f.Line()
}

// newSealer renders, in New, the sealer built from the credentials (nil when they select clear):
//
//	sealer, err := transport.NewSealer(sealing(), cfg.Encryption, cfg.AesKey, "DIDI_ENCRYPTION", "DIDI_AES_KEY")
//	if err != nil {
//		return nil, fmt.Errorf("didi: %w", err)
//	}
func (g *gen) newSealer(b *jen.Group) {
	e := g.api.Encryption
	b.List(jen.Id("sealer"), jen.Err()).Op(":=").Qual(transportPkg, "NewSealer").Call(jen.Id("sealing").Call(),
		jen.Id("cfg").Dot(ir.GoName(e.Select.Name)), jen.Id("cfg").Dot(ir.GoName(e.Key.Name)),
		jen.Lit(e.Select.Env), jen.Lit(e.Key.Env))
	b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(g.api.Name+": %w"), jen.Err())))
}

// sealRequest renders, in prepare before signing, the sealing of every operation not skipped:
//
//	if r.Op.Name != "authorize" {
//		c.sealer.Seal(r)
//	}
func (g *gen) sealRequest(b *jen.Group) {
	e := g.api.Encryption
	seal := jen.Id("c").Dot("sealer").Dot("Seal").Call(jen.Id("r"))
	if len(e.Skip) == 0 {
		b.Add(seal)
		return
	}
	b.If(opCond(jen.Id("r").Dot("Op").Dot("Name"), e.Skip, false)).Block(seal)
}
