package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/specpipe/specpipe/gen/ir"
)

// typesFile renders types_gen.go: every named type of the spec, enums and objects.
func (g *gen) typesFile() *jen.File {
	f := g.newFile()
	for _, t := range g.api.Types {
		if t.Base != nil {
			g.enumType(f, t)
		} else {
			g.objectType(f, t)
		}
	}
	return f
}

// enumType renders:
//
//	// Sex is 员工性别.
//	type Sex int64
//
//	const (
//		SexMale Sex = 1 // 男性
//	)
func (g *gen) enumType(f *jen.File, t *ir.Named) {
	doc := t.Doc
	if doc == "" {
		doc = "an enumeration"
	}
	f.Comment(t.Name + " is " + strings.TrimSuffix(doc, ".") + ".")
	f.Type().Id(t.Name).Add(qual(t.Base.Go))
	f.Line()
	f.Comment("Values of " + t.Name + ".")
	f.Const().DefsFunc(func(d *jen.Group) {
		for _, e := range t.Enum {
			var v jen.Code = jen.Lit(e.Value)
			if t.Base.Zero == ir.ZeroNumber {
				v = jen.Id(e.Value) // the number as written
			}
			st := d.Id(t.Name + e.Name).Id(t.Name).Op("=").Add(v)
			if e.Doc != "" {
				st.Comment(e.Doc)
			}
		}
	})
	f.Line()
	f.Comment("Valid reports whether v is one of the documented values.")
	f.Func().Params(jen.Id("v").Id(t.Name)).Id("Valid").Params().Bool().BlockFunc(func(b *jen.Group) {
		var cases []jen.Code
		for _, e := range t.Enum {
			cases = append(cases, jen.Id(t.Name+e.Name))
		}
		b.Switch(jen.Id("v")).Block(jen.Case(cases...).Block(jen.Return(jen.True())))
		b.Return(jen.False())
	})
	f.Line()
}

// objectType renders the struct with json and expr tags, and a lenient UnmarshalJSON that decodes
// into a shadow struct of scalar types and converts:
//
//	type Punch struct {
//		AttenID string `expr:"atten_id" json:"atten_id"`
//		AttenTime time.Time `expr:"atten_time" json:"atten_time"`
//	}
//
//	func (r *Punch) UnmarshalJSON(b []byte) error {
//		if wire.Empty(b) {
//			*r = Punch{}
//			return nil
//		}
//		var w struct {
//			AttenID   scalar.String `json:"atten_id"`
//			AttenTime scalar.Unix   `json:"atten_time"`
//		}
//		if err := json.Unmarshal(b, &w); err != nil {
//			return fmt.Errorf("kqapi: decode Punch: %w", err)
//		}
//		r.AttenID = string(w.AttenID)
//		r.AttenTime = wire.UnixIn(w.AttenTime, zone)
//		return nil
//	}
func (g *gen) objectType(f *jen.File, t *ir.Named) {
	doc := t.Doc
	if doc == "" {
		doc = "a " + t.Name + "."
	}
	f.Comment(t.Name + ": " + strings.TrimSpace(strings.Split(doc, "\n")[0]))
	f.Type().Id(t.Name).StructFunc(func(s *jen.Group) {
		for _, fl := range t.Fields {
			if fl.Doc != "" {
				s.Comment(fl.Doc)
			}
			tag := map[string]string{"json": fl.Name, "expr": fl.Name}
			if doc := strings.Join(strings.Fields(fl.Doc), " "); doc != "" {
				tag["doc"] = doc // pipe ops API.OPERATION lists it
			}
			if fl.OmitEmpty {
				tag["json"] = fl.Name + ",omitempty"
			}
			s.Id(fl.Go).Add(goType(fl.Type)).Tag(tag)
		}
	})
	f.Line()
	f.Comment("UnmarshalJSON decodes a " + t.Name + " leniently: numbers may arrive as strings, and an empty")
	f.Comment("object may arrive as null, \"\" or [].")
	f.Func().Params(jen.Id("r").Op("*").Id(t.Name)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().BlockFunc(func(b *jen.Group) {
		b.If(jen.Qual(wirePkg, "Empty").Call(jen.Id("b"))).Block(jen.Op("*").Id("r").Op("=").Id(t.Name).Values(), jen.Return(jen.Nil()))
		b.Var().Id("w").StructFunc(func(s *jen.Group) {
			for _, fl := range t.Fields {
				s.Id(fl.Go).Add(wireType(fl.Type)).Tag(map[string]string{"json": fl.Name})
			}
		})
		b.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("b"), jen.Op("&").Id("w")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(g.api.Name+": decode "+t.Name+": %w"), jen.Err())))
		needErr := false
		var stmts []jen.Code
		for _, fl := range t.Fields {
			c, withErr := conv(fl.Type, jen.Id("w").Dot(fl.Go))
			if withErr {
				needErr = true
				stmts = append(stmts, jen.If(jen.List(jen.Id("r").Dot(fl.Go), jen.Err()).Op("=").Add(c), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(g.api.Name+": decode "+t.Name+"."+fl.Name+": %w"), jen.Err()))))
			} else {
				stmts = append(stmts, jen.Id("r").Dot(fl.Go).Op("=").Add(c))
			}
		}
		if needErr {
			b.Var().Err().Error()
		}
		for _, s := range stmts {
			b.Add(s)
		}
		b.Return(jen.Nil())
	})
	f.Line()
}
