// Package spec is the model of an API spec (specs/<api>.yaml) and its loader. A spec is data:
// loading checks every key and reference and reports each problem as file:line:column, and
// leaves the spec as written (gen/ir applies the defaults).
// The format is documented in docs/spec-format.md.
package spec

import (
	"time"

	"github.com/specpipe/specpipe/internal/yamlx"
)

// Pos is a position in a spec file.
type Pos = yamlx.Pos

// API is one spec file.
type API struct {
	Pos          Pos
	Name         string        `yaml:"api"`   // short name: package and registry name, e.g. kqapi
	Title        string        `yaml:"title"` // one line
	Doc          string        `yaml:"doc"`   // package documentation
	BaseURL      BaseURL       `yaml:"base_url"`
	Timezone     string        `yaml:"timezone"`        // IANA zone of the API's local dates and times
	DateTime     string        `yaml:"datetime_format"` // Go layout used to send datetime parameters
	SendZone     string        `yaml:"send_zone"`       // api (default): datetimes are sent in the API's zone; own: in the value's own zone
	Credentials  []Credential  `yaml:"credentials"`
	RequireOneOf []string      `yaml:"require_one_of"` // optional credentials of which at least one must be set
	CommonParams []CommonParam `yaml:"common_params"`
	Auth         *Auth         `yaml:"auth"`
	Signing      *Signing      `yaml:"signing"`
	Encryption   *Encryption   `yaml:"encryption"`
	Envelope     Envelope      `yaml:"envelope"`
	Paging       []PagingStyle `yaml:"paging"`
	RateLimits   []RateLimit   `yaml:"rate_limits"`
	Retry        Retry         `yaml:"retry"`
	Concurrency  int           `yaml:"concurrency"` // write requests a connection keeps in flight by default (1 to 64; 0: 1)
	Operations   []*Operation  `yaml:"operations"`
	Types        []*Type       `yaml:"types"`
	Hints        []Hint        `yaml:"hints"`       // advice attached to matching vendor errors of every operation
	Permissions  *Permissions  `yaml:"permissions"` // how refusals look and which roles hold which permission
	CallerZone   *CallerZone   `yaml:"caller_zone"` // how the zone of the caller's local datetimes is learned

	File string // the file it was loaded from
}

// BaseURL is where the API lives by default and the environment variable that overrides it. A
// SaaS API gives its vendor's production URL as the default; a self-hosted one (every company runs
// its own installation) has none, so its base URL is a required setting: an unset variable must
// never send production credentials somewhere else.
type BaseURL struct {
	Pos        Pos
	Default    string `yaml:"default"`
	Env        string `yaml:"env"`
	SelfHosted bool   `yaml:"self_hosted"`
}

// Credential is a setting the client needs from its user: an account, a key, a token.
type Credential struct {
	Pos      Pos
	Name     string   `yaml:"name"`     // e.g. key; referenced as {credential.key}
	Env      string   `yaml:"env"`      // environment variable read by default, e.g. KQAPI_KEY
	Secret   bool     `yaml:"secret"`   // never logged, printed or put in an error
	Optional bool     `yaml:"optional"` // may be empty (e.g. one of two auth methods)
	Default  string   `yaml:"default"`  // value when the variable is unset (never for secrets)
	Enum     []string `yaml:"enum"`     // allowed values, e.g. [md5, sha256]
	Doc      string   `yaml:"doc"`
}

// CommonParam is sent with every operation (except those listed in Skip).
type CommonParam struct {
	Pos   Pos
	Name  string   `yaml:"name"`
	In    string   `yaml:"in"`    // query, body, header, or "params" (query for GET, body otherwise)
	Value string   `yaml:"value"` // template: literal text with {credential.X}, {now.unix}, {token}
	Type  string   `yaml:"type"`  // wire type in a JSON body: string (default) or int
	Skip  []string `yaml:"skip"`  // operations that do not send it
	Only  []string `yaml:"only"`  // the only operations that send it (default all)
	When  string   `yaml:"when"`  // credential name: sent only when that credential is set
}

