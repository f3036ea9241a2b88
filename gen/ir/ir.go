// Package ir is the generator's model of an API: what gen/emit reads. Build turns a loaded spec
// (gen/spec, which parses and checks and changes nothing) into an *API once, with every default
// applied and every type expression resolved to a Type of a closed set of kinds, each scalar to
// its row of the scalar table (scalar.go). Emitters never look at spec text again.
//
// Later per-parameter attributes (e.g. the zone a datetime is read in) belong on Param, filled in
// by Build; a new transport recipe is a section of API beside Signing.
package ir

import "github.com/specpipe/specpipe/gen/spec"

// Values that carry no defaults are the spec's own.
type (
	Pos         = spec.Pos
	BaseURL     = spec.BaseURL
	Credential  = spec.Credential
	CommonParam = spec.CommonParam
	Auth        = spec.Auth
	SignExtra   = spec.SignExtra
	Envelope    = spec.Envelope
	Retry       = spec.Retry
	Constraint  = spec.Constraint
	Enum        = spec.Enum
)

// API is one generated package.
type API struct {
	Name, Title, Doc string
	SpecFile         string // base name of the spec, e.g. kqapi.yaml
	BaseURL          BaseURL
	Timezone         string
	SendOwnZone      bool // datetimes are formatted in their own zone, not the API's
	Credentials      []Credential
	RequireOneOf     []string
	CommonParams     []CommonParam
	Auth             *Auth
	AuthOp           *Operation // the operation returning the token (with Auth)
	Signing          *Signing
	Encryption       *Encryption
	Envelope         Envelope
	RateLimits       []RateLimit
	Concurrency      int // write requests a connection keeps in flight by default (at least 1)
	Retry            Retry
	Operations       []*Operation
	Types            []*Named
	Hints            []Hint      // advice for the errors of every operation
	CallerZone       *CallerZone // how the caller's zone is learned; nil: no parameter needs it
}

// Credential returns the named credential, or nil.
func (a *API) Credential(name string) *Credential {
	for i := range a.Credentials {
		if a.Credentials[i].Name == name {
			return &a.Credentials[i]
		}
	}
	return nil
}

// Signing is a request-signature recipe (spec.Signing with its defaults).
type Signing struct {
	Param     string
	Extra     []SignExtra
	Pair      string
	Separator string
	Append    string
	Digest    string
	HMACKey   string
	Hex       string // lower or upper: the case of hex digits
	Skip      []string
	Doc       string
}

// RateLimit is a minimum interval between calls sharing a key.
type RateLimit struct {
	spec.RateLimit
	PerOperation bool // one clock per operation (scope: operation)
}

// Operation is one API call.
type Operation struct {
	Name      string // registry name
	Go        string // exported method name
	Method    string
	Path      string
	Summary   string
	Doc       string
	Params    []*Param
	Checks    []Constraint
	Result    *Type // nil: no result
	File      bool  // the answer is a file, returned as a transport.File (no result, no paging)
	Paging    *Paging
	Write     bool
	RetrySafe bool
	NoAuth    bool // the auth operation: sent without a token
	Status    []int
	// Permission is the vendor permission the operation needs ("" unknown or none); Hints are
	// its own, then the one naming that permission, tried before the API's.
	Permission string
	Hints      []Hint
}

// Param returns the named parameter, or nil.
func (op *Operation) Param(name string) *Param {
	for _, p := range op.Params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// PagingKind is how pages are walked.
type PagingKind int

// The paging styles.
const (
	PageNumbers PagingKind = iota + 1 // page=N, the data holds the number of pages
	Offsets                           // offset and length, the data holds the total
	PageHeader                        // page=N, a response header holds the number of pages
)

// Paging is how a paged operation walks its pages and where its items are.
type Paging struct {
	Kind     PagingKind
	Page     *Param // PageNumbers, PageHeader: the page number
	First    int64  // number of the first page
	Pages    *Field // PageNumbers: field of the result holding the number of pages
	Header   string // PageHeader: header holding the number of pages
	Offset   *Param // Offsets
	Length   *Param // Offsets: the page size
	Total    *Field // Offsets: field of the result holding the total count
	Size     *Param // PageHeader: page-size parameter, if any
	PageSize int    // items per page: asked for (Offsets, PageHeader) or the vendor's (PageNumbers)
	Items    *Field // field of the result holding the items; nil when the result is the list
	Item     *Type  // the type of one item
}

// Params are the parameters the paging style sets, in a fixed order.
func (pg *Paging) Params() []*Param {
	var out []*Param
	for _, p := range []*Param{pg.Page, pg.Offset, pg.Length, pg.Size} {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Param is a parameter of an operation, with its defaults applied.
type Param struct {
	Name      string // in the spec and the registry
	Wire      string // on the wire
	Go        string // Go field name
	Type      *Type
	Expr      string // the type as written in the spec
	In        string // query, body, path or header
	Required  bool
	Pointer   bool // an optional parameter held as a pointer, so its zero value can be sent
	Doc       string
	MaxLength int
	Min, Max  *int64
	Enum      []string
	Single    bool
	Layout    string // the Go layout it is sent in (types whose scalar has Layout)
	// CallerZone: a datetime converted to the caller's zone (API.CallerZone) before it
	// is formatted.
	CallerZone bool
}

// Kind is what a type expression denotes.
type Kind int

// The kinds of types.
const (
	KindScalar Kind = iota + 1
	KindEnum
	KindObject
	KindList
	KindMap // map[string]Elem
)

// Type is a resolved type expression.
type Type struct {
	Kind   Kind
	Scalar *Scalar // KindScalar; KindEnum: the enum's base
	Named  *Named  // KindEnum, KindObject
	Elem   *Type   // KindList, KindMap
}

// Named is a named type: an object with fields or an enum.
type Named struct {
	Name   string
	Doc    string
	Base   *Scalar // an enum's base scalar; nil for an object
	Enum   []Enum
	Fields []*Field
}

// Field returns the named field of an object, or nil.
func (n *Named) Field(name string) *Field {
	for _, f := range n.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// Field is a field of an object type.
type Field struct {
	Name      string // JSON name
	Go        string
	Type      *Type
	Doc       string
	OmitEmpty bool
}

// GoName turns a spec name into an exported Go name (spec.GoName).
func GoName(s string) string { return spec.GoName(s) }

// LowerFirst is the unexported form of an exported Go name (spec.LowerFirst).
func LowerFirst(s string) string { return spec.LowerFirst(s) }
