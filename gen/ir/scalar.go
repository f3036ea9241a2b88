package ir

import "slices"

// GoType names a Go type: a predeclared one (Path "") or Path.Name.
type GoType struct {
	Path string // import path, "" for a predeclared type
	Name string
}

// Zero is how an optional value that was not given looks.
type Zero int

// The ways of telling an unset value.
const (
	ZeroText   Zero = iota + 1 // v == ""
	ZeroNumber                 // v == 0
	ZeroMethod                 // v.IsZero()
	ZeroLen                    // len(v) == 0
	ZeroNil                    // v == nil: the parameter is a pointer
)

// Conv is how a decoded wire value becomes its Go value.
type Conv int

// The conversions from a wire type to a Go type.
const (
	ConvSame Conv = iota + 1 // the wire type is the Go type: v
	ConvCast                 // a Go conversion: T(v)
	ConvText                 // Func(string(v), zone), which may fail
	ConvFunc                 // Func(v, zone), which cannot fail
)

// Scalar is one row of the scalar table: everything the generator knows about a scalar type
// of the spec format. A new scalar is a new row; nothing else in the generator names scalars.
type Scalar struct {
	Name string // as written in a spec: string, int, date, ...
	Go   GoType // the Go type of a field or parameter
	Wire GoType // the lenient type a response value is first decoded into

	// Conv converts Wire to Go; ConvFunc names the function (in the wire package) for ConvText
	// and ConvFunc.
	Conv     Conv
	ConvFunc string

	// Zero is how an optional parameter that was not given looks (it is then not sent); Missing
	// says a required parameter at that zero counts as not given (a required 0 or false is sent).
	Zero    Zero
	Missing bool
	// Pointer: an optional parameter is a *Go, so that its zero value can be sent (bool: false).
	Pointer bool

	// Encode is the wire-package function that sends a parameter: Encode(name, in, v), or with
	// Layout set Encode(name, in, v, layout, zone) where layout is the parameter's format, else
	// DefaultLayout, else the API's datetime_format. "" sends the value as JSON (wire.Value).
	Encode        string
	Layout        bool
	DefaultLayout string
	// EncodeList is the wire-package function sending a list of this scalar; such a list is read
	// from loose values element by element with Decode. "" sends and reads a list as JSON.
	EncodeList string

	// Decode is the convert-package function reading a loosely typed parameter (YAML, JSON,
	// expressions): Decode(v), or Decode(v, zone) with DecodeZone. "" decodes it as JSON.
	Decode     string
	DecodeZone bool
}

// Table is the scalar table: the scalar types a spec may use.
type Table []Scalar

// Names lists the scalar names of the table, for the spec loader.
func (t Table) Names() []string {
	out := make([]string, len(t))
	for i, s := range t {
		out[i] = s.Name
	}
	return out
}

// Lookup returns the named scalar.
func (t Table) Lookup(name string) (*Scalar, bool) {
	i := slices.IndexFunc(t, func(s Scalar) bool { return s.Name == name })
	if i < 0 {
		return nil, false
	}
	return &t[i], true
}

const (
	scalarPkg = "github.com/specpipe/specpipe/internal/runtime/scalar"
	timePkg   = "time"
	jsonPkg   = "encoding/json"
)

// Builtin returns the scalar table of the spec format (docs/spec-format.md, "Type expressions").
// Each call returns a new table, which a caller may extend.
func Builtin() Table {
	text := GoType{Name: "string"}
	return Table{
		{Name: "string", Go: text, Wire: GoType{scalarPkg, "String"}, Conv: ConvCast,
			Zero: ZeroText, Missing: true, Encode: "Str", EncodeList: "Strs", Decode: "String"},
		{Name: "int", Go: GoType{Name: "int64"}, Wire: GoType{scalarPkg, "Int"}, Conv: ConvCast,
			Zero: ZeroNumber, Encode: "Int", EncodeList: "Ints", Decode: "Int"},
		{Name: "float", Go: GoType{Name: "float64"}, Wire: GoType{scalarPkg, "Float"}, Conv: ConvCast,
			Zero: ZeroNumber, Encode: "Float", Decode: "Float"},
		{Name: "bool", Go: GoType{Name: "bool"}, Wire: GoType{scalarPkg, "Bool"}, Conv: ConvCast,
			Zero: ZeroNil, Pointer: true, Encode: "Bool", Decode: "Bool"},
		{Name: "decimal", Go: GoType{scalarPkg, "Decimal"}, Wire: GoType{scalarPkg, "Decimal"}, Conv: ConvSame,
			Zero: ZeroMethod, Encode: "Decimal", Decode: "Decimal"},
		{Name: "date", Go: GoType{timePkg, "Time"}, Wire: GoType{scalarPkg, "String"}, Conv: ConvText, ConvFunc: "Date",
			Zero: ZeroMethod, Missing: true, Encode: "Time", Layout: true, DefaultLayout: "2006-01-02", Decode: "Date", DecodeZone: true},
		{Name: "datetime", Go: GoType{timePkg, "Time"}, Wire: GoType{scalarPkg, "String"}, Conv: ConvText, ConvFunc: "DateTime",
			Zero: ZeroMethod, Missing: true, Encode: "Time", Layout: true, Decode: "DateTime", DecodeZone: true},
		{Name: "unixtime", Go: GoType{timePkg, "Time"}, Wire: GoType{scalarPkg, "Unix"}, Conv: ConvFunc, ConvFunc: "UnixIn",
			Zero: ZeroMethod, Missing: true, Encode: "Unix", Decode: "Unix", DecodeZone: true},
		{Name: "time", Go: text, Wire: GoType{scalarPkg, "String"}, Conv: ConvCast,
			Zero: ZeroText, Missing: true, Encode: "Str", Decode: "String"},
		{Name: "any", Go: GoType{jsonPkg, "RawMessage"}, Wire: GoType{jsonPkg, "RawMessage"}, Conv: ConvSame,
			Zero: ZeroLen},
	}
}
