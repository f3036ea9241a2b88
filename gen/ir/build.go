package ir

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/specpipe/specpipe/gen/spec"
)

// Defaults of the spec format that are not part of one field's meaning.
const (
	defaultDateTime = "2006-01-02 15:04:05" // datetime_format
	defaultFirst    = 1                     // paging first
)

// Build turns a spec that loaded without errors (spec.Load with scalars.Names()) into the IR,
// applying every default once. It fails, rather than panics, on a spec the loader would reject.
func Build(a *spec.API, scalars Table) (*API, error) {
	b := &builder{scalars: scalars, named: map[string]*Named{}}
	out, err := b.api(a)
	if err != nil {
		return nil, fmt.Errorf("gen: %s: %w", a.File, err)
	}
	return out, nil
}

type builder struct {
	scalars Table
	named   map[string]*Named
	spec    *spec.API
}

func (b *builder) api(a *spec.API) (*API, error) {
	b.spec = a
	out := &API{
		Name: a.Name, Title: a.Title, Doc: a.Doc, SpecFile: filepath.Base(a.File),
		BaseURL: a.BaseURL, Timezone: a.Timezone, SendOwnZone: a.SendZone == "own",
		Credentials: a.Credentials, RequireOneOf: a.RequireOneOf, CommonParams: a.CommonParams,
		Auth: a.Auth, Envelope: a.Envelope, Retry: a.Retry, Hints: hints(a.Hints),
		Concurrency: max(1, a.Concurrency),
	}
	for _, rl := range a.RateLimits {
		out.RateLimits = append(out.RateLimits, RateLimit{RateLimit: rl, PerOperation: rl.Scope == "operation"})
	}
	if s := a.Signing; s != nil {
		out.Signing = &Signing{Param: s.Param, Extra: s.Extra, Pair: s.Pair, Separator: s.Separator, Append: s.Append,
			Digest: s.Digest, HMACKey: s.HMACKey, Hex: s.Hex, Skip: s.Skip, Doc: s.Doc}
		if out.Signing.Hex == "" {
			out.Signing.Hex = "lower"
		}
	}
	enc, err := encryption(a.Encryption, out)
	if err != nil {
		return nil, err
	}
	out.Encryption = enc
	// Named types first (declared, then filled), so fields may refer to any of them.
	for _, t := range a.Types {
		n := &Named{Name: t.Name, Doc: t.Doc, Enum: t.Enum}
		if t.Base != "" {
			s, ok := b.scalars.Lookup(t.Base)
			if !ok {
				return nil, fmt.Errorf("type %s: unknown enum base %q", t.Name, t.Base)
			}
			n.Base = s
		}
		b.named[t.Name] = n
		out.Types = append(out.Types, n)
	}
	for i, t := range a.Types {
		for _, f := range t.Fields {
			ft, err := b.typ(f.Type)
			if err != nil {
				return nil, fmt.Errorf("type %s: field %s: %w", t.Name, f.Name, err)
			}
			out.Types[i].Fields = append(out.Types[i].Fields, &Field{Name: f.Name, Go: f.GoName(), Type: ft, Doc: f.Doc, OmitEmpty: f.OmitEmpty})
		}
	}
	for _, op := range a.Operations {
		o, err := b.op(op)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", op.Name, err)
		}
		o.NoAuth = a.Auth != nil && a.Auth.Operation == op.Name
		if o.NoAuth {
			out.AuthOp = o
		}
		out.Operations = append(out.Operations, o)
	}
	if a.Auth != nil && out.AuthOp == nil {
		return nil, fmt.Errorf("auth: no operation %q", a.Auth.Operation)
	}
	cz, err := callerZone(out, a.CallerZone)
	if err != nil {
		return nil, err
	}
	out.CallerZone = cz
	return out, nil
}

// typ resolves a type expression.
func (b *builder) typ(expr string) (*Type, error) {
	if wrap, elem := spec.SplitType(expr); wrap != "" {
		e, err := b.typ(elem)
		if err != nil {
			return nil, err
		}
		k := KindList
		if wrap == "map" {
			k = KindMap
		}
		return &Type{Kind: k, Elem: e}, nil
	}
	if s, ok := b.scalars.Lookup(expr); ok {
		return &Type{Kind: KindScalar, Scalar: s}, nil
	}
	if n := b.named[expr]; n != nil {
		if n.Base != nil {
			return &Type{Kind: KindEnum, Scalar: n.Base, Named: n}, nil
		}
		return &Type{Kind: KindObject, Named: n}, nil
	}
	return nil, fmt.Errorf("unknown type %q", expr)
}

