package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// argName is a credential's parameter name in Sign: signMethod
func argName(c ir.Credential) string { return ir.LowerFirst(ir.GoName(c.Name)) }

// signerFile renders the API's signing recipe as plain Go:
//
//	// StringToSign returns the text that is signed: ...
//	func StringToSign(params map[string]string, key string) string { ... }
//	// Sign returns the signature of params.
//	func Sign(params map[string]string, key string) string { ... }
//
// Sign returns an error too when the digest is chosen per client ({credential.X}).
func (g *gen) signerFile() *jen.File {
	s := g.api.Signing
	f := g.newFile()
	creds := g.signerCreds()
	args := []jen.Code{jen.Id("params").Map(jen.String()).String()}
	var callArgs []jen.Code
	callArgs = append(callArgs, jen.Id("params"))
	for _, c := range creds {
		args = append(args, jen.Id(argName(c)).String())
		callArgs = append(callArgs, jen.Id(argName(c)))
	}
	cred := func(name string) jen.Code { return jen.Id(ir.LowerFirst(ir.GoName(name))) }

	f.Comment("SignParam is the name the signature is sent as.")
	f.Const().Id("SignParam").Op("=").Lit(s.Param)
	f.Line()
	f.Comment("StringToSign returns the text " + g.api.Name + " signs for params (every parameter except " + s.Param + ").")
	if s.Doc != "" {
		f.Comment("")
		fileComment(f, s.Doc)
	}
	f.Func().Id("StringToSign").Params(args...).String().BlockFunc(func(b *jen.Group) {
		size := jen.Len(jen.Id("params"))
		if len(s.Extra) > 0 {
			size = size.Op("+").Lit(len(s.Extra))
		}
		b.Id("all").Op(":=").Make(jen.Map(jen.String()).String(), size)
		b.For(jen.List(jen.Id("k"), jen.Id("v")).Op(":=").Range().Id("params")).Block(
			jen.If(jen.Id("k").Op("!=").Lit(s.Param)).Block(jen.Id("all").Index(jen.Id("k")).Op("=").Id("v")))
		for _, e := range s.Extra {
			b.Id("all").Index(jen.Lit(e.Name)).Op("=").Add(renderTemplate(e.Value, cred))
		}
		b.Id("keys").Op(":=").Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(jen.Id("all")))
		b.Var().Id("sb").Qual("strings", "Builder")
		index := jen.Id("_")
		if s.Separator != "" {
			index = jen.Id("i")
		}
		b.For(jen.List(index, jen.Id("k")).Op(":=").Range().Id("keys")).BlockFunc(func(lb *jen.Group) {
			if s.Separator != "" {
				lb.If(jen.Id("i").Op(">").Lit(0)).Block(jen.Id("sb").Dot("WriteString").Call(jen.Lit(s.Separator)))
			}
			for _, part := range pairParts(s.Pair) {
				switch part {
				case "{key}":
					lb.Id("sb").Dot("WriteString").Call(jen.Id("k"))
				case "{value}":
					lb.Id("sb").Dot("WriteString").Call(jen.Id("all").Index(jen.Id("k")))
				default:
					lb.Id("sb").Dot("WriteString").Call(jen.Lit(part))
				}
			}
		})
		if s.Append != "" {
			b.Id("sb").Dot("WriteString").Call(renderTemplate(s.Append, cred))
		}
		b.Return(jen.Id("sb").Dot("String").Call())
	})
	f.Line()

	// A digest chosen per client can be one the recipe does not know: only then can Sign fail.
	chosen := strings.HasPrefix(s.Digest, "{credential.")
	results := []jen.Code{jen.String()}
	if chosen {
		results = append(results, jen.Error())
	}
	// digest renders the statements computing the sum of msg, and the sum.
	digest := func(kind string) ([]jen.Code, jen.Code) {
		switch kind {
		case "md5":
			return []jen.Code{jen.Id("sum").Op(":=").Qual("crypto/md5", "Sum").Call(jen.Id("msg"))}, jen.Id("sum").Index(jen.Op(":"))
		case "sha256":
			return []jen.Code{jen.Id("sum").Op(":=").Qual("crypto/sha256", "Sum256").Call(jen.Id("msg"))}, jen.Id("sum").Index(jen.Op(":"))
		}
		// hmac-sha256
		return []jen.Code{
			jen.Id("m").Op(":=").Qual("crypto/hmac", "New").Call(jen.Qual("crypto/sha256", "New"), jen.Index().Byte().Call(renderTemplate(s.HMACKey, cred))),
			jen.Id("m").Dot("Write").Call(jen.Id("msg")),
		}, jen.Id("m").Dot("Sum").Call(jen.Nil())
	}
	// ret renders the return of a sum as hex.
	ret := func(sum jen.Code) jen.Code {
		enc := jen.Qual("encoding/hex", "EncodeToString").Call(sum)
		if s.Hex == "upper" {
			enc = jen.Qual("strings", "ToUpper").Call(enc)
		}
		if chosen {
			return jen.Return(enc, jen.Nil())
		}
		return jen.Return(enc)
	}
	f.Comment("Sign returns the signature of params, " + s.Hex + "-case hex.")
	f.Func().Id("Sign").Params(args...).Params(results...).BlockFunc(func(b *jen.Group) {
		b.Id("msg").Op(":=").Index().Byte().Call(jen.Id("StringToSign").Call(callArgs...))
		if !chosen {
			stmts, sum := digest(s.Digest)
			for _, st := range stmts {
				b.Add(st)
			}
			b.Add(ret(sum))
			return
		}
		name := strings.TrimSuffix(strings.TrimPrefix(s.Digest, "{credential."), "}")
		v := jen.Id(ir.LowerFirst(ir.GoName(name)))
		md5Stmts, md5Sum := digest("md5")
		shaStmts, shaSum := digest("sha256")
		b.Switch(v.Clone()).Block(
			jen.Case(jen.Lit("md5"), jen.Lit("")).Block(append(md5Stmts, ret(md5Sum))...),
			jen.Case(jen.Lit("sha256")).Block(append(shaStmts, ret(shaSum))...),
			jen.Default().Block(jen.Return(jen.Lit(""), jen.Qual("fmt", "Errorf").Call(
				jen.Lit(g.api.Name+": unknown signature method %q (want md5 or sha256)"), v.Clone()))),
		)
	})
	return f
}

// pairParts splits a pair format such as "{key}={value}" into literals and placeholders.
func pairParts(p string) []string {
	var out []string
	for p != "" {
		i := strings.Index(p, "{")
		if i < 0 {
			out = append(out, p)
			break
		}
		if i > 0 {
			out = append(out, p[:i])
		}
		j := strings.Index(p[i:], "}")
		out = append(out, p[i:i+j+1])
		p = p[i+j+1:]
	}
	return out
}