// Auth is how a token is obtained and sent.
type Auth struct {
	Pos          Pos
	Style        string        `yaml:"style"`         // "token": an operation returns a token
	Operation    string        `yaml:"operation"`     // the operation that returns it
	TokenField   string        `yaml:"token_field"`   // field of its result holding the token
	ExpiresField string        `yaml:"expires_field"` // field holding the lifetime in seconds
	Lifetime     time.Duration `yaml:"lifetime"`      // default lifetime when the field is absent
	Early        time.Duration `yaml:"refresh_early"` // re-authorize this long before expiry
	ExpiredCodes []string      `yaml:"expired_codes"` // vendor codes meaning "token expired: re-authorize"
	Doc          string        `yaml:"doc"`
}

// Signing is a request-signature recipe.
type Signing struct {
	Pos       Pos
	Param     string      `yaml:"param"`     // name of the signature parameter, e.g. sign
	Extra     []SignExtra `yaml:"extra"`     // parameters sorted in for signing only, never sent
	Sort      string      `yaml:"sort"`      // "key": ascending byte order of keys
	Pair      string      `yaml:"pair"`      // "{value}" or "{key}={value}"
	Separator string      `yaml:"separator"` // between pairs
	Append    string      `yaml:"append"`    // template appended after the joined pairs, e.g. {credential.key}
	Digest    string      `yaml:"digest"`    // md5, sha256, hmac-sha256, or {credential.X} naming one per client
	HMACKey   string      `yaml:"hmac_key"`  // template of the HMAC key
	Hex       string      `yaml:"hex"`       // lower (default) or upper
	Skip      []string    `yaml:"skip"`      // operations sent unsigned
	Doc       string      `yaml:"doc"`
}

// SignExtra is a parameter that takes part in the signature but is not sent.
type SignExtra struct {
	Pos   Pos
	Name  string `yaml:"name"`
	Value string `yaml:"value"` // template
}

// Envelope says how success, error code, message and data are found in a response.
type Envelope struct {
	Pos           Pos
	Style         string   `yaml:"style"`          // "field" (a success flag in the body) or "http" (the HTTP status)
	SuccessField  string   `yaml:"success_field"`  // field style: e.g. status or errno
	SuccessValues []string `yaml:"success_values"` // e.g. ["1"] or ["0"]
	CodeField     string   `yaml:"code_field"`     // vendor code on failure
	MessageField  string   `yaml:"message_field"`  // vendor message on failure
	DataField     string   `yaml:"data_field"`     // field holding the data ("" = the whole body)
	RequestID     string   `yaml:"request_id_field"`
	FieldErrors   string   `yaml:"field_errors"` // "fosrest": nested form errors under "errors"
	Doc           string   `yaml:"doc"`
}

// PagingStyle is one way of walking pages.
type PagingStyle struct {
	Pos         Pos
	Name        string `yaml:"name"`
	Style       string `yaml:"style"`        // page, offset, header
	PageParam   string `yaml:"page_param"`   // page, header: the page number parameter
	First       int    `yaml:"first"`        // page: number of the first page (default 1)
	TotalPages  string `yaml:"total_pages"`  // page: field of the data holding the number of pages
	OffsetParam string `yaml:"offset_param"` // offset: the offset parameter
	LengthParam string `yaml:"length_param"` // offset: the page-size parameter
	MaxLength   int    `yaml:"max_length"`   // offset: the largest allowed page size (used as the default)
	Total       string `yaml:"total"`        // offset: field of the data holding the total count
	SizeParam   string `yaml:"size_param"`   // header: page-size parameter
	Size        int    `yaml:"size"`         // header: page size to ask for; page: the vendor's fixed page size
	PagesHeader string `yaml:"pages_header"` // header: response header holding the number of pages
	Doc         string `yaml:"doc"`
}

// RateLimit is a minimum interval between calls sharing a key.
type RateLimit struct {
	Pos      Pos
	Name     string        `yaml:"name"`
	Interval time.Duration `yaml:"interval"`
	Per      []string      `yaml:"per"`   // credential names whose values form the key
	Scope    string        `yaml:"scope"` // api (default): all operations share it; operation: one clock per operation
	Only     []string      `yaml:"only"`  // operations it applies to (default all)
	Doc      string        `yaml:"doc"`
}

// Retry says which vendor answers are worth retrying.
type Retry struct {
	Pos      Pos
	Codes    []string `yaml:"codes"`    // vendor codes meaning "busy, try later"
	Messages []string `yaml:"messages"` // text in a vendor message meaning "busy, try later" (for vendors with one code for every error)
	Doc      string   `yaml:"doc"`
}