func (b *builder) op(op *spec.Operation) (*Operation, error) {
	o := &Operation{Name: op.Name, Go: op.GoName(), Method: op.Method, Path: op.Path, Summary: op.Summary, Doc: op.Doc,
		Checks: op.Constraints, Write: op.Write, RetrySafe: op.RetrySafe, Status: op.Status,
		Permission: op.Permission, Hints: b.opHints(op), File: op.File}
	if op.File && (op.Result != "" || op.Paging != nil) {
		return nil, errors.New("file: the answer is the file, so the operation has no result or paging")
	}
	for _, p := range op.Params {
		t, err := b.typ(p.Type)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		in := p.Location(op.Method)
		q := &Param{Name: p.Name, Wire: p.WireName(), Go: p.GoName(), Type: t, Expr: p.Type, In: in,
			Required: p.Required || in == "path", Doc: p.Doc, MaxLength: p.MaxLength, Min: p.Min, Max: p.Max,
			Enum: p.Enum, Single: p.Single, CallerZone: p.Zone == spec.ZoneCaller}
		if t.Kind == KindObject || t.Kind == KindScalar && t.Scalar.Pointer {
			q.Pointer = !q.Required
		}
		if t.Kind == KindScalar && t.Scalar.Layout {
			q.Layout = firstOf(p.Format, t.Scalar.DefaultLayout, b.spec.DateTime, defaultDateTime)
		}
		o.Params = append(o.Params, q)
	}
	for _, k := range op.Constraints {
		for _, n := range append(append(append([]string{}, k.SameMonth...), k.Range...), k.OneOf...) {
			if o.Param(n) == nil {
				return nil, fmt.Errorf("constraint: unknown parameter %q", n)
			}
		}
	}
	if op.Result != "" {
		t, err := b.typ(op.Result)
		if err != nil {
			return nil, fmt.Errorf("result: %w", err)
		}
		o.Result = t
	}
	if op.Paging != nil {
		pg, err := b.paging(o, op.Paging)
		if err != nil {
			return nil, fmt.Errorf("paging: %w", err)
		}
		o.Paging = pg
	}
	return o, nil
}

func (b *builder) paging(o *Operation, p *spec.OpPaging) (*Paging, error) {
	var ps *spec.PagingStyle
	for i := range b.spec.Paging {
		if b.spec.Paging[i].Name == p.Style {
			ps = &b.spec.Paging[i]
		}
	}
	if ps == nil {
		return nil, fmt.Errorf("unknown style %q", p.Style)
	}
	pg := &Paging{First: int64(ps.First)}
	if pg.First == 0 {
		pg.First = defaultFirst
	}
	var obj *Named
	if o.Result != nil && o.Result.Kind == KindObject {
		obj = o.Result.Named
	}
	field := func(name string) (*Field, error) {
		if obj == nil || obj.Field(name) == nil {
			return nil, fmt.Errorf("the result has no field %q", name)
		}
		return obj.Field(name), nil
	}
	param := func(name string) (*Param, error) {
		if p := o.Param(name); p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("style %s: no parameter %q", ps.Name, name)
	}
	list := o.Result
	if p.Items != "" {
		f, err := field(p.Items)
		if err != nil {
			return nil, err
		}
		pg.Items, list = f, f.Type
	}
	if list == nil || list.Kind != KindList {
		return nil, fmt.Errorf("the items are not a list")
	}
	pg.Item = list.Elem
	var err error
	switch ps.Style {
	case "page":
		pg.Kind, pg.PageSize = PageNumbers, ps.Size
		if pg.Page, err = param(ps.PageParam); err != nil {
			return nil, err
		}
		if pg.Pages, err = field(ps.TotalPages); err != nil {
			return nil, err
		}
	case "header":
		pg.Kind, pg.PageSize, pg.Header = PageHeader, ps.Size, ps.PagesHeader
		if pg.Page, err = param(ps.PageParam); err != nil {
			return nil, err
		}
		if ps.SizeParam != "" {
			if pg.Size, err = param(ps.SizeParam); err != nil {
				return nil, err
			}
		}
	case "offset":
		pg.Kind, pg.PageSize = Offsets, ps.MaxLength
		if pg.Offset, err = param(ps.OffsetParam); err != nil {
			return nil, err
		}
		if pg.Length, err = param(ps.LengthParam); err != nil {
			return nil, err
		}
		if pg.Total, err = field(ps.Total); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown paging style %q", ps.Style)
	}
	return pg, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
