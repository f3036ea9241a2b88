package spec

import (
	"fmt"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/specpipe/specpipe/internal/runtime/registry"
	"github.com/specpipe/specpipe/internal/yamlx"
)

// Load reads and checks the spec at path; scalars are the scalar type names a type expression may
// use (gen/ir's table). The error, if any, lists every problem found, each as
// file:line:column: message (a [yamlx.Errors]). The spec is returned as written: defaults are
// applied by gen/ir, not here.
func Load(path string, scalars []string) (*API, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return Parse(path, b, scalars)
}

// Parse checks the spec in b; file names it in errors.
func Parse(file string, b []byte, scalars []string) (*API, error) {
	root, err := yamlx.Parse(file, b)
	if err != nil {
		return nil, err
	}
	d := &yamlx.Decoder{File: file}
	api := &API{File: file}
	d.Decode(root, api)
	c := checker{d: d, root: root, api: api, scalars: scalars}
	c.check()
	if err := d.Errs.Err(); err != nil {
		return nil, err
	}
	return api, nil
}

type checker struct {
	d       *yamlx.Decoder
	root    *yaml.Node // the file's top mapping, for the positions of top-level values
	api     *API
	scalars []string
	types   map[string]*Type
	creds   map[string]*Credential
	ops     map[string]*Operation
}