// Operation is one API call.
type Operation struct {
	Pos         Pos
	Name        string       `yaml:"name"` // registry name, e.g. recordlog
	Go          string       `yaml:"go"`   // Go method name, e.g. RecordLog
	Method      string       `yaml:"method"`
	Path        string       `yaml:"path"` // with {param} placeholders for path parameters
	Summary     string       `yaml:"summary"`
	Doc         string       `yaml:"doc"`
	Params      []*Param     `yaml:"params"`
	Constraints []Constraint `yaml:"constraints"`
	Result      string       `yaml:"result"` // type expression of the data, "" for none
	File        bool         `yaml:"file"`   // the answer is a file (a download): returned whole, with its name and type
	Paging      *OpPaging    `yaml:"paging"`
	Write       bool         `yaml:"write"`      // changes vendor state
	RetrySafe   bool         `yaml:"retry_safe"` // a write that may be retried (idempotent)
	Status      []int        `yaml:"status"`     // http style: success statuses (default 200)
	Hints       []Hint       `yaml:"hints"`      // advice for its errors, tried before the API's
	Permission  string       `yaml:"permission"` // the vendor permission it needs (see Permissions)
}

// OpPaging names the paging style of an operation and where its items are.
type OpPaging struct {
	Pos   Pos
	Style string `yaml:"style"` // name of a PagingStyle
	Items string `yaml:"items"` // field of the result holding the items ("" when the result is the list)
}

// Param is a parameter of an operation.
type Param struct {
	Pos       Pos
	Name      string   `yaml:"name"` // name in the spec and the registry
	Wire      string   `yaml:"wire"` // name on the wire when different (e.g. users[])
	Go        string   `yaml:"go"`   // Go field name override
	Type      string   `yaml:"type"` // type expression
	In        string   `yaml:"in"`   // query, body, path, header; default query for GET, body otherwise
	Required  bool     `yaml:"required"`
	Doc       string   `yaml:"doc"`
	MaxLength int      `yaml:"max_length"` // strings: most characters
	Min       *int64   `yaml:"min"`
	Max       *int64   `yaml:"max"`
	Enum      []string `yaml:"enum"`   // allowed literal values (strings) when no named enum type is used
	Single    bool     `yaml:"single"` // one value only: no comma-separated list
	Format    string   `yaml:"format"` // Go layout for date/datetime on the wire
	Zone      string   `yaml:"zone"`   // caller: a datetime sent in the caller's zone (see CallerZone)
	Default   string   `yaml:"default"`
}

// Constraint is a rule over one or more parameters, checked before any request.
type Constraint struct {
	Pos       Pos
	SameMonth []string `yaml:"same_month"` // two date params that must fall in one calendar month
	MaxDays   int      `yaml:"max_days"`   // with Range: the span may be at most this many days (inclusive)
	Range     []string `yaml:"range"`      // two date params: start ≤ end
	OneOf     []string `yaml:"one_of"`     // at least one of these must be set
	Doc       string   `yaml:"doc"`
}

// Type is a named type: an object with fields, or an enum over a scalar.
type Type struct {
	Pos    Pos
	Name   string   `yaml:"name"`
	Doc    string   `yaml:"doc"`
	Base   string   `yaml:"type"` // enum base type: int or string; "" for objects
	Enum   []Enum   `yaml:"enum"`
	Fields []*Field `yaml:"fields"`
}

// Enum is one value of an enum type.
type Enum struct {
	Pos   Pos
	Value string `yaml:"value"`
	Name  string `yaml:"name"` // Go constant suffix, e.g. Department → BudgetCenterTypeDepartment
	Doc   string `yaml:"doc"`
}

// Field is a field of an object type.
type Field struct {
	Pos       Pos
	Name      string `yaml:"name"` // JSON name
	Go        string `yaml:"go"`   // Go field name override
	Type      string `yaml:"type"`
	Doc       string `yaml:"doc"`
	Format    string `yaml:"format"`    // Go layout when encoding dates/datetimes in a body
	OmitEmpty bool   `yaml:"omitempty"` // leave out of a JSON body when zero
}