func (c *checker) errorf(p Pos, format string, args ...any) {
	c.d.Errs = append(c.d.Errs, &yamlx.Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

var (
	identRe    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	goIdentRe  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	templateRe = regexp.MustCompile(`\{([^{}]*)\}`)
)

// checkBaseURL checks that a SaaS API names its production URL and a self-hosted one names none.
func (c *checker) checkBaseURL() {
	b := c.api.BaseURL
	pos := b.Pos
	if pos.Line == 0 {
		pos = c.api.Pos
	}
	switch {
	case b.SelfHosted && b.Default != "":
		c.errorf(pos, "base_url: a self-hosted API has no default (each installation has its own URL): remove default %q", b.Default)
	case b.SelfHosted && b.Env == "":
		c.errorf(pos, "base_url: a self-hosted API needs env, the variable that names the installation's URL")
	case !b.SelfHosted && b.Default == "":
		c.errorf(pos, "base_url: give the vendor's production URL as default, or mark the API self_hosted: true (its base URL is then a required setting)")
	}
}

func (c *checker) check() {
	a := c.api
	switch {
	case !identRe.MatchString(a.Name):
		c.errorf(a.Pos, "api: want a lower-case name such as kqapi, got %q", a.Name)
	case token.IsKeyword(a.Name):
		c.errorf(a.Pos, "api: %q is a Go keyword and cannot name a package", a.Name)
	case a.Name == "main":
		c.errorf(a.Pos, "api: \"main\" would make a command, not a package")
	}
	if a.Title == "" {
		c.errorf(a.Pos, "title: missing")
	}
	c.checkBaseURL()
	if a.Timezone == "" {
		c.errorf(a.Pos, "timezone: missing (e.g. Asia/Shanghai)")
	} else if _, err := time.LoadLocation(a.Timezone); err != nil {
		c.errorf(a.Pos, "timezone: unknown zone %q", a.Timezone)
	}
	if n := yamlx.ValueNode(c.root, "concurrency"); n != nil && (a.Concurrency < 1 || a.Concurrency > registry.MaxConcurrency) {
		c.errorf(c.d.At(n), "concurrency: want the write requests a connection keeps in flight, 1 to %d, got %s", registry.MaxConcurrency, n.Value)
	}
	c.creds = map[string]*Credential{}
	credGo := map[string]string{"BaseURL": "base URL", "Options": "transport options"} // Config's fields
	for i := range a.Credentials {
		cr := &a.Credentials[i]
		if !identRe.MatchString(cr.Name) {
			c.errorf(cr.Pos, "credential name %q: want lower_case", cr.Name)
		}
		if what, ok := credGo[GoName(cr.Name)]; ok && c.creds[cr.Name] == nil {
			c.errorf(cr.Pos, "credential %q: its Config field %s is already the %s", cr.Name, GoName(cr.Name), what)
		}
		credGo[GoName(cr.Name)] = fmt.Sprintf("credential %q", cr.Name)
		if c.creds[cr.Name] != nil {
			c.errorf(cr.Pos, "credential %q declared twice", cr.Name)
		}
		c.creds[cr.Name] = cr
		if cr.Env == "" {
			c.errorf(cr.Pos, "credential %q: env (the environment variable it is read from) is missing", cr.Name)
		}
		if cr.Secret && cr.Default != "" {
			c.errorf(cr.Pos, "credential %q: a secret must not have a default value in a spec", cr.Name)
		}
	}
	for _, n := range a.RequireOneOf {
		if c.creds[n] == nil {
			c.errorf(a.Pos, "require_one_of: unknown credential %q", n)
		}
	}
	c.types = map[string]*Type{}
	for _, t := range a.Types {
		if !goIdentRe.MatchString(t.Name) {
			c.errorf(t.Pos, "type name %q: want a Go-style name such as Punch", t.Name)
		}
		if c.types[t.Name] != nil || slices.Contains(c.scalars, t.Name) {
			c.errorf(t.Pos, "type %q declared twice", t.Name)
		}
		c.types[t.Name] = t
	}
	c.ops = map[string]*Operation{}
	goNames := map[string]bool{}
	for _, op := range a.Operations {
		if c.ops[op.Name] != nil {
			c.errorf(op.Pos, "duplicate operation %q", op.Name)
		}
		c.ops[op.Name] = op
		if goNames[op.GoName()] {
			c.errorf(op.Pos, "operation %q: Go name %s already used by another operation", op.Name, op.GoName())
		}
		goNames[op.GoName()] = true
	}
	for _, t := range a.Types {
		c.checkType(t)
	}
	for i := range a.CommonParams {
		cp := &a.CommonParams[i]
		if cp.Name == "" {
			c.errorf(cp.Pos, "common parameter: name missing")
		}
		c.checkIn(cp.Pos, cp.In, true)
		c.checkTemplate(cp.Pos, cp.Value)
		c.checkOpRefs(cp.Pos, cp.Skip)
		c.checkOpRefs(cp.Pos, cp.Only)
		if len(cp.Skip) > 0 && len(cp.Only) > 0 {
			c.errorf(cp.Pos, "common parameter %q: give skip or only, not both", cp.Name)
		}
		if cp.When != "" && c.creds[cp.When] == nil {
			c.errorf(cp.Pos, "when: unknown credential %q", cp.When)
		}
		if cp.Type != "" && cp.Type != "string" && cp.Type != "int" {
			c.errorf(cp.Pos, "type: want string or int, got %q", cp.Type)
		}
	}
	switch a.SendZone {
	case "", "api", "own":
	default:
		c.errorf(a.Pos, "send_zone: want api or own, got %q", a.SendZone)
	}
	c.checkSigning()
	c.checkEncryption()
	c.checkEnvelope()
	c.checkAuth()
	styles := map[string]*PagingStyle{}
	for i := range a.Paging {
		ps := &a.Paging[i]
		styles[ps.Name] = ps
		switch ps.Style {
		case "page":
			if ps.PageParam == "" || ps.TotalPages == "" {
				c.errorf(ps.Pos, "paging %q: style page needs page_param and total_pages", ps.Name)
			}
			if ps.Size < 0 {
				c.errorf(ps.Pos, "paging %q: size must not be negative", ps.Name)
			}
		case "offset":
			if ps.OffsetParam == "" || ps.LengthParam == "" || ps.Total == "" || ps.MaxLength <= 0 {
				c.errorf(ps.Pos, "paging %q: style offset needs offset_param, length_param, total and max_length", ps.Name)
			}
		case "header":
			if ps.PageParam == "" || ps.PagesHeader == "" {
				c.errorf(ps.Pos, "paging %q: style header needs page_param and pages_header", ps.Name)
			}
		default:
			c.errorf(ps.Pos, "paging %q: unknown style %q (want page, offset or header)", ps.Name, ps.Style)
		}
	}
	for i := range a.RateLimits {
		rl := &a.RateLimits[i]
		if rl.Interval <= 0 {
			c.errorf(rl.Pos, "rate limit %q: interval must be positive", rl.Name)
		}
		for _, p := range rl.Per {
			if c.creds[p] == nil {
				c.errorf(rl.Pos, "rate limit %q: per: unknown credential %q", rl.Name, p)
			}
		}
		if rl.Scope != "" && rl.Scope != "api" && rl.Scope != "operation" {
			c.errorf(rl.Pos, "rate limit %q: scope must be api or operation", rl.Name)
		}
		c.checkOpRefs(rl.Pos, rl.Only)
	}
	for _, op := range a.Operations {
		c.checkOp(op, styles)
		c.checkHints("operation "+op.Name+": hints", op.Hints)
	}
	c.checkHints("hints", a.Hints)
	c.checkPermissions()
	c.checkZones()
	c.checkGoNames()
	c.checkRecursion()
}

// declared are the exported names every generated package declares besides those the spec
// names (gen/emit: client.go, registry.go, signer.go).
var declared = []string{"API", "APIError", "Client", "Config", "ConfigFromEnv", "FieldError", "New", "Options",
	"ParamError", "Sign", "SignParam", "StringToSign"}

// clientMembers are the methods and fields of every generated Client; an operation's exported
// method and its unexported twin (LowerFirst of it) must differ from them.
var clientMembers = []string{"Call", "cfg", "t", "tokens", "prepare", "fetchToken", "reauth", "sealer"}

// signerNames are the parameter and local names of the generated StringToSign and Sign.
var signerNames = []string{"params", "all", "keys", "sb", "i", "k", "v", "msg", "sum", "m"}

// checkGoNames reports spec names that would declare a Go name twice in the generated package.
func (c *checker) checkGoNames() {
	a := c.api
	taken := map[string]string{} // generated name → what declares it
	for _, op := range a.Operations {
		taken[op.GoName()+"Params"] = fmt.Sprintf("the parameters of operation %q", op.Name)
	}
	for _, op := range a.Operations {
		if slices.Contains(clientMembers, op.GoName()) || slices.Contains(clientMembers, LowerFirst(op.GoName())) {
			c.errorf(op.Pos, "operation %q: Go name %s is already a method of every Client (set go: or rename the operation)", op.Name, op.GoName())
		}
		if op.Paging != nil {
			if other := c.goOp(op.GoName() + "All"); other != nil {
				c.errorf(other.Pos, "operation %q: Go name %s is taken by the iterator of operation %q", other.Name, other.GoName(), op.Name)
			}
		}
	}
	for _, t := range a.Types {
		if slices.Contains(declared, t.Name) {
			c.errorf(t.Pos, "type %q: the generated package already declares %s (it declares %s)", t.Name, t.Name, strings.Join(declared, ", "))
		} else if what, ok := taken[t.Name]; ok {
			c.errorf(t.Pos, "type %q: the name is taken by %s", t.Name, what)
		}
		for _, e := range t.Enum {
			n := t.Name + e.Name
			switch {
			case c.types[n] != nil || slices.Contains(declared, n):
				c.errorf(e.Pos, "type %s: enum constant %s clashes with a type of that name", t.Name, n)
			case taken[n] != "":
				c.errorf(e.Pos, "type %s: enum constant %s is already %s", t.Name, n, taken[n])
			}
			taken[n] = "a constant of enum " + t.Name
		}
		for _, f := range t.Fields {
			if f.GoName() == "UnmarshalJSON" {
				c.errorf(f.Pos, "type %s: field %q: Go name UnmarshalJSON is the type's decoding method (set go:)", t.Name, f.Name)
			}
		}
	}
}

func (c *checker) goOp(goName string) *Operation {
	for _, op := range c.api.Operations {
		if op.GoName() == goName {
			return op
		}
	}
	return nil
}

// checkRecursion reports object types that contain themselves other than through a list or a
// map: Go cannot lay out such a struct.
func (c *checker) checkRecursion() {
	const (
		active = iota + 1
		done
	)
	state := map[string]int{}
	var stack, via []string // the types being visited, and the field each one is left by
	var visit func(t *Type) bool
	visit = func(t *Type) bool {
		switch state[t.Name] {
		case active:
			i := slices.Index(stack, t.Name)
			c.errorf(c.types[stack[i]].Pos, "type %s: recursive type (%s → %s); hold it in a list or a map to break the cycle",
				stack[i], strings.Join(via[i:], " → "), t.Name)
			return true
		case done:
			return false
		}
		state[t.Name] = active
		found := false
		for _, f := range t.Fields {
			ft := c.types[f.Type]
			if ft == nil || ft.Base != "" {
				continue
			}
			stack, via = append(stack, t.Name), append(via, t.Name+"."+f.Name)
			found = visit(ft)
			stack, via = stack[:len(stack)-1], via[:len(via)-1]
			if found {
				break
			}
		}
		state[t.Name] = done
		return found
	}
	for _, t := range c.api.Types {
		if t.Base == "" {
			visit(t)
		}
	}
}

func (c *checker) checkOpRefs(p Pos, names []string) {
	for _, n := range names {
		if c.ops[n] == nil {
			c.errorf(p, "unknown operation %q%s", n, c.nearOp(n))
		}
	}
}

func (c *checker) nearOp(n string) string {
	var names []string
	for k := range c.ops {
		names = append(names, k)
	}
	slices.Sort(names)
	if near := yamlx.Nearest(n, names); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return ""
}

func (c *checker) checkIn(p Pos, in string, common bool) {
	switch in {
	case "", "query", "body", "header", "path":
	case "params":
		if !common {
			c.errorf(p, "in: %q is only for common parameters", in)
		}
	default:
		c.errorf(p, "in: want query, body, path or header, got %q", in)
	}
}

// checkTemplate checks the {references} of a template.
func (c *checker) checkTemplate(p Pos, s string) {
	for _, m := range templateRe.FindAllStringSubmatch(s, -1) {
		ref := m[1]
		switch {
		case ref == "now.unix" || ref == "now.unixms":
		case ref == "token":
			if c.api.Auth == nil {
				c.errorf(p, "{token} is used but the spec has no auth section")
			}
		case strings.HasPrefix(ref, "credential."):
			if c.creds[strings.TrimPrefix(ref, "credential.")] == nil {
				c.errorf(p, "unknown credential in {%s}", ref)
			}
		default:
			c.errorf(p, "unknown reference {%s} (want {credential.NAME}, {now.unix}, {now.unixms} or {token})", ref)
		}
	}
}

func (c *checker) checkSigning() {
	s := c.api.Signing
	if s == nil {
		return
	}
	if s.Param == "" {
		c.errorf(s.Pos, "signing: param (the name the signature is sent as) is missing")
	}
	if s.Sort != "key" {
		c.errorf(s.Pos, "signing: sort must be \"key\", got %q", s.Sort)
	}
	if !strings.Contains(s.Pair, "{value}") {
		c.errorf(s.Pos, "signing: pair must contain {value}, e.g. \"{key}={value}\"")
	}
	if rest := strings.ReplaceAll(strings.ReplaceAll(s.Pair, "{key}", ""), "{value}", ""); strings.ContainsAny(rest, "{}") {
		c.errorf(s.Pos, "signing: pair may only use {key} and {value}")
	}
	c.checkTemplate(s.Pos, s.Append)
	c.checkTemplate(s.Pos, s.HMACKey)
	recipe := s.Append + s.HMACKey + s.Digest
	for _, e := range s.Extra {
		c.checkTemplate(e.Pos, e.Value)
		recipe += e.Value
	}
	// The credentials the recipe reads are arguments of StringToSign and Sign, beside their
	// parameter and locals (gen/emit/signer.go).
	for _, cr := range c.api.Credentials {
		if arg := LowerFirst(GoName(cr.Name)); strings.Contains(recipe, "{credential."+cr.Name+"}") && slices.Contains(signerNames, arg) {
			c.errorf(cr.Pos, "credential %q: the signature functions already use the name %s (rename the credential)", cr.Name, arg)
		}
	}
	switch s.Digest {
	case "md5", "sha256":
	case "hmac-sha256":
		if s.HMACKey == "" {
			c.errorf(s.Pos, "signing: digest hmac-sha256 needs hmac_key")
		}
	default:
		m := templateRe.FindStringSubmatch(s.Digest)
		if m == nil || m[0] != s.Digest || !strings.HasPrefix(m[1], "credential.") {
			c.errorf(s.Pos, "signing: digest must be md5, sha256, hmac-sha256 or {credential.NAME}, got %q", s.Digest)
			break
		}
		cr := c.creds[strings.TrimPrefix(m[1], "credential.")]
		if cr == nil {
			c.errorf(s.Pos, "signing: digest: unknown credential in %s", s.Digest)
			break
		}
		for _, v := range cr.Enum {
			if v != "md5" && v != "sha256" {
				c.errorf(cr.Pos, "credential %q chooses the digest: its enum may hold md5 and sha256 only", cr.Name)
			}
		}
	}
	if s.Hex != "" && s.Hex != "lower" && s.Hex != "upper" {
		c.errorf(s.Pos, "signing: hex must be lower or upper")
	}
	c.checkOpRefs(s.Pos, s.Skip)
}

func (c *checker) checkEnvelope() {
	e := &c.api.Envelope
	switch e.Style {
	case "field":
		if e.SuccessField == "" || len(e.SuccessValues) == 0 {
			c.errorf(e.Pos, "envelope: style field needs success_field and success_values")
		}
	case "http":
	default:
		c.errorf(e.Pos, "envelope: style must be field or http, got %q", e.Style)
	}
	if e.FieldErrors != "" && e.FieldErrors != "fosrest" {
		c.errorf(e.Pos, "envelope: field_errors must be fosrest or empty")
	}
}

func (c *checker) checkAuth() {
	a := c.api.Auth
	if a == nil {
		return
	}
	if a.Style != "token" {
		c.errorf(a.Pos, "auth: style must be token, got %q", a.Style)
	}
	op := c.ops[a.Operation]
	if op == nil {
		c.errorf(a.Pos, "auth: operation %q not found%s", a.Operation, c.nearOp(a.Operation))
		return
	}
	t := c.types[op.Result]
	if t == nil {
		c.errorf(a.Pos, "auth: the result of %q must be an object type", a.Operation)
		return
	}
	if a.TokenField == "" || t.field(a.TokenField) == nil {
		c.errorf(a.Pos, "auth: token_field %q is not a field of %s", a.TokenField, t.Name)
	}
	if a.ExpiresField != "" && t.field(a.ExpiresField) == nil {
		c.errorf(a.Pos, "auth: expires_field %q is not a field of %s", a.ExpiresField, t.Name)
	}
	if a.Lifetime <= 0 {
		c.errorf(a.Pos, "auth: lifetime must be positive")
	}
}

func (t *Type) field(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func (c *checker) checkType(t *Type) {
	switch t.Base {
	case "":
		if len(t.Enum) > 0 {
			c.errorf(t.Pos, "type %s: an enum needs type: int or type: string", t.Name)
		}
		seen := map[string]bool{}
		goSeen := map[string]bool{}
		for _, f := range t.Fields {
			if f.Name == "" {
				c.errorf(f.Pos, "type %s: field without a name", t.Name)
				continue
			}
			if seen[f.Name] {
				c.errorf(f.Pos, "type %s: field %q declared twice", t.Name, f.Name)
			}
			seen[f.Name] = true
			if goSeen[f.GoName()] {
				c.errorf(f.Pos, "type %s: Go field name %s used twice (set go: on one of them)", t.Name, f.GoName())
			}
			goSeen[f.GoName()] = true
			c.checkTypeExpr(f.Pos, f.Type)
		}
	case "int", "string":
		if len(t.Fields) > 0 {
			c.errorf(t.Pos, "type %s: an enum has no fields", t.Name)
		}
		if len(t.Enum) == 0 {
			c.errorf(t.Pos, "type %s: type %s without enum values", t.Name, t.Base)
		}
		names := map[string]bool{}
		values := map[string]string{} // value (an int's in decimal) → the name of the constant holding it
		for _, e := range t.Enum {
			v := e.Value
			if t.Base == "int" {
				if n, err := strconv.ParseInt(e.Value, 10, 64); err != nil {
					c.errorf(e.Pos, "type %s: enum value %q is not an integer", t.Name, e.Value)
				} else {
					v = strconv.FormatInt(n, 10)
				}
			}
			if first, ok := values[v]; ok {
				c.errorf(e.Pos, "type %s: enum value %q is the value of %s already", t.Name, e.Value, first)
			} else {
				values[v] = e.Name
			}
			if !goIdentRe.MatchString(e.Name) {
				c.errorf(e.Pos, "type %s: enum name %q: want a Go-style name such as Department", t.Name, e.Name)
			}
			if names[e.Name] {
				c.errorf(e.Pos, "type %s: enum name %q used twice", t.Name, e.Name)
			}
			names[e.Name] = true
		}
	default:
		c.errorf(t.Pos, "type %s: type must be int or string (for an enum) or absent (for an object), got %q", t.Name, t.Base)
	}
}

// checkTypeExpr checks a type expression: a scalar, a named type, []T or map[T] (string keys).
func (c *checker) checkTypeExpr(p Pos, s string) {
	if _, elem := SplitType(s); elem != "" {
		c.checkTypeExpr(p, elem)
		return
	}
	switch {
	case s == "":
		c.errorf(p, "type missing")
	case slices.Contains(c.scalars, s) || c.types[s] != nil:
	default:
		var names []string
		names = append(names, c.scalars...)
		for k := range c.types {
			names = append(names, k)
		}
		slices.Sort(names)
		msg := fmt.Sprintf("unknown type %q", s)
		if near := yamlx.Nearest(s, names); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		c.errorf(p, "%s", msg)
	}
}

var pathParamRe = regexp.MustCompile(`\{([a-zA-Z_][a-zA-Z0-9_]*)\}`)

func (c *checker) checkOp(op *Operation, styles map[string]*PagingStyle) {
	if !identRe.MatchString(strings.ToLower(op.Name)) {
		c.errorf(op.Pos, "operation name %q: want letters, digits and _", op.Name)
	}
	if !goIdentRe.MatchString(op.GoName()) {
		c.errorf(op.Pos, "operation %q: go name %q is not an exported Go name", op.Name, op.GoName())
	}
	switch op.Method {
	case "GET", "POST", "PUT", "PATCH", "DELETE":
	default:
		c.errorf(op.Pos, "operation %q: method must be GET, POST, PUT, PATCH or DELETE, got %q", op.Name, op.Method)
	}
	if !strings.HasPrefix(op.Path, "/") {
		c.errorf(op.Pos, "operation %q: path must start with /", op.Name)
	}
	params := map[string]*Param{}
	goNames := map[string]bool{}
	for _, p := range op.Params {
		if p.Name == "" {
			c.errorf(p.Pos, "operation %q: parameter without a name", op.Name)
			continue
		}
		if params[p.Name] != nil {
			c.errorf(p.Pos, "operation %q: parameter %q declared twice", op.Name, p.Name)
		}
		params[p.Name] = p
		if goNames[p.GoName()] {
			c.errorf(p.Pos, "operation %q: Go field %s used twice (set go: on one)", op.Name, p.GoName())
		}
		goNames[p.GoName()] = true
		c.checkIn(p.Pos, p.In, false)
		c.checkTypeExpr(p.Pos, p.Type)
		if len(p.Enum) > 0 && p.Type != "string" {
			c.errorf(p.Pos, "operation %q: parameter %q: enum: lists string values; for a %s use a named enum type", op.Name, p.Name, p.Type)
		}
	}
	for _, m := range pathParamRe.FindAllStringSubmatch(op.Path, -1) {
		p := params[m[1]]
		if p == nil {
			c.errorf(op.Pos, "operation %q: path parameter {%s} is not declared", op.Name, m[1])
		} else if p.Location(op.Method) != "path" {
			c.errorf(p.Pos, "operation %q: parameter %q is in the path, so it needs in: path", op.Name, p.Name)
		}
	}
	for _, p := range op.Params {
		if p.Location(op.Method) == "path" && !strings.Contains(op.Path, "{"+p.Name+"}") {
			c.errorf(p.Pos, "operation %q: path parameter %q does not appear in the path", op.Name, p.Name)
		}
	}
	for _, k := range op.Constraints {
		refs := append(append(append([]string{}, k.SameMonth...), k.Range...), k.OneOf...)
		for _, r := range refs {
			if params[r] == nil {
				c.errorf(k.Pos, "operation %q: constraint names unknown parameter %q", op.Name, r)
			}
		}
		if len(k.SameMonth) != 0 && len(k.SameMonth) != 2 {
			c.errorf(k.Pos, "operation %q: same_month takes two date parameters", op.Name)
		}
		if len(k.Range) != 0 && len(k.Range) != 2 {
			c.errorf(k.Pos, "operation %q: range takes two date parameters", op.Name)
		}
		if k.MaxDays > 0 && len(k.Range) != 2 {
			c.errorf(k.Pos, "operation %q: max_days needs range: [start, end]", op.Name)
		}
		if len(k.SameMonth)+len(k.Range)+len(k.OneOf) == 0 {
			c.errorf(k.Pos, "operation %q: empty constraint", op.Name)
		}
	}
	if op.Result != "" {
		c.checkTypeExpr(op.Pos, op.Result)
	}
	if op.Paging != nil {
		ps := styles[op.Paging.Style]
		if ps == nil {
			c.errorf(op.Paging.Pos, "operation %q: unknown paging style %q", op.Name, op.Paging.Style)
			return
		}
		if _, ok := c.itemType(op); !ok {
			c.errorf(op.Paging.Pos, "operation %q: paging items %q: the result (or that field of it) must be a list", op.Name, op.Paging.Items)
		}
		for _, pn := range []string{ps.PageParam, ps.OffsetParam, ps.LengthParam, ps.SizeParam} {
			if pn != "" && params[pn] == nil {
				c.errorf(op.Paging.Pos, "operation %q: paging style %q uses parameter %q, which the operation does not declare", op.Name, ps.Name, pn)
			}
		}
		if t := c.types[op.Result]; t != nil {
			for _, fn := range []string{ps.TotalPages, ps.Total} {
				if fn != "" && t.field(fn) == nil {
					c.errorf(op.Paging.Pos, "operation %q: paging style %q reads field %q, which %s does not have", op.Name, ps.Name, fn, t.Name)
				}
			}
		}
	}
}

// itemType returns the element type of the list holding a paged operation's items.
func (c *checker) itemType(op *Operation) (string, bool) {
	t := op.Result
	if op.Paging != nil && op.Paging.Items != "" {
		nt := c.types[op.Result]
		if nt == nil {
			return "", false
		}
		f := nt.field(op.Paging.Items)
		if f == nil {
			return "", false
		}
		t = f.Type
	}
	if wrap, elem := SplitType(t); wrap == "[]" {
		return elem, true
	}
	return "", false
}

// SplitType splits a list or map type expression into "[]" or "map" and the element type
// ([]Item → "[]", "Item"; map[int] → "map", "int"); any other expression gives "", "".
func SplitType(expr string) (wrap, elem string) {
	switch {
	case strings.HasPrefix(expr, "[]"):
		return "[]", expr[2:]
	case strings.HasPrefix(expr, "map[") && strings.HasSuffix(expr, "]"):
		return "map", expr[4 : len(expr)-1]
	}
	return "", ""
}

// GoName is the operation's Go method name: go:, else GoName(name).
func (op *Operation) GoName() string { return orGoName(op.Go, op.Name) }

// GoName is the field's Go name: go:, else GoName(name).
func (f *Field) GoName() string { return orGoName(f.Go, f.Name) }

// GoName is the parameter's Go field name: go:, else GoName(name).
func (p *Param) GoName() string { return orGoName(p.Go, p.Name) }

// WireName is the parameter's name on the wire: wire:, else its name.
func (p *Param) WireName() string {
	if p.Wire != "" {
		return p.Wire
	}
	return p.Name
}

// Location is where the parameter is sent: in:, else query for GET and DELETE, body otherwise.
func (p *Param) Location(method string) string {
	switch {
	case p.In != "":
		return p.In
	case method == "GET" || method == "DELETE":
		return "query"
	}
	return "body"
}

func orGoName(set, name string) string {
	if set != "" {
		return set
	}
	return GoName(name)
}

// LowerFirst turns an exported Go name into its unexported form, lowering a leading initialism
// as a whole: ID → id, URLPath → urlPath, RecordLog → recordLog.
func LowerFirst(s string) string {
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	switch {
	case i == 0:
		return s
	case i == 1 || i == len(s):
		return strings.ToLower(s[:i]) + s[i:]
	default:
		return strings.ToLower(s[:i-1]) + s[i-1:]
	}
}

var initialisms = map[string]string{"id": "ID", "url": "URL", "api": "API", "sn": "SN", "uid": "UID", "ip": "IP",
	"json": "JSON", "http": "HTTP", "vat": "VAT", "pid": "PID", "utc": "UTC"}

// GoName turns snake_case, kebab-case, camelCase or a[] names into an exported Go name:
// atten_id → AttenID, color-safe → ColorSafe, users[] → Users, recordlog → Recordlog.
func GoName(s string) string {
	s = strings.TrimSuffix(s, "[]")
	var parts []string
	cur := []rune{}
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			flush()
		case r >= 'A' && r <= 'Z' && i > 0 && rs[i-1] >= 'a' && rs[i-1] <= 'z':
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	var b strings.Builder
	for _, p := range parts {
		if up, ok := initialisms[strings.ToLower(p)]; ok {
			b.WriteString(up)
			continue
		}
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	out := b.String()
	if out == "" || !(out[0] >= 'A' && out[0] <= 'Z') {
		out = "X" + out
	}
	return out
}
